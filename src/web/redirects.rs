//! Answers moved addresses (see `redirects`) with 301, where nothing else answers: a page
//! that exists always wins over a redirect from its path.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::state::AppState;

pub async fn layer(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let reads = matches!(*req.method(), Method::GET | Method::HEAD);
    let path = req.uri().path().to_owned();
    // WordPress's own addresses (`/?p=12`, `/?page_id=3`) are the home page's path: kept
    // as imported (see `import`), they are answered before the home page is.
    if let Some(old) = wordpress_id_query(reads, &path, req.uri().query()) {
        if let Ok(table) = state.redirects().await {
            if let Some(moved) = table.get(&old).and_then(|target| moved_to(target)) {
                return moved;
            }
        }
    }
    let res = next.run(req).await;
    if !reads || res.status() != StatusCode::NOT_FOUND {
        return res;
    }
    let Ok(table) = state.redirects().await else {
        return res;
    };
    // As typed (`/a%20b` arrives encoded) and without a trailing slash.
    let decoded = percent_decoded(&path);
    let target = [path.as_str(), decoded.as_str()]
        .into_iter()
        .flat_map(|p| [p, p.strip_suffix('/').unwrap_or(p)])
        .find_map(|p| table.get(p));
    target.and_then(|target| moved_to(target)).unwrap_or(res)
}

/// `/?p=12` for a GET of `/` whose query names a WordPress post or page by its number.
fn wordpress_id_query(reads: bool, path: &str, query: Option<&str>) -> Option<String> {
    if !reads || path != "/" {
        return None;
    }
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (matches!(key, "p" | "page_id")
            && !value.is_empty()
            && value.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("/?{key}={value}"))
    })
}

fn moved_to(target: &str) -> Option<Response> {
    let location = HeaderValue::from_str(&location(target)).ok()?;
    Some(
        (
            StatusCode::MOVED_PERMANENTLY,
            [
                (header::LOCATION, location),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=300"),
                ),
            ],
        )
            .into_response(),
    )
}

/// `%xx` escapes turned back into the bytes they stand for (invalid UTF-8 kept as it was).
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| path.to_owned())
}

/// A target as a `Location` header may carry it: bytes outside visible ASCII escaped.
fn location(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    for byte in target.bytes() {
        if byte.is_ascii_graphic() {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_read_and_written() {
        assert_eq!(percent_decoded("/caf%C3%A9/a%20b"), "/café/a b");
        assert_eq!(percent_decoded("/100%"), "/100%");
        assert_eq!(percent_decoded("/%zz"), "/%zz");
        assert_eq!(location("/café"), "/caf%C3%A9");
    }
}

//! `ETag` and `Last-Modified` on kept pages and feeds, and the 304 answer to a request whose
//! copy is still current.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::SETTLE;
use crate::platform::db::now;

/// Whether a date validator for `at` may be sent at `now`: a client holding it will be sent
/// 304 for every copy whose date is in the same second or earlier, so that second (and the
/// time other instances may still send copies from before `at`, [`SETTLE`]) must be over.
pub fn settled(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let settle = chrono::Duration::from_std(SETTLE).unwrap_or_default();
    (at + settle).timestamp() < now.timestamp()
}

/// Sets the validators of an answer with this body, keeping any the handler set: `ETag`
/// from the body, and `Last-Modified` when given.
///
/// The tag is weak: a kept page goes out in three encodings under it, and a strong tag would
/// have to differ between them. `If-None-Match` compares tags weakly anyway.
pub fn add_validators(headers: &mut HeaderMap, body: &[u8], modified: Option<DateTime<Utc>>) {
    use sha2::{Digest, Sha256};
    if !headers.contains_key(header::ETAG) {
        let digest = Sha256::digest(body);
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        if let Ok(tag) = HeaderValue::from_str(&format!("W/\"{hex}\"")) {
            headers.insert(header::ETAG, tag);
        }
    }
    if let Some(at) = modified {
        set_last_modified(headers, at);
    }
}

/// Sets `Last-Modified` unless the handler did; never later than now, as HTTP asks.
pub(super) fn set_last_modified(headers: &mut HeaderMap, at: DateTime<Utc>) {
    if headers.contains_key(header::LAST_MODIFIED) {
        return;
    }
    let date = at
        .min(now())
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    if let Ok(date) = HeaderValue::from_str(&date) {
        headers.insert(header::LAST_MODIFIED, date);
    }
}

/// Moves the request's conditions out of its headers.
pub(super) fn take_conditions(headers: &mut HeaderMap) -> HeaderMap {
    let mut conditions = HeaderMap::new();
    for name in [header::IF_NONE_MATCH, header::IF_MODIFIED_SINCE] {
        for value in headers.get_all(&name) {
            conditions.append(name.clone(), value.clone());
        }
        headers.remove(&name);
    }
    conditions
}

/// Whether the client's copy, described by the request's conditions, is the answer's: a tag
/// in `If-None-Match` matches the answer's (weakly), or else `If-Modified-Since` is not
/// older than its `Last-Modified`. `If-None-Match` decides alone when present, as HTTP asks:
/// dates have one-second steps, tags do not.
pub fn not_modified(request: &HeaderMap, response: &HeaderMap) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let mut tags = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .peekable();
    if tags.peek().is_some() {
        let Some(etag) = response.get(header::ETAG).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let etag = opaque(etag);
        return tags.any(|tag| tag.trim() == "*" || opaque(tag) == etag);
    }
    let date = |headers: &HeaderMap, name| {
        let value = headers.get(name)?.to_str().ok()?;
        DateTime::parse_from_rfc2822(value).ok()
    };
    match (
        date(request, header::IF_MODIFIED_SINCE),
        date(response, header::LAST_MODIFIED),
    ) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

/// The answer to a GET, or 304 Not Modified without a body when the client already has it.
pub fn conditional(request: &HeaderMap, res: Response) -> Response {
    if res.status() != StatusCode::OK || !not_modified(request, res.headers()) {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    // A 304 describes the copy the client has: what would describe the body goes.
    for name in [
        header::CONTENT_LENGTH,
        header::CONTENT_TYPE,
        header::CONTENT_ENCODING,
    ] {
        parts.headers.remove(name);
    }
    Response::from_parts(parts, Body::empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderName;

    fn headers(pairs: &[(HeaderName, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.clone(), HeaderValue::from_static(value)))
            .collect()
    }

    #[test]
    fn a_request_s_tags_decide_before_its_date() {
        use header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
        const DATE: &str = "Sun, 06 Nov 1994 08:49:37 GMT";
        let response = headers(&[(ETAG, "W/\"abc\""), (LAST_MODIFIED, DATE)]);
        let matches =
            |pairs: &[(HeaderName, &'static str)]| not_modified(&headers(pairs), &response);
        assert!(matches(&[(IF_NONE_MATCH, "W/\"abc\"")]));
        assert!(matches(&[(IF_NONE_MATCH, "\"abc\"")]), "weak comparison");
        assert!(matches(&[(IF_NONE_MATCH, "\"x\", W/\"abc\"")]));
        assert!(matches(&[(IF_NONE_MATCH, "*")]));
        assert!(!matches(&[(IF_NONE_MATCH, "\"abcd\"")]));
        assert!(!matches(&[
            (IF_NONE_MATCH, "\"x\""),
            (IF_MODIFIED_SINCE, DATE)
        ]));
        assert!(matches(&[(IF_MODIFIED_SINCE, DATE)]));
        assert!(matches(&[(
            IF_MODIFIED_SINCE,
            "Mon, 07 Nov 1994 00:00:00 GMT"
        )]));
        assert!(!matches(&[(
            IF_MODIFIED_SINCE,
            "Sun, 06 Nov 1994 08:49:36 GMT"
        )]));
        assert!(!matches(&[(IF_MODIFIED_SINCE, "yesterday")]));
        assert!(!matches(&[]));
        assert!(!not_modified(
            &headers(&[(IF_NONE_MATCH, "*")]),
            &HeaderMap::new()
        ));

        let mut res = Response::new(Body::from("page"));
        res.headers_mut().clone_from(&headers(&[
            (ETAG, "W/\"abc\""),
            (header::CONTENT_TYPE, "text/html"),
            (header::CONTENT_ENCODING, "br"),
            (header::VARY, "accept-encoding"),
        ]));
        let res = conditional(&headers(&[(IF_NONE_MATCH, "W/\"abc\"")]), res);
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(res.headers()[ETAG], "W/\"abc\"");
        assert_eq!(res.headers()[header::VARY], "accept-encoding");
        assert!(!res.headers().contains_key(header::CONTENT_ENCODING));
        assert!(!res.headers().contains_key(header::CONTENT_TYPE));
    }
}

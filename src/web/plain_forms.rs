//! Forms posted as plain HTML forms: without JavaScript, or before the page's island has
//! hydrated (a click on a phone while the wasm still loads). Leptos answers a refused plain
//! post with a redirect back to the form's page, the error in its query string, and what was
//! typed is gone: a mistyped password cost the login too, a refused comment its text.
//!
//! So a refused plain post is answered here with the form's page itself, rendered as if that
//! page were asked for with the error, and with what was typed in the form's fields
//! ([`PostedForm`], read by `components::form::KeepTyped`). Nothing is stored or put in an
//! address; passwords are not kept even for that one answer.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;

use crate::components::form::SCOPE_FIELD;
use crate::error::AppError;

/// What a refused plain post carried: the server function's address and its fields, minus
/// any password. Rendering reads it from the request's extensions.
#[derive(Clone, Debug)]
pub struct PostedForm {
    pub path: String,
    pub fields: Vec<(String, String)>,
}

impl PostedForm {
    /// Whether this is the post of the form to `path` whose `__form` scope is `scope` (forms
    /// repeated on a page, like a reply form under every comment, name themselves so that
    /// only the one posted gets its text back).
    pub fn is_for(&self, path: &str, scope: Option<&str>) -> bool {
        self.path == path && self.field(SCOPE_FIELD) == scope
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The pages, for rendering a refused form's page again.
#[derive(Clone)]
pub struct Pages(pub Router);

/// Answers a refused plain post to a server function with the page it came from, its error
/// shown and its fields as typed, with the error's status (400, 401, 429…).
pub async fn answer_refused(
    State(pages): State<Pages>,
    req: Request<Body>,
    next: Next,
) -> Response {
    if !is_plain_form_post(&req) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, super::http::BODY_LIMIT_BYTES).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let fields = url::form_urlencoded::parse(&bytes)
        .into_owned()
        .filter(|(name, _)| !name.contains("password"))
        .collect();
    let posted = PostedForm {
        path: parts.uri.path().to_owned(),
        fields,
    };
    let res = next
        .run(Request::from_parts(parts.clone(), Body::from(bytes)))
        .await;
    let Some(page) = refused_page(&res) else {
        return res;
    };
    let status = match axum::body::to_bytes(res.into_body(), 64 * 1024).await {
        Ok(bytes) => serde_json::from_slice::<AppError>(&bytes)
            .map(|err| err.status())
            .unwrap_or(StatusCode::BAD_REQUEST),
        Err(_) => StatusCode::BAD_REQUEST,
    };

    // The same request (cookies, session, language), as a GET of the page.
    let mut parts = parts;
    parts.method = Method::GET;
    parts.uri = page;
    for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH, header::ORIGIN] {
        parts.headers.remove(name);
    }
    parts.extensions.insert(posted);
    let again = Request::from_parts(parts, Body::empty());
    let Ok(mut answer) = pages.0.oneshot(again).await;
    if answer.status().is_success() {
        *answer.status_mut() = status;
    }
    answer
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    answer
}

/// A browser's form post (it takes HTML and sends fields) to a server function.
fn is_plain_form_post(req: &Request<Body>) -> bool {
    req.method() == Method::POST
        && req.uri().path().starts_with("/rpc/")
        && takes_html(req.headers())
        && header_has(
            req.headers(),
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
}

fn takes_html(headers: &HeaderMap) -> bool {
    header_has(headers, header::ACCEPT, "text/html")
}

fn header_has(headers: &HeaderMap, name: header::HeaderName, needle: &str) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(needle))
}

/// Called by a server function that succeeded: a plain form post of it goes back to the
/// form's page at `suffix` (`#comment-12`), without the query that opened the form there
/// (`?reply=12`). A call from the page's own code is left alone: it shows the result itself.
pub fn back_to_page(suffix: &str) {
    let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() else {
        return;
    };
    if !takes_html(&parts.headers) {
        return;
    }
    let page = parts
        .headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| url::Url::parse(referer).ok())
        .map(|url| url.path().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    leptos_axum::redirect(&format!("{page}{suffix}"));
}

/// The page a refused plain post goes back to: Leptos's redirect carries the error in its
/// query (`__err`), which the page renders. Only its path and query are kept, so the page is
/// always this site's.
fn refused_page(res: &Response) -> Option<Uri> {
    if !res.status().is_redirection() {
        return None;
    }
    let location = res.headers().get(header::LOCATION)?.to_str().ok()?;
    let url = url::Url::parse(location)
        .or_else(|_| url::Url::parse("http://site.invalid")?.join(location))
        .ok()?;
    url.query_pairs()
        .any(|(key, _)| key == "__err")
        .then_some(())?;
    let path_and_query = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    path_and_query.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redirect(location: &str) -> Response {
        Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, location)
            .body(Body::empty())
            .unwrap()
    }

    #[test]
    fn a_refused_post_goes_back_to_its_own_page_on_this_site() {
        let page = refused_page(&redirect(
            "https://evil.example/signin?next=%2Fa&__path=%2Frpc%2Fsign_in&__err=eyJ9",
        ))
        .unwrap();
        assert_eq!(page.host(), None);
        assert_eq!(page.path(), "/signin");
        assert!(page.query().unwrap().contains("__err=eyJ9"));
        assert_eq!(
            refused_page(&redirect("/posts/a?__path=%2Frpc%2Fx&__err=e30"))
                .unwrap()
                .path(),
            "/posts/a"
        );
    }

    #[test]
    fn a_successful_post_is_left_alone() {
        assert!(refused_page(&redirect("/posts/a")).is_none());
        assert!(refused_page(&Response::new(Body::empty())).is_none());
    }

    #[test]
    fn typing_comes_back_to_the_form_posted_only() {
        let form = PostedForm {
            path: "/rpc/comments/add".into(),
            fields: vec![
                ("__form".into(), "reply-7".into()),
                ("content".into(), "typed".into()),
            ],
        };
        assert!(form.is_for("/rpc/comments/add", Some("reply-7")));
        assert_eq!(form.field("content"), Some("typed"));
        assert!(!form.is_for("/rpc/comments/add", None));
        assert!(!form.is_for("/rpc/comments/add", Some("reply-8")));
        assert!(!form.is_for("/rpc/comments/edit", Some("reply-7")));
    }
}

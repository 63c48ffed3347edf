//! Rendered pages and feeds for visitors who are not signed in, kept in memory: a reader's
//! page then costs one primary-key lookup instead of a render.
//!
//! Correct with several app instances: every request that may change what readers see bumps
//! `content_version` in the database after its work has committed, and a kept page is served
//! only while the version it was rendered under is still the current one. Because the bump
//! comes after the commit, a page rendered while a write was in flight is kept under the old
//! version and dropped at the next look. An instance reads the version at most once per
//! [`VERSION_TTL`] (a query per request cost a third of a kept page's time) and forgets it
//! after each of its own writes: a write shows at once on the instance that made it, and
//! within [`VERSION_TTL`] on the others.
//!
//! Requests other than GET that readers cannot see (a read made by a server function, a
//! draft saved, a comment held for moderation) say so through [`readers`], where they are
//! handled, and leave the version alone; those that changed their writer's own parts move
//! the readers version instead (see `web::reader_rows`). Writing a batch of counted views bumps
//! a second counter, the views version (pages show view counts). What no write changes is
//! bounded by time: a kept page is at most [`MAX_AGE`] old ("3 hours ago"), and none
//! outlives the moment a scheduled post goes out.
//!
//! One request at a time renders a page; the others asking for it meanwhile wait for that
//! render instead of starting their own (a busy page's readers would otherwise all render it
//! at once after every write). When the only change is the view counts, or the page merely
//! aged out, they get the previous copy at once instead of waiting.
//!
//! A kept page carries validators, `ETag` (a hash of the page) and `Last-Modified` (when it
//! was rendered; a feed dates itself, by its newest item), and answers a matching
//! conditional request with 304 and no body. The handler never sees the request's
//! conditions: its 304 could not be kept. Dates have one-second steps, and two copies of a
//! page from the same second must not share one when they differ: a page rendered within the
//! second of a change (see [`settled`]) goes out with its `ETag` only.
//!
//! A kept page is sent many times, and a script nonce must be new in every answer; so a kept
//! page's policy allows its inline scripts by their SHA-256 hashes instead (the hydration
//! loader, the theme switch, the page's data), and its script tags lose the nonce.

pub(crate) mod encodings;
mod scripts;
pub mod signed_in;
mod store;
mod validators;
mod versions;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::guard::{SECURE_SESSION_COOKIE, SESSION_COOKIE};
use super::state::AppState;
use crate::error::AppError;
use crate::platform::db::now;
use crate::platform::readers::{self, Change, Viewed, VIEW_HEADER};
use crate::web::metrics::{self, RouteLabel};
use crate::web::view_counting;
use encodings::{brotli, gzip, Encoding};
use scripts::pin_scripts;
use store::{rendered_meanwhile, Lookup, Page};
use validators::take_conditions;
use versions::{next_publication, Version};

pub use store::PageCache;
pub use validators::{add_validators, conditional, not_modified, settled};
pub use versions::{bump, bump_views};

/// The longest a kept page is served.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// The oldest copy served while the page is rendered anew (only when its content is current).
const STALE_LIMIT: Duration = Duration::from_secs(120);
/// Bigger pages are rendered every time.
const MAX_PAGE_BYTES: usize = 1024 * 1024;
/// How long a request waits for the current version before rendering without the cache
/// (a database outage then answers its 503 page without waiting twice).
const VERSION_TIMEOUT: Duration = Duration::from_millis(500);
/// How long a version read from the database is trusted.
pub const VERSION_TTL: Duration = Duration::from_millis(250);
/// Set on pages and feeds: `hit` when served from memory, `stale` when served from memory
/// while being rendered anew, `miss` when rendered.
pub const CACHE_HEADER: &str = "x-quire-cache";

/// How long after a change a copy from before it may still be sent as current: by another
/// instance that read the version just before the change, [`VERSION_TTL`] ago at most, in a
/// reading that may itself have taken [`VERSION_TIMEOUT`].
const SETTLE: Duration = Duration::from_millis(750);

/// Paths that are never kept: private pages, the API, files with their own caching.
const PRIVATE_PREFIXES: &[&str] = &[
    "/api",
    "/rpc",
    "/pkg",
    "/media",
    "/health",
    "/admin",
    "/dashboard",
    "/editor",
    "/settings",
    // Pages opened with a secret in their address (a mailed link, a setup token, an
    // invitation): what they show changes when the secret is used, and the secret is not
    // kept in memory.
    "/setup",
    "/signup",
    "/reset-password",
    "/confirm-email",
    "/subscribe",
    "/unsubscribe",
];

/// The middleware: serves kept pages to visitors, keeps what it renders for them, and bumps
/// the content version after every successful write.
pub async fn layer(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    if state.pages.budget > 0 && cacheable_request(&req) {
        let key = req.uri().to_string();
        if let Some(version) = state.pages.version(&state.db).await {
            let (mut parts, body) = req.into_parts();
            let conditions = take_conditions(&mut parts.headers);
            let res = cached(&state, Request::from_parts(parts, body), next, key, version).await;
            return conditional(&conditions, res);
        }
    }
    // What the handler declared (platform::readers) decides whether readers' pages changed.
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let (mut res, change) = readers::watch(next.run(req)).await;
    res.headers_mut().remove(VIEW_HEADER);
    if writes && (res.status().is_success() || res.status().is_redirection()) {
        let marked = match change {
            Change::Everybodys => state.pages.content_changed(&state.db).await,
            Change::WritersOwn => state.pages.readers_changed(&state.db).await,
            Change::Nothing => Ok(()),
        };
        if let Err(err) = marked {
            // Kept pages and readers' rows then stay stale until they age out.
            tracing::warn!(error = %err, "marking the content as changed failed");
        }
    }
    res
}

/// Compresses a page rendered for one reader (a signed-in one's; a visitor's kept page
/// comes out of [`layer`] compressed already) whole, at a fast level, as the client accepts.
/// The general compression layer would compress Leptos's stream piece by piece as it
/// arrives, which cost a signed-in post page five times its render.
pub async fn compress_rendered(req: Request<Body>, next: Next) -> Response {
    let encoding = Encoding::accepted(req.headers());
    let res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if encoding == Encoding::Identity
        || !html
        || res.headers().contains_key(header::CONTENT_ENCODING)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let identity = match rendered(body).await {
        Ok(bytes) => bytes,
        Err(failed) => return failed,
    };
    let Some(compressed) = encodings::for_one_reader(encoding, &identity) else {
        return Response::from_parts(parts, Body::from(identity));
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    encoding.label(&mut parts.headers);
    Response::from_parts(parts, Body::from(compressed))
}

/// A rendered page's bytes, or the answer for a render that broke off.
async fn rendered(body: Body) -> Result<axum::body::Bytes, Response> {
    axum::body::to_bytes(body, usize::MAX).await.map_err(|err| {
        tracing::error!(error = %err, "reading a rendered page failed");
        AppError::Internal.into_response()
    })
}

async fn cached(
    state: &AppState,
    req: Request<Body>,
    next: Next,
    key: String,
    version: Version,
) -> Response {
    let encoding = Encoding::accepted(req.headers());
    let peer = view_counting::peer_ip(req.extensions());
    let filling = match state.pages.lookup(&key, version) {
        Lookup::Hit(page) => return serve_kept(state, req.headers(), peer, &page, encoding, "hit"),
        Lookup::Stale(page) => {
            return serve_kept(state, req.headers(), peer, &page, encoding, "stale");
        }
        Lookup::Wait(done) => {
            if let Some(page) = rendered_meanwhile(done).await {
                return serve_kept(state, req.headers(), peer, &page, encoding, "hit");
            }
            None
        }
        Lookup::Render(filling) => filling,
    };
    let kept = match keepable(state, version, next.run(req).await, true).await {
        Ok(kept) => kept,
        Err(res) => return res,
    };
    let page = state.pages.store(key, kept.page, kept.next_publication);
    let res = respond(&page, encoding, kept.new_viewer, "miss");
    if let Some(filling) = filling {
        filling.done(page);
    }
    res
}

/// A rendered answer made ready to keep.
struct Keepable {
    page: Page,
    /// The viewer cookie it set: this reader's only, not kept.
    new_viewer: Option<HeaderValue>,
    next_publication: Option<chrono::DateTime<chrono::Utc>>,
}

/// Makes a rendered answer into a page to keep, compressed when `compressed`; gives the
/// answer back when it cannot be kept.
async fn keepable(
    state: &AppState,
    version: Version,
    res: Response,
    compressed: bool,
) -> Result<Keepable, Response> {
    let (mut parts, body) = res.into_parts();
    let counts_views_of = parts
        .headers
        .remove(VIEW_HEADER)
        .and_then(|v| Viewed::from_header(&v));
    if !cacheable_response(&parts.headers, parts.status) {
        return Err(Response::from_parts(parts, body));
    }
    let identity = rendered(body).await?;
    if identity.len() > MAX_PAGE_BYTES {
        return Err(Response::from_parts(parts, Body::from(identity)));
    }
    let next_publication = match state.pages.known_next_publication(version) {
        Some(next) => next,
        None => match next_publication(&state.db).await {
            Ok(next) => next,
            Err(_) => return Err(Response::from_parts(parts, Body::from(identity))),
        },
    };
    // The viewer cookie belongs to this reader only; the rest of the answer is everybody's.
    let new_viewer = parts.headers.remove(header::SET_COOKIE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let identity = pin_scripts(&mut parts.headers, identity);
    add_validators(&mut parts.headers, &identity, None);
    let max_age = next_publication
        .and_then(|at| (at - now()).to_std().ok())
        .map_or(MAX_AGE, |until| until.min(MAX_AGE));
    let (gzip, brotli) = if compressed {
        (gzip(&identity), brotli(&identity))
    } else {
        Default::default()
    };
    let page = Page {
        route: parts.extensions.remove::<RouteLabel>(),
        version,
        rendered_at: Instant::now(),
        gzip,
        brotli,
        identity,
        headers: parts.headers,
        counts_views_of,
        fresh_until: Instant::now() + max_age,
        serial: 0,
    };
    Ok(Keepable {
        page,
        new_viewer,
        next_publication,
    })
}

/// A kept page, counting the reader's first look at a post.
fn serve_kept(
    state: &AppState,
    headers: &HeaderMap,
    peer: IpAddr,
    page: &Page,
    encoding: Encoding,
    cache_status: &'static str,
) -> Response {
    let new_viewer = page
        .counts_views_of
        .and_then(|viewed| view_counting::count_look(state, headers, peer, viewed.post_id));
    respond(page, encoding, new_viewer, cache_status)
}

/// A GET from a visitor who is not signed in, for a public page.
fn cacheable_request(req: &Request<Body>) -> bool {
    public_get(req) && !has_session(req.headers())
}

/// A GET for a public page, without an API token.
fn public_get(req: &Request<Body>) -> bool {
    let path = req.uri().path();
    req.method() == Method::GET
        && !PRIVATE_PREFIXES
            .iter()
            .any(|prefix| path.starts_with(prefix))
        && !req.headers().contains_key(header::AUTHORIZATION)
}

/// Whether the request carries a session cookie (signed in, or was).
fn has_session(headers: &HeaderMap) -> bool {
    [SESSION_COOKIE, SECURE_SESSION_COOKIE]
        .iter()
        .any(|name| view_counting::cookie_value(headers, name).is_some())
}

/// A complete page or feed, the same for every visitor but for the viewer cookie.
fn cacheable_response(headers: &HeaderMap, status: StatusCode) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let content_type = text(header::CONTENT_TYPE);
    let cache_control = text(header::CACHE_CONTROL);
    status == StatusCode::OK
        && [
            "text/html",
            "application/atom+xml",
            "application/rss+xml",
            "application/feed+json",
            // Sitemaps.
            "application/xml",
        ]
        .iter()
        .any(|kind| content_type.starts_with(kind))
        && !headers.contains_key(header::CONTENT_ENCODING)
        && !cache_control.contains("no-store")
        && !cache_control.contains("private")
        && headers.get_all(header::SET_COOKIE).iter().all(|cookie| {
            cookie
                .as_bytes()
                .starts_with(format!("{}=", view_counting::VIEWER_COOKIE).as_bytes())
        })
}

/// Feeds date themselves: by their newest item, not by when they were rendered.
fn is_feed(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|kind| {
            [
                "application/atom+xml",
                "application/rss+xml",
                "application/feed+json",
            ]
            .iter()
            .any(|feed| kind.starts_with(feed))
        })
}

fn respond(
    page: &Page,
    encoding: Encoding,
    new_viewer: Option<HeaderValue>,
    cache_status: &'static str,
) -> Response {
    let body = match encoding {
        Encoding::Brotli => page.brotli.clone(),
        Encoding::Gzip => page.gzip.clone(),
        Encoding::Identity => page.identity.clone(),
    };
    let mut res = Response::new(Body::from(body));
    let headers = res.headers_mut();
    headers.clone_from(&page.headers);
    encoding.label(headers);
    headers.insert(CACHE_HEADER, HeaderValue::from_static(cache_status));
    if let Some(cookie) = new_viewer {
        headers.insert(header::SET_COOKIE, cookie);
    }
    if let Some(route) = &page.route {
        res.extensions_mut().insert(route.clone());
    }
    metrics::page_cache_answer(cache_status);
    res
}

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
//! handled, and leave the version alone. Writing a batch of counted views bumps
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

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::http::{SECURE_SESSION_COOKIE, SESSION_COOKIE};
use super::state::AppState;
use crate::error::AppError;
use crate::platform::db::{now, Db};
use crate::platform::readers::{self, VIEW_HEADER};
use crate::posts::views;
use crate::with_db;

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
];

pub struct PageCache {
    budget: usize,
    inner: Mutex<Pages>,
    known: Mutex<KnownVersion>,
}

/// The version last read from the database. A write through this instance forgets it, and a
/// reading that was under way meanwhile (it may predate the write) is not kept.
#[derive(Default)]
struct KnownVersion {
    read: Option<(Version, Instant)>,
    forgotten: u64,
}

/// What a page was rendered under. Both counters only grow and one row holds both, so any
/// two readings are ordered alike by each, and the derived order (content first) is theirs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Version {
    content: i64,
    views: i64,
}

#[derive(Default)]
struct Pages {
    /// The newest version seen; every page kept has its content version.
    version: Version,
    /// When this instance first saw that content version (None: no version seen yet).
    changed_at: Option<DateTime<Utc>>,
    /// When the next scheduled post goes out, as of a content version (None: none is
    /// scheduled).
    next_publication: Option<(i64, Option<DateTime<Utc>>)>,
    by_key: HashMap<String, Arc<Page>>,
    /// Keys oldest first, with the serial of the page stored under them then.
    order: VecDeque<(String, u64)>,
    bytes: usize,
    serial: u64,
    /// The pages being rendered, by key: one request renders, the others wait for it.
    filling: HashMap<String, Fill>,
}

struct Fill {
    version: Version,
    serial: u64,
    done: watch::Receiver<Option<Arc<Page>>>,
}

/// What a request for a page does.
enum Lookup<'a> {
    /// Serves the kept page.
    Hit(Arc<Page>),
    /// Serves the previous copy (its content is current, its view counts or age are not)
    /// while another request renders the page.
    Stale(Arc<Page>),
    /// Waits for the request rendering the page.
    Wait(watch::Receiver<Option<Arc<Page>>>),
    /// Renders the page; with a `Filling` when others wait for it.
    Render(Option<Filling<'a>>),
}

/// The one request rendering a page; dropped (done or not), it lets the next one try.
struct Filling<'a> {
    cache: &'a PageCache,
    key: String,
    serial: u64,
    done: watch::Sender<Option<Arc<Page>>>,
}

impl Filling<'_> {
    fn done(self, page: Arc<Page>) {
        // The fill's own receiver is in the map until this is dropped, so this cannot fail.
        let _ = self.done.send(Some(page));
    }
}

impl Drop for Filling<'_> {
    fn drop(&mut self) {
        if let Ok(mut pages) = self.cache.inner.lock() {
            if pages
                .filling
                .get(&self.key)
                .is_some_and(|fill| fill.serial == self.serial)
            {
                pages.filling.remove(&self.key);
            }
        }
    }
}

struct Page {
    version: Version,
    rendered_at: Instant,
    headers: HeaderMap,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
    counts_views_of: Option<i64>,
    fresh_until: Instant,
    serial: u64,
}

impl Page {
    fn size(&self) -> usize {
        self.identity.len() + self.gzip.len() + self.brotli.len() + 1024
    }
}

impl PageCache {
    /// A cache holding at most `budget` bytes of pages; 0 turns it off.
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            inner: Mutex::new(Pages::default()),
            known: Mutex::new(KnownVersion::default()),
        }
    }

    /// The current version: the one read less than [`VERSION_TTL`] ago, or a new reading
    /// (None when the database does not answer in time).
    async fn version(&self, db: &Db) -> Option<Version> {
        let forgotten = {
            let known = self.known.lock().ok()?;
            match known.read {
                Some((version, at)) if at.elapsed() < VERSION_TTL => return Some(version),
                _ => known.forgotten,
            }
        };
        let version = tokio::time::timeout(VERSION_TIMEOUT, current_version(db))
            .await
            .ok()?
            .ok()?;
        if let Ok(mut known) = self.known.lock() {
            if known.forgotten == forgotten {
                known.read = Some((version, Instant::now()));
            }
        }
        Some(version)
    }

    /// After a write through this instance: bumps the content version for every instance,
    /// and this instance's next request reads it anew.
    pub async fn content_changed(&self, db: &Db) -> Result<(), sqlx::Error> {
        let bumped = bump(db).await;
        self.forget_version();
        bumped
    }

    /// After this instance wrote a batch of views: as [`Self::content_changed`], for the
    /// views version.
    pub async fn views_changed(&self, db: &Db) -> Result<(), sqlx::Error> {
        let bumped = bump_views(db).await;
        self.forget_version();
        bumped
    }

    fn forget_version(&self) {
        if let Ok(mut known) = self.known.lock() {
            known.read = None;
            known.forgotten += 1;
        }
    }

    fn lookup(&self, key: &str, version: Version) -> Lookup<'_> {
        let Ok(mut pages) = self.inner.lock() else {
            return Lookup::Render(None);
        };
        if !pages.catch_up(version) {
            // Read before a newer version: render without keeping it or being waited for.
            return Lookup::Render(None);
        }
        let now = Instant::now();
        let kept = pages.by_key.get(key).cloned();
        if let Some(page) = kept
            .as_ref()
            .filter(|page| page.version == version && page.fresh_until > now)
        {
            return Lookup::Hit(page.clone());
        }
        if let Some(fill) = pages.filling.get(key).filter(|f| f.version == version) {
            // `catch_up` has dropped every page of older content: a kept page differs from
            // the current one in its view counts or its age at most.
            return match kept {
                Some(page) if now < page.rendered_at + STALE_LIMIT => Lookup::Stale(page),
                _ => Lookup::Wait(fill.done.clone()),
            };
        }
        pages.serial += 1;
        let serial = pages.serial;
        let (done, waiting) = watch::channel(None);
        pages.filling.insert(
            key.to_owned(),
            Fill {
                version,
                serial,
                done: waiting,
            },
        );
        Lookup::Render(Some(Filling {
            cache: self,
            key: key.to_owned(),
            serial,
            done,
        }))
    }

    /// The next scheduled publication as of `version`, when already known.
    fn known_next_publication(&self, version: Version) -> Option<Option<DateTime<Utc>>> {
        let pages = self.inner.lock().ok()?;
        match pages.next_publication {
            Some((known_at, next))
                if known_at == version.content && next.is_none_or(|at| at > now()) =>
            {
                Some(next)
            }
            _ => None,
        }
    }

    /// Keeps the page unless a newer version has been seen since it was rendered; either
    /// way, the page to answer with.
    fn store(&self, key: String, mut page: Page, next: Option<DateTime<Utc>>) -> Arc<Page> {
        let Ok(mut pages) = self.inner.lock() else {
            return Arc::new(page);
        };
        if !pages.catch_up(page.version) || page.size() > self.budget {
            return Arc::new(page);
        }
        pages.next_publication = Some((page.version.content, next));
        let rendered = now();
        if pages
            .changed_at
            .is_some_and(|changed| settled(changed, rendered))
            && !is_feed(&page.headers)
        {
            set_last_modified(&mut page.headers, rendered);
        }
        pages.serial += 1;
        page.serial = pages.serial;
        let size = page.size();
        while pages.bytes + size > self.budget {
            let Some((old_key, serial)) = pages.order.pop_front() else {
                break;
            };
            if pages
                .by_key
                .get(&old_key)
                .is_some_and(|p| p.serial == serial)
            {
                if let Some(old) = pages.by_key.remove(&old_key) {
                    pages.bytes -= old.size();
                }
            }
        }
        let page = Arc::new(page);
        pages.order.push_back((key.clone(), page.serial));
        pages.bytes += size;
        if let Some(replaced) = pages.by_key.insert(key, page.clone()) {
            pages.bytes -= replaced.size();
        }
        page
    }
}

impl Pages {
    /// Forgets every page when the content has changed since they were rendered (pages
    /// whose view counts are behind stay, for [`Lookup::Stale`]). False when `version` is
    /// older than one already seen: nothing read under it may be kept.
    fn catch_up(&mut self, version: Version) -> bool {
        if self.changed_at.is_none() {
            // Another process may have served pages of a content this one never saw.
            self.changed_at = Some(now());
        }
        if version > self.version {
            if version.content > self.version.content {
                self.changed_at = Some(now());
                self.by_key.clear();
                self.order.clear();
                self.bytes = 0;
            }
            self.version = version;
        }
        version == self.version
    }
}

/// The version readers see now.
async fn current_version(db: &Db) -> Result<Version, sqlx::Error> {
    let (content, views) = with_db!(db, |pool| sqlx::query_as(
        "SELECT version, views_version FROM content_version WHERE id = 1"
    )
    .fetch_one(pool)
    .await)?;
    Ok(Version { content, views })
}

/// Tells every instance's cache that what readers see may have changed. Called after the
/// change has committed.
pub async fn bump(db: &Db) -> Result<(), sqlx::Error> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE content_version SET version = version + 1 WHERE id = 1"
    )
    .execute(pool)
    .await
    .map(|_| ()))
}

/// Tells every instance's cache that view counts have changed.
pub async fn bump_views(db: &Db) -> Result<(), sqlx::Error> {
    with_db!(db, |pool| sqlx::query(
        "UPDATE content_version SET views_version = views_version + 1 WHERE id = 1"
    )
    .execute(pool)
    .await
    .map(|_| ()))
}

/// The next time a scheduled post goes out, if one is scheduled.
async fn next_publication(db: &Db) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    with_db!(db, |pool| sqlx::query_scalar(
        "SELECT published_at FROM posts WHERE status = 'PUBLISHED' AND published_at > $1
         ORDER BY published_at LIMIT 1"
    )
    .bind(now())
    .fetch_optional(pool)
    .await)
}

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
    let (mut res, unseen) = readers::watch(next.run(req)).await;
    res.headers_mut().remove(VIEW_HEADER);
    if writes && !unseen && (res.status().is_success() || res.status().is_redirection()) {
        if let Err(err) = state.pages.content_changed(&state.db).await {
            // Kept pages then stay stale until they age out.
            tracing::warn!(error = %err, "marking the content as changed failed");
        }
    }
    res
}

async fn cached(
    state: &AppState,
    req: Request<Body>,
    next: Next,
    key: String,
    version: Version,
) -> Response {
    let encoding = Encoding::accepted(req.headers());
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(peer)| {
            peer.ip()
        });
    let filling = match state.pages.lookup(&key, version) {
        Lookup::Hit(page) => return serve_kept(state, req.headers(), peer, &page, encoding, "hit"),
        Lookup::Stale(page) => {
            return serve_kept(state, req.headers(), peer, &page, encoding, "stale");
        }
        Lookup::Wait(mut done) => {
            let rendered = done
                .wait_for(Option::is_some)
                .await
                .ok()
                .and_then(|page| Option::clone(&page));
            if let Some(page) = rendered {
                return serve_kept(state, req.headers(), peer, &page, encoding, "hit");
            }
            // The render was not kept (an error page, a cookie) or was abandoned.
            None
        }
        Lookup::Render(filling) => filling,
    };
    let res = next.run(req).await;
    let (mut parts, body) = res.into_parts();
    let counts_views_of = parts
        .headers
        .remove(VIEW_HEADER)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    if !cacheable_response(&parts.headers, parts.status) {
        return Response::from_parts(parts, body);
    }
    let identity = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::error!(error = %err, "reading a rendered page failed");
            return AppError::Internal.into_response();
        }
    };
    if identity.len() > MAX_PAGE_BYTES {
        return Response::from_parts(parts, Body::from(identity));
    }
    let next_publication = match state.pages.known_next_publication(version) {
        Some(next) => next,
        None => match next_publication(&state.db).await {
            Ok(next) => next,
            Err(_) => return Response::from_parts(parts, Body::from(identity)),
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
    let page = Page {
        version,
        rendered_at: Instant::now(),
        gzip: gzip(&identity),
        brotli: brotli(&identity),
        identity,
        headers: parts.headers,
        counts_views_of,
        fresh_until: Instant::now() + max_age,
        serial: 0,
    };
    let page = state.pages.store(key, page, next_publication);
    let res = respond(&page, encoding, new_viewer, "miss");
    if let Some(filling) = filling {
        filling.done(page);
    }
    res
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
        .and_then(|post_id| views::count_look(state, headers, peer, post_id));
    respond(page, encoding, new_viewer, cache_status)
}

/// Swaps the policy's script nonce for the hashes of the page's inline scripts, and takes
/// the nonce off the page. Answers without a nonce (feeds) stay as they are.
fn pin_scripts(headers: &mut HeaderMap, page: Bytes) -> Bytes {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let policy = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(nonce) = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
    else {
        return page;
    };
    let Ok(html) = std::str::from_utf8(&page) else {
        return page;
    };
    let hashes: Vec<String> = inline_scripts(html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    let pinned = policy.replace(&format!("'nonce-{nonce}'"), &hashes.join(" "));
    let Ok(pinned) = HeaderValue::from_str(&pinned) else {
        return page;
    };
    // Leptos also writes the nonce as the module preload's `crossorigin` value, which
    // browsers read as "anonymous", as they read an empty one.
    let html = html
        .replace(&format!(" nonce=\"{nonce}\""), "")
        .replace(&format!(" crossorigin=\"{nonce}\""), " crossorigin=\"\"");
    headers.insert(header::CONTENT_SECURITY_POLICY, pinned);
    Bytes::from(html)
}

/// The text of every `<script>` element without a `src`, in order. Script text cannot
/// contain `</script`, so the first one ends it.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || loop {
        let start = rest.find("<script")?;
        let tag_end = start + rest[start..].find('>')?;
        let body_end = tag_end + rest[tag_end..].find("</script")?;
        let tag = &rest[start..tag_end];
        let body = &rest[tag_end + 1..body_end];
        rest = &rest[body_end..];
        if !tag.contains(" src=") {
            return Some(body);
        }
    })
}

/// A GET from a visitor who is not signed in, for a public page.
fn cacheable_request(req: &Request<Body>) -> bool {
    let path = req.uri().path();
    let headers = req.headers();
    req.method() == Method::GET
        && !PRIVATE_PREFIXES
            .iter()
            .any(|prefix| path.starts_with(prefix))
        && !headers.contains_key(header::AUTHORIZATION)
        && [SESSION_COOKIE, SECURE_SESSION_COOKIE]
            .iter()
            .all(|name| views::cookie_value(headers, name).is_none())
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
                .starts_with(format!("{}=", views::VIEWER_COOKIE).as_bytes())
        })
}

/// Whether a date validator for `at` may be sent at `now`: a client holding it will be sent
/// 304 for every copy whose date is in the same second or earlier, so that second (and the
/// time other instances may still send copies from before `at`, [`SETTLE`]) must be over.
pub fn settled(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let settle = chrono::Duration::from_std(SETTLE).unwrap_or_default();
    (at + settle).timestamp() < now.timestamp()
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
fn set_last_modified(headers: &mut HeaderMap, at: DateTime<Utc>) {
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
fn take_conditions(headers: &mut HeaderMap) -> HeaderMap {
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
    if let Some(name) = encoding.name() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(CACHE_HEADER, HeaderValue::from_static(cache_status));
    if let Some(cookie) = new_viewer {
        headers.insert(header::SET_COOKIE, cookie);
    }
    res
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The best encoding the client accepts (`br` over `gzip`), by its `Accept-Encoding`.
    fn accepted(headers: &HeaderMap) -> Self {
        let mut brotli = false;
        let mut gzip = false;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or_default().trim();
                let refused = parts.any(|param| {
                    param
                        .trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                if refused {
                    continue;
                }
                match name.to_ascii_lowercase().as_str() {
                    "br" => brotli = true,
                    "gzip" => gzip = true,
                    _ => {}
                }
            }
        }
        if brotli {
            Self::Brotli
        } else if gzip {
            Self::Gzip
        } else {
            Self::Identity
        }
    }

    fn name(self) -> Option<&'static str> {
        match self {
            Self::Brotli => Some("br"),
            Self::Gzip => Some("gzip"),
            Self::Identity => None,
        }
    }
}

fn gzip(bytes: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default().into()
}

fn brotli(bytes: &[u8]) -> Bytes {
    // Quality 6: close to the best size for HTML at a few milliseconds per 100 KB, paid once
    // per render rather than per request.
    let mut encoder = brotli::CompressorWriter::new(Vec::new(), 4096, 6, 22);
    let _ = encoder.write_all(bytes);
    encoder.into_inner().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderName;

    fn accepting(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn picks_the_best_encoding_the_client_takes() {
        assert_eq!(
            Encoding::accepted(&accepting("gzip, deflate, br, zstd")),
            Encoding::Brotli
        );
        assert_eq!(Encoding::accepted(&accepting("gzip")), Encoding::Gzip);
        assert_eq!(
            Encoding::accepted(&accepting("br;q=0, gzip;q=0.5")),
            Encoding::Gzip
        );
        assert_eq!(
            Encoding::accepted(&accepting("identity")),
            Encoding::Identity
        );
        assert_eq!(Encoding::accepted(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn compressed_copies_decompress_to_the_page() {
        use std::io::Read;
        let page = "<p>quire</p>".repeat(1000);
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&gzip(page.as_bytes())[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, page);
        let mut unbrotlied = String::new();
        brotli::Decompressor::new(&brotli(page.as_bytes())[..], 4096)
            .read_to_string(&mut unbrotlied)
            .unwrap();
        assert_eq!(unbrotlied, page);
    }

    #[test]
    fn kept_pages_allow_their_inline_scripts_by_hash_instead_of_a_nonce() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"),
        );
        let page = r#"<link rel="modulepreload" href="/pkg/x.js" crossorigin="abc123"><script nonce="abc123">theme()</script><script src="/pkg/x.js"></script><p>&lt;script&gt;</p><script type="module" nonce="abc123">load()</script>"#;
        let pinned = pin_scripts(&mut headers, Bytes::from(page));
        assert_eq!(
            std::str::from_utf8(&pinned).unwrap(),
            r#"<link rel="modulepreload" href="/pkg/x.js" crossorigin=""><script>theme()</script><script src="/pkg/x.js"></script><p>&lt;script&gt;</p><script type="module">load()</script>"#
        );
        use base64::Engine;
        use sha2::Digest;
        let hash = |s: &str| {
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(s.as_bytes()))
        };
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            format!(
                "script-src 'self' 'sha256-{}' 'sha256-{}' 'wasm-unsafe-eval'",
                hash("theme()"),
                hash("load()")
            )
        );
    }

    fn version(content: i64, views: i64) -> Version {
        Version { content, views }
    }

    fn page_at(bytes: usize, version: Version) -> Page {
        Page {
            version,
            rendered_at: Instant::now(),
            headers: HeaderMap::new(),
            identity: Bytes::from(vec![b'x'; bytes]),
            gzip: Bytes::new(),
            brotli: Bytes::new(),
            counts_views_of: None,
            fresh_until: Instant::now() + MAX_AGE,
            serial: 0,
        }
    }

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

    #[test]
    fn a_kept_page_is_dated_once_the_second_of_the_last_change_is_over() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert!(!settled(
            at("2026-01-01T10:00:00.1Z"),
            at("2026-01-01T10:00:00.9Z")
        ));
        assert!(settled(
            at("2026-01-01T10:00:00.1Z"),
            at("2026-01-01T10:00:01.0Z")
        ));
        assert!(!settled(
            at("2026-01-01T10:00:00.5Z"),
            at("2026-01-01T10:00:01.2Z")
        ));
        assert!(settled(
            at("2026-01-01T10:00:00.5Z"),
            at("2026-01-01T10:00:02.0Z")
        ));

        let cache = PageCache::new(1 << 20);
        let v1 = version(1, 0);
        let page = cache.store("/".into(), page_at(10, v1), None);
        assert!(!page.headers.contains_key(header::LAST_MODIFIED));
        cache.inner.lock().unwrap().changed_at = Some(now() - chrono::Duration::seconds(2));
        let page = cache.store("/".into(), page_at(10, v1), None);
        assert!(page.headers.contains_key(header::LAST_MODIFIED));
        // A feed keeps the date of its newest item, or none.
        let mut feed = page_at(10, v1);
        feed.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/atom+xml"),
        );
        let feed = cache.store("/feed.xml".into(), feed, None);
        assert!(!feed.headers.contains_key(header::LAST_MODIFIED));
        // A page from before a newer content is not kept, and is not dated.
        cache.store("/".into(), page_at(10, version(2, 0)), None);
        cache.inner.lock().unwrap().changed_at = Some(now() - chrono::Duration::seconds(2));
        let old = cache.store("/a".into(), page_at(10, v1), None);
        assert!(!old.headers.contains_key(header::LAST_MODIFIED));
    }

    fn is_hit(cache: &PageCache, key: &str, at: Version) -> bool {
        matches!(cache.lookup(key, at), Lookup::Hit(_))
    }

    #[test]
    fn a_newer_version_forgets_every_page_and_an_older_one_stores_nothing() {
        let cache = PageCache::new(1 << 20);
        let (v1, v2) = (version(1, 0), version(2, 0));
        cache.store("/".into(), page_at(10, v1), None);
        assert!(is_hit(&cache, "/", v1));
        assert!(!is_hit(&cache, "/", v2));
        cache.store("/".into(), page_at(10, v1), None);
        assert!(
            !is_hit(&cache, "/", v2),
            "a page rendered under 1 is stale at 2"
        );
        cache.store("/".into(), page_at(10, v2), None);
        assert!(is_hit(&cache, "/", v2));
    }

    #[test]
    fn the_oldest_pages_make_room_within_the_budget() {
        let cache = PageCache::new(3 * (1000 + 1024));
        let v1 = version(1, 0);
        for key in ["/a", "/b", "/c", "/d"] {
            cache.store(key.into(), page_at(1000, v1), None);
        }
        assert!(!is_hit(&cache, "/a", v1));
        for key in ["/b", "/c", "/d"] {
            assert!(is_hit(&cache, key, v1), "{key}");
        }
        let pages = cache.inner.lock().unwrap();
        assert!(pages.bytes <= cache.budget);
    }

    #[tokio::test]
    async fn one_request_renders_a_page_and_the_others_wait_for_it() {
        let cache = PageCache::new(1 << 20);
        let v1 = version(1, 0);
        let Lookup::Render(Some(filling)) = cache.lookup("/", v1) else {
            panic!("the first request renders");
        };
        let Lookup::Wait(mut waiting) = cache.lookup("/", v1) else {
            panic!("the second waits, there is no copy to serve meanwhile");
        };
        let page = cache.store("/".into(), page_at(10, v1), None);
        filling.done(page.clone());
        let got = waiting.wait_for(Option::is_some).await.unwrap().clone();
        assert!(Arc::ptr_eq(&got.unwrap(), &page));
        assert!(is_hit(&cache, "/", v1));

        // A render that is abandoned lets the waiting render for themselves.
        let v2 = version(2, 0);
        let Lookup::Render(Some(filling)) = cache.lookup("/", v2) else {
            panic!("new content: rendered again");
        };
        let Lookup::Wait(mut waiting) = cache.lookup("/", v2) else {
            panic!("content changed: the old copy is not served");
        };
        drop(filling);
        assert!(waiting.wait_for(Option::is_some).await.is_err());
        assert!(matches!(cache.lookup("/", v2), Lookup::Render(Some(_))));
    }

    #[test]
    fn new_view_counts_serve_the_previous_copy_while_one_request_renders() {
        let cache = PageCache::new(1 << 20);
        cache.store("/".into(), page_at(10, version(1, 0)), None);
        let counted = version(1, 1);
        let Lookup::Render(Some(_filling)) = cache.lookup("/", counted) else {
            panic!("new view counts: rendered again");
        };
        assert!(matches!(cache.lookup("/", counted), Lookup::Stale(_)));
        let Lookup::Render(Some(_filling)) = cache.lookup("/", version(2, 1)) else {
            panic!("new content: rendered again");
        };
        assert!(matches!(cache.lookup("/", version(2, 1)), Lookup::Wait(_)));
    }
}

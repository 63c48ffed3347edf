//! Public pages for signed-in readers: everybody's page with the reader's own parts put in.
//!
//! A signed-in reader's post page differs from a visitor's only in a few places (the account
//! menu, the like toggle, the comment form and their waiting comments; see
//! `components::hole`), yet each was rendered whole for them: as costly as a full render,
//! 40 times a kept page's cost. So a public page is rendered once per content version for
//! every signed-in reader, *with no reader at all*: the render gets no cookie and no token, so
//! nothing of anybody's can end up in it, and the reader's parts render as hole markers. It
//! is kept among the visitors' pages (under its own key, by the same versions and ages), and
//! each request reads its reader's few rows, renders only the holes and puts them in.
//!
//! A page that is not everybody's (a draft its author is reading: not found for nobody) is
//! rendered for the reader as before; so is a post's address with a query, which opens a
//! form on one comment.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;
use hyper::body::{Frame, SizeHint};
use leptos::prelude::{provide_context, AnyView, IntoAny, Owner, RenderHtml};
use leptos::view;
use memchr::memmem;
use tower_http::request_id::RequestId;
use tower_sessions::Session;

use super::store::{rendered_meanwhile, Lookup, Page};
use super::versions::Version;
use super::{has_session, keepable, public_get, CACHE_HEADER};
use crate::accounts::caller::Caller;
use crate::accounts::session_store::DbSessionStore;
use crate::accounts::CurrentUser;
use crate::comments::functions::SignedInThread;
use crate::components::hole::{ForSignedIn, Hole, MARKER_END, MARKER_START};
use crate::error::AppError;
use crate::web::auth::RequestUser;
use crate::web::metrics;
use crate::web::state::AppState;
use crate::web::view_counting;

/// The middleware: answers a signed-in reader's request for a public page from the page
/// kept for every signed-in reader, with their holes filled. Inside the session layer.
/// While the database is down, the page says so without reading anything of the reader's.
pub async fn layer(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    if state.pages.budget == 0 || !wanted(&req) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    // While the database does not answer, the page is rendered for nobody, which says so at
    // once: the reader's own render would wait for the database again at every part.
    let Some(version) = state.pages.version(&state.db).await else {
        return next.run(request_from_nobody(&state, &parts)).await;
    };
    let user = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(Caller::User(user)) => user,
        Err(AppError::Unavailable) => return next.run(request_from_nobody(&state, &parts)).await,
        // A session that ended: rendered as before.
        _ => return next.run(Request::from_parts(parts, body)).await,
    };
    let key = format!("signed-in {}", parts.uri);
    let Some(page) = everybodys_page(&state, &parts, &next, key, version).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    match filled(&state, &parts, &user, &page).await {
        Ok(res) => res,
        Err(err) => {
            tracing::warn!(error = %err, "filling a signed-in reader's page failed");
            next.run(Request::from_parts(parts, body)).await
        }
    }
}

/// A GET for a public page from a browser with a session; a post's address with a query
/// opens a form on one comment, which is the reader's own.
fn wanted(req: &Request<Body>) -> bool {
    public_get(req)
        && has_session(req.headers())
        && (req.uri().query().is_none() || !req.uri().path().starts_with("/posts/"))
}

/// The page at `parts`' address as every signed-in reader gets it, holes and all: kept, or
/// rendered now (one request at a time, as visitors' pages are). None when it is not
/// everybody's.
async fn everybodys_page(
    state: &AppState,
    parts: &Parts,
    next: &Next,
    key: String,
    version: Version,
) -> Option<Arc<Page>> {
    let filling = match state.pages.lookup(&key, version) {
        Lookup::Hit(page) | Lookup::Stale(page) => return Some(page),
        Lookup::Wait(done) => {
            if let Some(page) = rendered_meanwhile(done).await {
                return Some(page);
            }
            None
        }
        Lookup::Render(filling) => filling,
    };
    let mut req = request_from_nobody(state, parts);
    req.extensions_mut().insert(ForSignedIn);
    let res = next.clone().run(req).await;
    let kept = keepable(state, version, res, false).await.ok()?;
    let page = state.pages.store(key, kept.page, kept.next_publication);
    if let Some(filling) = filling {
        filling.done(page.clone());
    }
    Some(page)
}

/// The reader's request with the reader taken out: no cookie, no token, a session of nobody's.
fn request_from_nobody(state: &AppState, parts: &Parts) -> Request<Body> {
    let mut req = Request::new(Body::empty());
    *req.uri_mut() = parts.uri.clone();
    *req.version_mut() = parts.version;
    let headers = req.headers_mut();
    for (name, value) in &parts.headers {
        if name != header::COOKIE && name != header::AUTHORIZATION {
            headers.append(name, value.clone());
        }
    }
    let extensions = req.extensions_mut();
    if let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        extensions.insert(*peer);
    }
    if let Some(id) = parts.extensions.get::<RequestId>() {
        extensions.insert(id.clone());
    }
    let store = Arc::new(DbSessionStore::new(state.db.clone()));
    extensions.insert(Session::new(None, store, None));
    extensions.insert(RequestUser::default());
    req
}

/// Everybody's `page` with `user`'s holes filled.
async fn filled(
    state: &AppState,
    parts: &Parts,
    user: &CurrentUser,
    page: &Page,
) -> Result<Response, AppError> {
    let broken = |why: &dyn std::fmt::Display| {
        AppError::internal(format_args!("a kept page's hole marker is broken: {why}"))
    };
    let template = &page.identity;
    // One reading for all the holes: they are made from the same rows.
    let readers_version = state.pages.readers_version(&state.db).await;
    let mut pieces = Vec::new();
    let mut at = 0;
    while let Some(start) = memmem::find(&template[at..], MARKER_START.as_bytes()) {
        let marker = at + start + MARKER_START.len();
        let end = marker
            + memmem::find(&template[marker..], MARKER_END.as_bytes())
                .ok_or_else(|| broken(&"it has no end"))?;
        let described = std::str::from_utf8(&template[marker..end]).map_err(|err| broken(&err))?;
        let hole = Hole::parse(described).ok_or_else(|| broken(&described))?;
        let kept_as = PartKey {
            described,
            content_version: page.version.content,
            readers_version,
        };
        pieces.push(template.slice(at..at + start));
        pieces.push(fill(state, parts, user, hole, kept_as).await?);
        at = end + MARKER_END.len();
    }
    let holes = pieces.len() / 2;
    pieces.push(template.slice(at..));
    let mut res = Response::new(Body::new(Pieces::new(pieces)));
    let headers = res.headers_mut();
    headers.clone_from(&page.headers);
    if holes > 0 {
        // This copy is the reader's own: no validators of everybody's, no shared caches.
        headers.remove(header::ETAG);
        headers.remove(header::LAST_MODIFIED);
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    }
    if let Some(viewed) = page.counts_views_of.filter(|v| v.author_id != user.id.0) {
        let peer = view_counting::peer_ip(&parts.extensions);
        if let Some(cookie) = view_counting::count_look(state, &parts.headers, peer, viewed.post_id)
        {
            headers.insert(header::SET_COOKIE, cookie);
        }
    }
    headers.insert(CACHE_HEADER, HeaderValue::from_static("filled"));
    if let Some(route) = &page.route {
        res.extensions_mut().insert(route.clone());
    }
    metrics::page_cache_answer("filled");
    Ok(res)
}

/// A page sent as pieces of the kept page and the reader's parts between them: the kept
/// page's bytes are not copied, and the length is known.
struct Pieces {
    pieces: std::collections::VecDeque<Bytes>,
    remaining: u64,
}

impl Pieces {
    fn new(pieces: Vec<Bytes>) -> Self {
        let remaining = pieces.iter().map(|piece| piece.len() as u64).sum();
        let pieces = pieces
            .into_iter()
            .filter(|piece| !piece.is_empty())
            .collect();
        Self { pieces, remaining }
    }
}

impl hyper::body::Body for Pieces {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let piece = self.pieces.pop_front();
        if let Some(piece) = &piece {
            self.remaining -= piece.len() as u64;
        }
        std::task::Poll::Ready(piece.map(|piece| Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.pieces.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// What a reader's part is kept by besides the reader: its marker, and the versions of the
/// page it goes in and of the rows it is made from.
struct PartKey<'a> {
    described: &'a str,
    content_version: i64,
    readers_version: Option<i64>,
}

/// One hole made for `user`: as made for them before under the same versions, or now.
async fn fill(
    state: &AppState,
    parts: &Parts,
    user: &CurrentUser,
    hole: Hole,
    kept_as: PartKey<'_>,
) -> Result<Bytes, AppError> {
    let version = kept_as.readers_version;
    let key = (
        user.id,
        kept_as.content_version,
        kept_as.described.to_owned(),
    );
    state
        .readers
        .parts
        .get(version, key, || async move {
            made(state, parts, user, hole, version)
                .await
                .map(Bytes::from)
        })
        .await
}

/// One hole, made now for `user` from their rows as of readers version `version`.
async fn made(
    state: &AppState,
    parts: &Parts,
    user: &CurrentUser,
    hole: Hole,
    version: Option<i64>,
) -> Result<String, AppError> {
    use crate::components::comments::readers_own_part;
    use crate::components::layout::SignedInAccount;
    use crate::pages::post::LikeToggle;
    use crate::posts::{LikeState, PostId};
    let rows = &state.readers;
    let html = match hole {
        Hole::Account => {
            let pending = if user.is_moderator() {
                let count = rows.pending.get(version, (), || {
                    crate::moderation::store::pending_count(&state.db)
                });
                Some(count.await?)
            } else {
                None
            };
            let user = user.clone();
            render_alone(state, parts, move || {
                view! { <SignedInAccount user pending/> }.into_any()
            })
        }
        Hole::Like { post_id, count } => {
            let liked = rows
                .likes
                .get(version, (user.id.0, post_id), || {
                    crate::posts::likes::is_liked(&state.db, user.id.0, PostId(post_id))
                })
                .await?;
            let initial = LikeState { liked, count };
            render_alone(state, parts, move || {
                view! { <LikeToggle post_id initial/> }.into_any()
            })
        }
        Hole::Comments { post_id, open } => {
            let thread = SignedInThread::read_own(state, user, post_id, open).await?;
            render_alone(state, parts, move || {
                readers_own_part(post_id, &thread, None)
            })
        }
    };
    Ok(html)
}

/// Renders a piece of a page on its own, with what a page's render has in its context.
fn render_alone(state: &AppState, parts: &Parts, view: impl FnOnce() -> AnyView) -> String {
    let owner = Owner::new();
    owner.with(|| {
        provide_context(state.site.latest().unwrap_or_default());
        provide_context(state.clone());
        provide_context(parts.clone());
        view().to_html()
    })
}

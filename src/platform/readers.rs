//! What a request did to the pages readers see, told by the code that knows to the page cache
//! (`web::page_cache`), which sits above everything and listens.
//!
//! Every request other than GET counts as a change to what readers see (the cache then drops
//! its pages, and each instance reads signed-in readers' own rows again), unless the code that
//! handled it says otherwise:
//! - a server function that never changes what readers see declares so with
//!   `#[middleware(crate::platform::readers::LeavesReadersAlone)]` next to its `#[server]`
//!   (a session it ends or starts is told by the session store itself);
//! - a handler whose write turned out to be invisible to everybody but its writer (a draft
//!   saved, a comment held for moderation, a password reset that ended sessions) calls
//!   [`unseen`]: pages stay, readers' own rows are read again.
//!
//! A new server function is thus safe (if wasteful) until it declares itself a read, and a
//! renamed one keeps its declaration.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, Response};

/// Set by a post's page (inside the server): the post whose views a kept copy must count.
/// The page cache reads it and removes it; it never leaves the server.
pub const VIEW_HEADER: HeaderName = HeaderName::from_static("x-quire-view");

/// What a write changed, as its handler says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// What anybody may see: the default.
    Everybodys,
    /// Only what its writer sees of their own (see [`unseen`]).
    WritersOwn,
    /// Nothing anybody sees (see [`LeavesReadersAlone`]).
    Nothing,
}

tokio::task_local! {
    /// What the request being handled said it changed.
    static CHANGE: Cell<Change>;
}

/// Says that the request being handled changed nothing readers see but its writer's own
/// parts. Outside a request watched by [`watch`] it does nothing.
pub fn unseen() {
    let _ = CHANGE.try_with(|change| change.set(Change::WritersOwn));
}

/// Runs a request's handling and answers what it said it changed.
pub async fn watch<F: Future>(handling: F) -> (F::Output, Change) {
    CHANGE
        .scope(Cell::new(Change::Everybodys), async move {
            let out = handling.await;
            (out, CHANGE.with(Cell::get))
        })
        .await
}

/// A post whose page counts its readers' looks, and its author, whose own looks do not count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewed {
    pub post_id: i64,
    pub author_id: i64,
}

impl Viewed {
    /// Read back from [`VIEW_HEADER`].
    pub fn from_header(value: &HeaderValue) -> Option<Self> {
        let (post_id, author_id) = value.to_str().ok()?.split_once(' ')?;
        Some(Self {
            post_id: post_id.parse().ok()?,
            author_id: author_id.parse().ok()?,
        })
    }
}

/// Marks the page being rendered as the page of this post, so that a kept copy of it still
/// counts each reader's first look.
pub fn counts_views_of(viewed: Viewed) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        let value = format!("{} {}", viewed.post_id, viewed.author_id);
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.insert_header(VIEW_HEADER, value);
        }
    }
}

/// The declaration of a server function that never changes what readers see (it only reads,
/// or changes only the caller's own session): `#[middleware(LeavesReadersAlone)]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LeavesReadersAlone;

impl<S> tower::Layer<S> for LeavesReadersAlone {
    type Service = Unseen<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Unseen(inner)
    }
}

/// The service [`LeavesReadersAlone`] wraps a server function in.
#[derive(Clone, Debug)]
pub struct Unseen<S>(S);

impl<S> tower::Service<Request<Body>> for Unseen<S>
where
    S: tower::Service<Request<Body>, Response = Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        // Before the handler runs, so that one which does change its writer's rows can
        // still say so.
        let _ = CHANGE.try_with(|change| change.set(Change::Nothing));
        Box::pin(self.0.call(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_is_a_change_until_it_says_otherwise() {
        let ((), said) = watch(async {}).await;
        assert_eq!(said, Change::Everybodys);
        let ((), said) = watch(async { unseen() }).await;
        assert_eq!(said, Change::WritersOwn);
        // Outside a watched request nothing happens, and nothing panics.
        unseen();
    }
}

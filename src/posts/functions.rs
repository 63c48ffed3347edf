//! The server functions that read posts (and like them): they parse, ask `Caller`, call the
//! posts store and shape the answer. Their addresses (`/rpc/posts/...`) are part of the
//! pages' contract and the page cache's: keep the `#[server]` attributes as they are.

use leptos::prelude::*;

use super::search::SearchResults;
use super::{LikeState, PostCard, PostDetail, PostPage};
use crate::error::AppError;

/// Published posts, newest first, from `cursor` on.
#[server(prefix = "/rpc", endpoint = "posts/recent")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn list_recent_posts(cursor: Option<String>) -> Result<PostPage, AppError> {
    let state = crate::web::state::AppState::current()?;
    crate::posts::store::list_published(&state.db, cursor.as_deref(), crate::posts::PAGE_SIZE).await
}

/// The most viewed published posts.
#[server(prefix = "/rpc", endpoint = "posts/popular")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn popular_posts() -> Result<Vec<PostCard>, AppError> {
    let state = crate::web::state::AppState::current()?;
    crate::posts::store::popular(&state.db, crate::posts::POPULAR_SIZE).await
}

/// A post by its slug. Drafts, archived and scheduled posts exist only for their author and
/// admins: everybody else gets 404, exactly as for a slug that was never used. A reader's
/// first look at a public post counts as a view.
#[server(prefix = "/rpc", endpoint = "posts/get")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn get_post(slug: String) -> Result<PostDetail, AppError> {
    use crate::accounts::caller::Caller;
    use crate::posts::{editing, likes, store};
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let found = store::find_by_slug(&state.db, &slug, crate::posts::PostKind::Post)
        .await?
        .ok_or(AppError::NotFound)?;
    let user = caller.user();
    let is_author = user.is_some_and(|u| u.id.0 == found.author_id);
    if !found.detail.public && !editing::may_see_unpublished(&caller, found.author_id) {
        return Err(AppError::NotFound);
    }
    let mut detail = found.detail;
    if detail.public {
        // A kept copy of this page counts its readers' views too (web::page_cache).
        crate::platform::readers::counts_views_of(crate::platform::readers::Viewed {
            post_id: detail.card.id,
            author_id: found.author_id,
        });
        // The page made for every signed-in reader counts nobody: each reader's copy of
        // it counts their own look (web::page_cache::signed_in).
        let for_everyone = crate::components::hole::rendering_for_signed_in();
        if !is_author && !for_everyone {
            crate::web::view_counting::count_look_here(&state, detail.card.id).await;
        }
    }
    if let Some(user) = user {
        detail.signed_in = true;
        detail.liked =
            likes::is_liked(&state.db, user.id.0, crate::posts::PostId(detail.card.id)).await?;
    }
    let origin = state.config.origin();
    if detail.url.is_empty() {
        detail.url = format!("{origin}/posts/{}", detail.card.slug);
    }
    detail.share_image = detail
        .card
        .cover_image
        .as_deref()
        .map(|src| crate::feeds::absolute(&origin, src));
    Ok(detail)
}

/// A page (About, Contact…) by its slug, as `/{slug}` shows it. Drafts exist only for their
/// author and admins, as posts' do.
#[server(prefix = "/rpc", endpoint = "posts/page")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn get_page(slug: String) -> Result<PostDetail, AppError> {
    use crate::accounts::caller::Caller;
    use crate::posts::{editing, store, PostKind};
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let found = store::find_by_slug(&state.db, &slug, PostKind::Page)
        .await?
        .ok_or(AppError::NotFound)?;
    if !found.detail.public && !editing::may_see_unpublished(&caller, found.author_id) {
        return Err(AppError::NotFound);
    }
    let mut detail = found.detail;
    if detail.url.is_empty() {
        detail.url = format!("{}/{}", state.config.origin(), detail.card.slug);
    }
    Ok(detail)
}

/// Likes (`liked: true`) or unlikes a post as the signed-in user. Either is idempotent: a
/// user likes a post at most once, however many clicks arrive at the same time.
#[server(prefix = "/rpc", endpoint = "posts/like")]
pub async fn like_post(post_id: i64, liked: bool) -> Result<LikeState, AppError> {
    use crate::accounts::caller::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let user = caller.require_user()?;
    crate::posts::likes::set(&state.db, user.id.0, crate::posts::PostId(post_id), liked).await
}

/// Published posts matching every word of `q` (stemmed: "running" finds "run"), best first.
#[server(prefix = "/rpc", endpoint = "posts/search")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn search_posts(q: String, cursor: Option<String>) -> Result<SearchResults, AppError> {
    use crate::posts::search::{self, MAX_QUERY_CHARS};
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::field(
            "q",
            format!("Search for at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let state = crate::web::state::AppState::current()?;
    search::ssr::search(
        &state.db,
        &search::terms(&q),
        cursor.as_deref(),
        crate::posts::PAGE_SIZE,
    )
    .await
}

/// The posts pinned to the home page that readers see, newest pin first.
#[server(prefix = "/rpc", endpoint = "posts/featured")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn featured_posts() -> Result<Vec<PostCard>, AppError> {
    let state = crate::web::state::AppState::current()?;
    crate::posts::store::featured(&state.db).await
}

/// Admins only: the pinned posts, as the admin page's Home page tab lists them (the same as
/// [`featured_posts`]; the tab is for admins, so is what it loads).
#[server(prefix = "/rpc", endpoint = "posts/pinned")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn pinned_posts() -> Result<Vec<PostCard>, AppError> {
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    crate::posts::store::featured(&state.db).await
}

/// Admins only: pins a published post to the home page (`featured`) or unpins it. `post` is
/// its address (`/posts/slug`, whole or as a path) or its slug.
#[server(prefix = "/rpc", endpoint = "posts/feature")]
pub async fn feature_post(post: String, featured: bool) -> Result<(), AppError> {
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    use crate::posts::store;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    let slug = slug_in(&post);
    let not_there = || {
        AppError::field(
            "post",
            "No published post has this address; give its address or slug",
        )
    };
    let found = store::find_by_slug(&state.db, slug, crate::posts::PostKind::Post)
        .await?
        .ok_or_else(not_there)?;
    store::set_featured(&state.db, admin, found.detail.card.id, featured)
        .await
        .map_err(|err| match err {
            AppError::NotFound => not_there(),
            other => other,
        })
}

/// `https://blog.example/posts/a-post?x#y`, `/posts/a-post/` and `a-post` all name `a-post`.
#[cfg(feature = "ssr")]
fn slug_in(address: &str) -> &str {
    let path = address.trim().split(['?', '#']).next().unwrap_or_default();
    let path = path.trim_end_matches('/');
    match path.rfind("/posts/") {
        Some(at) => &path[at + "/posts/".len()..],
        None => path.rsplit('/').next().unwrap_or_default(),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn a_post_is_named_by_its_address_or_slug() {
        for given in [
            "https://blog.example/posts/a-post?x=1#top",
            "/posts/a-post/",
            " a-post ",
        ] {
            assert_eq!(super::slug_in(given), "a-post", "{given}");
        }
    }
}

//! Categories: a small, admin-kept set of sections (with a description and a colour) that
//! posts are filed under.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::posts::PostPage;

#[cfg(feature = "ssr")]
pub mod store;

/// A category's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
pub struct CategoryId(pub i64);

impl std::fmt::Display for CategoryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A category as a badge on a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CategoryBadge {
    pub name: String,
    pub slug: String,
    pub color: String,
}

/// A category with what its page and the index show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub color: String,
    /// Published posts filed under it.
    pub post_count: i64,
}

/// Every category, by name, with its number of published posts.
#[server(prefix = "/rpc", endpoint = "categories/list")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn list_categories() -> Result<Vec<Category>, AppError> {
    let state = crate::web::state::AppState::current()?;
    store::list(&state.db).await
}

/// Admins only: the categories to manage (the admin page's tab); the same rows as the list.
#[server(prefix = "/rpc", endpoint = "categories/manage")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn manage_categories() -> Result<Vec<Category>, AppError> {
    use crate::accounts::Role;
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    store::list(&state.db).await
}

/// A category and one page of its published posts.
#[server(prefix = "/rpc", endpoint = "categories/posts")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn category_posts(
    slug: String,
    cursor: Option<String>,
) -> Result<(Category, PostPage), AppError> {
    use crate::posts::store::{list, Listing};
    let state = crate::web::state::AppState::current()?;
    let category = store::find_by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = list(
        &state.db,
        Listing::Category(category.id),
        cursor.as_deref(),
        crate::posts::PAGE_SIZE,
    )
    .await?;
    Ok((category, page))
}

/// Admins only: creates a category (no `id`) or changes one. An empty slug is made from the
/// name; whatever is typed becomes a safe slug.
#[server(prefix = "/rpc", endpoint = "categories/save")]
pub async fn save_category(
    id: Option<i64>,
    name: String,
    slug: String,
    description: String,
    color: String,
) -> Result<Category, AppError> {
    use crate::accounts::Role;
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    let input = store::CategoryInput::validate(&name, &slug, &description, &color)?;
    store::save(&state.db, admin, id, input, None).await
}

/// Admins only: deletes a category; its posts stay, without it.
#[server(prefix = "/rpc", endpoint = "categories/delete")]
pub async fn delete_category(id: i64) -> Result<(), AppError> {
    use crate::accounts::Role;
    use crate::web::auth::Caller;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    store::delete(&state.db, admin, id).await
}

//! The categories' server functions: thin doors that ask `Caller` first, validate, and call
//! the store. The category page's listing joins categories and posts, so it lives here, above
//! both domains.

use leptos::prelude::*;

use super::Category;
use crate::error::AppError;
use crate::posts::PostPage;

/// Every category, by name, with its number of published posts.
#[server(prefix = "/rpc", endpoint = "categories/list")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn list_categories() -> Result<Vec<Category>, AppError> {
    let state = crate::web::state::AppState::current()?;
    crate::categories::store::list(&state.db).await
}

/// Admins only: the categories to manage (the admin page's tab); the same rows as the list.
#[server(prefix = "/rpc", endpoint = "categories/manage")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn manage_categories() -> Result<Vec<Category>, AppError> {
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    crate::categories::store::list(&state.db).await
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
    let category = crate::categories::store::find_by_slug(&state.db, &slug)
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
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    use crate::categories::{store, CategoryId};
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    let input = store::CategoryInput::validate(&name, &slug, &description, &color)?;
    store::save(&state.db, admin, id.map(CategoryId), input, None).await
}

/// Admins only: deletes a category; its posts stay, without it.
#[server(prefix = "/rpc", endpoint = "categories/delete")]
pub async fn delete_category(id: i64) -> Result<(), AppError> {
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    use crate::categories::{store, CategoryId};
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    store::delete(&state.db, admin, CategoryId(id)).await
}

//! `/api/categories`: everybody reads them; admins manage them.

use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

use super::schema::patterns;
use super::{ApiResult, AsAdmin, Body, Success};
use crate::accounts::caller::Caller;
use crate::accounts::Role;
use crate::categories::{store, Category, CategoryId, DEFAULT_COLOR};
use crate::error::AppError;
use crate::web::state::AppState;

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiCategoryFull {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub color: String,
    pub post_count: i64,
}

fn api(category: Category) -> ApiCategoryFull {
    ApiCategoryFull {
        id: category.id.to_string(),
        name: category.name,
        slug: category.slug,
        description: category.description,
        color: category.color,
        post_count: category.post_count,
    }
}

/// `GET /api/categories`
pub(super) async fn list(State(state): State<AppState>) -> ApiResult<Vec<ApiCategoryFull>> {
    let categories = store::list(&state.db).await?;
    Ok(Success::ok(
        "Categories",
        categories.into_iter().map(api).collect(),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CategoryWrite {
    /// Trimmed; not blank. Another category's name answers 409.
    #[schemars(length(min = 1, max = store::NAME_MAX), regex(pattern = patterns::NOT_BLANK))]
    pub name: Option<String>,
    /// Its letters and digits, lower-cased, other runs become -. Made from the name when blank
    /// or without letters or digits (`category` when the name has none either). Another
    /// category's slug answers 409.
    #[schemars(length(max = store::SLUG_MAX), regex(pattern = patterns::TEXT))]
    pub slug: Option<String>,
    /// Trimmed.
    #[schemars(length(max = store::DESCRIPTION_MAX), regex(pattern = patterns::TEXT))]
    pub description: Option<String>,
    /// `#rgb` or `#rrggbb` (#64748b for new categories unless given).
    #[schemars(regex(pattern = patterns::COLOR))]
    pub color: Option<String>,
}

/// The body of `POST /api/categories`: a [`CategoryWrite`] that has a name.
pub struct CategoryCreate;

impl schemars::JsonSchema for CategoryCreate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CategoryCreate".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = CategoryWrite::json_schema(generator);
        super::schema::require(&mut schema, &["name"]);
        schema
    }
}

/// `POST /api/categories` (admins) → 201.
pub(super) async fn create(
    State(state): State<AppState>,
    AsAdmin(caller): AsAdmin,
    key: crate::idempotency::IdempotencyKey,
    super::KeyedBody(body, raw): super::KeyedBody<CategoryWrite>,
) -> ApiResult<ApiCategoryFull> {
    let admin = caller.require_role(Role::Admin)?;
    let (claim, earlier) =
        super::idempotency(&state, admin.id.0, key, "POST /api/categories", &raw).await?;
    if let Some(id) = earlier {
        let category = store::find_by_id(&state.db, CategoryId(id))
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Success::created("Category created", api(category)));
    }
    let input = store::CategoryInput::validate(
        body.name.as_deref().unwrap_or_default(),
        body.slug.as_deref().unwrap_or_default(),
        body.description.as_deref().unwrap_or_default(),
        body.color.as_deref().unwrap_or(DEFAULT_COLOR),
    )?;
    let category = store::save(&state.db, admin, None, input, claim.as_ref()).await?;
    Ok(Success::created("Category created", api(category)))
}

/// `PATCH /api/categories/{id}` (admins): the given fields only.
pub(super) async fn update(
    State(state): State<AppState>,
    AsAdmin(caller): AsAdmin,
    Path(id): Path<String>,
    Body(body): Body<CategoryWrite>,
) -> ApiResult<ApiCategoryFull> {
    let admin = caller.require_role(Role::Admin)?;
    let id = CategoryId(id.parse().map_err(|_| AppError::NotFound)?);
    let current = store::find_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let input = store::CategoryInput::validate(
        body.name.as_deref().unwrap_or(&current.name),
        body.slug.as_deref().unwrap_or(&current.slug),
        body.description.as_deref().unwrap_or(&current.description),
        body.color.as_deref().unwrap_or(&current.color),
    )?;
    let category = store::save(&state.db, admin, Some(id), input, None).await?;
    Ok(Success::ok("Category updated", api(category)))
}

/// `DELETE /api/categories/{id}` (admins).
pub(super) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<()> {
    let admin = caller.require_role(Role::Admin)?;
    let id = CategoryId(id.parse().map_err(|_| AppError::NotFound)?);
    store::delete(&state.db, admin, id).await?;
    Ok(Success::ok("Category deleted", ()))
}

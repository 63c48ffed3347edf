//! `/api/users`: accounts as API clients see them. Emails only to their owner and admins;
//! password hashes and sessions never.

use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::schema::patterns;
use super::{ApiResult, AsAdmin, Body, SignedIn, Success};
use crate::accounts::caller::Caller;
use crate::accounts::store::{
    count_users, create_user_keyed, edit_user, find_by_id, list_users, NewUser, ProfileEdit,
    UserOrder, UserQuery, UserRow,
};
use crate::accounts::{validation, Role, UserId, BIO_MAX};
use crate::error::{AppError, FieldError};
use crate::platform::password::Password;
use crate::web::state::AppState;

/// A user in API answers.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiUser {
    pub id: String,
    pub username: String,
    /// Only to the user themself and to admins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub avatar_url: Option<String>,
    pub bio: String,
    pub role: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_count: Option<i64>,
}

impl ApiUser {
    /// `viewer` decides whether the email is shown: the user themself or an admin.
    pub fn from_row(row: UserRow, viewer: &Caller) -> Self {
        let sees_email = viewer
            .user()
            .is_some_and(|v| v.id == row.id || v.role == Role::Admin);
        Self {
            id: row.id.to_string(),
            username: row.username,
            email: sees_email.then_some(row.email),
            first_name: row.first_name,
            last_name: row.last_name,
            avatar_url: row.avatar_url,
            bio: row.bio,
            role: row.role,
            is_active: row.is_active,
            created_at: row.created_at,
            post_count: None,
            comment_count: None,
        }
    }
}

fn user_id(raw: &str) -> Result<UserId, AppError> {
    raw.parse().map(UserId).map_err(|_| AppError::NotFound)
}

/// `GET /api/users/me`
pub(super) async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<ApiUser> {
    let user = caller.require_user()?;
    let row = find_by_id(&state.db, user.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(Success::ok("Your account", ApiUser::from_row(row, &caller)))
}

/// `GET /api/users/{id}`
pub(super) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<ApiUser> {
    let row = find_by_id(&state.db, user_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Success::ok("User", ApiUser::from_row(row, &caller)))
}

/// `GET /api/users`'s query. Values arrive as text and are checked one by one (every bad one
/// is named); the schema attributes say what each accepts.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ListQuery {
    /// From 1.
    #[schemars(with = "i64", range(min = 1, max = i64::MAX))]
    page: Option<String>,
    /// Users per page (10 unless given).
    #[schemars(with = "i64", range(min = 1, max = 100))]
    limit: Option<String>,
    /// Part of a username or name (for admins: or of an email address).
    #[schemars(with = "String", length(max = SEARCH_MAX), regex(pattern = patterns::TEXT))]
    search: Option<String>,
    #[schemars(with = "String", extend("enum" = ["USER", "AUTHOR", "MODERATOR", "ADMIN"]))]
    role: Option<String>,
    #[schemars(with = "String", extend("enum" = ["true", "false"]))]
    is_active: Option<String>,
    /// createdAt unless given; email is for admins only (403 for others).
    #[schemars(with = "String", extend("enum" = ["createdAt", "username", "email"]))]
    sort_by: Option<String>,
    /// desc unless given.
    #[schemars(with = "String", extend("enum" = ["asc", "desc"]))]
    sort_order: Option<String>,
}

const SEARCH_MAX: usize = 100;

/// A role exactly as the API writes it: USER, AUTHOR, MODERATOR or ADMIN.
pub(super) fn role(raw: &str) -> Option<Role> {
    Role::parse(raw).filter(|role| role.as_str() == raw)
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UserList {
    users: Vec<ApiUser>,
    total: i64,
    page: i64,
    limit: i64,
}

/// `GET /api/users` (moderators and admins). Numbered pages, as the contract has them: user
/// lists are small enough for that. Email addresses are private: only admins search or sort
/// by them (anyone else could guess a hidden address one probe at a time).
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    super::Params(q): super::Params<ListQuery>,
) -> ApiResult<UserList> {
    let viewer = caller.require_role(Role::Moderator)?;
    let by_email = viewer.role == Role::Admin;
    let mut errors = Vec::new();
    let page: i64 = match q.page.as_deref() {
        None => 1,
        Some(raw) => raw.parse().ok().filter(|p| *p >= 1).unwrap_or_else(|| {
            errors.push(FieldError::new("page", "`page` must be a number from 1"));
            1
        }),
    };
    let limit = super::posts::limit(q.limit.as_deref()).unwrap_or_else(|e| {
        errors.push(FieldError::new("limit", e.to_string()));
        10
    });
    let role = match q.role.as_deref() {
        None => None,
        Some(raw) => role(raw).or_else(|| {
            errors.push(FieldError::new(
                "role",
                "`role` must be USER, AUTHOR, MODERATOR or ADMIN",
            ));
            None
        }),
    };
    let active = match q.is_active.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            errors.push(FieldError::new(
                "isActive",
                "`isActive` must be true or false",
            ));
            None
        }
    };
    let order = match q.sort_by.as_deref().unwrap_or("createdAt") {
        "createdAt" => UserOrder::CreatedAt,
        "username" => UserOrder::Username,
        "email" if by_email => UserOrder::Email,
        "email" => return Err(AppError::Forbidden.into()),
        _ => {
            errors.push(FieldError::new(
                "sortBy",
                "`sortBy` must be createdAt, username or email",
            ));
            UserOrder::CreatedAt
        }
    };
    let descending = match q.sort_order.as_deref().unwrap_or("desc") {
        "asc" => false,
        "desc" => true,
        _ => {
            errors.push(FieldError::new(
                "sortOrder",
                "`sortOrder` must be asc or desc",
            ));
            true
        }
    };
    let search = q.search.unwrap_or_default();
    if search.contains('\0') {
        errors.push(FieldError::new(
            "search",
            "Text must not contain the NUL character (U+0000)",
        ));
    }
    if search.chars().count() > SEARCH_MAX {
        errors.push(FieldError::new(
            "search",
            "Search for at most 100 characters",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors).into());
    }
    let query = UserQuery {
        search: &search,
        role,
        active,
        by_email,
        order,
        descending,
        limit,
        offset: (page - 1).saturating_mul(limit),
    };
    let rows = list_users(&state.db, &query).await?;
    let total = count_users(&state.db, &query).await?;
    let users = rows
        .into_iter()
        .map(|row| {
            let mut user = ApiUser::from_row(row.user, &caller);
            user.post_count = Some(row.post_count);
            user.comment_count = Some(row.comment_count);
            user
        })
        .collect();
    Ok(Success::ok(
        "Users",
        UserList {
            users,
            total,
            page,
            limit,
        },
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserCreate {
    /// Compared and kept lower-cased; one already used answers 409.
    #[schemars(length(max = validation::EMAIL_MAX), regex(pattern = patterns::EMAIL))]
    pub email: String,
    /// Letters, digits, _ and -; one already used (in any case) answers 409.
    #[schemars(regex(pattern = patterns::USERNAME))]
    pub username: String,
    #[schemars(schema_with = "super::schema::password_schema")]
    pub password: String,
    /// Trimmed; blank for none.
    #[schemars(length(max = validation::NAME_MAX), regex(pattern = patterns::NAME))]
    pub first_name: Option<String>,
    /// Trimmed; blank for none.
    #[schemars(length(max = validation::NAME_MAX), regex(pattern = patterns::NAME))]
    pub last_name: Option<String>,
    /// USER (the default), AUTHOR, MODERATOR or ADMIN.
    #[schemars(extend("enum" = ["USER", "AUTHOR", "MODERATOR", "ADMIN", null]))]
    pub role: Option<String>,
}

/// `POST /api/users` (admins) → 201.
pub(super) async fn create(
    State(state): State<AppState>,
    AsAdmin(caller): AsAdmin,
    key: crate::idempotency::IdempotencyKey,
    super::KeyedBody(body, raw): super::KeyedBody<UserCreate>,
) -> ApiResult<ApiUser> {
    let admin = caller.require_role(Role::Admin)?;
    let (claim, earlier) =
        super::idempotency(&state, admin.id.0, key, "POST /api/users", &raw).await?;
    if let Some(id) = earlier {
        let row = find_by_id(&state.db, UserId(id))
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Success::created(
            "User created",
            ApiUser::from_row(row, &caller),
        ));
    }
    let role = match body.role.as_deref() {
        None => Role::User,
        Some(raw) => role(raw).ok_or_else(|| {
            AppError::field("role", "`role` must be USER, AUTHOR, MODERATOR or ADMIN")
        })?,
    };
    let id = create_user_keyed(
        &state.db,
        NewUser {
            email: body.email,
            username: body.username,
            password: Password::new(body.password),
            first_name: body.first_name,
            last_name: body.last_name,
            role,
        },
        state.config.password_min_length,
        claim.as_ref(),
    )
    .await?;
    let row = find_by_id(&state.db, id).await?.ok_or_else(|| {
        AppError::internal(format_args!("user {id} is gone just after its creation"))
    })?;
    Ok(Success::created(
        "User created",
        ApiUser::from_row(row, &caller),
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserUpdate {
    /// Trimmed; blank removes it.
    #[schemars(length(max = validation::NAME_MAX), regex(pattern = patterns::NAME))]
    pub first_name: Option<String>,
    /// Trimmed; blank removes it.
    #[schemars(length(max = validation::NAME_MAX), regex(pattern = patterns::NAME))]
    pub last_name: Option<String>,
    /// Trimmed.
    #[schemars(length(max = BIO_MAX), regex(pattern = patterns::TEXT))]
    pub bio: Option<String>,
    /// Admins only, not their own (403).
    #[schemars(extend("enum" = ["USER", "AUTHOR", "MODERATOR", "ADMIN", null]))]
    pub role: Option<String>,
    /// Admins only, not their own (403).
    pub is_active: Option<bool>,
}

/// `PATCH /api/users/{id}`: the user themself or an admin; only admins change `role` and
/// `isActive`, never their own.
pub(super) async fn update(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
    Body(body): Body<UserUpdate>,
) -> ApiResult<ApiUser> {
    let id = user_id(&id)?;
    let me = caller.require_self_or_admin(id)?;
    let current = find_by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let changes_standing = body.role.is_some() || body.is_active.is_some();
    if changes_standing && (me.role != Role::Admin || me.id == id) {
        return Err(AppError::Forbidden.into());
    }
    let mut errors = Vec::new();
    let first_name = match &body.first_name {
        Some(name) => validation::display_name("firstName", Some(name))
            .map_err(|e| errors.push(e))
            .ok()
            .flatten(),
        None => current.first_name.clone(),
    };
    let last_name = match &body.last_name {
        Some(name) => validation::display_name("lastName", Some(name))
            .map_err(|e| errors.push(e))
            .ok()
            .flatten(),
        None => current.last_name.clone(),
    };
    // Measured as sent, as the schema has it.
    if body
        .bio
        .as_deref()
        .is_some_and(|bio| bio.chars().count() > BIO_MAX)
    {
        errors.push(FieldError::new("bio", "The bio is too long"));
    }
    let bio = body
        .bio
        .as_deref()
        .map(str::trim)
        .unwrap_or(&current.bio)
        .to_owned();
    let role = match body.role.as_deref() {
        None => None,
        Some(raw) => role(raw).or_else(|| {
            errors.push(FieldError::new(
                "role",
                "`role` must be USER, AUTHOR, MODERATOR or ADMIN",
            ));
            None
        }),
    };
    if !errors.is_empty() {
        return Err(AppError::invalid(errors).into());
    }
    let profile = ProfileEdit {
        first_name,
        last_name,
        bio,
    };
    edit_user(&state.db, id, profile, role, body.is_active).await?;
    if let Some(role) = role {
        let entry = crate::audit::store::AuditEntry::new(
            me.id.0,
            &me.username,
            "user.role",
            "user",
            Some(id.0),
        );
        crate::audit::store::record(&state.db, entry.detail(role.as_str())).await?;
    }
    if let Some(active) = body.is_active {
        let action = if active {
            "user.reactivate"
        } else {
            "user.deactivate"
        };
        let entry =
            crate::audit::store::AuditEntry::new(me.id.0, &me.username, action, "user", Some(id.0));
        crate::audit::store::record(&state.db, entry).await?;
    }
    let row = find_by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(Success::ok("User updated", ApiUser::from_row(row, &caller)))
}

/// `DELETE /api/users/{id}`: the user themself or an admin; the last admin stays.
pub(super) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<()> {
    let id = user_id(&id)?;
    caller.require_self_or_admin(id)?;
    crate::accounts::store::delete_user(&state.db, id).await?;
    Ok(Success::ok("User deleted", ()))
}

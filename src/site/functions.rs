//! The site settings' server functions: admins read and change them on the admin page.
// A form's fields are a server function's arguments, however many the form has.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use super::SiteSettings;
use crate::error::AppError;

/// Admins only: the settings as the Settings tab edits them.
#[server(prefix = "/rpc", endpoint = "site/settings")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn load_site_settings() -> Result<SiteSettings, AppError> {
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    super::store::load(&state.db).await
}

/// Admins only: saves the Settings tab. A checkbox sends its field only when ticked.
#[server(prefix = "/rpc", endpoint = "site/save")]
pub async fn save_site_settings(
    title: String,
    description: String,
    language: String,
    footer: String,
    registration: String,
    publishing: String,
    comments_enabled: Option<String>,
    /// Absent: off, as a checkbox left out is.
    comments_need_confirmed_email: Option<String>,
    powered_by: Option<String>,
    /// Absent: as it is.
    time_zone: Option<String>,
    /// Absent: as it is.
    accent_color: Option<String>,
    /// One address per line; absent: as they are.
    social_links: Option<String>,
) -> Result<SiteSettings, AppError> {
    use super::{store, Publishing, Registration};
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    use crate::error::FieldError;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    let current = state.site().await?;
    let mut errors = Vec::new();
    let registration = Registration::parse(&registration).unwrap_or_else(|| {
        errors.push(FieldError::new("registration", "Choose who may sign up"));
        Registration::Open
    });
    let publishing = Publishing::parse(&publishing).unwrap_or_else(|| {
        errors.push(FieldError::new("publishing", "Choose who may write"));
        Publishing::Authors
    });
    let settings = SiteSettings {
        title,
        description,
        language: language.trim().to_owned(),
        footer,
        registration,
        publishing,
        comments_enabled: comments_enabled.is_some(),
        comments_need_confirmed_email: comments_need_confirmed_email.is_some(),
        powered_by: powered_by.is_some(),
        time_zone: time_zone.unwrap_or(current.time_zone.clone()),
        accent_color: accent_color.unwrap_or(current.accent_color.clone()),
        social_links: social_links.map_or(current.social_links.clone(), |text| {
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect()
        }),
        ..(*current).clone()
    }
    .validated();
    let settings = match settings {
        Ok(settings) if errors.is_empty() => settings,
        Ok(_) => return Err(AppError::invalid(errors)),
        Err(mut more) => {
            more.extend(errors);
            return Err(AppError::invalid(more));
        }
    };
    let actor = admin.into();
    store::save(&state.db, actor, &settings).await?;
    Ok(settings)
}

/// Admins only: both menus, and what they may link to (pages, tags, categories, authors).
#[server(prefix = "/rpc", endpoint = "site/menus")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn load_menus() -> Result<(super::Menus, super::menu::MenuChoices), AppError> {
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    let now = crate::platform::db::now();
    let mut links: Vec<(String, String)> = vec![("Home".to_owned(), "/".to_owned())];
    for page in crate::posts::store::published_pages(&state.db).await? {
        links.push((page.title, format!("/{}", page.slug)));
    }
    for slug in crate::categories::store::slugs(&state.db).await? {
        links.push((format!("Category: {slug}"), format!("/categories/{slug}")));
    }
    for tag in crate::tags::store::listed_names(&state.db, now).await? {
        links.push((format!("Tag: {tag}"), format!("/tags/{tag}")));
    }
    for author in crate::posts::store::authors_with_posts(&state.db, now).await? {
        links.push((format!("Author: {author}"), format!("/u/{author}")));
    }
    let menus = super::store::load(&state.db).await?.menus;
    Ok((menus, super::menu::MenuChoices { links }))
}

/// Admins only: replaces both menus. Sent as JSON: a menu is a list of links, which a form's
/// fields cannot say when it is empty.
#[server(prefix = "/rpc", endpoint = "site/menus_save", input = server_fn::codec::Json)]
pub async fn save_menus(menus: super::Menus) -> Result<super::Menus, AppError> {
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    let menus = menus.validated().map_err(AppError::invalid)?;
    super::store::save_menus(&state.db, admin.into(), &menus).await?;
    Ok(menus)
}

/// Admins only: takes the blog's logo (`POST /admin/site/logo`) or icon (`/admin/site/icon`)
/// from a plain multipart form, and sends the browser back to the Settings tab, saying how
/// it went.
#[cfg(feature = "ssr")]
pub async fn upload_image(
    kind: super::images::SiteImage,
    state: crate::web::state::AppState,
    caller: crate::accounts::caller::Caller,
    multipart: axum::extract::Multipart,
) -> axum::response::Response {
    use super::images;
    use crate::accounts::Role;
    use axum::response::{IntoResponse, Redirect};
    let admin = match caller.require_role(Role::Admin) {
        Ok(admin) => admin,
        Err(AppError::Unauthorized) => {
            return Redirect::to("/signin?next=/admin?tab=settings").into_response()
        }
        Err(err) => return err.into_response(),
    };
    let field = kind.field();
    let stored = async {
        let bytes = crate::accounts::functions::ssr::upload_field(
            multipart,
            field,
            "Choose an image to upload",
        )
        .await?;
        let (value, made) = tokio::task::spawn_blocking(move || images::make(kind, &bytes))
            .await
            .map_err(|e| AppError::internal(format_args!("making the {}: {e}", kind.field())))??;
        images::write(&state.config.media_dir, &made).await?;
        let old = super::store::set_image(&state.db, admin.into(), kind, &value).await?;
        images::forget(&state.config.media_dir, kind, &old).await;
        Ok::<_, AppError>(())
    }
    .await;
    match stored {
        Ok(()) => Redirect::to(&format!("/admin?tab=settings&{field}=saved")).into_response(),
        Err(err) => {
            let message: String =
                url::form_urlencoded::byte_serialize(err.to_string().as_bytes()).collect();
            Redirect::to(&format!("/admin?tab=settings&{field}_error={message}")).into_response()
        }
    }
}

/// Admins only: the blog goes without its logo (`which` = `logo`) or icon (`icon`).
#[server(prefix = "/rpc", endpoint = "site/remove_image")]
pub async fn remove_site_image(which: String) -> Result<(), AppError> {
    use super::images::{self, SiteImage};
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    let state = crate::web::state::AppState::current()?;
    let caller = Caller::current().await?;
    let admin = caller.require_role(Role::Admin)?;
    let kind = match which.as_str() {
        "logo" => SiteImage::Logo,
        "icon" => SiteImage::Icon,
        _ => return Err(AppError::field("which", "Choose the logo or the icon")),
    };
    let old = super::store::set_image(&state.db, admin.into(), kind, "").await?;
    images::forget(&state.config.media_dir, kind, &old).await;
    Ok(())
}

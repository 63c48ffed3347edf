//! `/api/settings`: the blog's settings; anybody reads them, admins change them.

use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::schema::patterns;
use super::{ApiResult, AsAdmin, Body, Success};
use crate::accounts::Role;
use crate::error::AppError;
use crate::site::{store, Publishing, Registration, SiteSettings};
use crate::web::state::AppState;

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiSettings {
    pub title: String,
    pub description: String,
    /// A BCP 47 language tag: the pages' `lang`.
    pub language: String,
    /// An IANA time zone: the dates pages show, the editor's scheduling input.
    pub time_zone: String,
    pub footer: String,
    pub registration: Registration,
    pub publishing: Publishing,
    pub comments_enabled: bool,
    /// Accounts comment only once they have confirmed their address (by the link mailed
    /// at sign-up).
    pub comments_need_confirmed_email: bool,
    pub powered_by: bool,
    /// `#rrggbb`; buttons and links use it, darkened as far as readable text needs.
    pub accent_color: String,
    pub social_links: Vec<String>,
}

fn api(settings: &SiteSettings) -> ApiSettings {
    ApiSettings {
        title: settings.title.clone(),
        description: settings.description.clone(),
        language: settings.language.clone(),
        time_zone: settings.time_zone.clone(),
        footer: settings.footer.clone(),
        registration: settings.registration,
        publishing: settings.publishing,
        comments_enabled: settings.comments_enabled,
        comments_need_confirmed_email: settings.comments_need_confirmed_email,
        powered_by: settings.powered_by,
        accent_color: settings.accent_color.clone(),
        social_links: settings.social_links.clone(),
    }
}

/// `GET /api/settings`
pub(super) async fn show(State(state): State<AppState>) -> ApiResult<ApiSettings> {
    let settings = state.site().await?;
    Ok(Success::ok("Settings", api(&settings)))
}

/// The body of `PATCH /api/settings`: the settings to change; the others stay.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsWrite {
    /// Trimmed; not blank.
    #[schemars(length(min = 1, max = crate::site::TITLE_MAX), regex(pattern = patterns::LINE))]
    pub title: Option<String>,
    /// Trimmed; line breaks kept.
    #[schemars(length(max = crate::site::DESCRIPTION_MAX), regex(pattern = patterns::LINES))]
    pub description: Option<String>,
    /// A BCP 47 tag: `en`, `fr`, `pt-BR`.
    #[schemars(length(max = crate::site::LANGUAGE_MAX), regex(pattern = patterns::LANGUAGE))]
    pub language: Option<String>,
    /// One of the IANA time zones (`Europe/Paris`, `UTC`).
    #[serde(default)]
    #[schemars(schema_with = "super::schema::time_zone_schema")]
    pub time_zone: Option<String>,
    /// Trimmed; line breaks kept.
    #[schemars(length(max = crate::site::FOOTER_MAX), regex(pattern = patterns::LINES))]
    pub footer: Option<String>,
    pub registration: Option<Registration>,
    pub publishing: Option<Publishing>,
    pub comments_enabled: Option<bool>,
    pub comments_need_confirmed_email: Option<bool>,
    pub powered_by: Option<bool>,
    /// `#0f766e` or `#0f7`.
    #[schemars(regex(pattern = patterns::COLOR))]
    pub accent_color: Option<String>,
    /// Whole http(s) addresses: they replace the ones there.
    #[schemars(length(max = crate::site::look::SOCIAL_LINKS_MAX), inner(length(max = crate::site::look::SOCIAL_LINK_MAX), regex(pattern = patterns::SOCIAL_LINK)))]
    pub social_links: Option<Vec<String>>,
}

/// `PATCH /api/settings` (admins)
pub(super) async fn update(
    State(state): State<AppState>,
    AsAdmin(caller): AsAdmin,
    Body(body): Body<SettingsWrite>,
) -> ApiResult<ApiSettings> {
    let admin = caller.require_role(Role::Admin)?;
    let current = store::load(&state.db).await?;
    let settings = SiteSettings {
        title: body.title.unwrap_or(current.title),
        description: body.description.unwrap_or(current.description),
        language: body.language.unwrap_or(current.language),
        time_zone: body.time_zone.unwrap_or(current.time_zone),
        footer: body.footer.unwrap_or(current.footer),
        registration: body.registration.unwrap_or(current.registration),
        publishing: body.publishing.unwrap_or(current.publishing),
        comments_enabled: body.comments_enabled.unwrap_or(current.comments_enabled),
        comments_need_confirmed_email: body
            .comments_need_confirmed_email
            .unwrap_or(current.comments_need_confirmed_email),
        powered_by: body.powered_by.unwrap_or(current.powered_by),
        accent_color: body.accent_color.unwrap_or(current.accent_color),
        social_links: body.social_links.unwrap_or(current.social_links),
        ..current
    }
    .validated()
    .map_err(AppError::invalid)?;
    let actor = admin.into();
    store::save(&state.db, actor, &settings).await?;
    Ok(Success::ok("Settings saved", api(&settings)))
}

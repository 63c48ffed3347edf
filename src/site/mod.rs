//! The blog itself: its name, its description and language, its footer, who may sign up,
//! who may write and whether readers may comment. One row, which admins change and every
//! page reads (each instance keeps a copy, renewed when the content version moves: see
//! `web::per_version`).

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

pub mod dates;
pub mod functions;
#[cfg(feature = "ssr")]
pub mod images;
pub mod look;
pub mod menu;
#[cfg(feature = "ssr")]
pub mod store;

pub use menu::{MenuLink, Menus};

/// Who may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Registration {
    /// Anybody.
    #[default]
    Open,
    /// Whoever an admin invited (a link, single use, for 7 days).
    Invite,
    /// Nobody: admins create accounts (`quire user create`, the API); invitations are not
    /// taken either.
    Closed,
}

/// Who may write posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub enum Publishing {
    /// Every signed-in user.
    Everyone,
    /// Authors, moderators and admins; users read, comment and like.
    #[default]
    Authors,
}

impl Registration {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Invite => "invite",
            Self::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "open" => Some(Self::Open),
            "invite" => Some(Self::Invite),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

impl Registration {
    /// Whether a visitor may create an account, with an invitation (`invited`) or without,
    /// and the reason when not.
    pub fn require_open(self, invited: bool) -> Result<(), crate::error::AppError> {
        match (self, invited) {
            (Self::Open, _) | (Self::Invite, true) => Ok(()),
            (Self::Invite, false) => Err(crate::error::AppError::Denied(
                "This blog takes new accounts by invitation only".to_owned(),
            )),
            (Self::Closed, _) => Err(crate::error::AppError::Denied(
                "Sign-up is closed on this blog".to_owned(),
            )),
        }
    }
}

impl Publishing {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Everyone => "everyone",
            Self::Authors => "authors",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "everyone" => Some(Self::Everyone),
            "authors" => Some(Self::Authors),
            _ => None,
        }
    }
}

/// The blog's settings, as every page and program sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSettings {
    pub title: String,
    pub description: String,
    /// A BCP 47 language tag: the pages' `lang`, and the language dates are written in.
    pub language: String,
    /// An IANA time zone (`Europe/Paris`): the dates pages show, the scheduling input.
    pub time_zone: String,
    /// A line under every page (plain text).
    pub footer: String,
    pub registration: Registration,
    pub publishing: Publishing,
    /// Off: no new comments anywhere; the ones there stay readable.
    pub comments_enabled: bool,
    /// Accounts comment only once their address is confirmed (by the link mailed to it).
    pub comments_need_confirmed_email: bool,
    /// The "Powered by quire" line in the footer.
    pub powered_by: bool,
    /// `#rrggbb`: buttons and links take it (made readable: see `look::accent_style`).
    pub accent_color: String,
    /// Where else the blog's owner is (http(s) addresses), linked from the footer.
    pub social_links: Vec<String>,
    /// The logo's path (`/media/site/…`), or empty. Uploaded on its own (`site::images`).
    pub logo: String,
    /// The icon's path without its `-{size}.png`, or empty: the favicons come from it.
    pub icon: String,
    /// Claimed by its first admin (at `/setup`, or an admin made on the command line); until
    /// then every page says the blog is being set up. Not a setting anybody edits.
    pub set_up: bool,
    /// The header's and the footer's links (edited on their own, in the Menu tab).
    pub menus: Menus,
}

/// What a page shows before the settings are read (the database down at start): the
/// shape of a new blog.
impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            title: "My blog".to_owned(),
            description: String::new(),
            language: "en".to_owned(),
            time_zone: "UTC".to_owned(),
            footer: String::new(),
            registration: Registration::Open,
            publishing: Publishing::Authors,
            comments_enabled: true,
            comments_need_confirmed_email: false,
            powered_by: true,
            accent_color: look::DEFAULT_ACCENT.to_owned(),
            social_links: Vec::new(),
            logo: String::new(),
            icon: String::new(),
            // Nothing is decided on a guess: only the database says a blog is unclaimed.
            set_up: true,
            menus: Menus {
                header: menu::starting_header(),
                footer: Vec::new(),
            },
        }
    }
}

pub const TITLE_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 300;
pub const FOOTER_MAX: usize = 300;
pub const LANGUAGE_MAX: usize = 35;

impl SiteSettings {
    /// The settings trimmed and checked, every problem named by its field.
    pub fn validated(mut self) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        // Lengths as typed, before trimming: the API's schema says so.
        if self.title.trim().is_empty() || self.title.chars().count() > TITLE_MAX {
            errors.push(FieldError::new(
                "title",
                format!("Give the blog a name of 1 to {TITLE_MAX} characters"),
            ));
        }
        if self.description.chars().count() > DESCRIPTION_MAX {
            errors.push(FieldError::new(
                "description",
                format!("Keep the description under {DESCRIPTION_MAX} characters"),
            ));
        }
        if self.footer.chars().count() > FOOTER_MAX {
            errors.push(FieldError::new(
                "footer",
                format!("Keep the footer under {FOOTER_MAX} characters"),
            ));
        }
        if !is_language_tag(&self.language) {
            errors.push(FieldError::new(
                "language",
                "Use a language tag like en, fr or pt-BR",
            ));
        }
        for (field, text) in [
            ("title", &self.title),
            ("description", &self.description),
            ("footer", &self.footer),
        ] {
            if text
                .chars()
                .any(|c| c.is_control() && !(c == '\n' && field != "title"))
            {
                errors.push(FieldError::new(field, "Remove the control characters"));
            }
        }
        if !dates::is_time_zone(&self.time_zone) {
            errors.push(FieldError::new(
                "time_zone",
                "Choose a time zone from the list, like Europe/Paris",
            ));
        }
        match look::normalized_color(&self.accent_color) {
            Some(color) => self.accent_color = color,
            None => errors.push(FieldError::new("accent_color", "Use a colour like #0f766e")),
        }
        if self.social_links.len() > look::SOCIAL_LINKS_MAX {
            errors.push(FieldError::new(
                "social_links",
                format!("Give at most {} social links", look::SOCIAL_LINKS_MAX),
            ));
        } else if let Some(bad) = self.social_links.iter().find(|l| !look::is_social_link(l)) {
            errors.push(FieldError::new(
                "social_links",
                format!(
                    "Give each link as a whole address, like https://github.com/you ({bad} is not)"
                ),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        self.title = self.title.trim().to_owned();
        self.description = self.description.trim().to_owned();
        self.footer = self.footer.trim().to_owned();
        Ok(self)
    }
}

impl SiteSettings {
    /// Refuses what needs a claimed blog (signing up) while it is being set up.
    pub fn require_set_up(&self) -> Result<(), crate::error::AppError> {
        if self.set_up {
            Ok(())
        } else {
            Err(crate::error::AppError::Denied(
                "This blog is being set up".to_owned(),
            ))
        }
    }

    /// Whether new comments are taken, with the reason when not.
    pub fn require_comments_open(&self) -> Result<(), crate::error::AppError> {
        if self.comments_enabled {
            Ok(())
        } else {
            Err(crate::error::AppError::Denied(
                "Comments are closed on this blog".to_owned(),
            ))
        }
    }
}

/// A BCP 47 tag in its common shape: a 2 or 3 letter language, then subtags of 1 to 8
/// letters or digits (`en`, `pt-BR`, `zh-Hant-TW`).
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let Some(language) = parts.next() else {
        return false;
    };
    tag.len() <= LANGUAGE_MAX
        && (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The settings this page is rendered under. The server puts them in each render's context
/// (`web::http`); without them (a browser build) a new blog's defaults stand in.
pub fn current() -> std::sync::Arc<SiteSettings> {
    leptos::prelude::use_context::<std::sync::Arc<SiteSettings>>().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_in_common_shapes_pass_and_others_do_not() {
        for good in ["en", "fr", "pt-BR", "zh-Hant-TW", "de-CH-1996"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in [
            "",
            "e",
            "english",
            "en_US",
            "en-",
            "-en",
            "en-toolongsubtag",
            "é",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn settings_are_trimmed_and_each_bad_field_is_named() {
        let settings = SiteSettings {
            title: "  Field notes ".to_owned(),
            language: "pt-BR".to_owned(),
            ..SiteSettings::default()
        }
        .validated()
        .unwrap();
        assert_eq!(settings.title, "Field notes");
        assert_eq!(settings.language, "pt-BR");

        let errors = SiteSettings {
            title: " ".to_owned(),
            language: "english".to_owned(),
            footer: "x".repeat(FOOTER_MAX + 1),
            ..SiteSettings::default()
        }
        .validated()
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "footer", "language"]);
    }
}

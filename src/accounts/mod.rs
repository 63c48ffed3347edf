//! Accounts: users, their roles and the rules for their names and passwords.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod addresses;
#[cfg(feature = "ssr")]
pub mod avatar;
pub mod caller;
pub mod functions;
pub mod validation;

#[cfg(feature = "ssr")]
pub mod invitations;
#[cfg(feature = "ssr")]
pub mod recovery;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod session_store;
#[cfg(feature = "ssr")]
pub mod setup;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod throttle;
#[cfg(feature = "ssr")]
pub mod tokens;

/// What every "forgot your password" request is told, whether or not an account uses the
/// address.
pub const REQUESTED_RESET: &str = "If an account uses that address, a link to choose a new password is on its way. It works for an hour.";

/// A user's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
pub struct UserId(pub i64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The signed-in user, as the header and the pages see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
    pub role: Role,
}

impl CurrentUser {
    pub fn is_moderator(&self) -> bool {
        self.role >= Role::Moderator
    }

    /// Whether this user writes posts, under the blog's rule.
    pub fn may_write(&self, publishing: crate::site::Publishing) -> bool {
        match publishing {
            crate::site::Publishing::Everyone => true,
            crate::site::Publishing::Authors => self.role >= Role::Author,
        }
    }
}

/// A user's public page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
    pub bio: String,
    /// Their own site (an http(s) address), or empty.
    pub website: String,
    pub joined_at: DateTime<Utc>,
    pub post_count: i64,
    pub comment_count: i64,
}

/// What the settings page edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSettings {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub notifications: Notifications,
    /// The address was shown to be theirs (the link mailed to it was opened).
    pub email_confirmed: bool,
}

/// What a link mailed to an address asks; `/confirm-email` shows it above its button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressLink {
    pub address: String,
    /// The account has this address already: the link confirms it rather than moving the
    /// account to it.
    pub is_current: bool,
}

/// Which mail about comments an account wants (each also turned off by the one-click link in
/// such a mail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Notifications {
    #[cfg_attr(feature = "ssr", sqlx(rename = "notify_approved"))]
    pub approved: bool,
    #[cfg_attr(feature = "ssr", sqlx(rename = "notify_replies"))]
    pub replies: bool,
    #[cfg_attr(feature = "ssr", sqlx(rename = "notify_comments"))]
    pub comments: bool,
    #[cfg_attr(feature = "ssr", sqlx(rename = "notify_moderation"))]
    pub moderation: bool,
}

/// One of the signed-in user's sessions. `handle` names it without revealing its secret id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub handle: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip_address: Option<String>,
    pub is_current: bool,
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationState {
    Open,
    Used,
    Expired,
}

/// An invitation as the admins' list shows it (never its link: only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub id: i64,
    pub role: Role,
    pub email: Option<String>,
    pub invited_by: Option<String>,
    pub used_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub state: InvitationState,
}

/// What an invitation offers the person who opens its link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationOffer {
    pub role: Role,
    /// The address it was made for; the account must use it.
    pub email: Option<String>,
}

/// A new invitation: its link is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInvitation {
    pub url: String,
    pub role: Role,
    pub email: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// The longest bio, in characters.
pub const BIO_MAX: usize = 500;

/// "First Last", or whichever of them is set, or else the username.
pub fn display_name(username: &str, first: Option<&str>, last: Option<&str>) -> String {
    match (first, last) {
        (Some(first), Some(last)) => format!("{first} {last}"),
        (Some(name), None) | (None, Some(name)) => name.to_owned(),
        (None, None) => username.to_owned(),
    }
}

/// What a user may do. Every registered user comments and likes; authors also write (and so
/// does everybody when the blog lets every user write: `site::Publishing`); moderators also
/// moderate comments; admins also manage users, roles, categories and the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    User,
    Author,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "USER",
            Self::Author => "AUTHOR",
            Self::Moderator => "MODERATOR",
            Self::Admin => "ADMIN",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.to_ascii_uppercase().as_str() {
            "USER" => Some(Self::User),
            "AUTHOR" => Some(Self::Author),
            "MODERATOR" => Some(Self::Moderator),
            "ADMIN" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// The one link-trust rule: links written by authors, moderators and admins (whom an admin
/// chose) are followed by search engines; everybody else's carry `rel="nofollow"`. The preview and the saved post both ask
/// here.
#[cfg(feature = "ssr")]
impl Role {
    pub fn link_trust(self) -> crate::platform::markdown::Trust {
        match self {
            Self::Author | Self::Moderator | Self::Admin => {
                crate::platform::markdown::Trust::Trusted
            }
            Self::User => crate::platform::markdown::Trust::Untrusted,
        }
    }
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 4] = [Role::User, Role::Author, Role::Moderator, Role::Admin];
}

#[cfg(feature = "ssr")]
impl<'a> From<&'a CurrentUser> for crate::audit::store::Actor<'a> {
    fn from(user: &'a CurrentUser) -> Self {
        Self {
            id: user.id.0,
            username: &user.username,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

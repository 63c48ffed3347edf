//! Invitations by link: an admin picks the role (and maybe the address), the invited person
//! picks a username and a password. Single use, for [`LIFETIME`]; only the token's hash is
//! kept, so a leaked database holds no usable link.

use chrono::{DateTime, Utc};

use super::store::{create_invited_user, create_signed_up_user, NewUser};
use super::tokens::{hash, random_token};
use super::{
    validation, CurrentUser, InvitationInfo, InvitationOffer, InvitationState, Role, UserId,
};
use crate::audit::store::{record_in, AuditEntry};
use crate::error::AppError;
use crate::mail::letter::Letter;
use crate::mail::outbox::enqueue_in;
use crate::platform::db::{now, BeginWrite, Db};
use crate::site::SiteSettings;
use crate::with_db;

pub const LIFETIME: chrono::TimeDelta = chrono::TimeDelta::days(7);
/// How many invitations the admins' list shows.
pub const LISTED: i64 = 50;

/// A new invitation, as made: its token is in no table, so this is the one chance to send it.
pub struct Made {
    pub token: String,
    /// The address the account must use, as stored (lower-cased).
    pub email: Option<String>,
    pub expires_at: DateTime<Utc>,
}

impl Made {
    /// The link to send, on the blog at `origin`.
    pub fn link(&self, origin: &str) -> String {
        link_to(origin, &self.token)
    }
}

fn link_to(origin: &str, token: &str) -> String {
    format!("{origin}/signup?invitation={token}")
}

/// "Ada invites you to write on Ada's notes."
fn invitation_letter(site: &SiteSettings, from: &str, role: Role, link: &str) -> Letter {
    let what = match role {
        Role::User => "to join",
        Role::Author => "to write on",
        Role::Moderator => "to help moderate",
        Role::Admin => "to help run",
    };
    Letter::new(format!("{from} invites you {what} {}", site.title))
        .paragraph(format!(
            "{from} invites you {what} {}. Choose a username and a password to make your account.",
            site.title
        ))
        .action("Accept the invitation", link)
        .note(format!(
            "The link works once, for {} days. If you were not expecting it, ignore this email.",
            LIFETIME.num_days()
        ))
}

/// A new invitation for `role`, for `email` when given; then the link also goes to that
/// address by mail (queued with the invitation: both or neither).
pub async fn create(
    db: &Db,
    site: &SiteSettings,
    origin: &str,
    admin: &CurrentUser,
    role: Role,
    email: Option<&str>,
) -> Result<Made, AppError> {
    let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(email) => Some(validation::email(email).map_err(|e| AppError::invalid(vec![e]))?),
        None => None,
    };
    let token = random_token();
    let created_at = now();
    let expires_at = created_at + LIFETIME;
    let link = link_to(origin, &token);
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO invitations (token_hash, role, email, invited_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(hash(&token))
            .bind(role.as_str())
            .bind(&email)
            .bind(admin.id)
            .bind(created_at)
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await?;
            let detail = match &email {
                Some(email) => format!("{role} for {email}"),
                None => role.to_string(),
            };
            let entry =
                AuditEntry::new(admin.id.0, &admin.username, "invitation.create", "invitation", Some(id));
            record_in(&mut tx, entry.detail(detail)).await?;
            if let Some(email) = &email {
                let mail = invitation_letter(site, &admin.display_name, role, &link)
                    .to(email, "invitation", format!("invitation:{id}"), site, origin)
                    .urgent();
                enqueue_in(&mut tx, &mail).await?;
            }
            tx.commit().await
        }
        .await
    })?;
    Ok(Made {
        token,
        email,
        expires_at,
    })
}

/// What the invitation behind `token` offers, or why it offers nothing (on the field
/// `invitation`).
pub async fn offer(db: &Db, token: &str) -> Result<InvitationOffer, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        role: String,
        email: Option<String>,
        expires_at: DateTime<Utc>,
        used_at: Option<DateTime<Utc>>,
    }
    let row: Option<Row> = with_db!(db, |pool| sqlx::query_as(
        "SELECT role, email, expires_at, used_at FROM invitations WHERE token_hash = $1"
    )
    .bind(hash(token.trim()))
    .fetch_optional(pool)
    .await)?;
    // At odds with what is stored, as a taken name is (409 in the API).
    let refused = |why: &str| AppError::taken("invitation", why);
    match row {
        None => Err(refused(
            "This invitation link is not valid; ask for a new one",
        )),
        Some(row) if row.used_at.is_some() => Err(refused("This invitation has been used already")),
        Some(row) if row.expires_at <= now() => {
            Err(refused("This invitation has expired; ask for a new one"))
        }
        Some(row) => Ok(InvitationOffer {
            role: Role::parse(&row.role).unwrap_or(Role::User),
            email: row.email,
        }),
    }
}

/// A new account, as the blog's registration rule allows: with an invitation (its role, its
/// address, used up) or, where anybody may sign up, without one (a user). An address nobody
/// vouched for (no invitation named it) is sent a link that confirms it.
pub async fn sign_up(
    db: &Db,
    site: &SiteSettings,
    origin: &str,
    new: NewUser,
    invitation: Option<&str>,
    min_password_len: usize,
) -> Result<UserId, AppError> {
    let (id, confirmed) = create_account(db, site, new, invitation, min_password_len).await?;
    if !confirmed {
        // The account is made: a mail that cannot be queued now is asked for again from the
        // settings page (or the comment form), not reported as a failed sign-up.
        if let Err(err) = super::addresses::request_confirmation(db, site, origin, id).await {
            tracing::warn!(user = %id, error = %err, "the address confirmation was not queued");
        }
    }
    Ok(id)
}

/// [`sign_up`]'s account, and whether its address counts as confirmed.
async fn create_account(
    db: &Db,
    site: &SiteSettings,
    mut new: NewUser,
    invitation: Option<&str>,
    min_password_len: usize,
) -> Result<(UserId, bool), AppError> {
    let invitation = invitation.map(str::trim).filter(|token| !token.is_empty());
    site.require_set_up()?;
    site.registration.require_open(invitation.is_some())?;
    let Some(token) = invitation else {
        new.role = Role::User;
        let id = create_signed_up_user(db, new, min_password_len).await?;
        return Ok((id, false));
    };
    let offer = offer(db, token).await?;
    if let Some(email) = &offer.email {
        if new.email.trim().to_lowercase() != *email {
            return Err(AppError::field(
                "email",
                format!("This invitation is for {email}"),
            ));
        }
    }
    new.role = offer.role;
    let addressed = offer.email.is_some();
    let id = create_invited_user(db, new, min_password_len, &hash(token), addressed).await?;
    Ok((id, addressed))
}

/// The newest invitations, for the admins.
pub async fn recent(db: &Db) -> Result<Vec<InvitationInfo>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        role: String,
        email: Option<String>,
        invited_by: Option<String>,
        used_by: Option<String>,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        used_at: Option<DateTime<Utc>>,
    }
    let rows: Vec<Row> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT i.id, i.role, i.email, inviter.username AS invited_by, invitee.username AS used_by,
                i.created_at, i.expires_at, i.used_at
         FROM invitations i
         LEFT JOIN users inviter ON inviter.id = i.invited_by
         LEFT JOIN users invitee ON invitee.id = i.used_by
         ORDER BY i.created_at DESC, i.id DESC
         LIMIT $1"
    )
    .bind(LISTED)
    .fetch_all(pool)
    .await
    })?;
    let now = now();
    Ok(rows
        .into_iter()
        .map(|row| InvitationInfo {
            id: row.id,
            role: Role::parse(&row.role).unwrap_or(Role::User),
            email: row.email,
            invited_by: row.invited_by,
            used_by: row.used_by,
            created_at: row.created_at,
            expires_at: row.expires_at,
            state: match row.used_at {
                Some(_) => InvitationState::Used,
                None if row.expires_at <= now => InvitationState::Expired,
                None => InvitationState::Open,
            },
        })
        .collect())
}

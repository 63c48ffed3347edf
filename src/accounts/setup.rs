//! First run. A blog without an owner is claimed once, at `/setup?token=…`, by whoever holds
//! a token that `quire serve` printed on its console: nobody else can take a fresh server on
//! the open internet. The owner names the blog and makes the first admin account; then
//! `/setup` is gone for good (as it is when `quire user create --role admin` came first).

use super::store::{create_owner, NewUser};
use super::tokens::{hash, random_token};
use super::UserId;
use crate::error::AppError;
use crate::platform::db::Db;
use crate::site::SiteSettings;

/// A new setup token for a blog nobody has claimed, to print at start; None once it is set up.
pub async fn open(db: &Db) -> Result<Option<String>, AppError> {
    let token = random_token();
    let open = crate::site::store::add_setup_token(db, &hash(&token)).await?;
    Ok(open.then_some(token))
}

/// Whether `token` may claim the blog, and why not.
pub async fn check(db: &Db, site: &SiteSettings, token: &str) -> Result<(), AppError> {
    if site.set_up {
        return Err(AppError::NotFound);
    }
    if crate::site::store::setup_token_valid(db, &hash(token.trim())).await? {
        Ok(())
    } else {
        Err(AppError::Denied(
            "This setup address is not valid: use the one quire printed when it started".to_owned(),
        ))
    }
}

/// Claims the blog: its name, and its first admin.
pub async fn claim(
    db: &Db,
    site: &SiteSettings,
    token: &str,
    title: String,
    new: NewUser,
    min_password_len: usize,
) -> Result<UserId, AppError> {
    check(db, site, token).await?;
    let named = SiteSettings {
        title,
        ..site.clone()
    }
    .validated();
    let (title, title_errors) = match named {
        Ok(named) => (named.title, Vec::new()),
        Err(errors) => (
            String::new(),
            errors.into_iter().filter(|e| e.field == "title").collect(),
        ),
    };
    create_owner(
        db,
        new,
        min_password_len,
        &hash(token.trim()),
        &title,
        title_errors,
    )
    .await
}

//! Who is calling, and may they do this? The one place that answers, for pages, server
//! functions and the API alike. Which caller a request comes from is decided on the server,
//! from the session or an API access token (`web::auth`), never from what the client says
//! about itself; what that caller may do is decided here, below every domain that asks.

use super::{CurrentUser, Role, UserId};
use crate::error::AppError;
use crate::site::Publishing;

#[derive(Debug, Clone)]
pub enum Caller {
    Visitor,
    User(CurrentUser),
}

impl Caller {
    pub fn user(&self) -> Option<&CurrentUser> {
        match self {
            Self::Visitor => None,
            Self::User(user) => Some(user),
        }
    }

    /// A signed-in, active user, or 401.
    pub fn require_user(&self) -> Result<&CurrentUser, AppError> {
        self.user().ok_or(AppError::Unauthorized)
    }

    /// A user with at least `role`, or 401 for visitors and 403 for everybody else.
    pub fn require_role(&self, role: Role) -> Result<&CurrentUser, AppError> {
        let user = self.require_user()?;
        if user.role >= role {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// A user who may write posts on this blog, or 401 for visitors and 403 for the others.
    pub fn require_writer(&self, publishing: Publishing) -> Result<&CurrentUser, AppError> {
        let user = self.require_user()?;
        if user.may_write(publishing) {
            Ok(user)
        } else {
            Err(AppError::Denied(
                "Only authors write on this blog; an admin can make you one".to_owned(),
            ))
        }
    }

    /// Users manage their own account; admins manage everybody's.
    pub fn require_self_or_admin(&self, user_id: UserId) -> Result<&CurrentUser, AppError> {
        let user = self.require_user()?;
        if user.id == user_id || user.role == Role::Admin {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }
}

//! The audit log: who did what to which thing, kept for the admins. It sits below every
//! domain that acts (accounts, categories, comments, moderation), so each writes its lines
//! itself, in the transaction of the action, without importing the others.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod store;

/// A line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditLine {
    pub id: i64,
    pub actor_name: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

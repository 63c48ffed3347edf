//! Tags: the free-form labels authors give their posts.

use serde::{Deserialize, Serialize};

pub mod functions;
#[cfg(feature = "ssr")]
pub mod store;

/// A tag and how many published posts carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TagCount {
    pub name: String,
    pub post_count: i64,
}

//! Moving in: a whole blog from WordPress (its WXR export) or Ghost (its JSON export) brought
//! into quire with its people, posts, pages, comments, images and old addresses.
//!
//! Each source is read into the same shapes ([`Person`], [`Term`], [`Entry`] with its
//! [`Comment`]s), and [`store`] writes them, keyed by the source's own ids so that importing
//! the same file again updates instead of duplicating. What could not come along, or not
//! faithfully, is counted in the [`Report`].

use serde::{Deserialize, Serialize};

pub mod functions;
#[cfg(feature = "ssr")]
pub mod ghost;
#[cfg(feature = "ssr")]
pub mod html;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
mod run;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod wxr;
#[cfg(feature = "ssr")]
pub mod wxr_export;

#[cfg(feature = "ssr")]
pub use run::*;

/// How the import an admin started from the admin page is going.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportStatus {
    /// The uploaded file's name; empty when no import was started on this instance.
    pub file_name: String,
    /// Posts and pages read so far, of `total`.
    pub done: u64,
    pub total: u64,
    /// The title of the post being written.
    pub current: String,
    pub finished: bool,
    /// The summary, a line per fact, once finished.
    pub report: Vec<String>,
    /// Why it stopped, if it did.
    pub error: Option<String>,
}

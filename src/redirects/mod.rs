//! Addresses that keep working: when a published post's address changes, its old one answers
//! 301 to the new one; admins keep more such moves by hand (content moved from an old blog,
//! a renamed section). A redirect answers only where nothing else does.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

pub mod functions;
#[cfg(feature = "ssr")]
pub mod store;

/// One moved address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Redirect {
    pub from_path: String,
    pub to_target: String,
    /// Made by quire when a post's address changed.
    pub automatic: bool,
    pub created_at: DateTime<Utc>,
}

pub const PATH_MAX: usize = 500;
pub const TARGET_MAX: usize = 2000;

/// Paths that belong to quire itself: a redirect there would never be reached, or would
/// take over a part of the site.
const RESERVED: &[&str] = &["/api", "/rpc", "/pkg", "/media", "/admin", "/health"];

/// A path as readers type it: `/` and then no spaces, control characters, `?` or `#`.
pub fn from_path(raw: &str) -> Result<String, FieldError> {
    let path = raw.trim();
    let field = |message: &str| FieldError::new("from_path", message);
    if !path.starts_with('/') || path.len() < 2 {
        return Err(field("Give a path on this blog, like /2019/05/old-post"));
    }
    if path.chars().count() > PATH_MAX {
        return Err(field(&format!("Keep the path under {PATH_MAX} characters")));
    }
    if path
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#')
    {
        return Err(field("A path has no spaces, ? or #"));
    }
    if RESERVED
        .iter()
        .any(|reserved| path == *reserved || path.starts_with(&format!("{reserved}/")))
    {
        return Err(field("That path belongs to quire itself"));
    }
    Ok(path.to_owned())
}

/// Where a redirect sends readers: a path here, or an http(s) address elsewhere.
pub fn to_target(raw: &str) -> Result<String, FieldError> {
    let target = raw.trim();
    let field = |message: &str| FieldError::new("to_target", message);
    let is_address = ["https://", "http://"].iter().any(|scheme| {
        target
            .strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
    });
    // `//host/x` is an address elsewhere to a browser, not a path here.
    let is_path = target.starts_with('/') && !target.starts_with("//");
    if !is_path && !is_address {
        return Err(field(
            "Give a path here, like /posts/new-post, or an address starting with https://",
        ));
    }
    if target.chars().count() > TARGET_MAX {
        return Err(field(&format!("Keep it under {TARGET_MAX} characters")));
    }
    if target.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(field("An address has no spaces"));
    }
    Ok(target.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_targets_are_checked() {
        assert_eq!(from_path(" /2019/05/old ").unwrap(), "/2019/05/old");
        for bad in [
            "",
            "/",
            "old",
            "/a b",
            "/x?y=1",
            "/api/posts",
            "/admin",
            "/pkg/x.js",
        ] {
            assert!(from_path(bad).is_err(), "{bad}");
        }
        assert!(
            from_path("/apis").is_ok(),
            "only whole segments are reserved"
        );
        for good in [
            "/posts/new",
            "https://example.com/x",
            "http://old.example.org",
        ] {
            assert!(to_target(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "posts/new",
            "//evil.example",
            "javascript:alert(1)",
            "https://",
            "ftp://x",
        ] {
            assert!(to_target(bad).is_err(), "{bad}");
        }
    }
}

//! The blog's menus: ordered links in the header and in the footer, to its pages, tags,
//! categories, authors or any address. Admins edit them in the Menu tab; every page shows them.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// One link of a menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MenuLink {
    pub label: String,
    /// A path on this blog (`/about`, `/tags/rust`) or a whole http(s) address.
    pub target: String,
}

/// Both menus, in their order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Menus {
    #[serde(default)]
    pub header: Vec<MenuLink>,
    #[serde(default)]
    pub footer: Vec<MenuLink>,
}

pub const LINKS_MAX: usize = 12;
pub const LABEL_MAX: usize = 40;
pub const TARGET_MAX: usize = 500;

impl Menus {
    /// The menus trimmed and checked; rows left wholly blank are dropped. A problem is named
    /// by its menu, row and field: `header.2.target`.
    pub fn validated(self) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let header = checked("header", self.header, &mut errors);
        let footer = checked("footer", self.footer, &mut errors);
        if errors.is_empty() {
            Ok(Self { header, footer })
        } else {
            Err(errors)
        }
    }
}

fn checked(menu: &str, links: Vec<MenuLink>, errors: &mut Vec<FieldError>) -> Vec<MenuLink> {
    let links: Vec<MenuLink> = links
        .into_iter()
        .map(|link| MenuLink {
            label: link.label.trim().to_owned(),
            target: link.target.trim().to_owned(),
        })
        .filter(|link| !(link.label.is_empty() && link.target.is_empty()))
        .collect();
    if links.len() > LINKS_MAX {
        errors.push(FieldError::new(
            menu,
            format!("Keep a menu to {LINKS_MAX} links"),
        ));
    }
    for (row, link) in links.iter().enumerate() {
        let label_count = link.label.chars().count();
        if label_count == 0 || label_count > LABEL_MAX {
            errors.push(FieldError::new(
                &format!("{menu}.{row}.label"),
                format!("Give the link a name of 1 to {LABEL_MAX} characters"),
            ));
        } else if link.label.chars().any(char::is_control) {
            errors.push(FieldError::new(
                &format!("{menu}.{row}.label"),
                "Remove the control characters",
            ));
        }
        if !is_menu_target(&link.target) {
            errors.push(FieldError::new(
                &format!("{menu}.{row}.target"),
                "Give a path on this blog, like /about, or an address starting with https://",
            ));
        }
    }
    links
}

/// A path on this blog (`/about`: not `//host`, which leaves it) or an http(s) address; never
/// `javascript:` or anything else a browser would run.
pub fn is_menu_target(target: &str) -> bool {
    let plain = !target.is_empty()
        && target.len() <= TARGET_MAX
        && !target
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\');
    if !plain {
        return false;
    }
    if let Some(path) = target.strip_prefix('/') {
        return !path.starts_with('/');
    }
    let lower = target.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && target.split("://").nth(1).is_some_and(|rest| {
            rest.split(['/', '?', '#'])
                .next()
                .is_some_and(|host| !host.is_empty())
        })
}

/// A new blog's header: what the header showed before menus could be edited.
pub fn starting_header() -> Vec<MenuLink> {
    [
        ("Home", "/"),
        ("Tags", "/tags"),
        ("Categories", "/categories"),
    ]
    .into_iter()
    .map(|(label, target)| MenuLink {
        label: label.to_owned(),
        target: target.to_owned(),
    })
    .collect()
}

/// What the Menu tab offers to link to: the blog's pages, tags, categories and authors, as
/// (label, path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MenuChoices {
    pub links: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(label: &str, target: &str) -> MenuLink {
        MenuLink {
            label: label.to_owned(),
            target: target.to_owned(),
        }
    }

    #[test]
    fn only_paths_here_and_web_addresses_are_targets() {
        for good in [
            "/",
            "/about",
            "/tags/rust?x=1#y",
            "https://example.com",
            "http://a.b/c",
        ] {
            assert!(is_menu_target(good), "{good}");
        }
        for bad in [
            "",
            "about",
            "//evil.example",
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,x",
            "https://",
            "/a b",
            "/\\evil.example",
        ] {
            assert!(!is_menu_target(bad), "{bad}");
        }
    }

    #[test]
    fn blank_rows_go_and_bad_ones_are_named_by_place() {
        let menus = Menus {
            header: vec![link(" About ", " /about "), link("", "")],
            footer: vec![link("", "/x"), link("Mastodon", "javascript:x")],
        }
        .validated();
        let errors = menus.unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["footer.0.label", "footer.1.target"]);
        let menus = Menus {
            header: vec![link(" About ", " /about "), link("", "")],
            footer: vec![],
        }
        .validated()
        .unwrap();
        assert_eq!(menus.header, vec![link("About", "/about")]);
    }
}

//! The parts of a public page that belong to one signed-in reader.
//!
//! A signed-in reader's page is everybody's page with a few parts of their own: the account
//! menu, the like button, the comment form with their waiting comments. So the server renders
//! a public page once per content version for every signed-in reader, with no reader at all
//! (`web::page_cache::signed_in`), and each of those parts renders as a [`Hole`] marker instead;
//! per request only the holes are made, for the reader asking, and put in the markers' place.

use leptos::prelude::*;

/// A part of a page made for one reader. What it needs from the page (which post, how many
/// likes) travels in its marker; what it needs from the reader is read when it is filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hole {
    /// The header's account menu.
    Account,
    /// A post's like toggle, with the post's like count.
    Like { post_id: i64, count: i64 },
    /// Under a post's comments heading: the reader's comment form, their waiting comments,
    /// the thread with their controls; `open` when the post takes comments.
    Comments { post_id: i64, open: bool },
}

/// How a hole's marker starts in the page's HTML; [`MARKER_END`] ends it.
pub const MARKER_START: &str = "<template data-quire-hole=\"";
pub const MARKER_END: &str = "\"></template>";

impl Hole {
    /// What the marker's attribute says: a name, then numbers.
    fn describe(self) -> String {
        match self {
            Hole::Account => "account".to_owned(),
            Hole::Like { post_id, count } => format!("like {post_id} {count}"),
            Hole::Comments { post_id, open } => format!("comments {post_id} {}", i64::from(open)),
        }
    }

    /// The hole a marker's attribute describes.
    pub fn parse(described: &str) -> Option<Self> {
        let mut words = described.split(' ');
        let name = words.next()?;
        let mut number = || words.next()?.parse::<i64>().ok();
        let hole = match name {
            "account" => Hole::Account,
            "like" => Hole::Like {
                post_id: number()?,
                count: number()?,
            },
            "comments" => Hole::Comments {
                post_id: number()?,
                open: number()? == 1,
            },
            _ => return None,
        };
        words.next().is_none().then_some(hole)
    }
}

/// Whether this render is the one made for every signed-in reader, holes and all.
pub fn rendering_for_signed_in() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .is_some_and(|parts| parts.extensions.get::<ForSignedIn>().is_some())
    }
    #[cfg(not(feature = "ssr"))]
    false
}

/// Marks the request rendering a page for every signed-in reader.
#[cfg(feature = "ssr")]
#[derive(Clone, Copy, Debug)]
pub struct ForSignedIn;

/// A hole's marker. `islands`: what fills it holds islands, so the page needs their loader.
#[component]
pub fn HoleMarker(hole: Hole, islands: bool) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if islands {
        crate::components::island::needed();
    }
    #[cfg(not(feature = "ssr"))]
    let _ = islands;
    view! { <template data-quire-hole=hole.describe()></template> }
}

#[cfg(test)]
mod tests {
    use super::Hole;

    #[test]
    fn a_hole_reads_back_from_its_marker() {
        for hole in [
            Hole::Account,
            Hole::Like {
                post_id: 12,
                count: 3,
            },
            Hole::Comments {
                post_id: 7,
                open: true,
            },
            Hole::Comments {
                post_id: 7,
                open: false,
            },
        ] {
            assert_eq!(Hole::parse(&hole.describe()), Some(hole));
        }
        for bad in ["", "like 1", "like 1 2 3", "comments x", "menu"] {
            assert_eq!(Hole::parse(bad), None, "{bad}");
        }
    }
}

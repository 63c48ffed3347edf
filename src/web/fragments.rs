//! Pieces of pages that are the same for every signed-in reader (a post's thread), and API
//! answers that are the same for every caller (the published posts' list), made once per
//! content version and kept, so that a signed-in reader's page renders only what is their
//! own. Like kept pages (see `page_cache`), a piece is used only under the content
//! version it was rendered at, and for at most [`MAX_AGE`] ("3 hours ago" ages); the pieces
//! kept are bounded in bytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::page_cache::MAX_AGE;

/// The most bytes of kept pieces; past it, the oldest half is dropped.
const BUDGET_BYTES: usize = 16 * 1024 * 1024;

#[derive(Default)]
pub struct Fragments {
    kept: Mutex<HashMap<String, Kept>>,
}

struct Kept {
    version: i64,
    at: Instant,
    html: Arc<str>,
}

/// The key a post's thread is kept under.
pub fn thread_key(post_id: i64) -> String {
    format!("thread:{post_id}")
}

impl Fragments {
    /// The piece kept under `key` for content `version`, if it is young enough.
    pub fn get(&self, key: &str, version: i64) -> Option<Arc<str>> {
        let kept = self.kept.lock().ok()?;
        kept.get(key)
            .filter(|kept| kept.version == version && kept.at.elapsed() < MAX_AGE)
            .map(|kept| kept.html.clone())
    }

    /// Keeps `html` as the piece `key` at content `version`, unless a newer one is kept.
    pub fn keep(&self, key: String, version: i64, html: Arc<str>) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if kept.get(&key).is_some_and(|old| old.version > version) {
            return;
        }
        let used: usize = kept.values().map(|k| k.html.len()).sum::<usize>() + html.len();
        if used > BUDGET_BYTES {
            let mut ages: Vec<Instant> = kept.values().map(|k| k.at).collect();
            ages.sort_unstable();
            if let Some(&median) = ages.get(ages.len() / 2) {
                kept.retain(|_, k| k.at > median);
            }
        }
        kept.insert(
            key,
            Kept {
                version,
                at: Instant::now(),
                html,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piece_serves_its_own_version_only() {
        let fragments = Fragments::default();
        fragments.keep(thread_key(1), 7, "<ol>seven</ol>".into());
        assert_eq!(
            fragments.get(&thread_key(1), 7).as_deref(),
            Some("<ol>seven</ol>")
        );
        assert_eq!(fragments.get(&thread_key(1), 8), None);
        assert_eq!(fragments.get(&thread_key(2), 7), None);
        // A slower render of an older version does not replace a newer piece.
        fragments.keep(thread_key(1), 9, "<ol>nine</ol>".into());
        fragments.keep(thread_key(1), 8, "<ol>eight</ol>".into());
        assert_eq!(
            fragments.get(&thread_key(1), 9).as_deref(),
            Some("<ol>nine</ol>")
        );
    }

    #[test]
    fn the_kept_pieces_stay_within_their_budget() {
        let fragments = Fragments::default();
        let big = "x".repeat(BUDGET_BYTES / 4);
        for post in 0..12 {
            fragments.keep(thread_key(post), 1, big.as_str().into());
        }
        let used: usize = fragments
            .kept
            .lock()
            .unwrap()
            .values()
            .map(|k| k.html.len())
            .sum();
        assert!(used <= BUDGET_BYTES, "{used}");
        assert!(
            fragments.get(&thread_key(11), 1).is_some(),
            "the newest stays"
        );
    }
}

//! The words of a search query, and the FTS5 and tsquery texts made of them: words are
//! non-empty runs of lower-case letters and digits, at most twelve, and neither query text
//! carries an operator of the user's.

#![no_main]

use libfuzzer_sys::fuzz_target;
use quire::posts::search::ssr::{fts5_query, tsquery};
use quire::posts::search::terms;
use quire_fuzz::text;

/// `MAX_TERMS` in src/posts/search.rs: words past it are ignored.
const MAX_TERMS: usize = 12;

fuzz_target!(|data: &[u8]| {
    let Some(query) = text(data) else {
        return;
    };
    let words = terms(query);
    assert!(
        words.len() <= MAX_TERMS,
        "{} words from {query:?}",
        words.len()
    );
    for word in &words {
        assert!(!word.is_empty(), "an empty word from {query:?}");
        for c in word.chars() {
            assert!(c.is_alphanumeric(), "{c:?} in {word:?} from {query:?}");
            assert!(
                c.to_lowercase().eq([c]),
                "{c:?} is not lower case in {word:?} from {query:?}"
            );
        }
    }
    // The words are what they are read from again: nothing is split, merged or changed.
    assert_eq!(terms(&words.join(" ")), words, "from {query:?}");

    // FTS5: each word one quoted string, all of them required (space-separated).
    let fts = fts5_query(&words);
    let expected: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    assert_eq!(fts, expected.join(" "), "from {query:?}");

    // tsquery: each word quoted, joined by `&`; a word cannot end its quotes early, and no
    // word is dropped (dropped words would widen the search).
    let ts = tsquery(&words);
    if words.is_empty() {
        assert_eq!(ts, "");
    } else {
        let parts: Vec<&str> = ts.split(" & ").collect();
        assert_eq!(parts.len(), words.len(), "{ts:?} from {query:?}");
        for (part, word) in parts.iter().zip(&words) {
            let inner = part.strip_prefix('\'').and_then(|p| p.strip_suffix('\''));
            assert_eq!(inner, Some(word.as_str()), "{ts:?} from {query:?}");
        }
    }
});

//! A post's markdown through the whole pipeline (parse, heading ids, highlighting, sanitizing)
//! at both trust levels: it must not panic, and the HTML must be inert and stable.

#![no_main]

use libfuzzer_sys::fuzz_target;
use quire::server::markdown::{render, sanitize, slugify, Trust};
use quire_fuzz::{assert_inert, assert_links_have_rel, text};

fuzz_target!(|data: &[u8]| {
    let Some(markdown) = text(data) else {
        return;
    };
    let trusted = render(markdown, Trust::Trusted);
    let untrusted = render(markdown, Trust::Untrusted);
    for (rendered, trust) in [(&trusted, Trust::Trusted), (&untrusted, Trust::Untrusted)] {
        let html = &rendered.html;
        assert_inert(html);
        // Sanitizing the output again changes nothing: what a reader parses is the tree the
        // sanitizer passed, with nothing left for the allowlist to remove.
        assert_eq!(
            &sanitize(html, trust),
            html,
            "sanitizing twice changes {markdown:?} ({trust:?})"
        );
    }
    assert_links_have_rel(&untrusted.html, &["noopener", "nofollow", "ugc"]);
    assert_links_have_rel(&trusted.html, &["noopener"]);

    // Trust changes links only, not what is read out of the text.
    assert_eq!(trusted.toc, untrusted.toc);
    assert_eq!(trusted.body_text, untrusted.body_text);
    let rendered = untrusted;
    assert!(rendered.read_time_minutes >= 1);
    // Search marks its matches with these; the text must not bring its own.
    assert!(
        !rendered.body_text.contains(['\u{E000}', '\u{E001}']),
        "search marks in the body text of {markdown:?}"
    );
    // 280 characters, and the ellipsis of a cut.
    assert!(rendered.first_paragraph.chars().count() <= 281);
    // Heading ids are slugs (numbered when repeated), never empty, never repeated.
    let mut seen = std::collections::HashSet::new();
    for entry in &rendered.toc {
        assert!(!entry.id.is_empty());
        assert_eq!(slugify(&entry.id), entry.id, "heading id {:?}", entry.id);
        assert!(seen.insert(&entry.id), "heading id {:?} twice", entry.id);
        assert!((1..=6).contains(&entry.level));
    }
});

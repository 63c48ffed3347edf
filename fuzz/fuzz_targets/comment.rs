//! A comment's markdown: it must not panic, and the HTML must be inert, stable, and its
//! links not followed.

#![no_main]

use libfuzzer_sys::fuzz_target;
use quire::server::markdown::{render_comment, sanitize_comment};
use quire_fuzz::{assert_inert, assert_links_have_rel, text};

fuzz_target!(|data: &[u8]| {
    let Some(markdown) = text(data) else {
        return;
    };
    let html = render_comment(markdown);
    assert_inert(&html);
    assert_eq!(
        sanitize_comment(&html),
        html,
        "sanitizing twice changes {markdown:?}"
    );
    assert_links_have_rel(&html, &["noopener", "nofollow", "ugc"]);
});

//! `slugify`: words of lower-case letters and digits (of any script) joined by single dashes,
//! and a slug is its own slug.

#![no_main]

use libfuzzer_sys::fuzz_target;
use quire::server::markdown::slugify;
use quire_fuzz::text;

fuzz_target!(|data: &[u8]| {
    let Some(input) = text(data) else {
        return;
    };
    let slug = slugify(input);
    for word in slug.split('-') {
        // No leading, trailing or doubled dash, so no word is empty (unless the slug is).
        assert!(!word.is_empty() || slug.is_empty(), "{input:?} → {slug:?}");
        for c in word.chars() {
            assert!(c.is_alphanumeric(), "{c:?} in {slug:?} from {input:?}");
            // Lower case as far as Unicode has one: lower-casing again changes nothing.
            assert!(
                c.to_lowercase().eq([c]),
                "{c:?} is not lower case in {slug:?} from {input:?}"
            );
        }
    }
    assert_eq!(slugify(&slug), slug, "not idempotent on {input:?}");
});

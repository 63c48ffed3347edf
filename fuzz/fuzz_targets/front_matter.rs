//! Importing a markdown file with front matter: any text gives a post or a reason, never a
//! panic; and a post that imports exports to a file that imports as the same post (the
//! module's promise: export followed by import gives back the same posts).

#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use quire::posts::transfer::{file_text, parse, ExportedPost};
use quire_fuzz::text;

fuzz_target!(|data: &[u8]| {
    let Some(input) = text(data) else {
        return;
    };
    let Ok(post) = parse(input) else {
        return;
    };
    // A post always has a title; the slug is already a slug.
    assert!(!post.title.trim().is_empty());
    assert_eq!(post.title, post.title.trim());
    assert_eq!(quire::server::markdown::slugify(&post.slug), post.slug);

    let categories: Vec<&str> = post.categories.iter().map(String::as_str).collect();
    let exported = file_text(&ExportedPost {
        title: &post.title,
        slug: &post.slug,
        content: &post.content,
        excerpt: &post.excerpt,
        cover: Some(&post.cover),
        canonical_url: Some(&post.canonical_url),
        tags: &post.tags,
        categories: &categories,
        status: post.status.as_str(),
        published_at: post.published_at,
        // Not imported: any time will do.
        updated_at: Utc.timestamp_opt(1_750_000_000, 0).unwrap(),
        author: "fuzz",
    });
    match parse(&exported) {
        Ok(again) => assert_eq!(again, post, "exported as {exported:?}"),
        Err(why) => panic!("the export of {input:?} does not import: {why}\n{exported:?}"),
    }
});

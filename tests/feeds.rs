//! Feeds and sitemaps as feed readers and crawlers take them: text that stays text, addresses
//! that still lead somewhere away from the site, and polls that cost nothing when nothing changed.

mod common;

use common::{make_user, new_post, spawn_app, Backend, TestApp};
use quire::accounts::Role;
use quire::posts::store::{create, NewPost};
use quire::posts::PostStatus;

/// An excerpt that closes the markup around it and opens a script.
const HOSTILE: &str = "</code><script>alert(1)</script>";

fn post(author_id: i64, slug: &str, title: &str, content: &str, excerpt: Option<&str>) -> NewPost {
    NewPost {
        title: title.to_owned(),
        content: content.to_owned(),
        excerpt: excerpt.map(str::to_owned),
        ..new_post(author_id, slug, PostStatus::Published, None)
    }
}

async fn body(app: &TestApp, path: &str) -> String {
    let (status, body) = app.get_text(path).await;
    assert_eq!(status, 200, "{path}");
    body
}

/// The text of every `name` element in the XML document, entities resolved once, as an XML
/// parser (and so a feed reader) reads it.
fn texts(xml: &str, name: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

async fn excerpts_reach_feed_readers_as_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "escaper", Role::User).await;
    create(
        &app.db,
        post(author, "hostile", "Hostile", "Body.", Some(HOSTILE)),
    )
    .await
    .unwrap();

    // RSS descriptions are HTML: once the XML is read, the excerpt must still be escaped
    // HTML, which a reader shows as the literal text.
    let rss = body(&app, "/rss.xml").await;
    let descriptions = texts(&rss, "description");
    let item = descriptions
        .iter()
        .find(|d| d.contains("alert(1)"))
        .expect("the post's description");
    assert!(item.contains("&lt;script&gt;"), "{item}");
    assert!(!item.contains("<script"), "{item}");
    assert!(!item.contains("</code"), "{item}");

    // Atom's summary is text (no type attribute), JSON Feed's summary is plain text: the
    // parsed value is the excerpt itself.
    let atom = body(&app, "/feed.xml").await;
    let doc = roxmltree::Document::parse(&atom).unwrap();
    let summary = doc
        .descendants()
        .find(|n| n.has_tag_name("summary"))
        .expect("summary");
    assert_eq!(summary.attribute("type").unwrap_or("text"), "text");
    assert_eq!(summary.text(), Some(HOSTILE));
    let json: serde_json::Value = serde_json::from_str(&body(&app, "/feed.json").await).unwrap();
    assert_eq!(json["items"][0]["summary"], HOSTILE);
}

async fn json_feeds_hold_no_markup_characters(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "jason", Role::User).await;
    create(
        &app.db,
        post(
            author,
            "angled",
            "<script>alert(1)</script> & more",
            "Some *markup* & <b>bold</b>.",
            None,
        ),
    )
    .await
    .unwrap();
    for path in [
        "/feed.json",
        "/u/jason/feed.json",
        "/tags/testing/feed.json",
    ] {
        let raw = body(&app, path).await;
        assert!(raw.contains("\\u003c"), "{path}: {raw}");
        assert!(!raw.contains('<'), "{path}: {raw}");
        assert!(!raw.contains('>'), "{path}: {raw}");
        assert!(!raw.contains('&'), "{path}: {raw}");
        let json: serde_json::Value = serde_json::from_str(&raw).expect("still JSON");
        assert_eq!(
            json["items"][0]["title"], "<script>alert(1)</script> & more",
            "{path}"
        );
        assert!(json["items"][0]["content_html"]
            .as_str()
            .unwrap()
            .contains("<em>markup</em>"));
    }
}

async fn protocol_relative_addresses_stay_as_they_are(backend: Backend) {
    let app = spawn_app(backend).await;
    let author = make_user(&app, "linker", Role::User).await;
    create(
        &app.db,
        post(
            author,
            "remote",
            "Remote",
            "![x](//cdn.example.com/a.png) and ![y](/media/b.png), [far](//example.org/page) and [near](/posts/remote)",
            None,
        ),
    )
    .await
    .unwrap();
    let origin = app.state.config.origin();
    let atom = body(&app, "/feed.xml").await;
    let rss = body(&app, "/rss.xml").await;
    let json: serde_json::Value = serde_json::from_str(&body(&app, "/feed.json").await).unwrap();
    let contents = [
        texts(&atom, "content").concat(),
        texts(&rss, "encoded").concat(),
        json["items"][0]["content_html"]
            .as_str()
            .unwrap()
            .to_owned(),
    ];
    for html in contents {
        assert!(html.contains("src=\"//cdn.example.com/a.png\""), "{html}");
        assert!(html.contains("href=\"//example.org/page\""), "{html}");
        assert!(
            html.contains(&format!("src=\"{origin}/media/b.png\"")),
            "{html}"
        );
        assert!(
            html.contains(&format!("href=\"{origin}/posts/remote\"")),
            "{html}"
        );
        assert!(!html.contains(&format!("{origin}//")), "{html}");
    }
}

on_both_backends!(
    excerpts_reach_feed_readers_as_text,
    json_feeds_hold_no_markup_characters,
    protocol_relative_addresses_stay_as_they_are,
);

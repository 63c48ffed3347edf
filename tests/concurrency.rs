//! Many clients on one post at the same moment: likes, comments, replies and the author's
//! saves from several tabs. Every constraint holds afterwards and nothing acknowledged is lost.

mod common;

use std::collections::BTreeSet;

use common::invariants::{assert_consistent, scalar};
use common::{call, make_user, signed_in_as, spawn_app_with, Backend, TestApp};
use quire::accounts::Role;
use tokio::task::JoinSet;

const READERS: usize = 16;
const COMMENTS_EACH: usize = 3;
const TABS: usize = 8;

fn save_form(id: &str, version: &str, title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("id", id.to_owned()),
        ("version", version.to_owned()),
        ("title", title.to_owned()),
        ("slug", "crowded".to_owned()),
        (
            "content",
            format!("{title}, saved from one of several tabs."),
        ),
        ("excerpt", String::new()),
        ("cover_image", String::new()),
        ("tags", "busy".to_owned()),
        ("categories", String::new()),
        ("canonical_url", String::new()),
    ]
}

async fn post_scalar(app: &TestApp, column: &str, id: &str) -> i64 {
    scalar(
        &app.db,
        &format!("SELECT {column} FROM posts WHERE id = {id}"),
    )
    .await
}

async fn a_crowd_on_one_post(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("QUIRE_COMMENTS_PER_MINUTE", "1000"),
            // Every comment is approved at once, so the post's counter moves with each.
            ("QUIRE_TRUSTED_COMMENTER_APPROVALS", "0"),
        ],
    )
    .await;
    make_user(&app, "author", Role::User).await;
    let author = signed_in_as(&app, "author").await;
    let created = call(
        &app,
        &author,
        "editor/save",
        &save_form("", "", "Crowded")
            .iter()
            .filter(|(k, _)| !matches!(*k, "id" | "version"))
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let id = created.body["id"].as_i64().unwrap().to_string();
    let version = created.body["version"].as_i64().unwrap().to_string();
    let published = call(
        &app,
        &author,
        "editor/status",
        &[("id", &id), ("version", &version), ("status", "PUBLISHED")],
    )
    .await;
    assert_eq!(published.status, 200, "{:?}", published.body);
    let version = published.body["version"].as_i64().unwrap().to_string();
    let seed = call(
        &app,
        &author,
        "comments/add",
        &[("post_id", &id), ("content", "First!")],
    )
    .await;
    assert_eq!(seed.status, 200, "{:?}", seed.body);
    let seed_id = seed.body["id"].as_i64().unwrap().to_string();
    let revisions_before = scalar(
        &app.db,
        &format!("SELECT COUNT(*) FROM post_revisions WHERE post_id = {id}"),
    )
    .await;

    let mut readers = Vec::new();
    for i in 0..READERS {
        let name = format!("reader{i}");
        make_user(&app, &name, Role::User).await;
        readers.push(signed_in_as(&app, &name).await);
    }

    // Everybody at once: each reader likes three times (and a quarter take it back), writes
    // comments and a reply; the author saves over the same version from several tabs.
    let app = std::sync::Arc::new(app);
    let mut crowd = JoinSet::new();
    for (i, reader) in readers.into_iter().enumerate() {
        let (app, id, seed_id) = (app.clone(), id.clone(), seed_id.clone());
        crowd.spawn(async move {
            let mut comment_ids = Vec::new();
            for round in 0..COMMENTS_EACH {
                let like = call(
                    &app,
                    &reader,
                    "posts/like",
                    &[("post_id", &id), ("liked", "true")],
                )
                .await;
                assert_eq!(like.status, 200, "like: {:?}", like.body);
                let mut form = vec![
                    ("post_id", id.clone()),
                    ("content", format!("Comment {round} of reader {i}")),
                ];
                if round == 1 {
                    form.push(("parent_id", seed_id.clone()));
                }
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let comment = call(&app, &reader, "comments/add", &form).await;
                assert_eq!(comment.status, 200, "comment: {:?}", comment.body);
                comment_ids.push(comment.body["id"].as_i64().unwrap());
            }
            let keeps_like = i % 4 != 0;
            if !keeps_like {
                let unlike = call(
                    &app,
                    &reader,
                    "posts/like",
                    &[("post_id", &id), ("liked", "false")],
                )
                .await;
                assert_eq!(unlike.status, 200, "unlike: {:?}", unlike.body);
            }
            (comment_ids, keeps_like)
        });
    }
    let mut tabs = JoinSet::new();
    for tab in 0..TABS {
        let (app, author, id, version) = (app.clone(), author.clone(), id.clone(), version.clone());
        tabs.spawn(async move {
            let title = format!("Crowded, as tab {tab} saw it");
            let form = save_form(&id, &version, &title);
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            (
                call(&app, &author, "editor/save", &form).await.status,
                title,
            )
        });
    }

    let mut acknowledged = BTreeSet::new();
    let mut likers = 0;
    while let Some(done) = crowd.join_next().await {
        let (ids, keeps_like) = done.expect("a reader's requests");
        acknowledged.extend(ids);
        likers += i64::from(keeps_like);
    }
    let mut winners = Vec::new();
    while let Some(done) = tabs.join_next().await {
        let (status, title) = done.expect("a tab's save");
        match status {
            200 => winners.push(title),
            409 => {}
            other => panic!("a save answered {other}: only 200 or 409 (changed meanwhile) will do"),
        }
    }

    // One tab won; the others were told the post had changed, and nothing was half-saved.
    assert_eq!(
        winners.len(),
        1,
        "exactly one save over version {version} wins"
    );
    let title: String = quire::with_db!(&app.db, |pool| sqlx::query_scalar(&format!(
        "SELECT title FROM posts WHERE id = {id}"
    ))
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(title, winners[0]);
    assert_eq!(
        post_scalar(&app, "version", &id).await,
        version.parse::<i64>().unwrap() + 1
    );
    let revisions = scalar(
        &app.db,
        &format!("SELECT COUNT(*) FROM post_revisions WHERE post_id = {id}"),
    )
    .await;
    assert_eq!(
        revisions,
        revisions_before + 1,
        "one revision for the one save"
    );

    // Likes: one per reader who kept theirs, however many times they pressed.
    assert_eq!(post_scalar(&app, "like_count", &id).await, likers);
    assert_eq!(
        scalar(
            &app.db,
            &format!("SELECT COUNT(*) FROM likes WHERE post_id = {id}")
        )
        .await,
        likers
    );

    // Comments: every acknowledged one is there, and the counter matches them.
    assert_eq!(acknowledged.len(), READERS * COMMENTS_EACH);
    let stored: BTreeSet<i64> = quire::with_db!(&app.db, |pool| sqlx::query_scalar(&format!(
        "SELECT id FROM comments WHERE post_id = {id} AND id <> {seed_id}"
    ))
    .fetch_all(pool)
    .await
    .unwrap())
    .into_iter()
    .collect();
    assert_eq!(stored, acknowledged);
    assert_eq!(
        post_scalar(&app, "comment_count", &id).await,
        (READERS * COMMENTS_EACH + 1) as i64
    );
    let replies = scalar(
        &app.db,
        &format!("SELECT COUNT(*) FROM comments WHERE parent_id = {seed_id}"),
    )
    .await;
    assert_eq!(replies, READERS as i64);
    assert_consistent(&app.db).await;
}

on_both_backends!(a_crowd_on_one_post);

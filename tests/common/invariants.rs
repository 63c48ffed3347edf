//! What a consistent quire database looks like, checked on its rows: the crash, outage and
//! concurrency tests all hold the data to the same rules.

use quire::platform::db::Db;
use quire::with_db;

pub async fn scalar(db: &Db, sql: &str) -> i64 {
    with_db!(db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}")))
}

/// Rows that must not exist in a consistent database: counters that differ from their rows,
/// rows pointing at nothing, link rows whose listing time disagrees with their post.
pub const INCONSISTENCIES: &[(&str, &str)] = &[
    ("posts whose comment_count differs from their approved, undeleted comments",
     "SELECT COUNT(*) FROM posts p WHERE p.comment_count <> (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id AND c.is_approved AND NOT c.is_deleted)"),
    ("posts whose like_count differs from their likes",
     "SELECT COUNT(*) FROM posts p WHERE p.like_count <> (SELECT COUNT(*) FROM likes l WHERE l.post_id = p.id)"),
    ("posts whose view_count differs from their counted viewers",
     "SELECT COUNT(*) FROM posts p WHERE p.view_count <> (SELECT COUNT(*) FROM post_views v WHERE v.post_id = p.id)"),
    ("posts without an author", "SELECT COUNT(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.author_id)"),
    ("published posts without a publication time", "SELECT COUNT(*) FROM posts WHERE status = 'PUBLISHED' AND published_at IS NULL"),
    ("post_tags without a post", "SELECT COUNT(*) FROM post_tags x WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = x.post_id)"),
    ("post_tags without a tag", "SELECT COUNT(*) FROM post_tags x WHERE NOT EXISTS (SELECT 1 FROM tags t WHERE t.id = x.tag_id)"),
    ("post_tags listed at another time than their post",
     "SELECT COUNT(*) FROM post_tags x JOIN posts p ON p.id = x.post_id WHERE x.published_at IS DISTINCT FROM (CASE WHEN p.status = 'PUBLISHED' THEN p.published_at END)"),
    ("post_categories without a post", "SELECT COUNT(*) FROM post_categories x WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = x.post_id)"),
    ("post_categories without a category", "SELECT COUNT(*) FROM post_categories x WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.id = x.category_id)"),
    ("comments without a post", "SELECT COUNT(*) FROM comments c WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = c.post_id)"),
    ("comments without an author", "SELECT COUNT(*) FROM comments c WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.author_id)"),
    ("replies without a parent", "SELECT COUNT(*) FROM comments c WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM comments p WHERE p.id = c.parent_id)"),
    ("likes without a post", "SELECT COUNT(*) FROM likes l WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = l.post_id)"),
    ("likes without a user", "SELECT COUNT(*) FROM likes l WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = l.user_id)"),
    ("views without a post", "SELECT COUNT(*) FROM post_views v WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = v.post_id)"),
    ("revisions without a post", "SELECT COUNT(*) FROM post_revisions r WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = r.post_id)"),
    ("posts without a revision", "SELECT COUNT(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM post_revisions r WHERE r.post_id = p.id)"),
    ("refresh tokens without a user", "SELECT COUNT(*) FROM refresh_tokens t WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id)"),
    ("sessions of missing users", "SELECT COUNT(*) FROM sessions s WHERE s.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id)"),
];

/// Every invariant of the schema that the application keeps, checked on the rows.
pub async fn assert_consistent(db: &Db) {
    for (what, sql) in INCONSISTENCIES {
        assert_eq!(scalar(db, sql).await, 0, "{what}");
    }
    // The tag names on the post (for cards) and its post_tags rows (for listings) agree.
    let rows: Vec<(i64, String, i64)> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT p.id, p.tags, (SELECT COUNT(*) FROM post_tags x WHERE x.post_id = p.id) FROM posts p"
    )
    .fetch_all(pool)
    .await
    .expect("posts")
    });
    for (id, tags, links) in rows {
        let names: Vec<String> = serde_json::from_str(&tags).expect("tags are JSON");
        assert_eq!(
            names.len() as i64,
            links,
            "post {id}: tags {tags} vs post_tags"
        );
    }
    if let Db::Sqlite(pool) = db {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(pool)
            .await
            .expect("integrity check");
        assert_eq!(check, "ok");
        let broken: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(pool)
            .await
            .expect("foreign key check");
        assert!(broken.is_empty(), "foreign keys: {broken:?}");
        sqlx::query("INSERT INTO posts_fts (posts_fts, rank) VALUES ('integrity-check', 1)")
            .execute(pool)
            .await
            .expect("the search index matches the posts");
    }
}

//! Posts rendered again after the renderer changed. A post keeps the version of the renderer
//! that wrote its HTML and table of contents (`posts.renderer_version`); pages read what is
//! stored, so a post an older renderer wrote would keep its old markup (and lose its colours
//! once the stylesheet follows the new one) until its author saved it again.

use crate::error::AppError;
use crate::platform::db::{BeginWrite, Db};
use crate::platform::markdown::{self, RENDERER_VERSION};
use crate::with_db;

/// Posts read, rendered and written at a time. Rendering happens between the read and the
/// write, outside any transaction: a SQLite write transaction holds the database's one write
/// lock, and a hundred posts' renders (tens of milliseconds each for long ones) would keep
/// every comment and save waiting.
const BATCH: i64 = 100;

#[derive(sqlx::FromRow)]
struct Stale {
    id: i64,
    content: String,
    /// The post's save counter when read: a save in between wins over this render.
    version: i64,
    role: Option<String>,
}

struct Rerendered {
    id: i64,
    version: i64,
    html: String,
    toc_json: String,
}

/// Renders again every post an older renderer wrote, oldest renderer first and by id within
/// one, and returns how many it rewrote. Safe to run while the server serves, and on several
/// instances at once: a post saved meanwhile keeps its save (its version moved on), and a
/// post another run rewrote first is skipped. What it rewrote must still be announced to the
/// page caches ([`crate::web::page_cache::bump`]).
pub async fn rerender_stale(db: &Db) -> Result<usize, AppError> {
    let mut rewritten = 0;
    let mut walked = i64::MIN;
    // A post skipped (saved meanwhile) keeps its old version; walking versions upwards and
    // not back keeps one run from coming back to it forever. The next run takes it up.
    while let Some(renderer) = oldest_stale_above(db, walked).await? {
        let mut after_id = i64::MIN;
        loop {
            let batch: Vec<Stale> = with_db!(db, |pool| {
                sqlx::query_as(
                    "SELECT p.id, p.content, p.version,
                            (SELECT u.role FROM users u WHERE u.id = p.author_id) AS role
                     FROM posts p
                     WHERE p.renderer_version = $1 AND p.id > $2
                     ORDER BY p.id
                     LIMIT $3",
                )
                .bind(renderer)
                .bind(after_id)
                .bind(BATCH)
                .fetch_all(pool)
                .await
            })?;
            let Some(last) = batch.last() else {
                break;
            };
            after_id = last.id;
            let rendered = tokio::task::spawn_blocking(move || render_all(batch))
                .await
                .map_err(|err| {
                    tracing::error!("rendering posts again: {err}");
                    AppError::Internal
                })??;
            rewritten += write(db, &rendered).await?;
        }
        walked = renderer;
    }
    Ok(rewritten)
}

/// The oldest renderer version above `walked` that some post still has, if it is older than
/// this one. `MIN` reads one end of the `(renderer_version, id)` index.
async fn oldest_stale_above(db: &Db, walked: i64) -> Result<Option<i64>, AppError> {
    let oldest: Option<i64> = with_db!(db, |pool| {
        sqlx::query_scalar(
            "SELECT MIN(renderer_version) FROM posts
             WHERE renderer_version > $1 AND renderer_version < $2",
        )
        .bind(walked)
        .bind(RENDERER_VERSION)
        .fetch_one(pool)
        .await
    })?;
    Ok(oldest)
}

fn render_all(batch: Vec<Stale>) -> Result<Vec<Rerendered>, AppError> {
    batch
        .into_iter()
        .map(|post| {
            let trust = super::store::trust_of_role(post.role.as_deref());
            let rendered = markdown::render(&post.content, trust);
            Ok(Rerendered {
                id: post.id,
                version: post.version,
                html: rendered.html,
                toc_json: serde_json::to_string(&rendered.toc).map_err(AppError::internal)?,
            })
        })
        .collect()
}

/// One transaction for the batch. Only what the renderer makes of the markdown is written:
/// not `updated_at` (the author changed nothing) nor `version` (an editor open on the post
/// would take its next save for a conflict).
async fn write(db: &Db, posts: &[Rerendered]) -> Result<usize, AppError> {
    let written: Result<u64, sqlx::Error> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let mut written = 0;
            for post in posts {
                written += sqlx::query(
                    "UPDATE posts SET content_html = $1, toc = $2, renderer_version = $3
                     WHERE id = $4 AND version = $5 AND renderer_version < $3",
                )
                .bind(&post.html)
                .bind(&post.toc_json)
                .bind(RENDERER_VERSION)
                .bind(post.id)
                .bind(post.version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
            Ok(written)
        }
        .await
    });
    Ok(written? as usize)
}

/// At start-up, in the background: the server answers meanwhile, with a post's old markup
/// until its turn comes. `announce` tells the page caches of the change, once, at the end, so
/// a long run does not empty them batch after batch.
pub async fn rerender_at_start<F, Fut>(db: Db, announce: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), sqlx::Error>>,
{
    let started = std::time::Instant::now();
    match rerender_stale(&db).await {
        Ok(0) => {}
        Ok(posts) => {
            tracing::info!(
                posts,
                renderer = RENDERER_VERSION,
                seconds = started.elapsed().as_secs_f64(),
                "posts rendered again by the current renderer"
            );
            if let Err(err) = announce().await {
                tracing::warn!(error = %err, "marking the content as changed failed");
            }
        }
        Err(err) => tracing::warn!(error = %err, "rendering posts again failed"),
    }
}

//! View counting: a reader's first look at a post counts once. Views are kept in memory and
//! written in batches every few seconds (and at shutdown), so a busy post costs one UPDATE
//! per batch instead of one per request; a crash loses at most one batch. Who is a reader
//! and which look counts is decided where the request is (`web::view_counting`).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::platform::db::{let_waiting_writers_go_first, now, BeginWrite, Db};
use crate::with_db;

/// Told after a batch counted new views (pages show view counts and rank popular posts by
/// them); the page cache listens.
pub type OnCounted = Box<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;
/// Views waiting to be written are capped, so a flood cannot eat the memory.
const MAX_PENDING: usize = 100_000;
/// Who-saw-what is remembered this long; after it, a new look counts again.
const REMEMBER_DAYS: i64 = 30;
/// Rows per INSERT when writing a batch.
const CHUNK: usize = 300;

pub struct ViewCounter {
    db: Db,
    /// Told when a batch is written, so this instance's pages show the new counts at once.
    on_counted: OnCounted,
    pending: Mutex<HashSet<(i64, String)>>,
}

impl ViewCounter {
    pub fn new(db: Db, on_counted: OnCounted) -> Self {
        Self {
            db,
            on_counted,
            pending: Mutex::new(HashSet::new()),
        }
    }

    pub fn record(&self, post_id: i64, viewer: String) {
        let Ok(mut pending) = self.pending.lock() else {
            return;
        };
        if pending.len() < MAX_PENDING {
            pending.insert((post_id, viewer));
        }
    }

    /// Looks waiting to be written.
    pub fn queued(&self) -> usize {
        self.pending.lock().map_or(0, |pending| pending.len())
    }

    /// Writes the waiting views; returns how many counted (first looks only).
    pub async fn flush(&self) -> Result<u64, sqlx::Error> {
        let mut batch: Vec<(i64, String)> = match self.pending.lock() {
            Ok(mut pending) => pending.drain().collect(),
            Err(_) => return Ok(0),
        };
        // In key order, each chunk's rows go to neighbouring index pages.
        batch.sort_unstable();
        if batch.is_empty() {
            return Ok(0);
        }
        match self.write(&batch).await {
            Ok(counted) => {
                if counted > 0 {
                    (self.on_counted)().await;
                }
                Ok(counted)
            }
            Err(err) => {
                // Kept for the next try: an outage delays views, it does not drop them.
                if let Ok(mut pending) = self.pending.lock() {
                    let room = MAX_PENDING.saturating_sub(pending.len());
                    pending.extend(batch.into_iter().take(room));
                }
                Err(err)
            }
        }
    }

    async fn write(&self, batch: &[(i64, String)]) -> Result<u64, sqlx::Error> {
        let now = now();
        // One transaction per chunk: a flood of readers makes batches of 100,000 views, and
        // one transaction for all of them held SQLite's write lock for seconds, stalling
        // every comment meanwhile. Writing a chunk again after a failure counts nothing
        // twice (the row is there, so it returns no id).
        let mut counted = 0;
        for (i, chunk) in batch.chunks(CHUNK).enumerate() {
            if i > 0 && matches!(self.db, Db::Sqlite(_)) {
                // Views can wait; a comment being posted should not wait out the batch.
                let_waiting_writers_go_first(Duration::from_millis(100)).await;
            }
            counted += with_db!(&self.db, |pool| {
                async {
                    let mut tx = pool.begin_write().await?;
                    let rows: Vec<String> = (0..chunk.len())
                        .map(|i| format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3))
                        .collect();
                    // Only the first look of a viewer inserts a row; RETURNING tells which.
                    let sql = format!(
                        "INSERT INTO post_views (post_id, viewer, viewed_at)
                         SELECT v.column2, v.column3, v.column1 FROM (VALUES {}) AS v
                         WHERE EXISTS (SELECT 1 FROM posts WHERE id = v.column2)
                         ON CONFLICT DO NOTHING
                         RETURNING post_id",
                        rows.join(", ")
                    );
                    // A full chunk's statement is the same every time and stays prepared;
                    // the last chunk's length differs from batch to batch, and keeping each
                    // would fill the connection's statement cache (SQLite compiles them in
                    // this process) with statements used once.
                    let mut query = sqlx::query_scalar::<_, i64>(&sql)
                        .persistent(chunk.len() == CHUNK)
                        .bind(now);
                    for (post_id, viewer) in chunk {
                        query = query.bind(*post_id).bind(viewer.as_str());
                    }
                    let mut by_post: HashMap<i64, i64> = HashMap::new();
                    for post_id in query.fetch_all(&mut *tx).await? {
                        *by_post.entry(post_id).or_default() += 1;
                    }
                    for (post_id, views) in &by_post {
                        sqlx::query("UPDATE posts SET view_count = view_count + $1 WHERE id = $2")
                            .bind(views)
                            .bind(post_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok::<_, sqlx::Error>(by_post.values().sum::<i64>() as u64)
                }
                .await
            })?;
        }
        Ok(counted)
    }

    /// Forgets who saw what after a month, so the table stays small.
    pub async fn prune(&self) -> Result<(), sqlx::Error> {
        let before = now() - chrono::Duration::days(REMEMBER_DAYS);
        with_db!(&self.db, |pool| sqlx::query(
            "DELETE FROM post_views WHERE viewed_at < $1"
        )
        .bind(before)
        .execute(pool)
        .await
        .map(|_| ()))
    }

    /// Writes the batch every `every`, and prunes once an hour.
    pub fn spawn(self: Arc<Self>, every: Duration) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            let prune_every = (3600 / every.as_secs().max(1)).max(1);
            let mut ticks: u64 = 0;
            loop {
                tick.tick().await;
                if let Err(err) = self.flush().await {
                    tracing::warn!(error = %err, "writing views failed; will retry");
                }
                ticks += 1;
                if ticks.is_multiple_of(prune_every) {
                    if let Err(err) = self.prune().await {
                        tracing::warn!(error = %err, "pruning old views failed");
                    }
                }
            }
        });
    }
}

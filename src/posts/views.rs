//! View counting: a reader's first look at a post counts once. Views are kept in memory and
//! written in batches every few seconds (and at shutdown), so a busy post costs one UPDATE
//! per batch instead of one per request; a crash loses at most one batch.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, HeaderValue};

use crate::platform::db::{let_waiting_writers_go_first, now, BeginWrite, Db};
use crate::web::guard::{client_ip, Bucket};
use crate::web::page_cache::PageCache;
use crate::web::state::AppState;
use crate::with_db;

/// The cookie that tells one browser session from another. No expiry: it ends with the
/// browser session, and so does "once".
pub const VIEWER_COOKIE: &str = "quire_vid";
/// Views waiting to be written are capped, so a flood cannot eat the memory.
const MAX_PENDING: usize = 100_000;
/// Who-saw-what is remembered this long; after it, a new look counts again.
const REMEMBER_DAYS: i64 = 30;
/// Rows per INSERT when writing a batch.
const CHUNK: usize = 300;

pub struct ViewCounter {
    db: Db,
    /// Told when a batch is written, so this instance's pages show the new counts at once.
    pages: Arc<PageCache>,
    pending: Mutex<HashSet<(i64, String)>>,
}

impl ViewCounter {
    pub fn new(db: Db, pages: Arc<PageCache>) -> Self {
        Self {
            db,
            pages,
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
                // Pages show view counts and rank popular posts by them. The views are
                // written either way: a failed bump only leaves kept pages to age out.
                if counted > 0 {
                    if let Err(err) = self.pages.views_changed(&self.db).await {
                        tracing::warn!(error = %err, "marking the content as changed failed");
                    }
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

/// 32 hex digits: the time in milliseconds (12), then 80 random bits. Time first, so a new
/// viewer's row goes to the end of the post's part of the `post_views` key instead of a
/// random page of it: with a million rows, random ids read and rewrote a page per view.
fn new_viewer_id(now_millis: i64) -> String {
    use std::fmt::Write;
    let mut id = format!("{:012x}", now_millis & 0xffff_ffff_ffff);
    for byte in rand::random::<[u8; 10]>() {
        let _ = write!(id, "{byte:02x}");
    }
    id
}

fn is_viewer_id(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

pub(crate) fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Crawlers, feed fetchers and scripts: their requests are not readers' views.
fn is_automated(user_agent: &str) -> bool {
    const MARKERS: &[&str] = &[
        "bot",
        "crawl",
        "spider",
        "slurp",
        "curl",
        "wget",
        "python",
        "http-client",
        "headless",
        "preview",
        "fetch",
        "monitor",
        "scan",
    ];
    let agent = user_agent.to_ascii_lowercase();
    agent.is_empty() || MARKERS.iter().any(|m| agent.contains(m))
}

/// Counts a look at a post from inside a server function (the post page as it renders);
/// a new reader's cookie goes out with the response.
pub async fn count_look_here(state: &AppState, post_id: i64) {
    let headers = leptos_axum::extract::<HeaderMap>()
        .await
        .unwrap_or_default();
    let peer = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map(|ConnectInfo(peer)| peer.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if let Some(cookie) = count_look(state, &headers, peer, post_id) {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.append_header(header::SET_COOKIE, cookie);
        }
    }
}

/// Counts a look at a post by whoever sent these headers over a connection from `peer`,
/// unless it is a crawler or a script, or its address has used up its looks for this
/// window (`QUIRE_VIEWS_RATE_LIMIT`): a client that drops or invents viewer cookies would
/// otherwise add a stored view with every request. Returns the cookie to set for a reader
/// who had none.
pub fn count_look(
    state: &AppState,
    headers: &HeaderMap,
    peer: IpAddr,
    post_id: i64,
) -> Option<HeaderValue> {
    let (viewer, new_cookie) = reader(headers, state.config.is_https())?;
    let client = client_ip(peer, headers, &state.config.trusted_proxies);
    let counted = state.rate_limiter.check(client, Bucket::Views).allowed;
    if counted {
        state.views.record(post_id, viewer);
    }
    new_cookie
}

/// Who sent these request headers: their viewer id, and the cookie to set when the browser
/// had none yet. None for crawlers and scripts.
fn reader(headers: &HeaderMap, https: bool) -> Option<(String, Option<HeaderValue>)> {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if is_automated(agent) {
        return None;
    }
    if let Some(id) = cookie_value(headers, VIEWER_COOKIE).filter(|v| is_viewer_id(v)) {
        return Some((id.to_owned(), None));
    }
    let id = new_viewer_id(chrono::Utc::now().timestamp_millis());
    let secure = if https { "; Secure" } else { "" };
    let cookie = format!("{VIEWER_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax{secure}");
    Some((id, HeaderValue::from_str(&cookie).ok()))
}

#[cfg(test)]
mod tests {
    use super::{is_automated, is_viewer_id, new_viewer_id};

    #[test]
    fn viewer_ids_are_valid_and_sort_by_time() {
        let earlier = new_viewer_id(1_764_000_000_000);
        let later = new_viewer_id(1_764_000_000_001);
        assert!(is_viewer_id(&earlier) && is_viewer_id(&later));
        assert!(earlier < later);
        assert_ne!(new_viewer_id(1), new_viewer_id(1));
    }

    #[test]
    fn crawlers_and_scripts_are_not_readers() {
        assert!(is_automated(""));
        assert!(is_automated("Mozilla/5.0 (compatible; Googlebot/2.1)"));
        assert!(is_automated("curl/8.5.0"));
        assert!(is_automated("python-requests/2.31"));
        assert!(!is_automated(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
        ));
    }
}

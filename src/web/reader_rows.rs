//! A signed-in reader's own rows, kept by each instance: their session and user, whether they
//! like a post, their comments waiting for approval, and the moderators' queue length.
//!
//! A filled page (`page_cache::signed_in`) is everybody's kept page with the reader's parts put
//! in, and reading those parts took four database round trips, most of the page's time. So
//! each row is kept with the readers version it was read under and read again once the
//! version has moved. Every write that may change one of them moves it (see
//! `platform::readers`: any write request but a declared read; a session the store ends; the
//! command line's user commands, with the content version), at once on the instance that
//! made it and within `page_cache::VERSION_TTL` on the others, as kept pages are. What no
//! write announces (a session running out) is bounded by [`MAX_AGE`], and a kept session is
//! never used past its own expiry.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::body::Bytes;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::page_cache::PageCache;
use crate::accounts::session_store::DbSessionStore;
use crate::accounts::{CurrentUser, UserId};
use crate::comments::CommentView;
use crate::platform::db::Db;

/// The longest a row is used without being read again.
pub const MAX_AGE: Duration = Duration::from_secs(10);
/// Rows kept of each kind at most; past it the rows of older versions or too old make room,
/// and when they are not enough, all of them.
const MAX_ROWS: usize = 20_000;
/// Rendered parts kept at most (a few kilobytes each).
const MAX_PARTS: usize = 4_000;

pub struct ReaderRows {
    pub sessions: Kept<Id, Option<Record>>,
    pub users: Kept<UserId, Option<CurrentUser>>,
    /// Whether a user likes a post, by (user, post).
    pub likes: Kept<(i64, i64), bool>,
    /// A user's comments on a post waiting for approval, by (user, post).
    pub waiting: Kept<(i64, i64), Vec<CommentView>>,
    /// How many comments wait for a moderator.
    pub pending: Kept<(), i64>,
    /// A reader's parts of the kept pages (`components::hole`), as rendered for them, by
    /// (user, content version, the part's marker): what they are made of is all above, or
    /// moves the content version.
    pub parts: Kept<(UserId, i64, String), Bytes>,
}

impl Default for ReaderRows {
    fn default() -> Self {
        Self {
            sessions: Kept::default(),
            users: Kept::default(),
            likes: Kept::default(),
            waiting: Kept::default(),
            pending: Kept::default(),
            parts: Kept::holding(MAX_PARTS),
        }
    }
}

/// Rows of one kind, by key.
pub struct Kept<K, V> {
    rows: Mutex<HashMap<K, Row<V>>>,
    most: usize,
}

struct Row<V> {
    version: i64,
    read_at: Instant,
    value: V,
}

impl<K, V> Default for Kept<K, V> {
    fn default() -> Self {
        Self::holding(MAX_ROWS)
    }
}

impl<K, V> Kept<K, V> {
    fn holding(most: usize) -> Self {
        Self {
            rows: Mutex::new(HashMap::new()),
            most,
        }
    }
}

impl<K: Eq + Hash, V: Clone> Kept<K, V> {
    /// The row for `key` as of readers version `version` (None: the database did not say in
    /// time, so nothing kept is trusted), read with `read` unless it is kept.
    pub async fn get<E, Fut>(
        &self,
        version: Option<i64>,
        key: K,
        read: impl FnOnce() -> Fut,
    ) -> Result<V, E>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let Some(version) = version else {
            return read().await;
        };
        if let Some(value) = self.kept(&key, version) {
            return Ok(value);
        }
        let value = read().await?;
        self.keep(key, version, value.clone());
        Ok(value)
    }

    fn kept(&self, key: &K, version: i64) -> Option<V> {
        let rows = self.rows.lock().ok()?;
        rows.get(key)
            .filter(|row| row.version == version && row.read_at.elapsed() < MAX_AGE)
            .map(|row| row.value.clone())
    }

    fn keep(&self, key: K, version: i64, value: V) {
        let Ok(mut rows) = self.rows.lock() else {
            return;
        };
        // A slower reading under an older version must not put its row back.
        if rows.get(&key).is_some_and(|row| row.version > version) {
            return;
        }
        if rows.len() >= self.most {
            rows.retain(|_, row| row.version >= version && row.read_at.elapsed() < MAX_AGE);
            if rows.len() >= self.most {
                rows.clear();
            }
        }
        rows.insert(
            key,
            Row {
                version,
                read_at: Instant::now(),
                value,
            },
        );
    }

    /// Drops the row for `key`, after a write through this instance changed it.
    pub fn forget(&self, key: &K) {
        if let Ok(mut rows) = self.rows.lock() {
            rows.remove(key);
        }
    }
}

/// The session store the session layer uses: the database's ([`DbSessionStore`]), with the
/// sessions read kept in [`ReaderRows`]. A session ended here moves the readers version, so
/// that no instance goes on taking it.
#[derive(Clone)]
pub struct KeptSessions {
    store: DbSessionStore,
    db: Db,
    pages: Arc<PageCache>,
    rows: Arc<ReaderRows>,
}

impl std::fmt::Debug for KeptSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptSessions").finish_non_exhaustive()
    }
}

impl KeptSessions {
    pub fn new(db: Db, pages: Arc<PageCache>, rows: Arc<ReaderRows>) -> Self {
        Self {
            store: DbSessionStore::new(db.clone()),
            db,
            pages,
            rows,
        }
    }
}

#[async_trait]
impl SessionStore for KeptSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.store.create(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        // Only this session's own bookkeeping changes (its last look, its expiry): another
        // instance's older copy is as good until it reads it again.
        let saved = self.store.save(record).await;
        self.rows.sessions.forget(&record.id);
        saved
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let version = self.pages.readers_version(&self.db).await;
        let record = self
            .rows
            .sessions
            .get(version, *id, || self.store.load(id))
            .await?;
        match record {
            // The database's copy may have been extended meanwhile.
            Some(record) if record.expiry_date <= time::OffsetDateTime::now_utc() => {
                self.rows.sessions.forget(id);
                self.store.load(id).await
            }
            record => Ok(record),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store.delete(id).await?;
        self.rows.sessions.forget(id);
        if let Err(err) = self.pages.readers_changed(&self.db).await {
            // Other instances then take the session until they read it again.
            tracing::warn!(error = %err, "marking a session as ended failed");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(count: &Mutex<u32>, value: &'static str) -> Result<&'static str, ()> {
        *count.lock().unwrap() += 1;
        Ok(value)
    }

    #[tokio::test]
    async fn a_row_is_read_again_when_the_version_moves() {
        let kept: Kept<i64, &str> = Kept::default();
        let reads = Mutex::new(0);
        assert_eq!(kept.get(Some(1), 7, || read(&reads, "a")).await, Ok("a"));
        assert_eq!(kept.get(Some(1), 7, || read(&reads, "b")).await, Ok("a"));
        assert_eq!(*reads.lock().unwrap(), 1, "kept under the same version");
        assert_eq!(kept.get(Some(2), 7, || read(&reads, "c")).await, Ok("c"));
        // A reading under an older version is not kept over a newer one.
        assert_eq!(kept.get(Some(1), 7, || read(&reads, "d")).await, Ok("d"));
        assert_eq!(kept.get(Some(2), 7, || read(&reads, "e")).await, Ok("c"));
        // Without a version nothing kept is used, and nothing is kept.
        assert_eq!(kept.get(None, 7, || read(&reads, "f")).await, Ok("f"));
        kept.forget(&7);
        assert_eq!(kept.get(Some(2), 7, || read(&reads, "g")).await, Ok("g"));
        assert_eq!(*reads.lock().unwrap(), 5);
    }

    #[tokio::test]
    async fn a_row_is_read_again_once_it_is_too_old() {
        let kept: Kept<i64, &str> = Kept::default();
        let reads = Mutex::new(0);
        kept.get(Some(1), 7, || read(&reads, "a")).await.unwrap();
        kept.rows.lock().unwrap().get_mut(&7).unwrap().read_at -= MAX_AGE;
        assert_eq!(kept.get(Some(1), 7, || read(&reads, "b")).await, Ok("b"));
    }
}

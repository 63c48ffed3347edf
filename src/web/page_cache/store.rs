//! The kept pages themselves: one store per instance, which remembers the version it last
//! read, drops pages of older content, and lets one request at a time render a page.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::validators::{set_last_modified, settled};
use super::versions::{bump, bump_readers, bump_views, current_version, Reading, Version};
use super::{is_feed, STALE_LIMIT, VERSION_TIMEOUT, VERSION_TTL};
use crate::platform::db::{now, Db};

pub struct PageCache {
    pub(super) budget: usize,
    inner: Mutex<Pages>,
    known: Mutex<KnownVersion>,
}

/// The version last read from the database. A write through this instance forgets it, and a
/// reading that was under way meanwhile (it may predate the write) is not kept.
#[derive(Default)]
struct KnownVersion {
    read: Option<(Reading, Instant)>,
    forgotten: u64,
}

#[derive(Default)]
struct Pages {
    /// The newest version seen; every page kept has its content version.
    version: Version,
    /// When this instance first saw that content version (None: no version seen yet).
    changed_at: Option<DateTime<Utc>>,
    /// When the next scheduled post goes out, as of a content version (None: none is
    /// scheduled).
    next_publication: Option<(i64, Option<DateTime<Utc>>)>,
    by_key: HashMap<String, Arc<Page>>,
    /// Keys oldest first, with the serial of the page stored under them then.
    order: VecDeque<(String, u64)>,
    bytes: usize,
    serial: u64,
    /// The pages being rendered, by key: one request renders, the others wait for it.
    filling: HashMap<String, Fill>,
}

struct Fill {
    version: Version,
    serial: u64,
    done: watch::Receiver<Option<Arc<Page>>>,
}

/// What a request for a page does.
pub(super) enum Lookup<'a> {
    /// Serves the kept page.
    Hit(Arc<Page>),
    /// Serves the previous copy (its content is current, its view counts or age are not)
    /// while another request renders the page.
    Stale(Arc<Page>),
    /// Waits for the request rendering the page.
    Wait(watch::Receiver<Option<Arc<Page>>>),
    /// Renders the page; with a `Filling` when others wait for it.
    Render(Option<Filling<'a>>),
}

/// The one request rendering a page; dropped (done or not), it lets the next one try.
pub(super) struct Filling<'a> {
    cache: &'a PageCache,
    key: String,
    serial: u64,
    done: watch::Sender<Option<Arc<Page>>>,
}

/// The page the request rendering it kept, once it is done; None when it kept none (an
/// error page, a cookie) or gave up.
pub(super) async fn rendered_meanwhile(
    mut done: watch::Receiver<Option<Arc<Page>>>,
) -> Option<Arc<Page>> {
    done.wait_for(Option::is_some)
        .await
        .ok()
        .and_then(|page| Option::clone(&page))
}

impl Filling<'_> {
    pub(super) fn done(self, page: Arc<Page>) {
        // The fill's own receiver is in the map until this is dropped, so this cannot fail.
        let _ = self.done.send(Some(page));
    }
}

impl Drop for Filling<'_> {
    fn drop(&mut self) {
        if let Ok(mut pages) = self.cache.inner.lock() {
            if pages
                .filling
                .get(&self.key)
                .is_some_and(|fill| fill.serial == self.serial)
            {
                pages.filling.remove(&self.key);
            }
        }
    }
}

pub(super) struct Page {
    /// The route that rendered it, for the request metrics.
    pub(super) route: Option<crate::web::metrics::RouteLabel>,
    pub(super) version: Version,
    pub(super) rendered_at: Instant,
    pub(super) headers: HeaderMap,
    pub(super) identity: Bytes,
    pub(super) gzip: Bytes,
    pub(super) brotli: Bytes,
    pub(super) counts_views_of: Option<crate::platform::readers::Viewed>,
    pub(super) fresh_until: Instant,
    pub(super) serial: u64,
}

impl Page {
    fn size(&self) -> usize {
        self.identity.len() + self.gzip.len() + self.brotli.len() + 1024
    }
}

impl PageCache {
    /// A cache holding at most `budget` bytes of pages; 0 turns it off.
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            inner: Mutex::new(Pages::default()),
            known: Mutex::new(KnownVersion::default()),
        }
    }

    /// The current version: the one read less than [`VERSION_TTL`] ago, or a new reading
    /// (None when the database does not answer in time).
    pub(super) async fn version(&self, db: &Db) -> Option<Version> {
        self.reading(db).await.map(|reading| reading.pages)
    }

    /// The current readers version (see `web::reader_rows`), read with the content version.
    pub async fn readers_version(&self, db: &Db) -> Option<i64> {
        self.reading(db).await.map(|reading| reading.readers)
    }

    async fn reading(&self, db: &Db) -> Option<Reading> {
        let forgotten = {
            let known = self.known.lock().ok()?;
            match known.read {
                Some((reading, at)) if at.elapsed() < VERSION_TTL => return Some(reading),
                _ => known.forgotten,
            }
        };
        let reading = tokio::time::timeout(VERSION_TIMEOUT, current_version(db))
            .await
            .ok()?
            .ok()?;
        if let Ok(mut known) = self.known.lock() {
            if known.forgotten == forgotten {
                known.read = Some((reading, Instant::now()));
            }
        }
        Some(reading)
    }

    /// The current content version (see [`Self::version`]), for other copies kept by it.
    pub async fn content_version(&self, db: &Db) -> Option<i64> {
        self.version(db).await.map(|version| version.content)
    }

    /// After a write through this instance: bumps the content version for every instance,
    /// and this instance's next request reads it anew.
    pub async fn content_changed(&self, db: &Db) -> Result<(), sqlx::Error> {
        let bumped = bump(db).await;
        self.forget_version();
        bumped
    }

    /// After a write through this instance that changed some signed-in reader's own rows
    /// only: as [`Self::content_changed`], for the readers version.
    pub async fn readers_changed(&self, db: &Db) -> Result<(), sqlx::Error> {
        let bumped = bump_readers(db).await;
        self.forget_version();
        bumped
    }

    /// After this instance wrote a batch of views: as [`Self::content_changed`], for the
    /// views version.
    pub async fn views_changed(&self, db: &Db) -> Result<(), sqlx::Error> {
        let bumped = bump_views(db).await;
        self.forget_version();
        bumped
    }

    fn forget_version(&self) {
        if let Ok(mut known) = self.known.lock() {
            known.read = None;
            known.forgotten += 1;
        }
    }

    pub(super) fn lookup(&self, key: &str, version: Version) -> Lookup<'_> {
        let Ok(mut pages) = self.inner.lock() else {
            return Lookup::Render(None);
        };
        if !pages.catch_up(version) {
            // Read before a newer version: render without keeping it or being waited for.
            return Lookup::Render(None);
        }
        let now = Instant::now();
        let kept = pages.by_key.get(key).cloned();
        if let Some(page) = kept
            .as_ref()
            .filter(|page| page.version == version && page.fresh_until > now)
        {
            return Lookup::Hit(page.clone());
        }
        if let Some(fill) = pages.filling.get(key).filter(|f| f.version == version) {
            // `catch_up` has dropped every page of older content: a kept page differs from
            // the current one in its view counts or its age at most.
            return match kept {
                Some(page) if now < page.rendered_at + STALE_LIMIT => Lookup::Stale(page),
                _ => Lookup::Wait(fill.done.clone()),
            };
        }
        pages.serial += 1;
        let serial = pages.serial;
        let (done, waiting) = watch::channel(None);
        pages.filling.insert(
            key.to_owned(),
            Fill {
                version,
                serial,
                done: waiting,
            },
        );
        Lookup::Render(Some(Filling {
            cache: self,
            key: key.to_owned(),
            serial,
            done,
        }))
    }

    /// The next scheduled publication as of `version`, when already known.
    pub(super) fn known_next_publication(&self, version: Version) -> Option<Option<DateTime<Utc>>> {
        let pages = self.inner.lock().ok()?;
        match pages.next_publication {
            Some((known_at, next))
                if known_at == version.content && next.is_none_or(|at| at > now()) =>
            {
                Some(next)
            }
            _ => None,
        }
    }

    /// Keeps the page unless a newer version has been seen since it was rendered; either
    /// way, the page to answer with.
    pub(super) fn store(
        &self,
        key: String,
        mut page: Page,
        next: Option<DateTime<Utc>>,
    ) -> Arc<Page> {
        let Ok(mut pages) = self.inner.lock() else {
            return Arc::new(page);
        };
        if !pages.catch_up(page.version) || page.size() > self.budget {
            return Arc::new(page);
        }
        pages.next_publication = Some((page.version.content, next));
        let rendered = now();
        if pages
            .changed_at
            .is_some_and(|changed| settled(changed, rendered))
            && !is_feed(&page.headers)
        {
            set_last_modified(&mut page.headers, rendered);
        }
        pages.serial += 1;
        page.serial = pages.serial;
        let size = page.size();
        while pages.bytes + size > self.budget {
            let Some((old_key, serial)) = pages.order.pop_front() else {
                break;
            };
            if pages
                .by_key
                .get(&old_key)
                .is_some_and(|p| p.serial == serial)
            {
                if let Some(old) = pages.by_key.remove(&old_key) {
                    pages.bytes -= old.size();
                }
            }
        }
        let page = Arc::new(page);
        pages.order.push_back((key.clone(), page.serial));
        pages.bytes += size;
        if let Some(replaced) = pages.by_key.insert(key, page.clone()) {
            pages.bytes -= replaced.size();
        }
        page
    }
}

impl Pages {
    /// Forgets every page when the content has changed since they were rendered (pages
    /// whose view counts are behind stay, for [`Lookup::Stale`]). False when `version` is
    /// older than one already seen: nothing read under it may be kept.
    fn catch_up(&mut self, version: Version) -> bool {
        if self.changed_at.is_none() {
            // Another process may have served pages of a content this one never saw.
            self.changed_at = Some(now());
        }
        if version > self.version {
            if version.content > self.version.content {
                self.changed_at = Some(now());
                self.by_key.clear();
                self.order.clear();
                self.bytes = 0;
            }
            self.version = version;
        }
        version == self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::page_cache::MAX_AGE;
    use axum::http::{header, HeaderValue};

    fn version(content: i64, views: i64) -> Version {
        Version { content, views }
    }

    fn page_at(bytes: usize, version: Version) -> Page {
        Page {
            route: None,
            version,
            rendered_at: Instant::now(),
            headers: HeaderMap::new(),
            identity: Bytes::from(vec![b'x'; bytes]),
            gzip: Bytes::new(),
            brotli: Bytes::new(),
            counts_views_of: None,
            fresh_until: Instant::now() + MAX_AGE,
            serial: 0,
        }
    }

    #[test]
    fn a_kept_page_is_dated_once_the_second_of_the_last_change_is_over() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert!(!settled(
            at("2026-01-01T10:00:00.1Z"),
            at("2026-01-01T10:00:00.9Z")
        ));
        assert!(settled(
            at("2026-01-01T10:00:00.1Z"),
            at("2026-01-01T10:00:01.0Z")
        ));
        assert!(!settled(
            at("2026-01-01T10:00:00.5Z"),
            at("2026-01-01T10:00:01.2Z")
        ));
        assert!(settled(
            at("2026-01-01T10:00:00.5Z"),
            at("2026-01-01T10:00:02.0Z")
        ));

        let cache = PageCache::new(1 << 20);
        let v1 = version(1, 0);
        let page = cache.store("/".into(), page_at(10, v1), None);
        assert!(!page.headers.contains_key(header::LAST_MODIFIED));
        cache.inner.lock().unwrap().changed_at = Some(now() - chrono::Duration::seconds(2));
        let page = cache.store("/".into(), page_at(10, v1), None);
        assert!(page.headers.contains_key(header::LAST_MODIFIED));
        // A feed keeps the date of its newest item, or none.
        let mut feed = page_at(10, v1);
        feed.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/atom+xml"),
        );
        let feed = cache.store("/feed.xml".into(), feed, None);
        assert!(!feed.headers.contains_key(header::LAST_MODIFIED));
        // A page from before a newer content is not kept, and is not dated.
        cache.store("/".into(), page_at(10, version(2, 0)), None);
        cache.inner.lock().unwrap().changed_at = Some(now() - chrono::Duration::seconds(2));
        let old = cache.store("/a".into(), page_at(10, v1), None);
        assert!(!old.headers.contains_key(header::LAST_MODIFIED));
    }

    fn is_hit(cache: &PageCache, key: &str, at: Version) -> bool {
        matches!(cache.lookup(key, at), Lookup::Hit(_))
    }

    #[test]
    fn a_newer_version_forgets_every_page_and_an_older_one_stores_nothing() {
        let cache = PageCache::new(1 << 20);
        let (v1, v2) = (version(1, 0), version(2, 0));
        cache.store("/".into(), page_at(10, v1), None);
        assert!(is_hit(&cache, "/", v1));
        assert!(!is_hit(&cache, "/", v2));
        cache.store("/".into(), page_at(10, v1), None);
        assert!(
            !is_hit(&cache, "/", v2),
            "a page rendered under 1 is stale at 2"
        );
        cache.store("/".into(), page_at(10, v2), None);
        assert!(is_hit(&cache, "/", v2));
    }

    #[test]
    fn the_oldest_pages_make_room_within_the_budget() {
        let cache = PageCache::new(3 * (1000 + 1024));
        let v1 = version(1, 0);
        for key in ["/a", "/b", "/c", "/d"] {
            cache.store(key.into(), page_at(1000, v1), None);
        }
        assert!(!is_hit(&cache, "/a", v1));
        for key in ["/b", "/c", "/d"] {
            assert!(is_hit(&cache, key, v1), "{key}");
        }
        let pages = cache.inner.lock().unwrap();
        assert!(pages.bytes <= cache.budget);
    }

    #[tokio::test]
    async fn one_request_renders_a_page_and_the_others_wait_for_it() {
        let cache = PageCache::new(1 << 20);
        let v1 = version(1, 0);
        let Lookup::Render(Some(filling)) = cache.lookup("/", v1) else {
            panic!("the first request renders");
        };
        let Lookup::Wait(mut waiting) = cache.lookup("/", v1) else {
            panic!("the second waits, there is no copy to serve meanwhile");
        };
        let page = cache.store("/".into(), page_at(10, v1), None);
        filling.done(page.clone());
        let got = waiting.wait_for(Option::is_some).await.unwrap().clone();
        assert!(Arc::ptr_eq(&got.unwrap(), &page));
        assert!(is_hit(&cache, "/", v1));

        // A render that is abandoned lets the waiting render for themselves.
        let v2 = version(2, 0);
        let Lookup::Render(Some(filling)) = cache.lookup("/", v2) else {
            panic!("new content: rendered again");
        };
        let Lookup::Wait(mut waiting) = cache.lookup("/", v2) else {
            panic!("content changed: the old copy is not served");
        };
        drop(filling);
        assert!(waiting.wait_for(Option::is_some).await.is_err());
        assert!(matches!(cache.lookup("/", v2), Lookup::Render(Some(_))));
    }

    #[test]
    fn new_view_counts_serve_the_previous_copy_while_one_request_renders() {
        let cache = PageCache::new(1 << 20);
        cache.store("/".into(), page_at(10, version(1, 0)), None);
        let counted = version(1, 1);
        let Lookup::Render(Some(_filling)) = cache.lookup("/", counted) else {
            panic!("new view counts: rendered again");
        };
        assert!(matches!(cache.lookup("/", counted), Lookup::Stale(_)));
        let Lookup::Render(Some(_filling)) = cache.lookup("/", version(2, 1)) else {
            panic!("new content: rendered again");
        };
        assert!(matches!(cache.lookup("/", version(2, 1)), Lookup::Wait(_)));
    }
}

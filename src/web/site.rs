//! Each instance's copy of the site settings. Every page reads them, so they are not read
//! from the database per request: the copy is kept with the content version it was read
//! under, and read again when that version moves (every write bumps it, on whichever
//! instance: see `page_cache`). A change thus shows at once on the instance that made it and
//! within the version's time to live on the others.

use std::sync::{Arc, RwLock};

use crate::error::AppError;
use crate::platform::db::Db;
use crate::site::SiteSettings;

use super::page_cache::PageCache;

#[derive(Default)]
pub struct SiteCache {
    kept: RwLock<Option<(i64, Arc<SiteSettings>)>>,
}

impl SiteCache {
    /// The settings as of the current content version.
    pub async fn current(&self, db: &Db, pages: &PageCache) -> Result<Arc<SiteSettings>, AppError> {
        let Some(version) = pages.content_version(db).await else {
            // The database does not answer in time. Asking again would only make the page
            // wait longer for its own 503; a copy read before stands in, and without one
            // nothing is decided on guessed settings.
            return self
                .kept()
                .map(|(_, kept)| kept)
                .ok_or(AppError::Unavailable);
        };
        if let Some((kept_version, kept)) = self.kept() {
            if kept_version == version {
                return Ok(kept);
            }
        }
        let settings = Arc::new(crate::site::store::load(db).await?);
        if let Ok(mut kept) = self.kept.write() {
            // A slower reader of an older version must not put its copy back.
            if kept.as_ref().is_none_or(|(at, _)| *at <= version) {
                *kept = Some((version, settings.clone()));
            }
        }
        Ok(settings)
    }

    /// The newest copy read, without asking the database (the Leptos render context is
    /// made synchronously, after [`Self::current`] has run for the request).
    pub fn latest(&self) -> Arc<SiteSettings> {
        self.kept().map(|(_, kept)| kept).unwrap_or_default()
    }

    fn kept(&self) -> Option<(i64, Arc<SiteSettings>)> {
        self.kept.read().ok().and_then(|kept| kept.clone())
    }
}

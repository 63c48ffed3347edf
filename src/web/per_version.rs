//! Copies of small tables every request may need (the site settings, the redirects), kept by
//! each instance instead of read per request. A copy is kept with the content version it was
//! read under and read again when that version moves (every write bumps it, on whichever
//! instance: see `page_cache`): a change shows at once on the instance that made it and
//! within the version's time to live on the others.

use std::future::Future;
use std::sync::{Arc, RwLock};

use crate::error::AppError;

pub struct PerVersion<T> {
    kept: RwLock<Option<(i64, Arc<T>)>>,
}

impl<T> Default for PerVersion<T> {
    fn default() -> Self {
        Self {
            kept: RwLock::new(None),
        }
    }
}

impl<T> PerVersion<T> {
    /// The copy as of `version`, the current content version (None: the database did not
    /// say in time), read with `load` when the kept one is older.
    pub async fn current<F, Fut>(&self, version: Option<i64>, load: F) -> Result<Arc<T>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let Some(version) = version else {
            // The database does not answer in time. Asking again would only make the page
            // wait longer for its own 503; a copy read before stands in, and without one
            // nothing is decided on a guess.
            return self.latest().ok_or(AppError::Unavailable);
        };
        if let Some((kept_version, kept)) = self.kept() {
            if kept_version == version {
                return Ok(kept);
            }
        }
        let fresh = Arc::new(load().await?);
        if let Ok(mut kept) = self.kept.write() {
            // A slower reader of an older version must not put its copy back.
            if kept.as_ref().is_none_or(|(at, _)| *at <= version) {
                *kept = Some((version, fresh.clone()));
            }
        }
        Ok(fresh)
    }

    /// The newest copy read, without asking the database (the Leptos render context is
    /// made synchronously, after [`Self::current`] has run for the request).
    pub fn latest(&self) -> Option<Arc<T>> {
        self.kept().map(|(_, kept)| kept)
    }

    fn kept(&self) -> Option<(i64, Arc<T>)> {
        self.kept.read().ok().and_then(|kept| kept.clone())
    }
}

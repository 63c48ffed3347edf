//! What every request handler can reach.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use super::per_version::PerVersion;
use crate::error::AppError;
use crate::platform::config::Config;
use crate::platform::db::Db;
use crate::posts::views::{OnCounted, ViewCounter};

/// Every middleware that reads the state gets its own clone, for every request: one
/// reference count here, where copying `LeptosOptions`' strings and the fields' counts took
/// 18 % of the server's time on a kept post page.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub db: Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub started_at: Instant,
    pub views: Arc<ViewCounter>,
    pub tokens: Arc<crate::accounts::tokens::Keys>,
    pub rate_limiter: Arc<super::guard::RateLimiter>,
    pub pages: Arc<super::page_cache::PageCache>,
    /// Signed-in readers' own rows, kept per readers version.
    pub readers: Arc<super::reader_rows::ReaderRows>,
    /// Pieces of signed-in readers' pages, kept per content version.
    pub fragments: super::fragments::Fragments,
    pub site: PerVersion<crate::site::SiteSettings>,
    /// Moved addresses, path → target (see `web::redirects`).
    pub redirects: PerVersion<HashMap<String, String>>,
    /// The import an admin started from the admin page, if any.
    pub imports: crate::import::jobs::Imports,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(db: Db, config: Config, leptos_options: LeptosOptions) -> Self {
        let pages = Arc::new(super::page_cache::PageCache::new(config.page_cache_bytes));
        Self(Arc::new(Shared {
            views: Arc::new(ViewCounter::new(db.clone(), views_changed(&db, &pages))),
            tokens: Arc::new(crate::accounts::tokens::Keys::new(
                config.jwt_secret.clone(),
            )),
            rate_limiter: Arc::new(super::guard::RateLimiter::new(&config)),
            pages,
            readers: Default::default(),
            fragments: Default::default(),
            site: PerVersion::default(),
            redirects: PerVersion::default(),
            imports: Default::default(),
            db,
            config: Arc::new(config),
            leptos_options,
            started_at: Instant::now(),
        }))
    }

    /// The site settings as of now (see `web::per_version`).
    pub async fn site(&self) -> Result<Arc<crate::site::SiteSettings>, AppError> {
        let version = self.pages.content_version(&self.db).await;
        self.site
            .current(version, || crate::site::store::load(&self.db))
            .await
    }

    /// The redirects as of now.
    pub async fn redirects(&self) -> Result<Arc<HashMap<String, String>>, AppError> {
        let version = self.pages.content_version(&self.db).await;
        self.redirects
            .current(version, || crate::redirects::store::table(&self.db))
            .await
    }

    /// What a change that sends mail needs: the blog as of now, its address, the key of its
    /// unsubscribe links.
    pub async fn mailing(&self) -> Result<crate::mail::Mailing, AppError> {
        Ok(crate::mail::Mailing {
            site: self.site().await?,
            origin: self.config.origin(),
            unsubscribe: self.tokens.unsubscribe_signer(&self.db).await?,
        })
    }

    /// The state inside a server function or a component rendered on the server.
    pub fn current() -> Result<Self, AppError> {
        leptos::prelude::use_context::<Self>()
            .ok_or_else(|| AppError::internal("AppState missing from the Leptos context"))
    }
}

/// What the view counter does after counting: tells the page cache, so this instance's pages
/// show the new counts at once. The views are written either way: a failed bump only leaves
/// kept pages to age out.
fn views_changed(db: &Db, pages: &Arc<super::page_cache::PageCache>) -> OnCounted {
    let (db, pages) = (db.clone(), pages.clone());
    Box::new(move || {
        let (db, pages) = (db.clone(), pages.clone());
        Box::pin(async move {
            if let Err(err) = pages.views_changed(&db).await {
                tracing::warn!(error = %err, "marking the content as changed failed");
            }
        })
    })
}

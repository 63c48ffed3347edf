//! `/metrics` in Prometheus' text format, served on a listener of its own
//! (`QUIRE_METRICS_ADDR`), never on the blog's address. Requests, kept pages and failed
//! sign-ins are counted as they happen through the `metrics` facade; what is a level rather
//! than an event (the connection pool, queued views, the outbox) is read at each scrape.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, State};
use axum::http::{header, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics::{Label, SharedString};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::state::AppState;
use crate::with_db;

/// The route that answered, as the router names it (`/{slug}`, `/api/posts/{id}`), carried on
/// the answer to the outermost layer; a kept page keeps the route that rendered it.
#[derive(Clone, Debug)]
pub struct RouteLabel(pub Arc<str>);

/// From half a millisecond (a kept page) to ten seconds (an import's upload).
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histograms are folded and the pool's wait is sampled.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static RECORDER: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
/// Set once a recorder exists: until then requests skip the bookkeeping entirely.
static RECORDING: AtomicBool = AtomicBool::new(false);

/// The process's one recorder, installed by the first call.
pub fn recorder() -> Result<&'static PrometheusHandle, String> {
    let installed = RECORDER.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets(LATENCY_BUCKETS)
            .and_then(PrometheusBuilder::install_recorder)
            .map_err(|err| err.to_string())
    });
    let handle = installed.as_ref().map_err(Clone::clone)?;
    RECORDING.store(true, Ordering::Relaxed);
    Ok(handle)
}

/// Serves `/metrics` on `listener` until the process ends, and keeps the histograms and the
/// pool's wait up to date.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let handle = recorder().map_err(std::io::Error::other)?;
    tokio::spawn(upkeep(handle, state.db.clone()));
    let app = Router::new()
        .route("/metrics", get(scrape))
        .with_state(state);
    axum::serve(listener, app).await
}

async fn upkeep(handle: &'static PrometheusHandle, db: crate::platform::db::Db) {
    let mut ticks = tokio::time::interval(UPKEEP_EVERY);
    loop {
        ticks.tick().await;
        handle.run_upkeep();
        // sqlx tells nobody how long a query waited for a connection; one taken now waits
        // as long as a request's would.
        let started = Instant::now();
        let taken = with_db!(&db, |pool| pool.acquire().await.map(drop));
        if taken.is_ok() {
            metrics::histogram!("quire_db_pool_wait_seconds").record(started.elapsed());
        }
    }
}

async fn scrape(State(state): State<AppState>) -> Response {
    let Ok(handle) = recorder() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let (size, idle) = with_db!(&state.db, |pool| (pool.size(), pool.num_idle()));
    let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
    metrics::gauge!("quire_db_pool_connections", "state" => "in_use").set(size - idle);
    metrics::gauge!("quire_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("quire_db_pool_max_connections").set(state.config.db_max_connections);
    metrics::gauge!("quire_views_queued").set(state.views.queued() as f64);
    match crate::mail::outbox::backlog(&state.db).await {
        Ok(backlog) => {
            metrics::gauge!("quire_outbox_messages", "state" => "waiting")
                .set(backlog.waiting as f64);
            metrics::gauge!("quire_outbox_messages", "state" => "failed")
                .set(backlog.failed as f64);
        }
        Err(err) => tracing::warn!(error = %err, "counting the outbox for /metrics failed"),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

/// Inside the router: names the route on its answer.
pub async fn label_route(matched: Option<MatchedPath>, req: Request<Body>, next: Next) -> Response {
    let mut res = next.run(req).await;
    if RECORDING.load(Ordering::Relaxed) {
        if let Some(matched) = matched {
            res.extensions_mut()
                .insert(RouteLabel(Arc::from(matched.as_str())));
        }
    }
    res
}

/// Outside everything but the request id and the trace: counts every answer, kept pages
/// and refusals included, by route, method and status, with its time to the first byte.
pub async fn record(req: Request<Body>, next: Next) -> Response {
    if !RECORDING.load(Ordering::Relaxed) {
        return next.run(req).await;
    }
    let started = Instant::now();
    let method = method_label(req.method());
    let unnamed = unnamed_route(req.uri().path());
    let res = next.run(req).await;
    // The route's name is shared with the answer, not copied for every request.
    let route = match res.extensions().get::<RouteLabel>() {
        Some(label) => SharedString::from(Arc::clone(&label.0)),
        None => SharedString::const_str(unnamed),
    };
    let labels = vec![
        Label::from_static_parts("method", method),
        Label::new("route", route),
        Label::new("status", res.status().as_u16().to_string()),
    ];
    metrics::counter!("quire_http_requests_total", labels.clone()).increment(1);
    metrics::histogram!("quire_http_request_duration_seconds", labels).record(started.elapsed());
    res
}

/// HTTP lets a client make up methods; each would add series that are never dropped.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Answers no route names (static files, refusals by the guards, redirects of old
/// addresses) are grouped, so a scanner's made-up paths cannot add a series each.
fn unnamed_route(path: &str) -> &'static str {
    if path.starts_with("/pkg/") {
        "/pkg/*"
    } else if path.starts_with("/media/") {
        "/media/*"
    } else if path.starts_with("/api/") {
        "/api/*"
    } else {
        "other"
    }
}

/// A kept page answered (`hit`), rendered and kept (`miss`), answered while a newer
/// version renders (`stale`), or filled with a signed-in reader's parts (`filled`).
pub fn page_cache_answer(outcome: &'static str) {
    metrics::counter!("quire_page_cache_answers_total", "outcome" => outcome).increment(1);
}

//! What every answer gets and every client is held to: security headers (CSP with the page's
//! nonce), the client's real address behind trusted proxies, CORS for the API from listed
//! origins, rate limits with `RateLimit-*` headers, and JSON envelopes for every API error
//! (even those made by outer layers: too large, too slow).

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::Quota;
use ipnet::IpNet;

use super::state::AppState;
use crate::api::Failure;

/// The session cookie's name over plain http.
pub const SESSION_COOKIE: &str = "quire_session";
/// Its name over https, where the __Host- prefix pins the cookie to this exact origin.
pub const SECURE_SESSION_COOKIE: &str = "__Host-quire_session";

/// The policy for pages that carry no nonce of their own (feeds, the API, files, errors).
const DEFAULT_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: https:; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'none'";

/// The policy for a rendered page: only scripts with this response's nonce (the hydration
/// loader, the theme switch, streamed resources) and the site's own wasm.
pub fn page_csp(nonce: &str) -> String {
    let frames: Vec<&str> = crate::platform::markdown::IFRAME_ALLOWLIST
        .iter()
        .filter_map(|url| url.split('/').nth(2))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self'; \
         frame-src {}; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        frames
            .iter()
            .map(|host| format!("https://{host}"))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

pub async fn security_headers(
    State(state): State<AppState>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(DEFAULT_CSP));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    if state.config.is_https() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    res
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the last address
/// in `X-Forwarded-For` that is not one of our proxies.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    // A dual-stack listener sees IPv4 peers as `::ffff:a.b.c.d`; proxies are listed as IPv4.
    let peer = peer.to_canonical();
    let is_proxy = |ip: &IpAddr| trusted.iter().any(|range| range.contains(ip));
    if !is_proxy(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_proxy(ip))
        .unwrap_or(peer)
}

/// What a client is limited on: every budget is kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// `/api` calls (`QUIRE_API_RATE_LIMIT`).
    Api,
    /// Sign-in, sign-up and refresh calls (`QUIRE_AUTH_RATE_LIMIT`).
    Auth,
    /// Looks at posts counted as views (`QUIRE_VIEWS_RATE_LIMIT`).
    Views,
}

/// One bucket's state per client, in this process.
type Keyed<C> =
    governor::RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, C, StateInformationMiddleware>;

/// One bucket: `limit` requests a `window`, refilled one at a time every `window / limit`
/// (GCRA), so a client never waits for a whole window to pass, nor gets twice the limit
/// across a window's edge.
struct Budget<C: Clock> {
    limit: u32,
    window: Duration,
    /// How long one request takes to come back.
    period: Duration,
    clients: Keyed<C>,
}

impl<C: Clock + Clone> Budget<C> {
    fn new(limit: u32, window: Duration, clock: &C) -> Self {
        let burst = NonZeroU32::new(limit).unwrap_or(NonZeroU32::MIN);
        let period = (window / burst.get()).max(Duration::from_nanos(1));
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(burst))
            .allow_burst(burst);
        Self {
            limit: burst.get(),
            window,
            period,
            clients: Keyed::new(quota, DefaultKeyedStateStore::default(), clock.clone()),
        }
    }
}

/// Rate limits per client and bucket. Each check is one lookup in a sharded map; the clients
/// that are back to a whole budget are forgotten by [`RateLimiter::prune`], on a timer.
pub struct RateLimiter<C: Clock = DefaultClock> {
    clock: C,
    api: Budget<C>,
    auth: Budget<C>,
    views: Budget<C>,
}

pub struct Verdict {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Allowed: until the budget is whole again. Refused: until the next request may pass.
    pub reset: Duration,
}

impl Verdict {
    /// [`Self::reset`] in whole seconds, rounded up: a client that waits this long is let in.
    pub fn reset_secs(&self) -> u64 {
        self.reset.as_secs() + u64::from(self.reset.subsec_nanos() > 0)
    }
}

impl RateLimiter {
    /// The limits `config` sets.
    pub fn new(config: &crate::platform::config::Config) -> Self {
        Self::with_clock(
            config.rate_limit_window,
            [
                config.api_rate_limit,
                config.auth_rate_limit,
                config.views_rate_limit,
            ],
            DefaultClock::default(),
        )
    }
}

impl<C: Clock + Clone> RateLimiter<C> {
    /// `limits` for the api, auth and views buckets, each per `window`.
    pub fn with_clock(window: Duration, limits: [u32; 3], clock: C) -> Self {
        let [api, auth, views] = limits;
        Self {
            api: Budget::new(api, window, &clock),
            auth: Budget::new(auth, window, &clock),
            views: Budget::new(views, window, &clock),
            clock,
        }
    }
}

impl<C: Clock> RateLimiter<C> {
    fn budget(&self, bucket: Bucket) -> &Budget<C> {
        match bucket {
            Bucket::Api => &self.api,
            Bucket::Auth => &self.auth,
            Bucket::Views => &self.views,
        }
    }

    /// Counts a request from `ip` against `bucket`, and says whether it may pass.
    pub fn check(&self, ip: IpAddr, bucket: Bucket) -> Verdict {
        let budget = self.budget(bucket);
        match budget.clients.check_key(&client_key(ip)) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity().min(budget.limit);
                Verdict {
                    allowed: true,
                    limit: budget.limit,
                    remaining,
                    reset: budget
                        .period
                        .saturating_mul(budget.limit - remaining)
                        .min(budget.window),
                }
            }
            Err(not_until) => Verdict {
                allowed: false,
                limit: budget.limit,
                remaining: 0,
                reset: not_until.wait_time_from(self.clock.now()),
            },
        }
    }

    /// Forgets the clients whose budgets are whole again: they are no different from
    /// clients never seen.
    pub fn prune(&self) {
        for budget in [&self.api, &self.auth, &self.views] {
            budget.clients.retain_recent();
            budget.clients.shrink_to_fit();
        }
    }

    /// How many (client, bucket) states are kept.
    pub fn len(&self) -> usize {
        [&self.api, &self.auth, &self.views]
            .iter()
            .map(|budget| budget.clients.len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<C: Clock + Send + Sync + 'static> RateLimiter<C>
where
    C::Instant: Send + Sync,
{
    /// Prunes `limiter` every `every` until it is dropped or the returned handle is; the task
    /// holds no reference that would keep the limiter alive.
    pub fn spawn_pruning(limiter: &Arc<Self>, every: Duration) -> AbortOnDrop {
        let limiter = Arc::downgrade(limiter);
        AbortOnDrop(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first tick is at once, when there is nothing to prune.
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let Some(limiter) = limiter.upgrade() else {
                    break;
                };
                limiter.prune();
            }
        }))
    }
}

/// Ends a background task when dropped, so it lives no longer than its owner.
pub struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Who is counted: an IPv4 address, or an IPv6 address's /64, the smallest network a host
/// is given, from which it may pick any address for each request. IPv4 clients reaching a
/// dual-stack socket arrive as IPv4-mapped IPv6 addresses and are counted by their IPv4
/// address (otherwise all of them would share the /64 `::`).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

fn api_bucket(method: &Method, path: &str) -> Bucket {
    let sign_in = matches!(
        path,
        "/api/auth/login"
            | "/api/auth/register"
            | "/api/auth/refresh"
            | "/api/auth/forgot-password"
            | "/api/auth/reset-password"
            | "/api/subscribers"
    );
    if method == Method::POST && sign_in {
        Bucket::Auth
    } else {
        Bucket::Api
    }
}

/// For `/api`: CORS for the listed origins, rate limits, and envelopes for every error.
pub async fn api_guard(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if !(path == "/api" || path.starts_with("/api/")) {
        return next.run(req).await;
    }
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| {
            state
                .config
                .allowed_origins
                .iter()
                .any(|allowed| allowed == o)
        })
        .map(str::to_owned);
    if req.method() == Method::OPTIONS {
        let mut res = StatusCode::NO_CONTENT.into_response();
        if let Some(origin) = &origin {
            cors_headers(res.headers_mut(), origin);
            let headers = res.headers_mut();
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, PATCH, DELETE, OPTIONS"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type"),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
        return res;
    }
    let ip = client_ip(peer.ip(), req.headers(), &state.config.trusted_proxies);
    let verdict = state
        .rate_limiter
        .check(ip, api_bucket(req.method(), &path));
    let mut res = if verdict.allowed {
        envelope_errors(next.run(req).await).await
    } else {
        let mut res = Failure {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: format!(
                "Too many requests; try again in {} seconds",
                verdict.reset_secs().max(1)
            ),
            errors: None,
        }
        .into_response();
        res.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(verdict.reset_secs().max(1)),
        );
        res
    };
    let headers = res.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(verdict.limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(verdict.remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(verdict.reset_secs()));
    if let Some(origin) = &origin {
        cors_headers(headers, origin);
    }
    res
}

fn cors_headers(headers: &mut HeaderMap, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
}

/// Errors that did not come from an API handler (a body over the limit, a timeout) are
/// answered in the envelope too.
async fn envelope_errors(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.as_u16() < 400 || is_json {
        return res;
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "The body is too large".to_owned(),
        StatusCode::SERVICE_UNAVAILABLE => {
            "The server is busy or its database is unavailable; try again shortly".to_owned()
        }
        StatusCode::FORBIDDEN => "You are not allowed to do that".to_owned(),
        other => other
            .canonical_reason()
            .unwrap_or("Request failed")
            .to_owned(),
    };
    Failure {
        status,
        message,
        errors: None,
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_behind_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.9"),
        );
        assert_eq!(
            client_ip(proxy, &headers, &[proxy.into()]).to_string(),
            "203.0.113.9"
        );
        assert_eq!(
            client_ip(proxy, &headers, &[]),
            proxy,
            "untrusted peers cannot claim an address"
        );
    }

    #[test]
    fn a_trusted_range_covers_every_proxy_in_it() {
        let ranges: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()];
        let mut headers = HeaderMap::new();
        // The client, then a first proxy inside the range; the peer is a second one.
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("198.51.100.7, 10.2.3.4"),
        );
        let through = |peer: &str| client_ip(peer.parse().unwrap(), &headers, &ranges).to_string();
        assert_eq!(through("10.9.9.9"), "198.51.100.7");
        assert_eq!(
            through("::ffff:10.9.9.9"),
            "198.51.100.7",
            "IPv4 seen over IPv6"
        );
        assert_eq!(through("fd12::1"), "198.51.100.7");
        assert_eq!(
            through("11.0.0.1"),
            "11.0.0.1",
            "outside the range: the peer itself"
        );
    }

    use governor::clock::FakeRelativeClock;

    const WINDOW: Duration = Duration::from_secs(15 * 60);

    fn limiter(api: u32) -> (RateLimiter<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (
            RateLimiter::with_clock(WINDOW, [api, 2, 2], clock.clone()),
            clock,
        )
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_limit_passes_then_refusals_until_a_request_comes_back() {
        let (limiter, clock) = limiter(3);
        let client = ip("192.0.2.1");
        let verdicts: Vec<(bool, u32, u64)> = (0..4)
            .map(|_| {
                let v = limiter.check(client, Bucket::Api);
                assert_eq!(v.limit, 3);
                (v.allowed, v.remaining, v.reset_secs())
            })
            .collect();
        // One request comes back every 5 minutes; the budget is whole 5 minutes per use.
        assert_eq!(
            verdicts,
            [
                (true, 2, 300),
                (true, 1, 600),
                (true, 0, 900),
                (false, 0, 300)
            ]
        );
        clock.advance(Duration::from_secs(299));
        let refused = limiter.check(client, Bucket::Api);
        assert!(!refused.allowed);
        assert_eq!(refused.reset_secs(), 1);
        clock.advance(Duration::from_secs(1));
        let back = limiter.check(client, Bucket::Api);
        assert!(back.allowed);
        assert_eq!(back.remaining, 0);
        assert!(!limiter.check(client, Bucket::Api).allowed);
        // Other clients and other buckets have their own budgets.
        assert!(limiter.check(ip("192.0.2.2"), Bucket::Api).allowed);
        assert!(limiter.check(client, Bucket::Auth).allowed);
        assert!(limiter.check(client, Bucket::Views).allowed);
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let (limiter, _clock) = limiter(2);
        // Two addresses of one /64: one host picking a new address per request.
        assert!(limiter.check(ip("2001:db8:1:2::1"), Bucket::Api).allowed);
        assert!(
            limiter
                .check(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"), Bucket::Api)
                .allowed
        );
        assert!(
            !limiter
                .check(ip("2001:db8:1:2:abcd::9"), Bucket::Api)
                .allowed
        );
        // The next /64 is somebody else.
        assert!(limiter.check(ip("2001:db8:1:3::1"), Bucket::Api).allowed);
        // IPv4 clients count by their whole address, also when they arrive IPv4-mapped.
        assert!(
            limiter
                .check(ip("::ffff:198.51.100.7"), Bucket::Api)
                .allowed
        );
        assert!(limiter.check(ip("198.51.100.7"), Bucket::Api).allowed);
        assert!(!limiter.check(ip("198.51.100.7"), Bucket::Api).allowed);
        assert!(
            limiter
                .check(ip("::ffff:198.51.100.8"), Bucket::Api)
                .allowed
        );
    }

    #[test]
    fn pruning_forgets_clients_with_whole_budgets() {
        let (limiter, clock) = limiter(3);
        for n in 0..100u8 {
            limiter.check(IpAddr::from([203, 0, 113, n]), Bucket::Api);
        }
        limiter.check(ip("192.0.2.1"), Bucket::Views);
        assert_eq!(limiter.len(), 101);
        limiter.prune();
        assert_eq!(limiter.len(), 101, "budgets still in use are kept");
        clock.advance(WINDOW + Duration::from_secs(1));
        limiter.prune();
        assert!(limiter.is_empty());
    }
}

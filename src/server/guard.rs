//! What every answer gets and every client is held to: security headers (CSP with the page's
//! nonce), the client's real address behind trusted proxies, CORS for the API from listed
//! origins, rate limits with `RateLimit-*` headers, and JSON envelopes for every API error
//! (even those made by outer layers: too large, too slow).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::state::AppState;
use crate::api::Failure;

/// The policy for pages that carry no nonce of their own (feeds, the API, files, errors).
const DEFAULT_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: https:; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'none'";

/// The policy for a rendered page: only scripts with this response's nonce (the hydration
/// loader, the theme switch, streamed resources) and the site's own wasm.
pub fn page_csp(nonce: &str) -> String {
    let frames: Vec<&str> = crate::server::markdown::IFRAME_ALLOWLIST
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
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

/// A client in one bucket ("api", "auth").
type Key = (IpAddr, &'static str);
/// When its window started, and how many requests it made since.
type Window = (Instant, u32);

/// Fixed-window counters per client and bucket, in this process.
pub struct RateLimiter {
    window: Duration,
    counters: Mutex<HashMap<Key, Window>>,
}

pub struct Verdict {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    pub reset: Duration,
}

impl RateLimiter {
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            counters: Mutex::new(HashMap::new()),
        }
    }

    pub fn check(&self, ip: IpAddr, bucket: &'static str, limit: u32) -> Verdict {
        let now = Instant::now();
        let Ok(mut counters) = self.counters.lock() else {
            return Verdict {
                allowed: true,
                limit,
                remaining: limit,
                reset: self.window,
            };
        };
        // Forget finished windows now and then, so the map stays the size of the live clients.
        if counters.len() > 10_000 {
            let window = self.window;
            counters.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = counters.entry((ip, bucket)).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        Verdict {
            allowed: entry.1 <= limit,
            limit,
            remaining: limit.saturating_sub(entry.1),
            reset: self.window.saturating_sub(now.duration_since(entry.0)),
        }
    }
}

fn api_bucket(method: &Method, path: &str) -> &'static str {
    let sign_in = matches!(
        path,
        "/api/auth/login" | "/api/auth/register" | "/api/auth/refresh"
    );
    if method == Method::POST && sign_in {
        "auth"
    } else {
        "api"
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
    let bucket = api_bucket(req.method(), &path);
    let limit = if bucket == "auth" {
        state.config.auth_rate_limit
    } else {
        state.config.api_rate_limit
    };
    let verdict = state.rate_limiter.check(ip, bucket, limit);
    let mut res = if verdict.allowed {
        envelope_errors(next.run(req).await).await
    } else {
        let mut res = Failure {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: format!(
                "Too many requests; try again in {} seconds",
                verdict.reset.as_secs().max(1)
            ),
            errors: None,
        }
        .into_response();
        res.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(verdict.reset.as_secs().max(1)),
        );
        res
    };
    let headers = res.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(verdict.limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(verdict.remaining));
    headers.insert(
        "ratelimit-reset",
        HeaderValue::from(verdict.reset.as_secs()),
    );
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
            client_ip(proxy, &headers, &[proxy]).to_string(),
            "203.0.113.9"
        );
        assert_eq!(
            client_ip(proxy, &headers, &[]),
            proxy,
            "untrusted peers cannot claim an address"
        );
    }

    #[test]
    fn limits_reset_with_the_window() {
        let limiter = RateLimiter::new(Duration::from_millis(50));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(limiter.check(ip, "api", 2).allowed);
        assert!(limiter.check(ip, "api", 2).allowed);
        assert!(!limiter.check(ip, "api", 2).allowed);
        std::thread::sleep(Duration::from_millis(60));
        assert!(limiter.check(ip, "api", 2).allowed);
    }
}

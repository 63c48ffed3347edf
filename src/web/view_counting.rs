//! Which requests count as a reader's look at a post: not crawlers or scripts, once per
//! browser session (a cookie), and no more than the address's share of looks. The looks that
//! count go to the posts domain's [`ViewCounter`](crate::posts::views::ViewCounter).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, HeaderValue};

use crate::web::guard::{client_ip, Bucket};
use crate::web::state::AppState;

/// The cookie that tells one browser session from another. No expiry: it ends with the
/// browser session, and so does "once".
pub const VIEWER_COOKIE: &str = "quire_vid";

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

/// The address of the connection a request came over (unspecified when there is none, as
/// in tests that call the router directly).
pub fn peer_ip(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(peer)| {
            peer.ip()
        })
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

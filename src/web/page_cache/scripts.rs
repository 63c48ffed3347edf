//! A kept page is sent many times and a script nonce must be new in every answer: its policy
//! allows its inline scripts by their hashes instead.

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue};

/// Swaps the policy's script nonce for the hashes of the page's inline scripts, and takes
/// the nonce off the page. Answers without a nonce (feeds) stay as they are.
pub(super) fn pin_scripts(headers: &mut HeaderMap, page: Bytes) -> Bytes {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let policy = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(nonce) = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
    else {
        return page;
    };
    let Ok(html) = std::str::from_utf8(&page) else {
        return page;
    };
    let hashes: Vec<String> = inline_scripts(html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    let pinned = policy.replace(&format!("'nonce-{nonce}'"), &hashes.join(" "));
    let Ok(pinned) = HeaderValue::from_str(&pinned) else {
        return page;
    };
    // Leptos also writes the nonce as the module preload's `crossorigin` value, which
    // browsers read as "anonymous", as they read an empty one.
    let html = html
        .replace(&format!(" nonce=\"{nonce}\""), "")
        .replace(&format!(" crossorigin=\"{nonce}\""), " crossorigin=\"\"");
    headers.insert(header::CONTENT_SECURITY_POLICY, pinned);
    Bytes::from(html)
}

/// The text of every `<script>` element without a `src`, in order. Script text cannot
/// contain `</script`, so the first one ends it.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || loop {
        let start = rest.find("<script")?;
        let tag_end = start + rest[start..].find('>')?;
        let body_end = tag_end + rest[tag_end..].find("</script")?;
        let tag = &rest[start..tag_end];
        let body = &rest[tag_end + 1..body_end];
        rest = &rest[body_end..];
        if !tag.contains(" src=") {
            return Some(body);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_pages_allow_their_inline_scripts_by_hash_instead_of_a_nonce() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"),
        );
        let page = r#"<link rel="modulepreload" href="/pkg/x.js" crossorigin="abc123"><script nonce="abc123">theme()</script><script src="/pkg/x.js"></script><p>&lt;script&gt;</p><script type="module" nonce="abc123">load()</script>"#;
        let pinned = pin_scripts(&mut headers, Bytes::from(page));
        assert_eq!(
            std::str::from_utf8(&pinned).unwrap(),
            r#"<link rel="modulepreload" href="/pkg/x.js" crossorigin=""><script>theme()</script><script src="/pkg/x.js"></script><p>&lt;script&gt;</p><script type="module">load()</script>"#
        );
        use base64::Engine;
        use sha2::Digest;
        let hash = |s: &str| {
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(s.as_bytes()))
        };
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            format!(
                "script-src 'self' 'sha256-{}' 'sha256-{}' 'wasm-unsafe-eval'",
                hash("theme()"),
                hash("load()")
            )
        );
    }
}

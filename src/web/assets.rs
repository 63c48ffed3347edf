//! The site's built files (CSS, JS, wasm, and their `.br` and `.gz` copies). A release build
//! carries them in the binary (see build.rs), so `quire` runs from any folder with nothing
//! beside it; `LEPTOS_SITE_ROOT`, or a build without them, serves a folder instead.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use leptos::prelude::LeptosOptions;

use super::page_cache::encodings::Encoding;

include!(concat!(env!("OUT_DIR"), "/site.rs"));

/// Where the site's files come from.
pub enum Source {
    /// The binary's own copy; Leptos's two file reads are served from `scratch` (below).
    Embedded {
        scratch: PathBuf,
    },
    Folder,
}

/// Picks the source at start. Leptos 0.8 reads two small files from disk while rendering,
/// whatever serves the rest: the hashed names (the hash file, beside the executable unless
/// its path is absolute) and the lazy islands' manifest (in the site folder). With embedded
/// files those two are written into a private folder under the temporary directory, and
/// the options point there.
pub fn choose(options: &mut LeptosOptions) -> std::io::Result<Source> {
    let Some(hashes) = EMBEDDED_HASHES.filter(|_| embedded()) else {
        return Ok(Source::Folder);
    };
    let scratch = std::env::temp_dir().join(format!(
        "quire-site-{}-{:016x}",
        std::process::id(),
        rand::random::<u64>()
    ));
    // Made here, or refused: never a folder (or a link) someone put there first.
    private_dir(&scratch)?;
    private_dir(&scratch.join(EMBEDDED_PKG_DIR))?;
    let hash_file = scratch.join("hash.txt");
    std::fs::write(&hash_file, hashes)?;
    for (name, bytes) in EMBEDDED_FILES {
        if name.contains("__wasm_split_manifest") && !is_compressed_copy(name) {
            std::fs::write(scratch.join(name), bytes)?;
        }
    }
    options.site_root = scratch.to_string_lossy().into_owned().into();
    options.hash_file = hash_file.to_string_lossy().into_owned().into();
    options.hash_files = true;
    Ok(Source::Embedded { scratch })
}

impl Source {
    /// Removes the scratch folder; the files served never depended on it.
    pub fn clean_up(&self) {
        if let Self::Embedded { scratch } = self {
            let _ = std::fs::remove_dir_all(scratch);
        }
    }
}

fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().mode(0o700).create(dir)
}

fn is_compressed_copy(name: &str) -> bool {
    name.ends_with(".br") || name.ends_with(".gz")
}

/// The folder the embedded names are under, as Cargo.toml's `site-pkg-dir` says.
const EMBEDDED_PKG_DIR: &str = "pkg";

/// Whether this binary serves its own copy of the site's files: it has one, and no setting
/// points elsewhere.
pub fn embedded() -> bool {
    EMBEDDED_HASHES.is_some()
        && std::env::var_os("LEPTOS_SITE_ROOT").is_none()
        && std::env::var("LEPTOS_SITE_PKG_DIR").map_or(true, |dir| dir == EMBEDDED_PKG_DIR)
}

fn by_name() -> &'static HashMap<&'static str, &'static [u8]> {
    static FILES: OnceLock<HashMap<&'static str, &'static [u8]>> = OnceLock::new();
    FILES.get_or_init(|| EMBEDDED_FILES.iter().copied().collect())
}

/// Answers a file under the package folder (`/pkg/…`, the prefix already taken off) from the
/// embedded copy.
pub async fn serve_embedded(uri: Uri, headers: HeaderMap) -> Response {
    answer(
        by_name(),
        &format!("{EMBEDDED_PKG_DIR}{}", uri.path()),
        &headers,
    )
}

/// `name` from `files`: the precompressed copy the client takes, as the folder server would.
fn answer(
    files: &HashMap<&'static str, &'static [u8]>,
    name: &str,
    headers: &HeaderMap,
) -> Response {
    let Some(identity) = files.get(name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let copy = |encoding: Encoding, suffix: &str| {
        files
            .get(format!("{name}{suffix}").as_str())
            .map(|bytes| (encoding, *bytes))
    };
    let (encoding, bytes) = match Encoding::accepted(headers) {
        // cargo-leptos writes both copies; without one, the file itself.
        Encoding::Brotli => copy(Encoding::Brotli, ".br"),
        Encoding::Gzip => copy(Encoding::Gzip, ".gz"),
        Encoding::Identity => None,
    }
    .unwrap_or((Encoding::Identity, identity));
    // The name carries the content's hash; the length tells the encodings apart.
    let etag = format!(
        "\"{:x}-{}\"",
        bytes.len(),
        encoding.name().unwrap_or("identity")
    );
    let content_type = mime_guess::from_path(name).first_or_octet_stream();
    let mut res = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|given| given.as_bytes() == etag.as_bytes())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        bytes.into_response()
    };
    let out = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type.as_ref()) {
        out.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, value);
    }
    if let Some(name) = encoding.name() {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> HashMap<&'static str, &'static [u8]> {
        HashMap::from([
            ("pkg/quire.abc.js", b"plain script" as &[u8]),
            ("pkg/quire.abc.js.br", b"br"),
            ("pkg/quire.abc.js.gz", b"gzip"),
            ("pkg/chunk_1.def.wasm", b"\0asm"),
            ("pkg/chunk_1.def.wasm.gz", b"gz wasm"),
        ])
    }

    fn asking(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.clone(), HeaderValue::from_str(value).unwrap()))
            .collect()
    }

    async fn body(res: Response) -> Vec<u8> {
        axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    #[tokio::test]
    async fn each_client_gets_the_copy_it_takes() {
        let files = site();
        let script = "pkg/quire.abc.js";
        for (accepts, expected, encoding) in [
            ("gzip, deflate, br", &b"br"[..], Some("br")),
            ("gzip", b"gzip", Some("gzip")),
            ("br;q=0, gzip", b"gzip", Some("gzip")),
            ("identity", b"plain script", None),
        ] {
            let res = answer(
                &files,
                script,
                &asking(&[(header::ACCEPT_ENCODING, accepts)]),
            );
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(res.headers()[header::CONTENT_TYPE], "text/javascript");
            assert_eq!(res.headers()[header::VARY], "accept-encoding");
            assert_eq!(
                res.headers()
                    .get(header::CONTENT_ENCODING)
                    .map(|v| v.to_str().unwrap()),
                encoding,
                "{accepts}"
            );
            assert_eq!(body(res).await, expected, "{accepts}");
        }
        // No brotli copy: the file itself (the client may refuse gzip).
        let wasm = "pkg/chunk_1.def.wasm";
        let refusing_gzip = asking(&[(header::ACCEPT_ENCODING, "br, gzip;q=0")]);
        let res = answer(&files, wasm, &refusing_gzip);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/wasm");
        assert_eq!(body(res).await, b"\0asm");
        let res = answer(&files, wasm, &asking(&[(header::ACCEPT_ENCODING, "gzip")]));
        assert_eq!(body(res).await, b"gz wasm");
    }

    #[tokio::test]
    async fn a_copy_the_browser_has_is_not_sent_again() {
        let files = site();
        let first = answer(
            &files,
            "pkg/quire.abc.js",
            &asking(&[(header::ACCEPT_ENCODING, "br")]),
        );
        let etag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
        let etag = etag.as_str();
        let again = answer(
            &files,
            "pkg/quire.abc.js",
            &asking(&[
                (header::ACCEPT_ENCODING, "br"),
                (header::IF_NONE_MATCH, etag),
            ]),
        );
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(body(again).await.is_empty());
        // The gzip copy is another representation: a new answer.
        let gzip = answer(
            &files,
            "pkg/quire.abc.js",
            &asking(&[
                (header::ACCEPT_ENCODING, "gzip"),
                (header::IF_NONE_MATCH, etag),
            ]),
        );
        assert_eq!(gzip.status(), StatusCode::OK);
        assert_eq!(
            answer(&files, "pkg/nothing.js", &HeaderMap::new()).status(),
            StatusCode::NOT_FOUND
        );
    }
}

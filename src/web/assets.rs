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
    let Some(hashes) = EMBEDDED_HASHES else {
        return Ok(Source::Folder);
    };
    if std::env::var_os("LEPTOS_SITE_ROOT").is_some() {
        return Ok(Source::Folder);
    }
    let scratch = std::env::temp_dir().join(format!(
        "quire-site-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    write_private_dir(&scratch.join(options.site_pkg_dir.as_ref()))?;
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

fn write_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

fn is_compressed_copy(name: &str) -> bool {
    name.ends_with(".br") || name.ends_with(".gz")
}

/// Whether this binary serves its own copy of the site's files.
pub fn embedded() -> bool {
    EMBEDDED_HASHES.is_some() && std::env::var_os("LEPTOS_SITE_ROOT").is_none()
}

fn by_name() -> &'static HashMap<&'static str, &'static [u8]> {
    static FILES: OnceLock<HashMap<&'static str, &'static [u8]>> = OnceLock::new();
    FILES.get_or_init(|| EMBEDDED_FILES.iter().copied().collect())
}

/// Answers a file under the package folder (`/pkg/…`, the prefix already taken off) from the
/// embedded copy: the precompressed one the client takes, as the folder server would.
pub async fn serve_embedded(uri: Uri, headers: HeaderMap) -> Response {
    let name = format!("pkg{}", uri.path());
    let files = by_name();
    let Some(identity) = files.get(name.as_str()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let copy = |encoding: Encoding, suffix: &str| {
        files
            .get(format!("{name}{suffix}").as_str())
            .map(|bytes| (encoding, *bytes))
    };
    let (encoding, bytes) = match Encoding::accepted(&headers) {
        Encoding::Brotli => copy(Encoding::Brotli, ".br").or_else(|| copy(Encoding::Gzip, ".gz")),
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
    let content_type = mime_guess::from_path(&name).first_or_octet_stream();
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

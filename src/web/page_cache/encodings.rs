//! A kept page is compressed once, when rendered, and each reader gets the copy their client
//! accepts.

use std::io::Write;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The best encoding the client accepts (`br` over `gzip`), by its `Accept-Encoding`.
    pub(crate) fn accepted(headers: &HeaderMap) -> Self {
        let mut brotli = false;
        let mut gzip = false;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or_default().trim();
                let refused = parts.any(|param| {
                    param
                        .trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                if refused {
                    continue;
                }
                match name.to_ascii_lowercase().as_str() {
                    "br" => brotli = true,
                    "gzip" => gzip = true,
                    _ => {}
                }
            }
        }
        if brotli {
            Self::Brotli
        } else if gzip {
            Self::Gzip
        } else {
            Self::Identity
        }
    }

    /// Labels an answer sent in this encoding: its `Content-Encoding`, and `Vary`, since
    /// what is sent depends on the request's `Accept-Encoding`.
    pub(crate) fn label(self, headers: &mut HeaderMap) {
        if let Some(name) = self.name() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
        }
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }

    pub(crate) fn name(self) -> Option<&'static str> {
        match self {
            Self::Brotli => Some("br"),
            Self::Gzip => Some("gzip"),
            Self::Identity => None,
        }
    }
}

pub(super) fn gzip(bytes: &[u8]) -> Bytes {
    gzip_at(bytes, 6)
}

pub(super) fn brotli(bytes: &[u8]) -> Bytes {
    // Quality 6: close to the best size for HTML at a few milliseconds per 100 KB, paid once
    // per render rather than per request.
    brotli_at(bytes, 6)
}

/// A page rendered for one reader, compressed as their client accepts (None: as it is). The
/// levels are the fast ones: paid on every request, they cost a fraction of a millisecond
/// per 100 KB of HTML for an answer about an eighth larger than the kept pages' copies.
pub(crate) fn for_one_reader(encoding: Encoding, bytes: &[u8]) -> Option<Bytes> {
    match encoding {
        Encoding::Brotli => Some(brotli_at(bytes, 3)),
        Encoding::Gzip => Some(gzip_at(bytes, 3)),
        Encoding::Identity => None,
    }
}

fn gzip_at(bytes: &[u8], level: u32) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default().into()
}

fn brotli_at(bytes: &[u8], quality: u32) -> Bytes {
    // The window no bigger than the page: brotli allocates and clears it for every page, and
    // the largest (4 MB) cost more than compressing a 100 KB page did.
    let window = (16..22)
        .find(|bits| (1_usize << bits) - 16 >= bytes.len())
        .unwrap_or(22);
    let mut encoder =
        brotli::CompressorWriter::new(Vec::with_capacity(bytes.len() / 4), 4096, quality, window);
    let _ = encoder.write_all(bytes);
    encoder.into_inner().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accepting(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn picks_the_best_encoding_the_client_takes() {
        assert_eq!(
            Encoding::accepted(&accepting("gzip, deflate, br, zstd")),
            Encoding::Brotli
        );
        assert_eq!(Encoding::accepted(&accepting("gzip")), Encoding::Gzip);
        assert_eq!(
            Encoding::accepted(&accepting("br;q=0, gzip;q=0.5")),
            Encoding::Gzip
        );
        assert_eq!(
            Encoding::accepted(&accepting("identity")),
            Encoding::Identity
        );
        assert_eq!(Encoding::accepted(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn compressed_copies_decompress_to_the_page() {
        use std::io::Read;
        let page = "<p>quire</p>".repeat(1000);
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&gzip(page.as_bytes())[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, page);
        let mut unbrotlied = String::new();
        brotli::Decompressor::new(&brotli(page.as_bytes())[..], 4096)
            .read_to_string(&mut unbrotlied)
            .unwrap();
        assert_eq!(unbrotlied, page);
    }
}

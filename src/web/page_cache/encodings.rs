//! A kept page is compressed once, when rendered, and each reader gets the copy their client
//! accepts.

use std::io::Write;

use axum::body::Bytes;
use axum::http::{header, HeaderMap};

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

    pub(crate) fn name(self) -> Option<&'static str> {
        match self {
            Self::Brotli => Some("br"),
            Self::Gzip => Some("gzip"),
            Self::Identity => None,
        }
    }
}

pub(super) fn gzip(bytes: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default().into()
}

pub(super) fn brotli(bytes: &[u8]) -> Bytes {
    // Quality 6: close to the best size for HTML at a few milliseconds per 100 KB, paid once
    // per render rather than per request.
    let mut encoder = brotli::CompressorWriter::new(Vec::new(), 4096, 6, 22);
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

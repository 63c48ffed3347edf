//! The blog's logo and icon: uploaded pictures checked by their content and re-encoded (as
//! every upload is: `platform::images`), kept under the media folder's `site/`. From the icon
//! come the favicons browsers ask for and the apple-touch icon a phone's home screen shows.

use std::path::Path;

use image::{DynamicImage, GenericImageView};

use crate::error::AppError;
use crate::platform::images;

pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The logo is drawn at most this big (the header shows it 32 px high; twice that for sharp
/// screens, and room for a wide one).
const LOGO_BOX: (u32, u32) = (512, 128);
/// The square sizes made from the icon: the favicon, the apple-touch icon, Android's.
pub const ICON_SIZES: [u32; 3] = [32, 180, 192];

/// Which picture: the field's name in the form, and the start of its files' names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteImage {
    Logo,
    Icon,
}

impl SiteImage {
    pub fn field(self) -> &'static str {
        match self {
            Self::Logo => "logo",
            Self::Icon => "icon",
        }
    }
}

/// A file to write under `site/`, by its name.
pub struct Made {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The files `bytes` makes, and the value the settings keep: the logo's path, or the
/// icon's path without its `-{size}.png`.
pub fn make(kind: SiteImage, bytes: &[u8]) -> Result<(String, Vec<Made>), AppError> {
    if bytes.len() > MAX_BYTES {
        return Err(AppError::field(
            kind.field(),
            "The image must be at most 5 MB",
        ));
    }
    let picture = images::decode(bytes, kind.field())?;
    let stem = format!("{}-{:016x}", kind.field(), rand::random::<u64>());
    match kind {
        SiteImage::Logo => {
            let (width, height) = picture.dimensions();
            let picture = if width > LOGO_BOX.0 || height > LOGO_BOX.1 {
                picture.resize(
                    LOGO_BOX.0,
                    LOGO_BOX.1,
                    image::imageops::FilterType::Lanczos3,
                )
            } else {
                picture
            };
            let encoded = images::encode(&picture)?;
            let name = format!("{stem}.{}", encoded.extension);
            Ok((
                format!("/media/site/{name}"),
                vec![Made {
                    name,
                    bytes: encoded.bytes,
                }],
            ))
        }
        SiteImage::Icon => {
            let mut made = Vec::new();
            for size in ICON_SIZES {
                let square =
                    picture.resize_to_fill(size, size, image::imageops::FilterType::Lanczos3);
                // A home screen draws a transparent icon on black: give it the page's white.
                let square = if size == 180 {
                    on_white(&square)
                } else {
                    square
                };
                made.push(Made {
                    name: format!("{stem}-{size}.png"),
                    bytes: png(&square)?,
                });
            }
            Ok((format!("/media/site/{stem}"), made))
        }
    }
}

fn on_white(picture: &DynamicImage) -> DynamicImage {
    let mut canvas = image::RgbaImage::from_pixel(
        picture.width(),
        picture.height(),
        image::Rgba([255, 255, 255, 255]),
    );
    image::imageops::overlay(&mut canvas, &picture.to_rgba8(), 0, 0);
    DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(canvas).to_rgb8())
}

fn png(picture: &DynamicImage) -> Result<Vec<u8>, AppError> {
    let mut out = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| AppError::internal(format_args!("encoding a PNG: {e}")))?;
    Ok(out.into_inner())
}

/// Writes the files into `media_dir/site`.
pub async fn write(media_dir: &Path, made: &[Made]) -> Result<(), AppError> {
    let folder = media_dir.join("site");
    tokio::fs::create_dir_all(&folder).await.map_err(|e| {
        tracing::error!(error = %e, folder = %folder.display(), "cannot create the site image folder");
        AppError::Internal
    })?;
    for file in made {
        tokio::fs::write(folder.join(&file.name), &file.bytes)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot write a site image");
                AppError::Internal
            })?;
    }
    Ok(())
}

/// Removes the files of a logo or icon that was replaced (`old`, as the settings kept it).
pub async fn forget(media_dir: &Path, kind: SiteImage, old: &str) {
    let Some(stem) = old.strip_prefix("/media/site/") else {
        return;
    };
    if stem.contains('/') || stem.is_empty() {
        return;
    }
    let folder = media_dir.join("site");
    let names: Vec<String> = match kind {
        SiteImage::Logo => vec![stem.to_owned()],
        SiteImage::Icon => ICON_SIZES
            .iter()
            .map(|s| format!("{stem}-{s}.png"))
            .collect(),
    };
    for name in names {
        let _ = tokio::fs::remove_file(folder.join(name)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 30, 0]));
        png(&DynamicImage::ImageRgba8(picture)).unwrap()
    }

    #[test]
    fn an_icon_makes_every_size_and_an_opaque_touch_icon() {
        let (value, made) = make(SiteImage::Icon, &png_of(600, 400)).unwrap();
        assert!(value.starts_with("/media/site/icon-"));
        assert_eq!(made.len(), 3);
        for (file, size) in made.iter().zip(ICON_SIZES) {
            assert!(file.name.ends_with(&format!("-{size}.png")));
            let decoded = image::load_from_memory(&file.bytes).unwrap();
            assert_eq!(decoded.dimensions(), (size, size));
            assert_eq!(decoded.color().has_alpha(), size != 180, "{size}");
        }
    }

    #[test]
    fn a_big_logo_is_made_smaller_and_not_an_image_is_refused() {
        let (value, made) = make(SiteImage::Logo, &png_of(2000, 400)).unwrap();
        assert!(value.ends_with(".png"), "{value}");
        let decoded = image::load_from_memory(&made[0].bytes).unwrap();
        assert_eq!(decoded.dimensions(), (512, 102));
        let refused = make(
            SiteImage::Logo,
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        );
        let Err(refused) = refused else {
            panic!("an SVG was taken as a picture");
        };
        assert!(refused.field_message("logo").is_some());
    }
}

//! Uploaded pictures: checked by their content (never their name), bounded before decoding,
//! and re-encoded, which drops whatever metadata (location, camera) they carried.

use image::{DynamicImage, ImageDecoder, ImageFormat};

use crate::error::AppError;

/// Larger pictures are refused before decoding, so a small file cannot claim a huge canvas.
const MAX_DIMENSION: u32 = 12_000;

/// Decodes a PNG, JPEG, WebP or GIF (its first frame), turned as its EXIF orientation says:
/// re-encoding drops that tag, so a phone's portrait would otherwise lie on its side.
/// Anything else is refused, with `field` named in the error.
pub fn decode(bytes: &[u8], field: &str) -> Result<DynamicImage, AppError> {
    let invalid = |why: &str| AppError::field(field, why);
    let unreadable = |_| invalid("The image could not be read; it may be damaged or too large");
    let format = image::guess_format(bytes)
        .map_err(|_| invalid("The file is not a PNG, JPEG, WebP or GIF image"))?;
    if !matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif
    ) {
        return Err(invalid("The file is not a PNG, JPEG, WebP or GIF image"));
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    // The allocation check `ImageReader::decode` makes, which `into_decoder` leaves out.
    limits.reserve(decoder.total_bytes()).map_err(unreadable)?;
    // A broken EXIF block is no reason to refuse pixels that decode.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);
    Ok(picture)
}

/// An encoded picture and its file extension.
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub extension: &'static str,
}

/// PNG where the picture has transparency, JPEG otherwise.
pub fn encode(picture: &DynamicImage) -> Result<Encoded, AppError> {
    let mut out = std::io::Cursor::new(Vec::new());
    let extension = if picture.color().has_alpha() {
        picture
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|e| AppError::internal(format_args!("encoding a PNG: {e}")))?;
        "png"
    } else {
        DynamicImage::ImageRgb8(picture.to_rgb8())
            .write_to(&mut out, ImageFormat::Jpeg)
            .map_err(|e| AppError::internal(format_args!("encoding a JPEG: {e}")))?;
        "jpg"
    };
    Ok(Encoded {
        bytes: out.into_inner(),
        extension,
    })
}

/// At most `max_width` wide, keeping the proportions; smaller pictures stay as they are.
pub fn fit_width(picture: DynamicImage, max_width: u32) -> DynamicImage {
    if picture.width() <= max_width {
        picture
    } else {
        picture.resize(max_width, u32::MAX, image::imageops::FilterType::Lanczos3)
    }
}

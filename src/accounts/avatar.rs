//! Profile pictures: an uploaded image, checked by its content, made into a square
//! thumbnail and re-encoded, which drops whatever metadata it carried. The form that sends
//! it is `accounts::functions::upload_avatar`.

use std::path::Path;

use crate::error::AppError;
use crate::platform::db::Db;
use crate::platform::images;

pub const MAX_BYTES: usize = 5 * 1024 * 1024;
const SIZE: u32 = 256;

/// Makes `bytes` the user's picture, kept in `media_dir`; their old picture's file goes.
pub async fn replace<B>(
    db: &Db,
    media_dir: &Path,
    user_id: super::UserId,
    bytes: B,
) -> Result<(), AppError>
where
    B: AsRef<[u8]> + Send + 'static,
{
    if bytes.as_ref().len() > MAX_BYTES {
        return Err(AppError::field("avatar", "The image must be at most 5 MB"));
    }
    let thumbnail = tokio::task::spawn_blocking(move || thumbnail(bytes.as_ref()))
        .await
        .map_err(|e| AppError::internal(format_args!("making a thumbnail: {e}")))??;

    let folder = media_dir.join("avatars");
    tokio::fs::create_dir_all(&folder).await.map_err(|e| {
        tracing::error!(error = %e, folder = %folder.display(), "cannot create the avatar folder");
        AppError::Internal
    })?;
    let name = format!(
        "{user_id}-{:016x}.{}",
        rand::random::<u64>(),
        thumbnail.extension
    );
    tokio::fs::write(folder.join(&name), &thumbnail.bytes)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot write an avatar");
            AppError::Internal
        })?;
    let old = super::store::set_avatar(db, user_id, &format!("/media/avatars/{name}")).await?;
    if let Some(old_name) = old
        .as_deref()
        .and_then(|url| url.strip_prefix("/media/avatars/"))
    {
        if !old_name.contains('/') {
            let _ = tokio::fs::remove_file(folder.join(old_name)).await;
        }
    }
    Ok(())
}

pub struct Thumbnail {
    pub bytes: Vec<u8>,
    pub extension: &'static str,
}

/// Checks the content (not the name) is PNG, JPEG, WebP or GIF, and makes a square
/// thumbnail.
pub fn thumbnail(bytes: &[u8]) -> Result<Thumbnail, AppError> {
    let picture = images::decode(bytes, "avatar")?;
    let square = picture.resize_to_fill(SIZE, SIZE, image::imageops::FilterType::Lanczos3);
    let encoded = images::encode(&square)?;
    Ok(Thumbnail {
        bytes: encoded.bytes,
        extension: encoded.extension,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageFormat;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbaImage::from_pixel(width, height, image::Rgba([10, 200, 30, 128]));
        let mut out = std::io::Cursor::new(Vec::new());
        picture.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn pictures_become_square_thumbnails() {
        let thumb = thumbnail(&png(640, 300)).unwrap();
        assert_eq!(thumb.extension, "png");
        let decoded = image::load_from_memory(&thumb.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (SIZE, SIZE));
    }

    #[test]
    fn other_files_are_refused_by_content() {
        assert!(thumbnail(b"<svg xmlns='http://www.w3.org/2000/svg'/>").is_err());
        assert!(thumbnail(b"GIF89a not really").is_err());
        let mut truncated = png(50, 50);
        truncated.truncate(40);
        assert!(thumbnail(&truncated).is_err());
    }
}

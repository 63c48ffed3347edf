//! Images for posts, from the editor's button, a drop or a paste (`POST /editor/images`,
//! [`super::editor::upload_image`]). Stored re-encoded under the media folder, at most 2000
//! pixels wide, with an 800-pixel copy for covers and cards.

use std::path::Path;

use crate::error::AppError;
use crate::platform::images;

pub const MAX_BYTES: usize = 10 * 1024 * 1024;
const FULL_WIDTH: u32 = 2_000;
const CARD_WIDTH: u32 = 800;

/// An image stored for a post: its addresses, and the markdown that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    pub url: String,
    pub card_url: String,
    pub markdown: String,
}

/// Checks, re-encodes and stores `upload` (its file name and bytes; `None` when none came)
/// under `media_dir`, named after `user_id`.
pub async fn store(
    media_dir: &Path,
    user_id: i64,
    upload: Option<(String, axum::body::Bytes)>,
) -> Result<StoredImage, AppError> {
    let invalid = |why: &str| AppError::field("image", why);
    let (name, bytes) = upload
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| invalid("Choose an image to upload"))?;
    if bytes.len() > MAX_BYTES {
        return Err(invalid("The image must be at most 10 MB"));
    }
    let (full, card) = tokio::task::spawn_blocking(move || {
        let picture = images::decode(&bytes, "image")?;
        let full = images::encode(&images::fit_width(picture.clone(), FULL_WIDTH))?;
        let card = images::encode(&images::fit_width(picture, CARD_WIDTH))?;
        Ok::<_, AppError>((full, card))
    })
    .await
    .map_err(|e| AppError::internal(format_args!("resizing an image: {e}")))??;

    let folder = media_dir.join("images");
    tokio::fs::create_dir_all(&folder).await.map_err(|e| {
        tracing::error!(error = %e, folder = %folder.display(), "cannot create the image folder");
        AppError::Internal
    })?;
    let stem = format!("{user_id}-{:016x}", rand::random::<u64>());
    let full_name = format!("{stem}.{}", full.extension);
    let card_name = format!("{stem}-{CARD_WIDTH}.{}", card.extension);
    for (file, bytes) in [(&full_name, &full.bytes), (&card_name, &card.bytes)] {
        tokio::fs::write(folder.join(file), bytes)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot write an image");
                AppError::Internal
            })?;
    }
    let url = format!("/media/images/{full_name}");
    // The file's name, without its extension and markdown's brackets, as the alt text.
    let alt: String = name
        .rsplit_once('.')
        .map(|(stem, _)| stem)
        .unwrap_or(&name)
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | '(' | ')'))
        .take(80)
        .collect();
    Ok(StoredImage {
        markdown: format!("![{alt}]({url})"),
        url,
        card_url: format!("/media/images/{card_name}"),
    })
}

//! `POST /settings/avatar`: a multipart form with one image, checked by its content, made
//! into a square thumbnail and re-encoded, which drops whatever metadata it carried.

use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::AppError;
use crate::platform::images;
use crate::web::auth::Caller;
use crate::web::state::AppState;

pub const MAX_BYTES: usize = 5 * 1024 * 1024;
const SIZE: u32 = 256;

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    multipart: Multipart,
) -> Response {
    let user_id = match caller.require_user() {
        Ok(user) => user.id,
        Err(_) => return Redirect::to("/signin?next=/settings").into_response(),
    };
    match store_avatar(&state, user_id, multipart).await {
        Ok(()) => Redirect::to("/settings?avatar=updated").into_response(),
        Err(err) => {
            let message: String =
                url::form_urlencoded::byte_serialize(err.to_string().as_bytes()).collect();
            Redirect::to(&format!("/settings?avatar_error={message}")).into_response()
        }
    }
}

async fn store_avatar(
    state: &AppState,
    user_id: i64,
    mut multipart: Multipart,
) -> Result<(), AppError> {
    let invalid = |why: &str| AppError::field("avatar", why);
    let mut bytes = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| invalid("The upload was cut off; please try again"))?
    {
        if field.name() == Some("avatar") {
            let data = field
                .bytes()
                .await
                .map_err(|_| invalid("The upload was cut off; please try again"))?;
            bytes = Some(data);
        }
    }
    let bytes = bytes
        .filter(|b| !b.is_empty())
        .ok_or_else(|| invalid("Choose an image to upload"))?;
    if bytes.len() > MAX_BYTES {
        return Err(invalid("The image must be at most 5 MB"));
    }
    let thumbnail = tokio::task::spawn_blocking(move || thumbnail(&bytes))
        .await
        .map_err(|e| AppError::internal(format_args!("making a thumbnail: {e}")))??;

    let folder = state.config.media_dir.join("avatars");
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
    let old =
        crate::accounts::store::set_avatar(&state.db, user_id, &format!("/media/avatars/{name}"))
            .await?;
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

//! `POST /editor/images`: an image for a post, from the editor's button, a drop or a paste.
//! Stored re-encoded under the media folder, at most 2000 pixels wide, with an 800-pixel copy
//! for covers and cards; answers JSON with the addresses and the markdown to insert.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::error::AppError;
use crate::platform::images;
use crate::web::auth::Caller;
use crate::web::state::AppState;

pub const MAX_BYTES: usize = 10 * 1024 * 1024;
const FULL_WIDTH: u32 = 2_000;
const CARD_WIDTH: u32 = 800;

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    multipart: Multipart,
) -> Response {
    let user = match caller.require_user() {
        Ok(user) => user.clone(),
        Err(err) => return error_response(err),
    };
    match store(&state, user.id, multipart).await {
        Ok(body) => (StatusCode::CREATED, Json(body)).into_response(),
        Err(err) => error_response(err),
    }
}

fn error_response(err: AppError) -> Response {
    let status =
        StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        Json(serde_json::json!({ "error": err.to_string() })),
    )
        .into_response()
}

async fn store(
    state: &AppState,
    user_id: i64,
    mut multipart: Multipart,
) -> Result<serde_json::Value, AppError> {
    let invalid = |why: &str| AppError::field("image", why);
    let mut upload = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| invalid("The upload was cut off; please try again"))?
    {
        if field.name() == Some("image") {
            let name = field.file_name().unwrap_or("image").to_owned();
            let data = field
                .bytes()
                .await
                .map_err(|_| invalid("The upload was cut off or is over 10 MB"))?;
            upload = Some((name, data));
        }
    }
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

    let folder = state.config.media_dir.join("images");
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
    Ok(serde_json::json!({
        "url": url,
        "cardUrl": format!("/media/images/{card_name}"),
        "markdown": format!("![{alt}]({url})"),
    }))
}

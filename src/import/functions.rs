//! The admin page's import: a plain form posts the export (`POST /admin/import`), and the
//! Import tab asks how it is going.

use leptos::prelude::*;

use super::ImportStatus;
use crate::error::AppError;

/// Admins only: how the import started on this instance is going.
#[server(prefix = "/rpc", endpoint = "import/status")]
#[middleware(crate::platform::readers::LeavesReadersAlone)]
pub async fn load_import_status() -> Result<ImportStatus, AppError> {
    use crate::accounts::caller::Caller;
    use crate::accounts::Role;
    let state = crate::web::state::AppState::current()?;
    Caller::current().await?.require_role(Role::Admin)?;
    Ok(state.imports.status())
}

/// `POST /admin/import` (admins): the form's `file`, written to a temporary file as it
/// arrives, checked, and imported in the background; back to the Import tab, which shows the
/// progress (or why the file was refused).
#[cfg(feature = "ssr")]
pub async fn upload_import(
    axum::extract::State(state): axum::extract::State<crate::web::state::AppState>,
    caller: crate::accounts::caller::Caller,
    mut multipart: axum::extract::Multipart,
) -> axum::response::Response {
    use axum::response::{IntoResponse, Redirect};
    use tokio::io::AsyncWriteExt;

    let admin = match caller.require_role(crate::accounts::Role::Admin) {
        Ok(admin) => admin.id.0,
        Err(err) => return err.into_response(),
    };
    let started = async {
        let missing = || {
            AppError::field(
                "file",
                "Choose a WordPress (.xml) or Ghost (.json) export to import",
            )
        };
        let mut field = loop {
            match multipart.next_field().await {
                Ok(Some(field)) if field.name() == Some("file") => break field,
                Ok(Some(_)) => continue,
                Ok(None) => return Err(missing()),
                Err(err) => {
                    return Err(AppError::field(
                        "file",
                        format!("The upload broke off: {err}"),
                    ))
                }
            }
        };
        let file_name = field.file_name().unwrap_or("export.xml").to_owned();
        let path =
            std::env::temp_dir().join(format!("quire-import-{:016x}", rand::random::<u64>()));
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| AppError::internal(format_args!("{}: {e}", path.display())))?;
        let mut size = 0_usize;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    size += chunk.len();
                    if let Err(e) = file.write_all(&chunk).await {
                        let _ = tokio::fs::remove_file(&path).await;
                        return Err(AppError::internal(format_args!("{}: {e}", path.display())));
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    let _ = tokio::fs::remove_file(&path).await;
                    return Err(AppError::field(
                        "file",
                        format!("The upload broke off: {err}"),
                    ));
                }
            }
        }
        if let Err(e) = file.flush().await {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(AppError::internal(format_args!("{}: {e}", path.display())));
        }
        drop(file);
        if size == 0 {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(missing());
        }
        let db = state.db.clone();
        let readers_see_it = {
            let db = state.db.clone();
            move || {
                tokio::spawn(async move {
                    if let Err(err) = crate::web::page_cache::bump(&db).await {
                        tracing::warn!(error = %err, "the page cache was not told of the import");
                    }
                });
            }
        };
        state
            .imports
            .start(
                db,
                path,
                file_name,
                state.config.media_dir.clone(),
                admin,
                readers_see_it,
            )
            .await
    }
    .await;
    match started {
        Ok(()) => Redirect::to("/admin?tab=import").into_response(),
        Err(err) => {
            let why = err.field_message("file").unwrap_or_else(|| err.to_string());
            Redirect::to(&format!(
                "/admin?tab=import&error={}",
                url::form_urlencoded::byte_serialize(why.as_bytes()).collect::<String>()
            ))
            .into_response()
        }
    }
}

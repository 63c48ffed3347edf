//! An import started from the admin page: the upload is checked whole first (a bad file is
//! refused at once, nothing imported), then imported in the background of the instance that
//! took it, one at a time; the admin page asks this instance how far it got.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::{BadFile, Format, ImportStatus, Options};
use crate::error::AppError;
use crate::platform::db::Db;

struct Job {
    file_name: String,
    progress: indicatif::ProgressBar,
    outcome: Option<Result<Vec<String>, String>>,
}

/// This instance's import, if one was started.
#[derive(Clone, Default)]
pub struct Imports(Arc<Mutex<Option<Job>>>);

impl Imports {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Job>> {
        // A panic while holding it leaves nothing half-written: the status is all it holds.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn status(&self) -> ImportStatus {
        let job = self.lock();
        let Some(job) = job.as_ref() else {
            return ImportStatus::default();
        };
        let (report, error) = match &job.outcome {
            None => (Vec::new(), None),
            Some(Ok(lines)) => (lines.clone(), None),
            Some(Err(why)) => (Vec::new(), Some(why.clone())),
        };
        ImportStatus {
            file_name: job.file_name.clone(),
            done: job.progress.position(),
            total: job.progress.length().unwrap_or(0),
            current: job.progress.message(),
            finished: job.outcome.is_some(),
            report,
            error,
        }
    }

    /// Checks the export at `file` and starts importing it; the file is removed when done.
    /// Refused while another import runs here, and for a file that is not an export.
    pub async fn start(
        &self,
        db: Db,
        file: PathBuf,
        file_name: String,
        media_to: PathBuf,
        admin: i64,
        done: impl FnOnce() + Send + 'static,
    ) -> Result<(), AppError> {
        let refuse = |why: String| {
            let _ = std::fs::remove_file(&file);
            AppError::field("file", why)
        };
        if self
            .lock()
            .as_ref()
            .is_some_and(|job| job.outcome.is_none())
        {
            return Err(refuse(
                "An import is running already; wait for it to finish".to_owned(),
            ));
        }
        let checked = {
            let file = file.clone();
            tokio::task::spawn_blocking(move || {
                let format = super::detect(&file)?;
                match format {
                    Format::WordPress => super::wxr::scan(&file).map(|_| format),
                    Format::Ghost => super::ghost::read(&file).map(|_| format),
                    Format::Markdown => Err(BadFile(
                        "not a WordPress or Ghost export: markdown files go through your dashboard's import".to_owned(),
                    )),
                }
            })
            .await
            .map_err(|e| AppError::internal(format_args!("checking an import: {e}")))?
        };
        let format = match checked {
            Ok(format) => format,
            Err(BadFile(why)) => {
                // The temporary file's name means nothing to the admin: name theirs.
                let why = why.replace(&file.display().to_string(), &file_name);
                return Err(refuse(why));
            }
        };
        let progress = indicatif::ProgressBar::hidden();
        *self.lock() = Some(Job {
            file_name,
            progress: progress.clone(),
            outcome: None,
        });
        let imports = self.clone();
        tokio::spawn(async move {
            let options = Options {
                media_from: None,
                media_to,
                fallback_author: admin,
                progress,
            };
            let outcome = match format {
                Format::Ghost => super::ghost(&db, &file, options).await,
                _ => super::wordpress(&db, &file, options).await,
            };
            let outcome = outcome
                .map(|report| report.lines())
                .map_err(|err| err.to_string());
            if let Err(why) = &outcome {
                tracing::error!(error = %why, "an import from the admin page stopped");
            }
            let _ = tokio::fs::remove_file(&file).await;
            done();
            if let Some(job) = imports.lock().as_mut() {
                job.outcome = Some(outcome);
            }
        });
        Ok(())
    }
}

//! The application's error type, shared by the server and the browser.
//!
//! Server functions return `Result<T, AppError>`; the same value reaches the browser, so its
//! text must be safe to show: internal causes are logged on the server and replaced by
//! [`AppError::Internal`] before they leave it.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A message about one input field, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    /// The value is fine but at odds with what is stored: already used by someone else, or
    /// naming something that is not there (a 409 in the API).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub taken: bool,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
            taken: false,
        }
    }

    /// A unique value that another record already has.
    pub fn taken(field: &str, message: impl Into<String>) -> Self {
        Self {
            taken: true,
            ..Self::new(field, message)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("Not found")]
    NotFound,
    #[error("Please sign in to continue")]
    Unauthorized,
    #[error("You are not allowed to do that")]
    Forbidden,
    /// Not allowed by how the blog is set up (sign-up closed, only authors write): a 403
    /// that says why.
    #[error("{0}")]
    Denied(String),
    #[error("{message}")]
    Invalid {
        message: String,
        fields: Vec<FieldError>,
    },
    #[error("{0}")]
    Conflict(String),
    /// Well-formed, but it cannot be done as asked (an `Idempotency-Key` reused with another
    /// request).
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    RateLimited(String),
    #[error("The database is unavailable; please try again shortly")]
    Unavailable,
    /// The database takes no writes (a full disk, a read-only file); reads still work.
    #[error(
        "The server's storage is full or read-only, so nothing was saved; please try again later"
    )]
    Unwritable,
    #[error("Something went wrong on our side")]
    Internal,
    /// A failure of the call itself (network, encoding), seen mostly in the browser.
    #[error("Request failed: {0}")]
    Request(String),
}

impl AppError {
    /// One invalid field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, message)])
    }

    /// One field whose value another record already has.
    pub fn taken(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::taken(field, message)])
    }

    /// Several invalid fields; the summary names the first.
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        let message = fields
            .first()
            .map(|f| f.message.clone())
            .unwrap_or_else(|| "Invalid input".to_owned());
        Self::Invalid { message, fields }
    }

    /// The message for one field, if this error names it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            Self::Invalid { fields, .. } => fields
                .iter()
                .find(|f| f.field == field)
                .map(|f| f.message.clone()),
            _ => None,
        }
    }

    /// The HTTP status this error stands for: the one place that decides it, for pages,
    /// server functions and the API alike.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::NotFound => 404,
            Self::Unauthorized => 401,
            Self::Forbidden | Self::Denied(_) => 403,
            Self::Invalid { .. } => 400,
            Self::Conflict(_) => 409,
            Self::Unprocessable(_) => 422,
            Self::RateLimited(_) => 429,
            Self::Unavailable => 503,
            Self::Unwritable => 507,
            Self::Internal | Self::Request(_) => 500,
        }
    }

    /// The status in the REST API, whose contract also calls a value that is fine but
    /// already someone else's (an email, a slug) a conflict, 409; forms keep 400 for it so
    /// the message sits next to the field like every other.
    pub fn api_status_code(&self) -> u16 {
        match self {
            Self::Invalid { fields, .. }
                if !fields.is_empty() && fields.iter().all(|f| f.taken) =>
            {
                409
            }
            _ => self.status_code(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Request(value.to_string())
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;
    use crate::platform::db::{outage, Outage};

    impl AppError {
        /// A failure the client can do nothing about: its cause is logged here, with the
        /// line that made it (and, inside a request, the request's id from the span), and the
        /// client gets only [`AppError::Internal`].
        #[track_caller]
        pub fn internal(cause: impl std::fmt::Display) -> Self {
            let at = std::panic::Location::caller();
            tracing::error!(error = %cause, %at, "internal error");
            Self::Internal
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            if matches!(err, sqlx::Error::RowNotFound) {
                return Self::NotFound;
            }
            // A store maps the unique values it knows (an email, a slug) to their own
            // messages first; one that arrives here was created at the same moment by another
            // request (the same Idempotency-Key sent twice at once): a conflict, try again.
            if crate::platform::db::unique_violation(&err).is_some() {
                return Self::Conflict(
                    "Another request is saving the same thing at this moment; try again shortly"
                        .to_owned(),
                );
            }
            match outage(&err) {
                Some(Outage::Unreachable) => {
                    tracing::warn!(error = %err, "database unavailable");
                    Self::Unavailable
                }
                Some(Outage::Unwritable) => {
                    tracing::error!(error = %err, "the database takes no writes");
                    Self::Unwritable
                }
                None => Self::internal(format_args!("database error: {err}")),
            }
        }
    }

    impl AppError {
        /// [`AppError::status_code`] as axum's type.
        pub fn status(&self) -> axum::http::StatusCode {
            to_status(self.status_code())
        }

        /// [`AppError::api_status_code`] as axum's type.
        pub fn api_status(&self) -> axum::http::StatusCode {
            to_status(self.api_status_code())
        }
    }

    fn to_status(code: u16) -> axum::http::StatusCode {
        axum::http::StatusCode::from_u16(code)
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
    }

    impl axum::response::IntoResponse for AppError {
        fn into_response(self) -> axum::response::Response {
            (self.status(), self.to_string()).into_response()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::AppError;
        use std::sync::{Arc, Mutex};

        /// Collects what the log subscriber writes.
        #[derive(Clone, Default)]
        struct Captured(Arc<Mutex<Vec<u8>>>);

        impl std::io::Write for Captured {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }

            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }

        #[test]
        fn internal_errors_log_their_cause_and_where_they_were_made() {
            let captured = Captured::default();
            let subscriber = tracing_subscriber::fmt()
                .with_writer({
                    let captured = captured.clone();
                    move || captured.clone()
                })
                .with_ansi(false)
                .finish();
            let err = tracing::subscriber::with_default(subscriber, || {
                AppError::internal("the disk caught fire")
            });
            assert_eq!(err, AppError::Internal);
            assert_eq!(err.to_string(), "Something went wrong on our side");
            let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
            assert!(log.contains("ERROR"), "{log}");
            assert!(log.contains("the disk caught fire"), "{log}");
            assert!(
                log.contains("src/error.rs:"),
                "the line that made it: {log}"
            );
        }
    }
}

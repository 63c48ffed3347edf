//! The JSON REST API under `/api`, for scripts, apps and other services. Every answer is an
//! envelope: `{"success": true, "message", "data"}` or `{"success": false, "message",
//! "errors"?}`. Authorization is the same `Caller` the pages use: a bearer token here, or the
//! session cookie for same-origin calls.

use axum::extract::rejection::JsonRejection;
use axum::extract::FromRequest;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Router;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::web::state::AppState;

pub mod auth;
pub mod categories;
pub mod comments;
pub mod invitations;
pub mod pages;
pub mod posts;
pub mod schema;
pub mod settings;
pub mod spec;
pub mod subscribers;
pub mod users;

/// Every endpoint of the table in `spec`, the spec itself and its docs; anything else is a
/// 404 envelope.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for endpoint in spec::endpoints() {
        router = router.route(endpoint.path, endpoint.handler);
    }
    for (path, handler) in documents() {
        router = router.route(path, handler);
    }
    router
        .method_not_allowed_fallback(|| async {
            Failure {
                status: StatusCode::METHOD_NOT_ALLOWED,
                message: "This route does not take that method".to_owned(),
                errors: None,
            }
        })
        .fallback(|| async {
            Failure {
                status: StatusCode::NOT_FOUND,
                message: "Route not found".to_owned(),
                errors: None,
            }
        })
}

/// What describes the API, open to anyone: the OpenAPI document and its browsable docs.
pub fn documents() -> Vec<(&'static str, MethodRouter<AppState>)> {
    use axum::extract::State;
    use axum::http::header;
    vec![
        (
            "/openapi.json",
            get(|State(state): State<AppState>| async move {
                let site = state.site().await.map_err(Failure::from)?;
                Ok::<_, Failure>(axum::Json(spec::openapi(&state.config, &site.title)))
            }),
        ),
        (
            "/docs",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    spec::DOCS_HTML,
                )
            }),
        ),
        (
            "/docs.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    include_str!("docs.js"),
                )
            }),
        ),
    ]
}

/// A successful answer.
pub struct Success<T> {
    pub status: StatusCode,
    pub message: &'static str,
    pub data: T,
}

impl<T> Success<T> {
    pub fn ok(message: &'static str, data: T) -> Self {
        Self {
            status: StatusCode::OK,
            message,
            data,
        }
    }

    pub fn created(message: &'static str, data: T) -> Self {
        Self {
            status: StatusCode::CREATED,
            message,
            data,
        }
    }

    /// Taken; the rest (a mail) happens later.
    pub fn accepted(message: &'static str, data: T) -> Self {
        Self {
            status: StatusCode::ACCEPTED,
            message,
            data,
        }
    }
}

/// What a successful answer's body says.
#[derive(Serialize)]
struct Envelope<'a, T> {
    success: bool,
    message: &'static str,
    data: &'a T,
}

impl<T: Serialize> Success<T> {
    fn envelope(&self) -> Envelope<'_, T> {
        Envelope {
            success: true,
            message: self.message,
            data: &self.data,
        }
    }
}

impl<T: Serialize> IntoResponse for Success<T> {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.envelope())).into_response()
    }
}

/// A field error as API clients name fields: camelCase.
#[derive(Debug, Serialize)]
pub struct ApiFieldError {
    pub field: String,
    pub message: String,
}

/// A failed answer: the status, one sentence, and the fields at fault.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub message: String,
    pub errors: Option<Vec<ApiFieldError>>,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "success": false, "message": self.message });
        if let Some(errors) = self.errors {
            body["errors"] = serde_json::json!(errors);
        }
        (self.status, axum::Json(body)).into_response()
    }
}

/// `first_name` → `firstName`.
fn camel(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

impl From<AppError> for Failure {
    fn from(err: AppError) -> Self {
        let status = err.api_status();
        let errors = match &err {
            AppError::Invalid { fields, .. } => Some(
                fields
                    .iter()
                    .map(|f| ApiFieldError {
                        field: camel(&f.field),
                        message: f.message.clone(),
                    })
                    .collect(),
            ),
            _ => None,
        };
        Self {
            status,
            message: err.to_string(),
            errors,
        }
    }
}

impl From<sqlx::Error> for Failure {
    fn from(err: sqlx::Error) -> Self {
        AppError::from(err).into()
    }
}

pub type ApiResult<T> = Result<Success<T>, Failure>;

/// An answer that is the same whoever asks (the published posts, newest first), made once per
/// content version and kept under `key` (see `web::fragments`): a client polling the list
/// costs a lookup instead of two queries and a serialization. Errors are never kept.
pub async fn kept_for_everyone<T: Serialize>(
    state: &AppState,
    key: String,
    answer: impl std::future::Future<Output = ApiResult<T>>,
) -> Response {
    let version = state.pages.content_version(&state.db).await;
    if let Some(kept) = version.and_then(|version| state.fragments.get(&key, version)) {
        return json_text(kept);
    }
    let success = match answer.await {
        Ok(success) => success,
        Err(failure) => return failure.into_response(),
    };
    let text: std::sync::Arc<str> = match serde_json::to_string(&success.envelope()) {
        Ok(text) => text.into(),
        Err(err) => return Failure::from(AppError::internal(err)).into_response(),
    };
    if let Some(version) = version {
        state.fragments.keep(key, version, text.clone());
    }
    json_text(text)
}

/// JSON written already, sent as it is.
fn json_text(text: std::sync::Arc<str>) -> Response {
    struct Text(std::sync::Arc<str>);
    impl AsRef<[u8]> for Text {
        fn as_ref(&self) -> &[u8] {
            self.0.as_bytes()
        }
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        axum::body::Bytes::from_owner(Text(text)),
    )
        .into_response()
}

/// The caller, already checked to be signed in (401 otherwise). As an extractor placed before
/// the body, it decides before the body is even read: a visitor learns nothing from
/// validation errors.
pub struct SignedIn(pub crate::accounts::caller::Caller);
/// The caller, checked to be a moderator or an admin (401, 403 otherwise).
pub struct AsModerator(pub crate::accounts::caller::Caller);
/// The caller, checked to be an admin (401, 403 otherwise).
pub struct AsAdmin(pub crate::accounts::caller::Caller);

macro_rules! caller_with {
    ($name:ident, |$caller:ident| $check:expr) => {
        impl axum::extract::FromRequestParts<AppState> for $name {
            type Rejection = Failure;

            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                let $caller =
                    crate::accounts::caller::Caller::from_request_parts(parts, state).await?;
                $check?;
                Ok(Self($caller))
            }
        }
    };
}

caller_with!(SignedIn, |caller| caller.require_user());
caller_with!(AsModerator, |caller| caller
    .require_role(crate::accounts::Role::Moderator));
caller_with!(AsAdmin, |caller| caller
    .require_role(crate::accounts::Role::Admin));

/// A JSON body whose problems (not JSON, wrong fields, too large, a NUL character) answer
/// with the envelope.
pub struct Body<T>(pub T);

impl<T, S> FromRequest<S> for Body<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let KeyedBody(value, _) = KeyedBody::from_request(req, state).await?;
        Ok(Self(value))
    }
}

/// The first string in `value` (a key, or an element of an array) with a U+0000 in it, if any.
/// PostgreSQL's text cannot hold one, so the API refuses it on either database: the schema's
/// patterns leave it out of every string.
fn nul_in(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(text) => text.contains('\0').then(String::new),
        Value::Array(items) => items.iter().find_map(nul_in),
        Value::Object(fields) => fields.iter().find_map(|(name, field)| {
            if name.contains('\0') {
                return Some(String::new());
            }
            nul_in(field).map(|inner| {
                if inner.is_empty() {
                    name.clone()
                } else {
                    inner
                }
            })
        }),
        _ => None,
    }
}

/// A query string whose problems (a name given twice, say) answer with the envelope; axum's
/// own answer is plain text. Query types take every value as text and check it themselves.
pub struct Params<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Params<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection| Failure {
                status: StatusCode::BAD_REQUEST,
                message: format!("The query string does not fit: {}", rejection.body_text()),
                errors: None,
            })
    }
}

/// The largest whole number every JSON parser reads exactly (2^53 - 1).
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// An optional count such as a version: `3` and `3.0` alike (JSON Schema's `integer` is any
/// number without a fraction), from 0 to [`MAX_SAFE_INTEGER`], where a float is still exact.
pub fn whole_number<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let whole = match (number.as_i64(), number.as_f64()) {
        (Some(whole), _) => Some(whole),
        // Within the range checked below, a float with no fraction is exactly that integer.
        (None, Some(float)) if float.fract() == 0.0 && float.abs() <= MAX_SAFE_INTEGER as f64 => {
            Some(float as i64)
        }
        _ => None,
    };
    whole
        .filter(|n| (0..=MAX_SAFE_INTEGER).contains(n))
        .map(Some)
        .ok_or_else(|| {
            D::Error::custom(format_args!(
                "invalid value: {number}, expected a whole number from 0 to 2^53-1"
            ))
        })
}

/// A [`Body`] and its bytes as sent, for requests that take an `Idempotency-Key`: a retry must
/// be the same request, byte for byte.
pub struct KeyedBody<T>(pub T, pub axum::body::Bytes);

impl<T, S> FromRequest<S> for KeyedBody<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let request = axum::extract::Request::from_parts(parts.clone(), body);
        // Read through axum's own extractor, so the body limit and its 413 apply as for `Body`.
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                let too_large = rejection.status() == StatusCode::PAYLOAD_TOO_LARGE;
                Failure {
                    status: if too_large {
                        StatusCode::PAYLOAD_TOO_LARGE
                    } else {
                        StatusCode::BAD_REQUEST
                    },
                    message: if too_large {
                        "The body is too large"
                    } else {
                        "The body could not be read"
                    }
                    .to_owned(),
                    errors: None,
                }
            })?;
        // Every body the API takes is an object; serde would also read a struct of optional
        // fields from an array (`[null, null]`), which the document does not allow. Said
        // before serde's own complaint about an array of another length.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(Failure {
                status: StatusCode::BAD_REQUEST,
                message: "The body must be a JSON object".to_owned(),
                errors: None,
            });
        }
        let again =
            axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes.clone()));
        let axum::Json(value) = axum::Json::<T>::from_request(again, state)
            .await
            .map_err(json_failure)?;
        // Only a body with an escaped NUL somewhere is read a second time.
        if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
            if let Some(field) = serde_json::from_slice(&bytes)
                .ok()
                .as_ref()
                .and_then(nul_in)
            {
                return Err(AppError::field(
                    if field.is_empty() { "body" } else { &field },
                    "Text must not contain the NUL character (U+0000)",
                )
                .into());
            }
        }
        Ok(Self(value, bytes))
    }
}

/// The `Idempotency-Key` of a creating request: the claim to record with what it creates,
/// and what an earlier request with that key created, if it was this same request (anything
/// else with the key is refused with 422).
pub async fn idempotency(
    state: &AppState,
    user_id: i64,
    key: crate::idempotency::IdempotencyKey,
    route: &str,
    body: &[u8],
) -> Result<(Option<crate::idempotency::Claim>, Option<i64>), Failure> {
    use crate::idempotency::{reused, Claim, Earlier};
    let Some(key) = key.0 else {
        return Ok((None, None));
    };
    let mut request = Vec::with_capacity(route.len() + 1 + body.len());
    request.extend_from_slice(route.as_bytes());
    request.push(b'\n');
    request.extend_from_slice(body);
    let fingerprint = state.tokens.fingerprint(&state.db, &request).await?;
    let claim = Claim::new(user_id, key, fingerprint);
    match claim.earlier(&state.db).await? {
        Earlier::None => Ok((Some(claim), None)),
        Earlier::Created(id) => Ok((Some(claim), Some(id))),
        Earlier::Different => Err(reused().into()),
    }
}

fn json_failure(rejection: JsonRejection) -> Failure {
    let status = rejection.status();
    let message = match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "Send JSON with Content-Type: application/json".to_owned()
        }
        JsonRejection::JsonSyntaxError(_) => "The body is not valid JSON".to_owned(),
        JsonRejection::JsonDataError(e) => format!("The body does not fit: {}", e.body_text()),
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => "The body is too large".to_owned(),
        _ => "The body could not be read".to_owned(),
    };
    Failure {
        status: if status == StatusCode::PAYLOAD_TOO_LARGE {
            status
        } else {
            StatusCode::BAD_REQUEST
        },
        message,
        errors: None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn field_names_become_camel_case() {
        assert_eq!(super::camel("first_name"), "firstName");
        assert_eq!(super::camel("email"), "email");
        assert_eq!(super::camel("firstName"), "firstName");
    }
}

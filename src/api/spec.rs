//! The API's one table of endpoints: the router is built from it and so is the OpenAPI 3.1
//! document at `/api/openapi.json`, so the two cannot drift apart.

use axum::routing::{delete, get, patch, post, MethodRouter};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{json, Map, Value};

use super::{auth, categories, comments, invitations, pages, posts, settings, subscribers, users};
use crate::web::state::AppState;

/// Who may call an endpoint (the server decides; this is what the document says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Anyone,
    SignedIn,
    Moderator,
    Admin,
}

pub struct Endpoint {
    pub method: &'static str,
    /// As axum and OpenAPI both write paths: `/posts/{id}`.
    pub path: &'static str,
    pub summary: &'static str,
    pub access: Access,
    /// The query string's type: each of its properties is a parameter (see [`query_parameters`]).
    pub query: Option<fn(&mut SchemaGenerator) -> Schema>,
    pub request: Option<fn(&mut SchemaGenerator) -> Schema>,
    pub response: fn(&mut SchemaGenerator) -> Schema,
    pub created: bool,
    /// Answers 202: the work (a mail) happens later.
    pub accepted: bool,
    pub handler: MethodRouter<AppState>,
}

impl Endpoint {
    /// Creating requests of signed-in callers take an `Idempotency-Key` (see `idempotency`).
    pub fn idempotent(&self) -> bool {
        self.created && self.access != Access::Anyone
    }
}

fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A type's own schema, inline rather than a reference to it.
fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    T::json_schema(generator)
}

/// A query type's properties as OpenAPI parameters: its name, whether required, its doc
/// comment as the description, and the rest as the schema.
fn query_parameters(schema: &Schema) -> Vec<Value> {
    let required: Vec<&Value> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let mut property = property.clone();
            let description = property
                .as_object_mut()
                .and_then(|p| {
                    // A query type's `Default` gives every value as absent: no default to state.
                    p.remove("default");
                    p.remove("description")
                })
                .unwrap_or(Value::Null);
            let mut parameter = json!({
                "name": name,
                "in": "query",
                "required": required.iter().any(|r| r.as_str() == Some(name.as_str())),
                "schema": property,
            });
            if !description.is_null() {
                parameter["description"] = description;
            }
            parameter
        })
        .collect()
}

fn nothing(_: &mut SchemaGenerator) -> Schema {
    Schema::from(
        json!({ "type": "null" })
            .as_object()
            .cloned()
            .unwrap_or_default(),
    )
}

macro_rules! endpoint {
    ($method:ident $path:literal, $summary:literal, $access:ident, query: $query:expr, body: $body:expr, answer: $answer:expr, accepted, $handler:expr) => {
        Endpoint {
            accepted: true,
            ..endpoint!($method $path, $summary, $access, query: $query, body: $body, answer: $answer, created: false, $handler)
        }
    };
    ($method:ident $path:literal, $summary:literal, $access:ident, query: $query:expr, body: $body:expr, answer: $answer:expr, created: $created:expr, $handler:expr) => {
        Endpoint {
            method: stringify!($method),
            path: $path,
            summary: $summary,
            access: Access::$access,
            query: $query,
            request: $body,
            response: $answer,
            created: $created,
            accepted: false,
            handler: $method($handler),
        }
    };
}

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!(post "/auth/register", "Create an account; answers with tokens", Anyone, query: None, body: Some(schema::<auth::Register>), answer: schema::<auth::Session>, created: true, auth::register),
        endpoint!(post "/auth/login", "Sign in with email or username", Anyone, query: None, body: Some(schema::<auth::Login>), answer: schema::<auth::Session>, created: false, auth::login),
        endpoint!(post "/auth/refresh", "Trade a refresh token for a new pair", Anyone, query: None, body: Some(schema::<auth::RefreshRequest>), answer: schema::<auth::TokenPair>, created: false, auth::refresh),
        endpoint!(post "/auth/logout", "Revoke a refresh token", Anyone, query: None, body: Some(schema::<auth::RefreshRequest>), answer: nothing, created: false, auth::logout),
        endpoint!(post "/auth/forgot-password", "Mail a link to choose a new password; the same answer whether or not an account uses the address", Anyone, query: None, body: Some(schema::<auth::ForgotPassword>), answer: nothing, accepted, auth::forgot_password),
        endpoint!(post "/auth/reset-password", "Choose a new password with the token from a reset link; ends every session", Anyone, query: None, body: Some(schema::<auth::ResetPassword>), answer: nothing, created: false, auth::reset_password),
        endpoint!(get "/users", "List users (moderators, admins)", Moderator, query: Some(schema_of::<users::ListQuery>), body: None, answer: schema::<users::UserList>, created: false, users::list),
        endpoint!(post "/users", "Create a user (admins)", Admin, query: None, body: Some(schema::<users::UserCreate>), answer: schema::<users::ApiUser>, created: true, users::create),
        endpoint!(get "/users/me", "The signed-in user", SignedIn, query: None, body: None, answer: schema::<users::ApiUser>, created: false, users::me),
        endpoint!(get "/users/{id}", "A user", Anyone, query: None, body: None, answer: schema::<users::ApiUser>, created: false, users::show),
        endpoint!(patch "/users/{id}", "Change a user (themself or admins; role and isActive: admins)", SignedIn, query: None, body: Some(schema::<users::UserUpdate>), answer: schema::<users::ApiUser>, created: false, users::update),
        endpoint!(delete "/users/{id}", "Delete a user (themself or admins)", SignedIn, query: None, body: None, answer: nothing, created: false, users::remove),
        endpoint!(get "/posts", "Published posts, newest first", Anyone, query: Some(schema_of::<posts::ListQuery>), body: None, answer: schema::<posts::PostList>, created: false, posts::list),
        endpoint!(post "/posts", "Write a post (markdown in content)", SignedIn, query: None, body: Some(schema::<posts::PostCreate>), answer: schema::<posts::ApiPost>, created: true, posts::create),
        endpoint!(get "/posts/popular", "Most viewed published posts", Anyone, query: Some(schema_of::<posts::PopularQuery>), body: None, answer: schema::<Vec<posts::ApiPost>>, created: false, posts::popular),
        endpoint!(get "/posts/{id}", "A post by id or slug", Anyone, query: None, body: None, answer: schema::<posts::ApiPost>, created: false, posts::show),
        endpoint!(patch "/posts/{id}", "Change a post (its author or admins)", SignedIn, query: None, body: Some(schema::<posts::PostWrite>), answer: schema::<posts::ApiPost>, created: false, posts::update),
        endpoint!(delete "/posts/{id}", "Delete a post (its author or admins)", SignedIn, query: None, body: None, answer: nothing, created: false, posts::remove),
        endpoint!(post "/posts/{id}/like", "Like a post", SignedIn, query: None, body: None, answer: schema::<posts::LikeAnswer>, created: false, posts::like),
        endpoint!(delete "/posts/{id}/like", "Unlike a post", SignedIn, query: None, body: None, answer: schema::<posts::LikeAnswer>, created: false, posts::unlike),
        endpoint!(get "/posts/{id}/comments", "A post's approved comments, threaded by parentId", Anyone, query: None, body: None, answer: schema::<Vec<comments::ApiComment>>, created: false, comments::thread),
        endpoint!(post "/posts/{id}/comments", "Comment on a post", SignedIn, query: None, body: Some(schema::<comments::CommentWrite>), answer: schema::<comments::ApiComment>, created: true, comments::create),
        endpoint!(get "/pages", "Published pages (About, Contact…), by title", Anyone, query: None, body: None, answer: schema::<Vec<posts::ApiPost>>, created: false, pages::list),
        endpoint!(post "/pages", "Write a page (admins; markdown in content)", Admin, query: None, body: Some(schema::<posts::PostCreate>), answer: schema::<posts::ApiPost>, created: true, pages::create),
        endpoint!(get "/pages/{id}", "A page by id or slug", Anyone, query: None, body: None, answer: schema::<posts::ApiPost>, created: false, pages::show),
        endpoint!(patch "/pages/{id}", "Change a page (its author or admins)", SignedIn, query: None, body: Some(schema::<posts::PostWrite>), answer: schema::<posts::ApiPost>, created: false, pages::update),
        endpoint!(delete "/pages/{id}", "Delete a page (its author or admins)", SignedIn, query: None, body: None, answer: nothing, created: false, pages::remove),
        endpoint!(get "/comments", "Comments waiting for moderation (status=pending)", Moderator, query: Some(schema_of::<comments::QueueQuery>), body: None, answer: schema::<Vec<comments::ApiQueued>>, created: false, comments::queue),
        endpoint!(patch "/comments/{id}", "Change a comment (its author, moderators, admins)", SignedIn, query: None, body: Some(schema::<comments::CommentEdit>), answer: schema::<comments::ApiComment>, created: false, comments::edit),
        endpoint!(delete "/comments/{id}", "Delete a comment (its author, moderators, admins)", SignedIn, query: None, body: None, answer: nothing, created: false, comments::remove),
        endpoint!(post "/comments/{id}/approve", "Approve a comment (moderators, admins)", Moderator, query: None, body: None, answer: nothing, created: false, comments::approve),
        endpoint!(get "/categories", "Every category", Anyone, query: None, body: None, answer: schema::<Vec<categories::ApiCategoryFull>>, created: false, categories::list),
        endpoint!(post "/categories", "Create a category (admins)", Admin, query: None, body: Some(schema::<categories::CategoryCreate>), answer: schema::<categories::ApiCategoryFull>, created: true, categories::create),
        endpoint!(patch "/categories/{id}", "Change a category (admins)", Admin, query: None, body: Some(schema::<categories::CategoryWrite>), answer: schema::<categories::ApiCategoryFull>, created: false, categories::update),
        endpoint!(delete "/categories/{id}", "Delete a category (admins)", Admin, query: None, body: None, answer: nothing, created: false, categories::remove),
        endpoint!(post "/invitations", "Invite somebody by link (admins); answers the link", Admin, query: None, body: Some(schema::<invitations::InvitationCreate>), answer: schema::<invitations::ApiInvitation>, created: false, invitations::create),
        endpoint!(post "/subscribers", "Follow new posts by email (the blog's; signed in, an author's or a tag's); a confirmation link is mailed", Anyone, query: None, body: Some(schema::<subscribers::SubscribeRequest>), answer: nothing, accepted, subscribers::subscribe),
        endpoint!(get "/subscribers", "Who follows the blog by email (admins), newest first", Admin, query: Some(schema_of::<subscribers::ListQuery>), body: None, answer: schema::<subscribers::SubscriberList>, created: false, subscribers::list),
        endpoint!(get "/settings", "The blog's settings", Anyone, query: None, body: None, answer: schema::<settings::ApiSettings>, created: false, settings::show),
        endpoint!(patch "/settings", "Change the blog's settings (admins)", Admin, query: None, body: Some(schema::<settings::SettingsWrite>), answer: schema::<settings::ApiSettings>, created: false, settings::update),
    ]
}

/// The OpenAPI 3.1 document.
/// The document, titled after the blog (`site_title`).
pub fn openapi(config: &crate::platform::config::Config, site_title: &str) -> Value {
    let origin = config.origin();
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
    });
    let mut generator = SchemaGenerator::new(settings);
    let mut paths = Map::new();
    for endpoint in endpoints() {
        let mut operation = Map::new();
        operation.insert("summary".into(), json!(endpoint.summary));
        operation.insert(
            "operationId".into(),
            json!(format!("{} {}", endpoint.method, endpoint.path)),
        );
        let mut parameters: Vec<Value> = Vec::new();
        if endpoint.path.contains("{id}") {
            parameters.push(
                json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}),
            );
        }
        if endpoint.idempotent() {
            parameters.push(json!({
                "name": "Idempotency-Key",
                "in": "header",
                "required": false,
                "description": "Sending the same request again with the same key (kept 24 hours per user) answers with what the first one created instead of creating it twice; the same key with another request is refused with 422.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}
            }));
        }
        if let Some(query) = endpoint.query {
            parameters.extend(query_parameters(&query(&mut generator)));
        }
        if !parameters.is_empty() {
            operation.insert("parameters".into(), Value::Array(parameters));
        }
        if let Some(request) = endpoint.request {
            let body = request(&mut generator);
            operation.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": {"schema": body}}}),
            );
        }
        let data = (endpoint.response)(&mut generator);
        let mut responses = Map::new();
        let success = match (endpoint.created, endpoint.accepted) {
            (true, _) => "201",
            (false, true) => "202",
            (false, false) => "200",
        };
        responses.insert(
            success.into(),
            json!({
                "description": "Success",
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["success", "message", "data"],
                    "properties": {"success": {"const": true}, "message": {"type": "string"}, "data": data}
                }}}
            }),
        );
        let mut errors = vec![
            ("400", "Invalid input, with `errors` per field"),
            ("404", "Not found"),
            ("429", "Too many requests"),
            ("500", "Server error"),
        ];
        if endpoint.access != Access::Anyone || endpoint.method != "get" {
            errors.extend([
                ("401", "No valid token"),
                ("403", "Not allowed"),
                (
                    "409",
                    "Conflict: a value taken, an id of nothing there, or changed since",
                ),
                ("413", "Body too large"),
            ]);
        }
        if endpoint.idempotent() {
            errors.push(("422", "The Idempotency-Key was used with another request"));
        }
        for (status, description) in errors {
            responses.insert(
                status.into(),
                json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
            );
        }
        operation.insert("responses".into(), Value::Object(responses));
        if endpoint.access != Access::Anyone {
            operation.insert(
                "security".into(),
                json!([{"bearerAuth": []}, {"cookieAuth": []}]),
            );
        }
        let access = match endpoint.access {
            Access::Anyone => "anyone",
            Access::SignedIn => "signed-in users",
            Access::Moderator => "moderators and admins",
            Access::Admin => "admins",
        };
        operation.insert("description".into(), json!(format!("For {access}.")));
        let entry = paths
            .entry(endpoint.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(methods) = entry {
            methods.insert(endpoint.method.to_owned(), Value::Object(operation));
        }
    }
    let mut schemas = generator.take_definitions(true);
    // The floor is a setting, so the schema of every password is given it here.
    for schema in schemas.values_mut() {
        if let Some(Value::Object(password)) = schema.pointer_mut("/properties/password") {
            if password.contains_key("minLength") {
                password.insert("minLength".into(), json!(config.password_min_length));
            }
        }
    }
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["success", "message"],
            "properties": {
                "success": {"const": false},
                "message": {"type": "string"},
                "errors": {"type": "array", "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}}
                }}
            }
        }),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": format!("{site_title} API"),
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Every answer is an envelope: {success, message, data} or {success: false, message, errors?}. Ids are strings; times are RFC 3339."
        },
        "servers": [{"url": format!("{origin}/api")}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "quire_session"}
            }
        }
    })
}

/// `/api/docs`: the spec, readable and tryable, with no script or style from elsewhere.
pub const DOCS_HTML: &str = include_str!("docs.html");

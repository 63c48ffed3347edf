//! `/api/subscribers`: following the blog by email, and the admins' list of followers.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::schema::patterns;
use super::{ApiResult, Body, Params, Success};
use crate::accounts::caller::Caller;
use crate::accounts::{validation, Role, UserId};
use crate::error::AppError;
use crate::subscriptions::{store, Follows, Subscriber};
use crate::web::state::AppState;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscribeRequest {
    #[schemars(length(max = validation::EMAIL_MAX), regex(pattern = patterns::EMAIL))]
    email: String,
    /// Only this author's posts (signed-in callers; 401 otherwise). An unknown author: 409.
    #[schemars(regex(pattern = patterns::ID))]
    author_id: Option<String>,
    /// Only posts with this tag (signed-in callers; 401 otherwise). An unknown tag: 409.
    #[schemars(length(max = 100), regex(pattern = patterns::LINE))]
    tag: Option<String>,
}

/// `POST /api/subscribers` → 202: a confirmation link goes to the address (the same answer
/// whatever its standing); nothing else is sent until it is opened.
pub(super) async fn subscribe(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<SubscribeRequest>,
) -> ApiResult<()> {
    crate::platform::readers::unseen();
    let follows = match (body.author_id, body.tag) {
        (Some(id), _) => {
            let id: i64 = id
                .parse()
                .map_err(|_| AppError::field("authorId", "`authorId` must be a user id"))?;
            // Well-formed, but naming nobody: a conflict, as other ids of nothing there are.
            let author = crate::accounts::store::find_by_id(&state.db, UserId(id))
                .await?
                .ok_or_else(|| AppError::taken("authorId", "There is no such author to follow"))?;
            Follows::Author(author.username)
        }
        (None, Some(tag)) => Follows::Tag(tag),
        (None, None) => Follows::Blog,
    };
    let user_id = match follows {
        Follows::Blog => caller.user().map(|u| u.id.0),
        _ => Some(caller.require_user()?.id.0),
    };
    store::subscribe(
        &state.db,
        &state.mailing().await?,
        &body.email,
        &follows,
        user_id,
    )
    .await?;
    Ok(Success::accepted(
        crate::subscriptions::CHECK_YOUR_INBOX,
        (),
    ))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ListQuery {
    /// Part of an email address.
    #[schemars(length(max = store::SEARCH_MAX), regex(pattern = patterns::TEXT))]
    search: Option<String>,
    /// The next page: the `next` of the page before.
    #[schemars(with = "String", regex(pattern = patterns::ID))]
    before: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiSubscriber {
    id: String,
    email: String,
    /// BLOG, AUTHOR or TAG.
    follows: String,
    /// The author's username or the tag; null for the blog.
    target: Option<String>,
    confirmed: bool,
    unsubscribed: bool,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberList {
    subscribers: Vec<ApiSubscriber>,
    /// Confirmed and following.
    confirmed: i64,
    /// Waiting for their confirmation link to be opened.
    waiting: i64,
    unsubscribed: i64,
    /// Pass as `before` for the next page; null on the last.
    next: Option<String>,
}

fn api_subscriber(subscriber: Subscriber) -> ApiSubscriber {
    let (follows, target) = match subscriber.follows {
        Follows::Blog => ("BLOG", None),
        Follows::Author(name) => ("AUTHOR", Some(name)),
        Follows::Tag(tag) => ("TAG", Some(tag)),
    };
    ApiSubscriber {
        id: subscriber.id.to_string(),
        email: subscriber.email,
        follows: follows.to_owned(),
        target,
        confirmed: subscriber.confirmed,
        unsubscribed: subscriber.unsubscribed,
        created_at: subscriber.created_at,
    }
}

/// `GET /api/subscribers` (admins): newest first, 100 a page.
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<ListQuery>,
) -> ApiResult<SubscriberList> {
    caller.require_role(Role::Admin)?;
    let before = match query.before.as_deref() {
        None => None,
        Some(raw) => Some(
            raw.parse::<i64>()
                .map_err(|_| AppError::field("before", "`before` must be a subscriber id"))?,
        ),
    };
    let page = store::list(&state.db, query.search.as_deref().unwrap_or(""), before).await?;
    let next = (page.len() as i64 == store::PAGE)
        .then(|| page.last().map(|s| s.id.to_string()))
        .flatten();
    let (confirmed, waiting, unsubscribed) = store::counts(&state.db).await?;
    Ok(Success::ok(
        "Subscribers",
        SubscriberList {
            subscribers: page.into_iter().map(api_subscriber).collect(),
            confirmed,
            waiting,
            unsubscribed,
            next,
        },
    ))
}

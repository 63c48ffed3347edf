//! The authorization matrix: every page, server function, API endpoint and plain route,
//! requested by each kind of caller (visitor, the owner of what is asked for, another user,
//! a moderator, an admin, a deactivated user, an expired session), with the outcome each
//! must get. The route tables of the server are walked too: a route without an entry here
//! fails the test, and so does an entry for a route that no longer exists.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{make_user, spawn_app_with, Backend, TestApp, PASSWORD};
use quire::accounts::Role;
use quire::with_db;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Visitor,
    Owner,
    Other,
    Moderator,
    Admin,
    Deactivated,
    Expired,
}

const EVERYONE: [Who; 7] = [
    Who::Visitor,
    Who::Owner,
    Who::Other,
    Who::Moderator,
    Who::Admin,
    Who::Deactivated,
    Who::Expired,
];

/// What a caller gets, as a user would notice it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Served (2xx, or a redirect that is not to the sign-in page), showing what was asked.
    Served,
    /// Served, but without the owner's data: it is somebody else's.
    ServedWithoutIt,
    /// Told to sign in: 401, or sent to `/signin`.
    SignIn,
    /// Refused (403) or told it does not exist (404).
    Refused,
}

/// Who may do something.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Anyone,
    /// Any signed-in, active account.
    SignedIn,
    /// Any account, each seeing only its own: the owner's data shows only to the owner.
    OwnData,
    OwnerOrAdmin,
    /// The owner, moderators and admins.
    OwnerOrStaff,
    /// Moderators and admins.
    Staff,
    Admin,
    /// What is not published: its author and admins; to everybody else it does not exist.
    Unpublished,
    /// Nobody: the first run's setup, gone once the blog is claimed (as the matrix's is).
    Nobody,
}

impl Rule {
    fn expect(self, who: Who) -> Outcome {
        use Outcome::*;
        use Who::*;
        let signed_in = !matches!(who, Visitor | Deactivated | Expired);
        let allowed = |yes: bool| if yes { Served } else { Refused };
        match self {
            Rule::Anyone => Served,
            Rule::Nobody => Refused,
            Rule::Unpublished => allowed(matches!(who, Owner | Admin)),
            _ if !signed_in => SignIn,
            Rule::SignedIn => Served,
            Rule::OwnData if who == Owner => Served,
            Rule::OwnData => ServedWithoutIt,
            Rule::OwnerOrAdmin => allowed(matches!(who, Owner | Admin)),
            Rule::OwnerOrStaff => allowed(matches!(who, Owner | Moderator | Admin)),
            Rule::Staff => allowed(matches!(who, Moderator | Admin)),
            Rule::Admin => allowed(who == Admin),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Surface {
    Page,
    Function,
    Api,
    Plain,
}

#[derive(Debug, Clone)]
enum Payload {
    None,
    Form(Vec<(&'static str, &'static str)>),
    Json(Value),
    /// A multipart form with one file: (field, file name, content type, bytes).
    File(&'static str, &'static str, &'static str, FileKind),
}

#[derive(Debug, Clone, Copy)]
enum FileKind {
    Png,
    Markdown,
    Addresses,
    Wxr,
}

/// What the check needs fresh for each caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fresh {
    /// Nothing: the request changes nothing another caller's check depends on.
    Nothing,
    /// New posts, comments and a category: the request changes or deletes them.
    Content,
    /// New accounts as well: the request changes or ends the caller's own account or session.
    Accounts,
}

#[derive(Debug, Clone)]
struct Check {
    surface: Surface,
    method: &'static str,
    /// As the server's own table writes it: `/posts/{slug}`, `/rpc/editor/save`.
    route: String,
    /// What is requested, with `{placeholders}` filled from the fixture.
    target: String,
    payload: Payload,
    rule: Rule,
    /// Text an allowed caller sees in the answer.
    shows: Option<&'static str>,
    /// Text nobody may see in the answer, however allowed.
    never_shows: Option<&'static str>,
    fresh: Fresh,
}

impl Check {
    fn new(surface: Surface, method: &'static str, route: &str, target: &str, rule: Rule) -> Self {
        Self {
            surface,
            method,
            route: route.to_owned(),
            target: target.to_owned(),
            payload: Payload::None,
            rule,
            shows: None,
            never_shows: None,
            fresh: Fresh::Nothing,
        }
    }
    fn shows(mut self, text: &'static str) -> Self {
        self.shows = Some(text);
        self
    }
    fn never_shows(mut self, text: &'static str) -> Self {
        self.never_shows = Some(text);
        self
    }
    fn form(mut self, fields: &[(&'static str, &'static str)]) -> Self {
        self.payload = Payload::Form(fields.to_vec());
        self
    }
    fn json(mut self, body: Value) -> Self {
        self.payload = Payload::Json(body);
        self
    }
    fn file(
        mut self,
        field: &'static str,
        name: &'static str,
        mime: &'static str,
        kind: FileKind,
    ) -> Self {
        self.payload = Payload::File(field, name, mime, kind);
        self
    }
    /// For listings that show only the newest posts: the fixture's post must be one of them.
    fn newest(self) -> Self {
        self.fresh(Fresh::Content)
    }
    fn fresh(mut self, fresh: Fresh) -> Self {
        self.fresh = fresh;
        self
    }
}

fn page(route: &str, target: &str, rule: Rule) -> Check {
    Check::new(Surface::Page, "GET", route, target, rule)
}

/// A server function, called as the browser calls it.
fn function(endpoint: &str, rule: Rule) -> Check {
    let path = format!("/rpc/{endpoint}");
    Check::new(Surface::Function, "POST", &path, &path, rule)
}

/// An API endpoint: `route` as in the spec's table, `target` what is requested.
fn api(method: &'static str, route: &str, target: &str, rule: Rule) -> Check {
    Check::new(
        Surface::Api,
        method,
        &format!("/api{route}"),
        &format!("/api{target}"),
        rule,
    )
}

fn plain(method: &'static str, route: &str, target: &str, rule: Rule) -> Check {
    Check::new(Surface::Plain, method, route, target, rule)
}

/// Every entry of the matrix.
fn matrix() -> Vec<Check> {
    use Rule::*;
    let mut checks = vec![
        // Pages.
        page("/", "/", Anyone).shows("{post_title}").never_shows("{draft_title}").newest(),
        page("/posts/{slug}", "/posts/{post_slug}", Anyone).shows("{comment_text}"),
        page("/posts/{slug}", "/posts/{draft_slug}", Unpublished).shows("{draft_title}"),
        page("/tags", "/tags", Anyone).shows("matrix"),
        page("/tags/{tag}", "/tags/matrix", Anyone).shows("{post_title}").never_shows("{draft_title}").newest(),
        page("/categories", "/categories", Anyone).shows("{category_name}"),
        page("/categories/{slug}", "/categories/{category_slug}", Anyone).shows("{post_title}"),
        page("/search", "/search?q={word}", Anyone).shows("{post_title}"),
        page("/search", "/search?q={draft_word}", Anyone).never_shows("{draft_title}"),
        page("/admin", "/admin", Staff).shows("{pending_text}"),
        page("/admin", "/admin?tab=overview", Admin).shows("Published posts"),
        page("/admin", "/admin?tab=users", Admin).shows("{owner_name}"),
        page("/admin", "/admin?tab=categories", Admin).shows("{category_name}"),
        page("/admin", "/admin?tab=settings", Admin).shows("Who may write"),
        page("/admin", "/admin?tab=redirects", Admin).shows("New redirect"),
        page("/admin", "/admin?tab=home", Admin).shows("Pin a post"),
        page("/admin", "/admin?tab=invitations", Admin).shows("Invite somebody"),
        page("/admin", "/admin?tab=audit", Admin),
        page("/admin", "/admin?tab=subscribers&search={subscriber_email}", Admin).shows("{subscriber_email}"),
        page("/dashboard", "/dashboard", OwnData).shows("{draft_title}"),
        page("/editor/{id}", "/editor/{draft}", OwnerOrAdmin).shows("{draft_title}"),
        page("/editor/{id}", "/editor/new", SignedIn),
        page("/signin", "/signin", Anyone),
        page("/signup", "/signup", Anyone),
        page("/forgot-password", "/forgot-password", Anyone).shows("Email me a link"),
        page("/reset-password", "/reset-password?token=guessed", Anyone).shows("not valid"),
        page("/confirm-email", "/confirm-email?token=guessed", Anyone).shows("not valid"),
        page("/unsubscribe", "/unsubscribe?token=guessed", Anyone).shows("not valid"),
        page("/subscribe", "/subscribe", Anyone).shows("Get new posts by email"),
        page("/subscribe/confirm", "/subscribe/confirm?token=guessed", Anyone).shows("not valid"),
        page("/u/{username}", "/u/{owner_name}", Anyone).shows("{post_title}").never_shows("{draft_title}").newest(),
        page("/settings", "/settings", SignedIn),
        page("/setup", "/setup?token=guessed", Nobody),
        page("/{slug}", "/{page_slug}", Anyone).shows("{page_title}"),
        // Server functions.
        function("posts/recent", Anyone).shows("{post_title}").never_shows("{draft_title}").newest(),
        function("posts/popular", Anyone),
        function("posts/featured", Anyone),
        function("posts/pinned", Admin),
        function("posts/feature", Admin).form(&[("post", "{post_slug}"), ("featured", "true")]),
        function("posts/page", Anyone).form(&[("slug", "{page_slug}")]).shows("{page_title}"),
        function("posts/get", Anyone).form(&[("slug", "{post_slug}")]).shows("{post_title}"),
        function("posts/get", Unpublished).form(&[("slug", "{draft_slug}")]).shows("{draft_title}"),
        function("posts/like", SignedIn).form(&[("post_id", "{post}"), ("liked", "true")]),
        function("posts/search", Anyone).form(&[("q", "{word}")]).shows("{post_title}"),
        function("tags/list", Anyone).shows("matrix"),
        function("tags/posts", Anyone).form(&[("tag", "matrix")]).shows("{post_title}").newest(),
        function("categories/list", Anyone).shows("{category_name}"),
        function("categories/manage", Admin).shows("{category_name}"),
        function("categories/posts", Anyone).form(&[("slug", "{category_slug}")]).shows("{post_title}"),
        function("categories/save", Admin)
            .form(&[("name", "Made {unique}"), ("slug", ""), ("description", ""), ("color", "#3b82f6")]),
        function("categories/delete", Admin).form(&[("id", "{category}")]).fresh(Fresh::Content),
        function("comments/thread", Anyone).form(&[("post_id", "{post}")]).shows("{comment_text}").never_shows("{bystander_pending_text}"),
        function("comments/reader_thread", SignedIn).form(&[("post_id", "{post}"), ("shared", "false"), ("with_sources", "false")]).shows("{comment_text}").never_shows("{bystander_pending_text}"),
        function("comments/add", SignedIn).form(&[("post_id", "{post}"), ("content", "A reply {unique}")]),
        function("comments/edit", OwnerOrStaff).form(&[("id", "{comment}"), ("content", "Edited {unique}")]).fresh(Fresh::Content),
        function("comments/delete", OwnerOrStaff).form(&[("id", "{comment}")]).fresh(Fresh::Content),
        function("comments/report", SignedIn).form(&[("id", "{bystander_comment}"), ("reason", "Looks like spam")]).fresh(Fresh::Content),
        function("moderation/queue", Staff).shows("{pending_text}"),
        // Everybody may ask; only staff get a number (the header's badge).
        function("moderation/pending", Anyone),
        function("moderation/decide", Staff).form(&[("ids", "{pending}"), ("approve", "true")]).fresh(Fresh::Content),
        function("moderation/approve_user", Staff).form(&[("user_id", "{owner}")]).fresh(Fresh::Accounts),
        function("admin/audit", Admin),
        function("site/settings", Admin).shows("registration"),
        function("redirects/list", Admin),
        function("site/menus", Admin).shows("Categories"),
        function("site/remove_image", Admin).form(&[("which", "logo")]),
        // Saved as a new blog's header is, so later checks see the same pages.
        function("site/menus_save", Admin).json(json!({"menus": {"header": [
            {"label": "Home", "target": "/"}, {"label": "Tags", "target": "/tags"},
            {"label": "Categories", "target": "/categories"},
        ], "footer": []}})),
        function("invitations/list", Admin),
        function("invitations/create", Admin).form(&[("role", "AUTHOR"), ("email", "")]).shows("/signup?invitation="),
        function("setup/check", Nobody).form(&[("token", "guessed")]),
        function("setup/claim", Nobody).form(&[
            ("token", "guessed"), ("title", "Mine"), ("email", "claim-{unique}@example.com"),
            ("username", "claim{unique}"), ("password", "a long enough password here"),
        ]),
        function("invitations/check", Anyone).form(&[("token", "{invitation}")]).shows("AUTHOR"),
        function("redirects/add", Admin).form(&[("from_path", "/old/{unique}"), ("to_target", "/posts/{post_slug}")]),
        function("redirects/delete", Admin).form(&[("from_path", "{redirect}")]).fresh(Fresh::Content),
        // Saved as the matrix's blog has it (everybody writes, comments on), so later checks
        // see the same rules.
        function("site/save", Admin).form(&[
            ("title", "Matrix blog"), ("description", ""), ("language", "en"), ("footer", "Saved {unique}"),
            ("registration", "open"), ("publishing", "everyone"), ("comments_enabled", "on"),
        ]),
        function("admin/users", Admin).form(&[("search", "")]).shows("{owner_name}"),
        function("admin/hide_comments", Admin).form(&[("user_id", "{owner}")]).fresh(Fresh::Accounts),
        function("admin/overview", Admin),
        function("editor/load", OwnerOrAdmin).form(&[("id", "{draft}")]).shows("{draft_title}"),
        function("editor/save", OwnerOrAdmin)
            .form(&[
                ("id", "{draft}"), ("version", "{draft_version}"), ("title", "Saved {unique}"),
                ("slug", "{draft_slug}"), ("content", "Saved body"), ("excerpt", ""),
                ("cover_image", ""), ("tags", ""), ("categories", ""), ("canonical_url", ""),
            ])
            .fresh(Fresh::Content),
        function("editor/save", SignedIn).form(&[
            ("title", "New {unique}"), ("slug", "new-{unique}"), ("content", "Body"), ("excerpt", ""),
            ("cover_image", ""), ("tags", ""), ("categories", ""), ("canonical_url", ""),
        ]),
        function("editor/status", OwnerOrAdmin)
            .form(&[("id", "{draft}"), ("version", "{draft_version}"), ("status", "PUBLISHED")])
            .fresh(Fresh::Content),
        function("editor/comments", OwnerOrAdmin).form(&[("id", "{draft}"), ("enabled", "false")]).fresh(Fresh::Content),
        function("editor/delete", OwnerOrAdmin).form(&[("id", "{draft}")]).fresh(Fresh::Content),
        function("editor/preview", SignedIn).form(&[("content", "**bold** {unique}")]).shows("<strong>bold</strong>"),
        function("editor/slug", SignedIn).form(&[("slug", "free-{unique}")]),
        function("editor/tags", SignedIn).form(&[("prefix", "matr")]).shows("matrix"),
        function("editor/revisions", OwnerOrAdmin).form(&[("id", "{draft}")]),
        function("editor/diff", OwnerOrAdmin).form(&[("revision_id", "{revision}")]),
        function("editor/restore", OwnerOrAdmin)
            .form(&[("revision_id", "{revision}"), ("version", "{draft_version}")])
            .fresh(Fresh::Content),
        function("dashboard/posts", OwnData).shows("{draft_title}"),
        function("accounts/me", Anyone),
        function("accounts/sign_up", Anyone)
            .form(&[("email", "{unique}@example.com"), ("username", "new{unique}"), ("password", PASSWORD)])
            .fresh(Fresh::Accounts),
        function("accounts/sign_in", Anyone)
            .form(&[("login", "{owner_name}"), ("password", PASSWORD)])
            .fresh(Fresh::Accounts),
        function("accounts/sign_out", Anyone).fresh(Fresh::Accounts),
        function("accounts/forgot_password", Anyone).form(&[("email", "{unique}@example.com")]),
        function("accounts/check_reset", Nobody).form(&[("token", "guessed")]),
        function("accounts/reset_password", Nobody).form(&[("token", "guessed"), ("password", PASSWORD)]),
        function("mail/overview", Admin).shows("transport"),
        function("import/status", Admin).shows("file_name"),
        function("accounts/check_email_change", Nobody).form(&[("token", "guessed")]),
        function("accounts/confirm_email", Nobody).form(&[("token", "guessed")]),
        function("accounts/send_confirmation", SignedIn).shows("confirmed already"),
        function("accounts/notifications", SignedIn).form(&[("replies", "on"), ("comments", "on")]),
        function("subscriptions/subscribe", Anyone).form(&[("email", "{unique}@example.com")]),
        function("subscriptions/check", Nobody).form(&[("token", "guessed")]),
        function("subscriptions/admin", Admin).form(&[("search", "{subscriber_email}")]).shows("{subscriber_email}"),
        function("subscriptions/remove", Admin).form(&[("id", "{subscriber}")]).fresh(Fresh::Content),
        function("subscriptions/confirm", Nobody).form(&[("token", "guessed")]),
        function("mail/unsubscribe_check", Nobody).form(&[("token", "guessed")]),
        function("accounts/profile", Anyone).form(&[("username", "{owner_name}")]).shows("{post_title}").never_shows("{draft_title}").newest(),
        function("accounts/settings", SignedIn),
        function("accounts/update_profile", SignedIn).form(&[("bio", "Changed {unique}")]),
        function("accounts/change_email", SignedIn)
            .form(&[("email", "moved{unique}@example.com"), ("current_password", PASSWORD)])
            .fresh(Fresh::Accounts),
        function("accounts/change_password", SignedIn)
            .form(&[("current_password", PASSWORD), ("new_password", "a brand new passphrase here")])
            .fresh(Fresh::Accounts),
        function("accounts/delete_account", SignedIn)
            .form(&[("current_password", PASSWORD), ("confirm", "{me}")])
            .fresh(Fresh::Accounts),
        function("accounts/sessions", SignedIn),
        function("accounts/end_sessions", SignedIn).fresh(Fresh::Accounts),
        function("accounts/set_role", Admin).form(&[("user_id", "{owner}"), ("role", "MODERATOR")]).fresh(Fresh::Accounts),
        function("accounts/set_active", Admin).form(&[("user_id", "{owner}"), ("active", "false")]).fresh(Fresh::Accounts),
        // The API.
        api("POST", "/auth/register", "/auth/register", Anyone)
            .json(json!({"email": "{unique}@example.com", "username": "api{unique}", "password": PASSWORD})),
        api("POST", "/auth/login", "/auth/login", Anyone).json(json!({"username": "{owner_name}", "password": PASSWORD})),
        api("POST", "/auth/refresh", "/auth/refresh", Anyone).json(json!({"refreshToken": "{refresh}"})).fresh(Fresh::Content),
        api("POST", "/auth/logout", "/auth/logout", Anyone).json(json!({"refreshToken": "{refresh}"})).fresh(Fresh::Content),
        api("POST", "/auth/forgot-password", "/auth/forgot-password", Anyone).json(json!({"email": "{unique}@example.com"})),
        api("POST", "/auth/reset-password", "/auth/reset-password", Nobody).json(json!({"token": "guessed", "password": PASSWORD})),
        api("GET", "/users", "/users?search={owner_name}", Staff).shows("{owner_name}"),
        api("POST", "/users", "/users", Admin)
            .json(json!({"email": "{unique}@example.com", "username": "made{unique}", "password": PASSWORD})),
        api("GET", "/users/me", "/users/me", SignedIn),
        api("GET", "/users/{id}", "/users/{owner}", Anyone).shows("{owner_name}"),
        api("PATCH", "/users/{id}", "/users/{owner}", OwnerOrAdmin).json(json!({"bio": "Patched {unique}"})),
        api("DELETE", "/users/{id}", "/users/{owner}", OwnerOrAdmin).fresh(Fresh::Accounts),
        api("GET", "/settings", "/settings", Anyone).shows("registration"),
        api("POST", "/subscribers", "/subscribers", Anyone).json(json!({"email": "{unique}@example.com"})),
        api("GET", "/subscribers", "/subscribers", Admin).shows("unsubscribed"),
        api("GET", "/pages", "/pages", Anyone).shows("{page_title}"),
        api("POST", "/pages", "/pages", Admin).json(json!({"title": "Page {unique}", "content": "Words"})),
        api("GET", "/pages/{id}", "/pages/{page}", Anyone).shows("{page_title}"),
        api("PATCH", "/pages/{id}", "/pages/{page}", Admin).json(json!({"content": "Changed {unique}"})),
        api("DELETE", "/pages/{id}", "/pages/{page}", Admin).fresh(Fresh::Content),
        api("POST", "/invitations", "/invitations", Admin).json(json!({"role": "AUTHOR"})).shows("/signup?invitation="),
        api("PATCH", "/settings", "/settings", Admin).json(json!({"footer": "Patched {unique}"})),
        api("GET", "/posts", "/posts", Anyone).shows("{post_title}").never_shows("{draft_title}").newest(),
        api("POST", "/posts", "/posts", SignedIn).json(json!({"title": "Posted {unique}", "content": "Body"})),
        api("GET", "/posts/popular", "/posts/popular", Anyone),
        api("GET", "/posts/{id}", "/posts/{post}", Anyone).shows("{post_title}"),
        api("GET", "/posts/{id}", "/posts/{draft}", Unpublished).shows("{draft_title}"),
        api("PATCH", "/posts/{id}", "/posts/{draft}", OwnerOrAdmin).json(json!({"title": "Patched {unique}"})).fresh(Fresh::Content),
        api("DELETE", "/posts/{id}", "/posts/{draft}", OwnerOrAdmin).fresh(Fresh::Content),
        api("POST", "/posts/{id}/like", "/posts/{post}/like", SignedIn),
        api("DELETE", "/posts/{id}/like", "/posts/{post}/like", SignedIn),
        api("GET", "/posts/{id}/comments", "/posts/{post}/comments", Anyone).shows("{comment_text}").never_shows("{bystander_pending_text}"),
        api("POST", "/posts/{id}/comments", "/posts/{post}/comments", SignedIn).json(json!({"content": "Via the API {unique}"})),
        api("GET", "/comments", "/comments?status=pending", Staff).shows("{pending_text}"),
        api("PATCH", "/comments/{id}", "/comments/{comment}", OwnerOrStaff).json(json!({"content": "Patched {unique}"})).fresh(Fresh::Content),
        api("DELETE", "/comments/{id}", "/comments/{comment}", OwnerOrStaff).fresh(Fresh::Content),
        api("POST", "/comments/{id}/approve", "/comments/{pending}/approve", Staff).fresh(Fresh::Content),
        api("GET", "/categories", "/categories", Anyone).shows("{category_name}"),
        api("POST", "/categories", "/categories", Admin).json(json!({"name": "Made {unique}"})),
        api("PATCH", "/categories/{id}", "/categories/{category}", Admin).json(json!({"description": "Patched {unique}"})),
        api("DELETE", "/categories/{id}", "/categories/{category}", Admin).fresh(Fresh::Content),
        api("GET", "/openapi.json", "/openapi.json", Anyone).shows("openapi"),
        api("GET", "/docs", "/docs", Anyone),
        api("GET", "/docs.js", "/docs.js", Anyone),
        // Plain routes.
        plain("GET", "/health", "/health", Anyone),
        plain("GET", "/admin/subscribers.csv", "/admin/subscribers.csv", Admin).shows("{subscriber_email}"),
        plain("POST", "/admin/subscribers/import", "/admin/subscribers/import", Admin)
            .file("file", "subscribers.csv", "text/csv", FileKind::Addresses),
        plain("POST", "/admin/import", "/admin/import", Admin)
            .file("file", "export.xml", "text/xml", FileKind::Wxr),
        plain("POST", "/unsubscribe", "/unsubscribe?token=1.replies.guessed", Nobody),
        plain("GET", "/favicon.svg", "/favicon.svg", Anyone).shows("svg"),
        plain("POST", "/settings/avatar", "/settings/avatar", SignedIn).file("avatar", "me.png", "image/png", FileKind::Png),
        plain("POST", "/dashboard/import", "/dashboard/import", SignedIn)
            .file("files", "imported.md", "text/markdown", FileKind::Markdown),
        plain("GET", "/dashboard/export", "/dashboard/export", OwnData).shows("{draft_title}"),
        plain("POST", "/admin/site/logo", "/admin/site/logo", Admin).file("logo", "logo.png", "image/png", FileKind::Png),
        plain("POST", "/admin/site/icon", "/admin/site/icon", Admin).file("icon", "icon.png", "image/png", FileKind::Png),
        plain("POST", "/editor/images", "/editor/images", SignedIn).file("image", "figure.png", "image/png", FileKind::Png),
        plain("GET", "/sitemap.xml", "/sitemap.xml", Anyone).shows("{post_slug}").never_shows("{draft_slug}"),
        plain("GET", "/sitemap-{file}", "/sitemap-2.xml", Anyone).shows("{post_slug}").never_shows("{draft_slug}"),
        plain("GET", "/robots.txt", "/robots.txt", Anyone).shows("Sitemap"),
        plain("GET", "/media", "/media/matrix.txt", Anyone).shows("media for everyone"),
        plain("GET", "/pkg", "/pkg/{asset}", Anyone),
    ];
    for file in ["feed.xml", "rss.xml", "feed.json"] {
        for (route, target) in [
            (format!("/{file}"), format!("/{file}")),
            (
                format!("/tags/{{tag}}/{file}"),
                format!("/tags/matrix/{file}"),
            ),
            (
                format!("/categories/{{slug}}/{file}"),
                format!("/categories/{{category_slug}}/{file}"),
            ),
            (
                format!("/u/{{username}}/{file}"),
                format!("/u/{{owner_name}}/{file}"),
            ),
        ] {
            checks.push(
                plain("GET", &route, &target, Anyone)
                    .shows("{post_title}")
                    .never_shows("{draft_title}")
                    .newest(),
            );
        }
    }
    checks
}

/// A caller, as pages (cookies) and API clients (a bearer token) present themselves.
struct Caller {
    who: Who,
    browser: reqwest::Client,
    token: Option<String>,
    username: Option<String>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique() -> String {
    format!("m{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

async fn api_login(app: &TestApp, username: &str) -> Value {
    let res = app
        .client
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "API sign-in of {username}");
    res.json::<Value>().await.unwrap()["data"].clone()
}

async fn caller(app: &TestApp, who: Who) -> Caller {
    if who == Who::Visitor {
        return Caller {
            who,
            browser: common::browser(),
            token: None,
            username: None,
        };
    }
    let username = format!("{who:?}{}", unique()).to_lowercase();
    let role = match who {
        Who::Moderator => Role::Moderator,
        Who::Admin => Role::Admin,
        _ => Role::User,
    };
    let id = make_user(app, &username, role).await;
    let browser = common::signed_in_as(app, &username).await;
    let mut token = api_login(app, &username).await["accessToken"]
        .as_str()
        .map(str::to_owned);
    match who {
        // Deactivated behind their back: the session and token they hold stay as they were.
        Who::Deactivated => {
            with_db!(&app.db, |pool| sqlx::query(
                "UPDATE users SET is_active = $1 WHERE id = $2"
            )
            .bind(false)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
            .unwrap();
        }
        Who::Expired => {
            let past = chrono::Utc::now() - chrono::Duration::minutes(5);
            with_db!(&app.db, |pool| sqlx::query(
                "UPDATE sessions SET expiry_date = $1 WHERE user_id = $2"
            )
            .bind(past)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ()))
            .unwrap();
            token = Some(
                app.state
                    .tokens
                    .access_token_until(&app.db, quire::accounts::UserId(id), past)
                    .await
                    .unwrap(),
            );
        }
        _ => {}
    }
    Caller {
        who,
        browser,
        token,
        username: Some(username),
    }
}

/// What the checks talk about: the owner's published post, draft, comments; a category; a
/// comment by a bystander. Values by placeholder name.
type Fixture = HashMap<&'static str, String>;

async fn send_json(app: &TestApp, method: &str, path: &str, token: &str, body: Value) -> Value {
    let res = app
        .client
        .request(method.parse().unwrap(), app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {body}");
    body["data"].clone()
}

async fn fixture(app: &TestApp, owner: &Caller, admin: &Caller, bystander: &Caller) -> Fixture {
    let n = unique();
    let owner_token = owner.token.as_deref().unwrap();
    let admin_token = admin.token.as_deref().unwrap();
    let category = send_json(
        app,
        "POST",
        "/api/categories",
        admin_token,
        json!({"name": format!("Matrix category {n}")}),
    )
    .await;
    let post = send_json(
        app,
        "POST",
        "/api/posts",
        owner_token,
        json!({
            "title": format!("Matrix post {n}"),
            "content": format!("Words about zanzibarite{n}.\n\n```rust\nfn main() {{}}\n```\n"),
            "tags": ["matrix"],
            "categoryIds": [category["id"]],
            "status": "PUBLISHED",
        }),
    )
    .await;
    let draft = send_json(
        app,
        "POST",
        "/api/posts",
        owner_token,
        json!({
            "title": format!("Matrix draft {n}"),
            "content": format!("Unpublished thoughts on quodlibetic{n}."),
            "tags": ["matrix"],
            "status": "DRAFT",
        }),
    )
    .await;
    let post_id = post["id"].as_str().unwrap().to_owned();
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    let page = send_json(
        app,
        "POST",
        "/api/pages",
        admin_token,
        json!({"title": format!("Matrix page {n}"), "content": "About the matrix.", "status": "PUBLISHED"}),
    )
    .await;
    let comment_path = format!("/api/posts/{post_id}/comments");
    let comment = send_json(
        app,
        "POST",
        &comment_path,
        owner_token,
        json!({"content": format!("Matrix comment {n}")}),
    )
    .await;
    let comment_id = comment["id"].as_str().unwrap().to_owned();
    send_json(
        app,
        "POST",
        &format!("/api/comments/{comment_id}/approve"),
        admin_token,
        json!(null),
    )
    .await;
    let pending = send_json(
        app,
        "POST",
        &comment_path,
        owner_token,
        json!({"content": format!("Matrix pending {n}")}),
    )
    .await;
    assert_eq!(pending["status"], "PENDING", "{pending}");
    let bystanders = send_json(
        app,
        "POST",
        &comment_path,
        bystander.token.as_deref().unwrap(),
        json!({"content": format!("Matrix bystander {n}")}),
    )
    .await;
    let bystander_comment = bystanders["id"].as_str().unwrap().to_owned();
    // Waits in the queue for good: only its author and staff (in the queue) ever see it.
    send_json(
        app,
        "POST",
        &comment_path,
        bystander.token.as_deref().unwrap(),
        json!({"content": format!("Matrix unapproved {n}")}),
    )
    .await;
    send_json(
        app,
        "POST",
        &format!("/api/comments/{bystander_comment}/approve"),
        admin_token,
        json!(null),
    )
    .await;
    let draft_number: i64 = draft_id.parse().unwrap();
    let (version, revision): (i64, i64) = with_db!(&app.db, |pool| sqlx::query_as(
        "SELECT p.version, (SELECT MIN(r.id) FROM post_revisions r WHERE r.post_id = p.id)
         FROM posts p WHERE p.id = $1"
    )
    .bind(draft_number)
    .fetch_one(pool)
    .await)
    .unwrap();
    let owner_name = owner.username.clone().unwrap();
    let owner_id = send_json(app, "GET", "/api/users/me", owner_token, json!(null)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bystander_id = send_json(
        app,
        "GET",
        "/api/users/me",
        bystander.token.as_deref().unwrap(),
        json!(null),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let invited = send_json(
        app,
        "POST",
        "/api/invitations",
        admin_token,
        json!({"role": "AUTHOR"}),
    )
    .await;
    let invitation = invited["url"]
        .as_str()
        .and_then(|url| url.split("invitation=").nth(1))
        .unwrap()
        .to_owned();
    let moved = format!("/matrix-moved-{n}");
    with_db!(&app.db, |pool| sqlx::query(
        "INSERT INTO redirects (from_path, to_target, automatic, created_at) VALUES ($1, '/', FALSE, $2)"
    )
    .bind(&moved)
    .bind(quire::platform::db::now())
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
    let subscriber_email = format!("matrix-follower-{n}@example.com");
    quire::subscriptions::store::import(&app.db, &subscriber_email)
        .await
        .unwrap();
    let subscriber: i64 = with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT CAST(id AS BIGINT) FROM subscribers WHERE email = $1"
    )
    .bind(&subscriber_email)
    .fetch_one(pool)
    .await)
    .unwrap();
    let refresh = api_login(app, &owner_name).await["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    HashMap::from([
        ("post", post_id),
        ("post_slug", post["slug"].as_str().unwrap().to_owned()),
        ("post_title", format!("Matrix post {n}")),
        ("page", page["id"].as_str().unwrap().to_owned()),
        ("page_slug", page["slug"].as_str().unwrap().to_owned()),
        ("page_title", format!("Matrix page {n}")),
        ("word", format!("zanzibarite{n}")),
        ("draft", draft_id),
        ("draft_slug", draft["slug"].as_str().unwrap().to_owned()),
        ("draft_title", format!("Matrix draft {n}")),
        ("draft_word", format!("quodlibetic{n}")),
        ("draft_version", version.to_string()),
        ("revision", revision.to_string()),
        ("comment", comment_id),
        ("comment_text", format!("Matrix comment {n}")),
        ("pending", pending["id"].as_str().unwrap().to_owned()),
        ("pending_text", format!("Matrix pending {n}")),
        ("bystander", bystander_id),
        ("bystander_comment", bystander_comment),
        ("bystander_pending_text", format!("Matrix unapproved {n}")),
        ("category", category["id"].as_str().unwrap().to_owned()),
        (
            "category_slug",
            category["slug"].as_str().unwrap().to_owned(),
        ),
        ("category_name", format!("Matrix category {n}")),
        ("owner", owner_id),
        ("owner_name", owner_name),
        ("refresh", refresh),
        ("redirect", moved),
        ("invitation", invitation),
        ("subscriber", subscriber.to_string()),
        ("subscriber_email", subscriber_email),
        ("asset", first_asset().unwrap_or_default()),
    ])
}

/// A file of the built site (`cargo leptos build`; the test script builds before testing).
fn first_asset() -> Option<String> {
    std::fs::read_dir("target/site/pkg").ok().and_then(|files| {
        files
            .filter_map(Result::ok)
            .map(|f| f.file_name().to_string_lossy().into_owned())
            .find(|name| name.ends_with(".css") || name.ends_with(".js"))
    })
}

fn fill(template: &str, fixture: &Fixture) -> String {
    let mut text = template.to_owned();
    if text.contains("{unique}") {
        text = text.replace("{unique}", &unique());
    }
    for (name, value) in fixture {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

fn fill_json(value: &Value, fixture: &Fixture) -> Value {
    match value {
        Value::String(s) => Value::String(fill(s, fixture)),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill_json(v, fixture)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill_json(v, fixture)).collect()),
        other => other.clone(),
    }
}

fn file_bytes(kind: FileKind) -> Vec<u8> {
    match kind {
        FileKind::Png => {
            let mut bytes = std::io::Cursor::new(Vec::new());
            image::RgbImage::from_pixel(8, 8, image::Rgb([200, 80, 40]))
                .write_to(&mut bytes, image::ImageFormat::Png)
                .unwrap();
            bytes.into_inner()
        }
        FileKind::Markdown => {
            format!("---\ntitle: Imported {}\n---\n\nImported body.\n", unique()).into_bytes()
        }
        FileKind::Addresses => format!("email\nimported-{}@example.com\n", unique()).into_bytes(),
        FileKind::Wxr => format!(
            "<?xml version=\"1.0\"?>\n<rss xmlns:wp=\"http://wordpress.org/export/1.2/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><wp:wxr_version>1.2</wp:wxr_version><wp:base_blog_url>http://old.example</wp:base_blog_url><item><title>Moved in {0}</title><wp:post_id>{0}</wp:post_id><wp:post_name>moved-in-{0}</wp:post_name><wp:status>draft</wp:status><wp:post_type>post</wp:post_type><content:encoded>Words.</content:encoded></item></channel></rss>\n",
            unique()
        )
        .into_bytes(),
    }
}

/// What `caller` got for `check`: the status, where it was sent, and the body.
async fn request(
    app: &TestApp,
    check: &Check,
    caller: &Caller,
    fixture: &Fixture,
) -> (u16, String, String) {
    let url = app.url(&fill(&check.target, fixture));
    let client = &caller.browser;
    let mut req = match check.surface {
        // API clients present their token and no cookies.
        Surface::Api => {
            let req = app.client.request(check.method.parse().unwrap(), url);
            match &caller.token {
                Some(token) => req.bearer_auth(token),
                None => req,
            }
        }
        _ => client.request(check.method.parse().unwrap(), url),
    };
    if check.surface == Surface::Page {
        req = req.header("accept", "text/html");
    }
    req = match &check.payload {
        Payload::None => req,
        Payload::Form(fields) => {
            let filled: Vec<(&str, String)> =
                fields.iter().map(|(k, v)| (*k, fill(v, fixture))).collect();
            req.form(&filled)
        }
        Payload::Json(body) => req.json(&fill_json(body, fixture)),
        Payload::File(field, name, mime, kind) => {
            let part = reqwest::multipart::Part::bytes(file_bytes(*kind))
                .file_name(*name)
                .mime_str(mime)
                .unwrap();
            req.multipart(reqwest::multipart::Form::new().part(*field, part))
        }
    };
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = res.text().await.unwrap_or_default();
    (status, location, body)
}

fn judge(status: u16, location: &str, body: &str, shows: Option<&str>) -> Outcome {
    if status == 401 || (300..400).contains(&status) && location.starts_with("/signin") {
        Outcome::SignIn
    } else if status == 403 || status == 404 {
        Outcome::Refused
    } else if (200..400).contains(&status) {
        match shows {
            Some(text) if !body.contains(text) => Outcome::ServedWithoutIt,
            _ => Outcome::Served,
        }
    } else {
        // Anything else (400, 409, 500) is a broken check or a broken server: never a match.
        Outcome::ServedWithoutIt
    }
}

/// Pages, server functions, API endpoints and plain routes the server has, by surface.
fn server_routes(app: &TestApp) -> BTreeSet<(Surface, String)> {
    let mut routes = BTreeSet::new();
    for listing in leptos_axum::generate_route_list(quire::app::App) {
        routes.insert((Surface::Page, listing.path().to_owned()));
    }
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        routes.insert((Surface::Function, path.to_owned()));
    }
    for endpoint in quire::api::spec::endpoints() {
        routes.insert((
            Surface::Api,
            format!("{} /api{}", endpoint.method.to_uppercase(), endpoint.path),
        ));
    }
    for (path, _) in quire::api::documents() {
        routes.insert((Surface::Api, format!("GET /api{path}")));
    }
    for (path, _) in quire::web::http::plain_routes() {
        routes.insert((Surface::Plain, path));
    }
    for (prefix, _) in quire::web::http::file_trees(&app.state) {
        routes.insert((Surface::Plain, prefix));
    }
    routes
}

fn covered(check: &Check) -> (Surface, String) {
    match check.surface {
        Surface::Api => (check.surface, format!("{} {}", check.method, check.route)),
        _ => (check.surface, check.route.clone()),
    }
}

async fn every_route_for_every_caller(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("QUIRE_API_RATE_LIMIT", "1000000"),
            ("QUIRE_AUTH_RATE_LIMIT", "1000000"),
            ("QUIRE_COMMENTS_PER_MINUTE", "1000"),
            // Comments wait for approval however many of them were approved before.
            ("QUIRE_TRUSTED_COMMENTER_APPROVALS", "1000000"),
        ],
    )
    .await;
    std::fs::write(
        app.media_dir.path().join("matrix.txt"),
        "media for everyone",
    )
    .unwrap();
    let checks = matrix();

    // The matrix and the server's route tables name the same routes.
    let in_matrix: BTreeSet<_> = checks.iter().map(covered).collect();
    let on_server = server_routes(&app);
    let missing: Vec<_> = on_server.difference(&in_matrix).collect();
    let stale: Vec<_> = in_matrix.difference(&on_server).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without an entry in the matrix: {missing:?}; entries for routes that do not exist: {stale:?}"
    );

    let mut shared = HashMap::new();
    for who in EVERYONE {
        shared.insert(format!("{who:?}"), caller(&app, who).await);
    }
    let bystander = caller(&app, Who::Other).await;
    let shared_fixture = fixture(&app, &shared["Owner"], &shared["Admin"], &bystander).await;

    let mut failures = Vec::new();
    let mut count = 0;
    for check in &checks {
        if check.route == "/pkg" && first_asset().is_none() {
            eprintln!("no site build in target/site/pkg: the asset check is left out");
            continue;
        }
        for who in EVERYONE {
            let fresh_callers;
            let (acting, owner) = if check.fresh == Fresh::Accounts {
                let acting = caller(&app, who).await;
                let owner = if who == Who::Owner {
                    None
                } else {
                    Some(caller(&app, Who::Owner).await)
                };
                fresh_callers = (acting, owner);
                let owner = fresh_callers.1.as_ref().unwrap_or(&fresh_callers.0);
                (&fresh_callers.0, owner)
            } else {
                (&shared[&format!("{who:?}")], &shared["Owner"])
            };
            let mut fixture = if check.fresh == Fresh::Nothing {
                shared_fixture.clone()
            } else {
                fixture(&app, owner, &shared["Admin"], &bystander).await
            };
            fixture.insert("me", acting.username.clone().unwrap_or_default());
            let (status, location, body) = request(&app, check, acting, &fixture).await;
            let shows = check.shows.map(|text| fill(text, &fixture));
            let outcome = judge(status, &location, &body, shows.as_deref());
            let expected = check.rule.expect(acting.who);
            let leaked = check
                .never_shows
                .map(|text| fill(text, &fixture))
                .filter(|text| body.contains(text.as_str()));
            count += 1;
            if outcome != expected || leaked.is_some() {
                let excerpt: String = body.chars().take(200).collect();
                failures.push(format!(
                    "{} {} as {who:?}: expected {expected:?}, got {outcome:?} ({status} {location}){}: {excerpt}",
                    check.method,
                    fill(&check.target, &fixture),
                    leaked.map(|t| format!(", leaking {t:?}")).unwrap_or_default(),
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "authorization matrix: {} entries, {count} checks passed",
        checks.len()
    );
}

on_both_backends!(every_route_for_every_caller);

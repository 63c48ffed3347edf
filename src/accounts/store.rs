//! Users in the database.

use chrono::{DateTime, Utc};

use super::{
    validation, AccountSettings, CurrentUser, Notifications, Profile, Role, SessionInfo, UserId,
};
use crate::error::{AppError, FieldError};
use crate::platform::db::{now, unique_violation, BeginWrite, Db};
use crate::platform::password::{self, Password, Verified};
use crate::with_db;

/// What it takes to make an account. The password is hashed here, never stored.
#[derive(Debug)]
pub struct NewUser {
    pub email: String,
    pub username: String,
    pub password: Password,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: Role,
}

/// Some of the most used passwords that are long enough to pass the length rule. Shorter
/// well-known ones already fail it.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789123",
    "123123123123",
    "111111111111",
    "000000000000",
    "121212121212",
    "987654321098",
    "098765432109",
    "123456123456",
    "112233445566",
    "qwertyuiopas",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwerty123456",
    "qwertyqwerty",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "q1w2e3r4t5y6",
    "qazwsxedcrfv",
    "zaq12wsxcde3",
    "asdfghjkl123",
    "asdfasdfasdf",
    "zxcvbnm12345",
    "1234qwerasdf",
    "qwer1234asdf",
    "abcdefghijkl",
    "abc123abc123",
    "a1b2c3d4e5f6",
    "passwordpassword",
    "password1234",
    "password12345",
    "password123456",
    "password!123",
    "password1234!",
    "passw0rd1234",
    "p@ssw0rd1234",
    "p@ssword1234",
    "mypassword123",
    "iloveyou1234",
    "iloveyouiloveyou",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "changeme1234",
    "changeme12345",
    "administrator",
    "administrator1",
    "trustno1trustno1",
    "baseball1234",
    "football1234",
    "superman1234",
    "starwars1234",
    "monkey123456",
    "dragon123456",
    "sunshine1234",
    "princess1234",
    "shadow123456",
    "master123456",
    "correcthorsebatterystaple",
    "aaaaaaaaaaaa",
    "thequickbrownfox",
    "letmeinletmein",
    "qwertyuiopasdfghjkl",
    "1234567890qwerty",
    "qwerty1234567890",
    "00000000000000",
];

/// Refuses well-known passwords and ones made of the account's own names (NIST SP 800-63B).
/// The words at the heart of the most-used passwords, which people pad with digits and
/// symbols to reach a length rule ("Password123!", "iloveyou2024").
const COMMON_WORDS: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssword",
    "p@ssw0rd",
    "qwerty",
    "qwertyuiop",
    "asdfgh",
    "asdfghjkl",
    "zxcvbnm",
    "iloveyou",
    "letmein",
    "welcome",
    "admin",
    "administrator",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "soccer",
    "hockey",
    "basketball",
    "sunshine",
    "princess",
    "shadow",
    "master",
    "superman",
    "batman",
    "starwars",
    "trustno1",
    "whatever",
    "freedom",
    "michael",
    "jennifer",
    "jordan",
    "hunter",
    "ranger",
    "harley",
    "charlie",
    "thomas",
    "robert",
    "daniel",
    "matthew",
    "andrew",
    "jessica",
    "ashley",
    "nicole",
    "computer",
    "internet",
    "secret",
    "changeme",
    "default",
    "login",
    "access",
    "mustang",
    "killer",
    "pepper",
    "cheese",
    "summer",
    "winter",
    "spring",
    "autumn",
    "flower",
    "hello",
    "helloworld",
    "lovely",
    "abc",
    "abcdef",
    "qazwsx",
    "1qaz2wsx",
    "zaq12wsx",
    "q1w2e3r4",
    "q1w2e3r4t5y6",
    "a1b2c3",
    "test",
    "guest",
    "blog",
    "quire",
    "user",
    "root",
    "pokemon",
    "minecraft",
    "naruto",
    "liverpool",
    "chelsea",
    "arsenal",
    "samsung",
    "google",
    "facebook",
    "linkedin",
    "twitter",
    "iphone",
    "apple",
];

/// True for runs like "123456789012", "987654321", "abcdefghijkl".
fn is_sequence(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() >= 4
        && (bytes.windows(2).all(|w| w[1] == w[0].wrapping_add(1))
            || bytes.windows(2).all(|w| w[1].wrapping_add(1) == w[0]))
}

/// True when the whole password repeats a short piece ("abcabcabcabc", "121212121212").
fn is_repetition(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    (1..=chars.len() / 2).any(|unit| {
        chars.len().is_multiple_of(unit) && chars.chunks(unit).all(|chunk| chunk == &chars[..unit])
    })
}

/// Refuses well-known passwords, padded versions of them, trivial patterns and ones made of
/// the account's own names (NIST SP 800-63B's blocklist advice; no composition rules).
pub fn check_password_not_common(
    password: &str,
    username: &str,
    email: &str,
) -> Result<(), FieldError> {
    let lowered = password.to_lowercase();
    let refused = || {
        FieldError::new(
            "password",
            "This password is too common or too easy to guess; choose another",
        )
    };
    // What is left once the padding people add around a word is taken off.
    let core = lowered.trim_matches(|c: char| {
        c.is_ascii_digit() || c.is_ascii_punctuation() || c.is_whitespace()
    });
    let compact: String = lowered.chars().filter(|c| !c.is_whitespace()).collect();
    let local = email.split('@').next().unwrap_or_default();
    let personal = [
        username.to_lowercase(),
        local.to_lowercase(),
        email.to_lowercase(),
    ];
    let weak = COMMON_PASSWORDS.contains(&lowered.as_str())
        || COMMON_PASSWORDS.contains(&compact.as_str())
        || COMMON_WORDS.contains(&core)
        || core.is_empty()
        || is_repetition(&compact)
        || is_repetition(core)
        || is_sequence(&compact)
        || is_sequence(core)
        || personal
            .iter()
            .any(|word| word.len() >= 3 && (core == word || compact == *word));
    if weak {
        return Err(refused());
    }
    Ok(())
}

/// Validates and creates an account; returns its id.
pub async fn create_user(
    db: &Db,
    new: NewUser,
    min_password_len: usize,
) -> Result<UserId, AppError> {
    create_user_keyed(db, new, min_password_len, None).await
}

/// [`create_user`] for an API request with an `Idempotency-Key`, recorded with the account.
pub async fn create_user_keyed(
    db: &Db,
    new: NewUser,
    min_password_len: usize,
    claim: Option<&crate::idempotency::Claim>,
) -> Result<UserId, AppError> {
    insert_user(db, new, min_password_len, claim, Ticket::None).await
}

/// [`create_user`] for somebody who signed up on their own: their address is not confirmed
/// until they open the link mailed to it (`addresses::request_confirmation`).
pub(super) async fn create_signed_up_user(
    db: &Db,
    new: NewUser,
    min_password_len: usize,
) -> Result<UserId, AppError> {
    insert_user(db, new, min_password_len, None, Ticket::SignUp).await
}

/// [`create_user`] that also uses up the invitation whose token hashes to `token_hash`, in
/// the same transaction: two people cannot both take one invitation. The address counts as
/// confirmed when the invitation named it (`addressed`).
pub(super) async fn create_invited_user(
    db: &Db,
    new: NewUser,
    min_password_len: usize,
    token_hash: &str,
    addressed: bool,
) -> Result<UserId, AppError> {
    let ticket = Ticket::Invitation {
        token_hash,
        addressed,
    };
    insert_user(db, new, min_password_len, None, ticket).await
}

/// [`create_user`] for the blog's first admin at `/setup`: the account and the blog's claim
/// (its name, the setup tokens gone) in one transaction, so two people racing with the
/// printed token cannot both become its owner.
pub(super) async fn create_owner(
    db: &Db,
    mut new: NewUser,
    min_password_len: usize,
    token_hash: &str,
    title: &str,
    title_errors: Vec<FieldError>,
) -> Result<UserId, AppError> {
    new.role = Role::Admin;
    let claim = crate::site::store::Claim::Setup { token_hash, title };
    let ticket = Ticket::Setup(claim, title_errors);
    insert_user(db, new, min_password_len, None, ticket).await
}

/// What an account is made with, besides its fields: checked and used up in the
/// transaction that makes it.
enum Ticket<'a> {
    /// An admin's doing (the command line, the API): they vouch for the address.
    None,
    /// Somebody signing up on their own.
    SignUp,
    /// The hash of an invitation's token, and whether the invitation named the address.
    Invitation {
        token_hash: &'a str,
        addressed: bool,
    },
    /// With what is wrong with the blog's name, said together with the account's fields.
    Setup(crate::site::store::Claim<'a>, Vec<FieldError>),
}

async fn insert_user(
    db: &Db,
    new: NewUser,
    min_password_len: usize,
    claim: Option<&crate::idempotency::Claim>,
    ticket: Ticket<'_>,
) -> Result<UserId, AppError> {
    let mut errors = match &ticket {
        Ticket::Setup(_, early) => early.clone(),
        _ => Vec::new(),
    };
    let email = validation::email(&new.email)
        .map_err(|e| errors.push(e))
        .ok();
    let username = validation::username(&new.username)
        .map_err(|e| errors.push(e))
        .ok();
    let first_name = validation::display_name("firstName", new.first_name.as_deref())
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let last_name = validation::display_name("lastName", new.last_name.as_deref())
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    match validation::password(new.password.expose(), min_password_len) {
        Err(e) => errors.push(e),
        Ok(()) => {
            if let Err(e) = check_password_not_common(
                new.password.expose(),
                username.as_deref().unwrap_or(&new.username),
                email.as_deref().unwrap_or(&new.email),
            ) {
                errors.push(e);
            }
        }
    }
    // Name every taken value at once; the unique indexes stay the final word under races.
    let (email_taken, username_taken): (bool, bool) = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM users WHERE email = $1),
                    EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($2))",
        )
        .bind(email.as_deref().unwrap_or_default())
        .bind(username.as_deref().unwrap_or_default())
        .fetch_one(pool)
        .await
    })?;
    if email_taken {
        errors.push(FieldError::taken(
            "email",
            "An account with this email already exists",
        ));
    }
    if username_taken {
        errors.push(FieldError::taken("username", "This username is taken"));
    }
    let (Some(email), Some(username), true) = (email, username, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };

    let password_hash = password::hash(new.password).await?;
    let now = now();
    let confirmed = match ticket {
        Ticket::SignUp
        | Ticket::Invitation {
            addressed: false, ..
        } => None,
        _ => Some(now),
    };
    // In a transaction of its own: on SQLite, sqlx hands back a RETURNING row before the
    // statement's implicit commit and drops that commit's error (a full disk), so the id of
    // a user never written would be returned (launchbadge/sqlx#3430).
    let inserted: Result<Result<UserId, AppError>, sqlx::Error> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id: UserId = sqlx::query_scalar(
                "INSERT INTO users (email, username, password_hash, first_name, last_name, role, is_active,
                                    created_at, updated_at, email_confirmed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $7, $8)
                 RETURNING id",
            )
            .bind(&email)
            .bind(&username)
            .bind(&password_hash)
            .bind(&first_name)
            .bind(&last_name)
            .bind(new.role.as_str())
            .bind(now)
            .bind(confirmed)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(claim) = claim {
                crate::idempotency::record(&mut tx, claim, id.0).await?;
            }
            if let Ticket::Invitation { token_hash, .. } = &ticket {
                let taken = sqlx::query(
                    "UPDATE invitations SET used_at = $1, used_by = $2
                     WHERE token_hash = $3 AND used_at IS NULL AND expires_at > $1",
                )
                .bind(now)
                .bind(id)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if taken == 0 {
                    // Used (or expired) since it was checked: the account is not made.
                    return Ok(Err(AppError::taken(
                        "invitation",
                        "This invitation has been used already",
                    )));
                }
            }
            let claim = match &ticket {
                Ticket::Setup(claim, _) => Some(*claim),
                _ if new.role == Role::Admin => Some(crate::site::store::Claim::Admin),
                _ => None,
            };
            if let Some(claim) = claim {
                if !crate::site::store::claim_in(&mut tx, claim).await? {
                    return Ok(Err(AppError::Denied(
                        "This blog has been set up already".to_owned(),
                    )));
                }
            }
            tx.commit().await?;
            Ok(Ok(id))
        }
        .await
    });
    let inserted = inserted.map_err(|err| match unique_violation(&err).as_deref() {
        Some("users_email_key") => {
            AppError::taken("email", "An account with this email already exists")
        }
        Some("users_username_key") => AppError::taken("username", "This username is taken"),
        _ => err.into(),
    })?;
    inserted
}

/// A user as the rest of the server sees it; never carries the password hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub avatar_url: Option<String>,
    pub bio: String,
    pub role: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

/// The user lists' filter (the admin page's and the API's): `$1` a [`search_pattern`], `$2` a role or '', `$3` 1, 0 or -1
/// for active, inactive or both. Email addresses are private: only [`user_filter`]`(true)`,
/// for admins, matches them.
const USER_FILTER: &str = "(lower(username) LIKE $1 ESCAPE '\\' OR email LIKE $1 ESCAPE '\\'
        OR lower(COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')) LIKE $1 ESCAPE '\\')
    AND ($2 = '' OR role = $2)
    AND ($3 = -1 OR is_active = ($3 = 1))";
const USER_FILTER_WITHOUT_EMAIL: &str = "(lower(username) LIKE $1 ESCAPE '\\'
        OR lower(COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')) LIKE $1 ESCAPE '\\')
    AND ($2 = '' OR role = $2)
    AND ($3 = -1 OR is_active = ($3 = 1))";

/// The user lists' filter, matching email addresses only when `by_email` (admins).
fn user_filter(by_email: bool) -> &'static str {
    if by_email {
        USER_FILTER
    } else {
        USER_FILTER_WITHOUT_EMAIL
    }
}

/// A LIKE pattern that finds `search` anywhere, its own `%`, `_` and `\` taken literally.
fn search_pattern(search: &str) -> String {
    let escaped = search
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// What a user list is sorted by (ties by id, in the same direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserOrder {
    CreatedAt,
    Username,
    /// Only for admins: anyone else could find a hidden address by where it sorts.
    Email,
}

/// Which users a list shows (the admin page's and the API's), and which page of them.
#[derive(Debug, Clone)]
pub struct UserQuery<'a> {
    /// Part of a username or name, or for `by_email` of an email address.
    pub search: &'a str,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Email addresses are private: only admins' searches match them.
    pub by_email: bool,
    pub order: UserOrder,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

impl UserQuery<'_> {
    fn role_text(&self) -> &'static str {
        self.role.map(Role::as_str).unwrap_or("")
    }

    fn active_flag(&self) -> i64 {
        self.active.map(i64::from).unwrap_or(-1)
    }
}

/// A user in a list, with what they have written.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedUser {
    #[sqlx(flatten)]
    pub user: UserRow,
    /// Published posts (scheduled ones too, as the API has always counted them).
    pub post_count: i64,
    /// Approved comments that are not deleted.
    pub comment_count: i64,
}

/// One page of the users `query` finds.
pub async fn list_users(db: &Db, query: &UserQuery<'_>) -> Result<Vec<ListedUser>, AppError> {
    let sort = match query.order {
        UserOrder::CreatedAt => "created_at",
        UserOrder::Username => "lower(username)",
        UserOrder::Email => "email",
    };
    let order = if query.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT id, email, username, first_name, last_name, avatar_url, bio, role, is_active, created_at,
                (SELECT COUNT(*) FROM posts p WHERE p.author_id = users.id AND {published}) AS post_count,
                (SELECT COUNT(*) FROM comments c WHERE c.author_id = users.id AND c.is_approved AND NOT c.is_deleted) AS comment_count
         FROM users WHERE {}
         ORDER BY {sort} {order}, id {order}
         LIMIT $4 OFFSET $5",
        user_filter(query.by_email),
        // Scheduled posts count too: the list is for admins.
        published = concat!(crate::published!(p), " AND p.kind = 'post'")
    );
    let pattern = search_pattern(query.search);
    let rows = with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(&pattern)
            .bind(query.role_text())
            .bind(query.active_flag())
            .bind(query.limit)
            .bind(query.offset)
            .fetch_all(pool)
            .await
    })?;
    Ok(rows)
}

/// How many users `query` finds on all its pages together.
pub async fn count_users(db: &Db, query: &UserQuery<'_>) -> Result<i64, AppError> {
    let sql = format!(
        "SELECT COUNT(*) FROM users WHERE {}",
        user_filter(query.by_email)
    );
    let pattern = search_pattern(query.search);
    let total = with_db!(db, |pool| {
        sqlx::query_scalar(&sql)
            .bind(&pattern)
            .bind(query.role_text())
            .bind(query.active_flag())
            .fetch_one(pool)
            .await
    })?;
    Ok(total)
}

pub async fn find_by_id(db: &Db, id: UserId) -> Result<Option<UserRow>, AppError> {
    let row = with_db!(db, |pool| {
        sqlx::query_as::<_, UserRow>(
            "SELECT id, email, username, first_name, last_name, avatar_url, bio, role, is_active, created_at
             FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await
    })?;
    Ok(row)
}

pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<UserRow>, AppError> {
    let row = with_db!(db, |pool| {
        sqlx::query_as::<_, UserRow>(
            "SELECT id, email, username, first_name, last_name, avatar_url, bio, role, is_active, created_at
             FROM users WHERE lower(username) = lower($1)",
        )
        .bind(username)
        .fetch_optional(pool)
        .await
    })?;
    Ok(row)
}

/// What a sign-in attempt found.
#[derive(Debug, PartialEq, Eq)]
pub enum Credentials {
    Valid(UserId),
    /// The password was right, but the account is deactivated.
    Deactivated,
    Invalid,
}

/// A hash of a password nobody has: checked against when the account does not exist, so that
/// an unknown login takes as long as a wrong password.
static DUMMY_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn dummy_hash() -> Result<String, AppError> {
    DUMMY_HASH
        .get_or_try_init(|| {
            password::hash(Password::new("quire dummy password for timing".to_owned()))
        })
        .await
        .cloned()
}

/// Checks a login (email or username) and password. Old-parameter hashes are upgraded.
pub async fn check_credentials(
    db: &Db,
    login: &str,
    given: Password,
) -> Result<Credentials, AppError> {
    let login = login.trim();
    let row: Option<(UserId, String, bool)> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, password_hash, is_active FROM users
             WHERE email = lower($1) OR lower(username) = lower($1)",
        )
        .bind(login)
        .fetch_optional(pool)
        .await
    })?;
    let Some((id, hash, is_active)) = row else {
        let _ = password::verify(given, dummy_hash().await?).await?;
        return Ok(Credentials::Invalid);
    };
    let raw = given.expose().to_owned();
    match password::verify(given, hash).await? {
        Verified::No => Ok(Credentials::Invalid),
        _ if !is_active => Ok(Credentials::Deactivated),
        Verified::Yes => Ok(Credentials::Valid(id)),
        Verified::YesButRehash => {
            set_password_hash(db, id, &password::hash(Password::new(raw)).await?).await?;
            Ok(Credentials::Valid(id))
        }
    }
}

/// Checks a sign-in, slowed down per account and per client address after repeated
/// failures; the same for the pages and the API. Returns the user's id.
pub async fn authenticate(
    db: &Db,
    login: &str,
    password: Password,
    client_ip: Option<String>,
) -> Result<UserId, AppError> {
    use super::throttle;
    let account_key = throttle::account_key(login);
    let address_key = client_ip.map(|ip| throttle::address_key(&ip));
    for key in std::iter::once(&account_key).chain(address_key.as_ref()) {
        if let Some(wait) = throttle::blocked_for(db, key).await? {
            return Err(AppError::RateLimited(throttle::wait_message(wait)));
        }
    }
    match check_credentials(db, login, password).await? {
        Credentials::Valid(user_id) => {
            throttle::clear(db, &account_key).await?;
            Ok(user_id)
        }
        Credentials::Deactivated => Err(AppError::field(
            "login",
            "This account has been deactivated. Contact the site's administrators.",
        )),
        Credentials::Invalid => {
            metrics::counter!("quire_sign_in_failures_total").increment(1);
            throttle::record_failure(db, &account_key, &throttle::PER_ACCOUNT).await?;
            if let Some(key) = &address_key {
                throttle::record_failure(db, key, &throttle::PER_ADDRESS).await?;
            }
            // The same words whether or not the account exists.
            Err(AppError::field(
                "password",
                "Wrong email, username or password",
            ))
        }
    }
}

/// Sensitive changes ask for the current password again; a wrong one is an error on `field`.
pub async fn confirm_password(
    db: &Db,
    user_id: UserId,
    given: String,
    field: &str,
) -> Result<(), AppError> {
    let hash = password_hash(db, user_id).await?;
    match password::verify(Password::new(given), hash).await? {
        Verified::No => Err(AppError::field(field, "Your current password is not right")),
        Verified::Yes | Verified::YesButRehash => Ok(()),
    }
}

/// The signed-in user behind a session or an access token, if the account is still there
/// and active.
pub async fn active_user(db: &Db, user_id: UserId) -> Result<Option<CurrentUser>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: UserId,
        username: String,
        first_name: Option<String>,
        last_name: Option<String>,
        avatar_url: Option<String>,
        role: String,
    }
    let row: Option<Row> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, username, first_name, last_name, avatar_url, role
             FROM users WHERE id = $1 AND is_active",
        )
        .bind(user_id)
        .fetch_optional(pool)
        .await
    })?;
    Ok(row.map(|row| CurrentUser {
        id: row.id,
        display_name: super::display_name(
            &row.username,
            row.first_name.as_deref(),
            row.last_name.as_deref(),
        ),
        username: row.username,
        avatar_url: row.avatar_url,
        role: Role::parse(&row.role).unwrap_or(Role::User),
    }))
}

pub async fn password_hash(db: &Db, user_id: UserId) -> Result<String, AppError> {
    let hash = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(pool)
            .await
    })?;
    Ok(hash)
}

async fn set_password_hash(db: &Db, user_id: UserId, hash: &str) -> Result<(), AppError> {
    let now = now();
    with_db!(db, |pool| {
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

pub async fn set_password(db: &Db, user_id: UserId, new: Password) -> Result<(), AppError> {
    set_password_hash(db, user_id, &password::hash(new).await?).await
}

/// A user's new password, checked as every new password is: its length, then neither a
/// well-known one nor one made of the account's own names. A problem is named on `field`.
pub async fn check_new_password(
    db: &Db,
    user_id: UserId,
    new: &str,
    min_len: usize,
    field: &str,
) -> Result<(), AppError> {
    let on_field = |e: FieldError| AppError::field(field, e.message);
    validation::password(new, min_len).map_err(on_field)?;
    let settings = settings(db, user_id).await?;
    check_password_not_common(new, &settings.username, &settings.email).map_err(on_field)
}

/// An operator's reset of a forgotten (or leaked) password: checked as a user's own new
/// password is; then, in one transaction, the new hash and every way in ended
/// ([`replace_password_in`]).
pub async fn reset_password(
    db: &Db,
    user_id: UserId,
    new: Password,
    min_len: usize,
) -> Result<(), AppError> {
    check_new_password(db, user_id, new.expose(), min_len, "password").await?;
    let hash = password::hash(new).await?;
    let now = now();
    with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            replace_password_in(&mut tx, user_id.0, &hash, now).await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// The new password hash, every session ended and every API refresh token revoked (the
/// access tokens out now expire within their short life), inside the caller's transaction.
pub async fn replace_password_in<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    user_id: i64,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn public_profile(db: &Db, username: &str) -> Result<Option<Profile>, AppError> {
    let Some(user) = find_by_username(db, username).await? else {
        return Ok(None);
    };
    if !user.is_active {
        return Ok(None);
    }
    let (post_count, comment_count, website): (i64, i64, String) = with_db!(db, |pool| {
        sqlx::query_as(concat!(
            "SELECT
                (SELECT COUNT(*) FROM posts WHERE author_id = $1 AND ",
            crate::listed_post!("$2"),
            "),
                (SELECT COUNT(*) FROM comments WHERE author_id = $1 AND is_approved AND NOT is_deleted),
                (SELECT website FROM users WHERE id = $1)"
        ))
        .bind(user.id)
        .bind(now())
        .fetch_one(pool)
        .await
    })?;
    Ok(Some(Profile {
        id: user.id,
        display_name: super::display_name(
            &user.username,
            user.first_name.as_deref(),
            user.last_name.as_deref(),
        ),
        username: user.username,
        avatar_url: user.avatar_url,
        bio: user.bio,
        website,
        joined_at: user.created_at,
        post_count,
        comment_count,
    }))
}

pub async fn settings(db: &Db, user_id: UserId) -> Result<AccountSettings, AppError> {
    let user: UserRow = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, email, username, first_name, last_name, avatar_url, bio, role, is_active, created_at
             FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_one(pool)
        .await
    })?;
    #[derive(sqlx::FromRow)]
    struct Mail {
        #[sqlx(flatten)]
        notifications: Notifications,
        email_confirmed: bool,
    }
    let mail: Mail = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT notify_approved, notify_replies, notify_comments, notify_moderation,
                    email_confirmed_at IS NOT NULL AS email_confirmed
             FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_one(pool)
        .await
    })?;
    Ok(AccountSettings {
        username: user.username,
        email: user.email,
        first_name: user.first_name.unwrap_or_default(),
        last_name: user.last_name.unwrap_or_default(),
        bio: user.bio,
        avatar_url: user.avatar_url,
        notifications: mail.notifications,
        email_confirmed: mail.email_confirmed,
    })
}

/// Which mail about comments the account wants.
pub async fn set_notifications(
    db: &Db,
    user_id: UserId,
    wanted: Notifications,
) -> Result<(), AppError> {
    with_db!(db, |pool| {
        sqlx::query(
            "UPDATE users SET notify_approved = $1, notify_replies = $2, notify_comments = $3,
                              notify_moderation = $4
             WHERE id = $5",
        )
        .bind(wanted.approved)
        .bind(wanted.replies)
        .bind(wanted.comments)
        .bind(wanted.moderation)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// One kind of mail off, from a one-click unsubscribe link. False when no such account is left.
pub async fn unsubscribe(
    db: &Db,
    user_id: UserId,
    topic: crate::mail::unsubscribe::Topic,
) -> Result<bool, AppError> {
    use crate::mail::unsubscribe::Topic;
    // The column comes from this fixed list, never from the request.
    let column = match topic {
        Topic::Approved => "notify_approved",
        Topic::Replies => "notify_replies",
        Topic::Comments => "notify_comments",
        Topic::Moderation => "notify_moderation",
    };
    let sql = format!("UPDATE users SET {column} = FALSE WHERE id = $1");
    let changed = with_db!(db, |pool| sqlx::query(&sql)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(changed == 1)
}

pub async fn update_profile(
    db: &Db,
    user_id: UserId,
    first_name: Option<String>,
    last_name: Option<String>,
    bio: &str,
) -> Result<(), AppError> {
    let now = now();
    with_db!(db, |pool| {
        sqlx::query("UPDATE users SET first_name = $1, last_name = $2, bio = $3, updated_at = $4 WHERE id = $5")
            .bind(&first_name)
            .bind(&last_name)
            .bind(bio)
            .bind(now)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

pub async fn set_avatar(db: &Db, user_id: UserId, url: &str) -> Result<Option<String>, AppError> {
    let now = now();
    let old: Option<String> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT avatar_url FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(pool)
            .await
    })?;
    with_db!(db, |pool| {
        sqlx::query("UPDATE users SET avatar_url = $1, updated_at = $2 WHERE id = $3")
            .bind(url)
            .bind(now)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    Ok(old)
}

pub async fn change_email(db: &Db, user_id: UserId, email: &str) -> Result<(), AppError> {
    let now = now();
    let result = with_db!(db, |pool| {
        sqlx::query("UPDATE users SET email = $1, updated_at = $2 WHERE id = $3")
            .bind(email)
            .bind(now)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|_| ())
    });
    result.map_err(|err| match unique_violation(&err).as_deref() {
        Some("users_email_key") => {
            AppError::taken("email", "An account with this email already exists")
        }
        _ => err.into(),
    })
}

/// Deletes an account (their posts and comments go with it); never the last active admin.
pub async fn delete_user(db: &Db, user_id: UserId) -> Result<(), AppError> {
    change_standing(db, user_id, &[Standing::Deleted]).await
}

/// Ends every session of the user, but `keep` if given.
pub async fn end_sessions(db: &Db, user_id: UserId, keep: Option<&str>) -> Result<(), AppError> {
    with_db!(db, |pool| {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// A name for a session that does not give away its id (which is the cookie's secret).
fn session_handle(id: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(id.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

pub async fn sessions_of(
    db: &Db,
    user_id: UserId,
    current: Option<&str>,
) -> Result<Vec<SessionInfo>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: String,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
        user_agent: Option<String>,
        ip_address: Option<String>,
    }
    let rows: Vec<Row> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT id, created_at, updated_at, user_agent, ip_address FROM sessions
             WHERE user_id = $1 AND expiry_date > $2 ORDER BY updated_at DESC",
        )
        .bind(user_id)
        .bind(now())
        .fetch_all(pool)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|row| SessionInfo {
            handle: session_handle(&row.id),
            is_current: current == Some(row.id.as_str()),
            created_at: row.created_at,
            last_seen_at: row.updated_at,
            user_agent: row.user_agent,
            ip_address: row.ip_address,
        })
        .collect())
}

/// Ends the session named by `handle`, or with none all but `current`.
pub async fn end_sessions_except(
    db: &Db,
    user_id: UserId,
    current: Option<&str>,
    handle: Option<&str>,
) -> Result<(), AppError> {
    let Some(handle) = handle else {
        return end_sessions(db, user_id, current).await;
    };
    let ids: Vec<String> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT id FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(pool)
            .await
    })?;
    let Some(id) = ids.into_iter().find(|id| session_handle(id) == handle) else {
        return Err(AppError::NotFound);
    };
    with_db!(db, |pool| {
        sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(&id)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// Changes a role, refusing to demote the last active admin.
pub async fn set_role(db: &Db, user_id: UserId, role: Role) -> Result<(), AppError> {
    change_standing(db, user_id, &[Standing::Role(role)]).await
}

/// Deactivates (ending every session at once) or reactivates a user; never the last admin.
pub async fn set_active(db: &Db, user_id: UserId, active: bool) -> Result<(), AppError> {
    change_standing(db, user_id, &[Standing::Active(active)]).await
}

/// A profile as it is to be after an edit: every field, changed or not.
#[derive(Debug, Clone)]
pub struct ProfileEdit {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub bio: String,
}

/// An admin's or the user's own edit of an account (the API's `PATCH /api/users/{id}`): the
/// profile, and when given the role and whether it is active, all in one transaction, so the
/// account never shows half of the edit. Never takes away the last active admin.
pub async fn edit_user(
    db: &Db,
    user_id: UserId,
    profile: ProfileEdit,
    role: Option<Role>,
    active: Option<bool>,
) -> Result<(), AppError> {
    let mut changes = vec![Standing::Profile(profile)];
    changes.extend(role.map(Standing::Role));
    changes.extend(active.map(Standing::Active));
    change_standing(db, user_id, &changes).await
}

/// A change to an account; all but a profile edit may take it out of the active admins.
#[derive(Debug, Clone)]
enum Standing {
    Profile(ProfileEdit),
    Role(Role),
    Active(bool),
    Deleted,
}

impl Standing {
    /// Whether an active admin stays one after this change.
    fn keeps_admin(&self) -> bool {
        match self {
            Self::Profile(_) => true,
            Self::Role(role) => *role == Role::Admin,
            Self::Active(active) => *active,
            Self::Deleted => false,
        }
    }

    fn refusal(&self) -> AppError {
        AppError::Conflict(match self {
            Self::Deleted => "The last admin cannot be deleted".to_owned(),
            _ => "The last active admin must stay an active admin".to_owned(),
        })
    }
}

/// The one guard of "the blog always has an active admin", for every path that changes a
/// role, deactivates or deletes (settings, admin pages, API, command line): the check and the
/// changes are one transaction, and on PostgreSQL the active admins' rows are locked first,
/// so two admins demoting each other at the same moment cannot both succeed (each would
/// count two admins under READ COMMITTED). SQLite's write lock already serializes writers.
/// The changes are made in the order given.
async fn change_standing(db: &Db, user_id: UserId, changes: &[Standing]) -> Result<(), AppError> {
    let admins_sql = match db {
        Db::Postgres(_) => {
            "SELECT id FROM users WHERE role = 'ADMIN' AND is_active ORDER BY id FOR UPDATE"
        }
        Db::Sqlite(_) => "SELECT id FROM users WHERE role = 'ADMIN' AND is_active ORDER BY id",
    };
    // A profile edit alone cannot take an admin away: it need not wait for the admins' lock.
    let may_demote = changes
        .iter()
        .any(|change| !matches!(change, Standing::Profile(_)));
    let now = now();
    let outcome: Result<Result<(), AppError>, sqlx::Error> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let admins: Vec<UserId> = if may_demote {
                sqlx::query_scalar(admins_sql).fetch_all(&mut *tx).await?
            } else {
                Vec::new()
            };
            let exists: Option<UserId> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Ok(Err(AppError::NotFound));
            }
            if admins == [user_id] {
                if let Some(change) = changes.iter().find(|change| !change.keeps_admin()) {
                    return Ok(Err(change.refusal()));
                }
            }
            for change in changes {
                match change {
                    Standing::Profile(profile) => {
                        sqlx::query(
                            "UPDATE users SET first_name = $1, last_name = $2, bio = $3, updated_at = $4 WHERE id = $5",
                        )
                        .bind(&profile.first_name)
                        .bind(&profile.last_name)
                        .bind(&profile.bio)
                        .bind(now)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Standing::Role(role) => {
                        sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
                            .bind(role.as_str())
                            .bind(now)
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await?;
                        // An admin made on the command line claims an unclaimed blog.
                        if *role == Role::Admin {
                            crate::site::store::claim_in(&mut tx, crate::site::store::Claim::Admin)
                                .await?;
                        }
                    }
                    Standing::Active(active) => {
                        sqlx::query(
                            "UPDATE users SET is_active = $1, updated_at = $2 WHERE id = $3",
                        )
                        .bind(active)
                        .bind(now)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                        if !active {
                            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                                .bind(user_id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    Standing::Deleted => {
                        sqlx::query("DELETE FROM users WHERE id = $1")
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            tx.commit().await?;
            Ok(Ok(()))
        }
        .await
    });
    outcome?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_personal_passwords_are_refused() {
        for weak in [
            "iloveyou12345",
            "Password!!2024",
            "2024qwerty2024",
            "abcabcabcabc",
            "121212121212",
            "123456789012",
            "zyxwvutsrqpo",
            "ada@example.com",
            "quire1234567",
        ] {
            assert!(
                check_password_not_common(weak, "ada", "ada@example.com").is_err(),
                "{weak}"
            );
        }
        for fine in [
            "river otter tuesday",
            "my cat likes jazz",
            "Tr0ub4dor&3-horse",
        ] {
            assert!(
                check_password_not_common(fine, "ada", "ada@example.com").is_ok(),
                "{fine}"
            );
        }
        assert!(check_password_not_common("Password1234", "ada", "ada@example.com").is_err());
        assert!(check_password_not_common("zzzzzzzzzzzzzz", "ada", "ada@example.com").is_err());
        assert!(check_password_not_common("lovelace1234", "lovelace", "ada@example.com").is_err());
        assert!(
            check_password_not_common("analytical engine notes", "ada", "ada@example.com").is_ok()
        );
    }
}

//! Every setting, read once at start-up from the environment (and an optional `.env`).
//!
//! A bad value is reported as one line naming the setting; the command line turns it into
//! exit code 2.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum DatabaseConfig {
    Sqlite(SqliteConnectOptions),
    Postgres(PgConnectOptions),
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://path` or `postgres://…`; SQLite at `data/quire.db` when unset.
    pub database: DatabaseConfig,
    /// The URL as given, with any password replaced, for messages.
    pub database_display: String,
    /// `QUIRE_DB_MAX_CONNECTIONS`: pool size (default 10 on PostgreSQL, 8 on SQLite).
    pub db_max_connections: u32,
    /// `QUIRE_ADDR`: where the web server listens (default 127.0.0.1:3000).
    pub addr: SocketAddr,
    /// `QUIRE_METRICS_ADDR`: where `/metrics` is served (off when unset); never `addr`.
    pub metrics_addr: Option<SocketAddr>,
    /// `QUIRE_BASE_URL`: the public URL of the site (default http://{QUIRE_ADDR}).
    pub base_url: url::Url,
    /// `QUIRE_MEDIA_DIR`: uploaded images (default data/media).
    pub media_dir: PathBuf,
    /// `QUIRE_PASSWORD_MIN_LENGTH`: shortest password accepted (default 12, at least 8).
    pub password_min_length: usize,
    /// `QUIRE_REQUEST_TIMEOUT_SECS`: longest a request may take (default 30).
    pub request_timeout: Duration,
    /// `QUIRE_HEADER_TIMEOUT_SECS`: longest a client may take to send a request's headers
    /// (default 10), so slow clients cannot hold connections open.
    pub header_timeout: Duration,
    /// `QUIRE_SESSION_IDLE_DAYS`: a session ends after this many days unused (default 14).
    pub session_idle: chrono::Duration,
    /// `QUIRE_SESSION_MAX_DAYS`: and this many days after sign-in, however used (default 90).
    pub session_max_age: chrono::Duration,
    /// How often counted views are written to the database.
    pub view_flush_interval: Duration,
    /// Comments one user may post per minute.
    pub comments_per_minute: i64,
    /// Approved comments after which a user's comments skip the queue.
    pub trusted_commenter_approvals: i64,
    /// Signs API access tokens; when unset, one is generated and kept in the database.
    pub jwt_secret: Option<String>,
    /// API requests per client address per window, and the stricter limit for sign-in calls.
    pub api_rate_limit: u32,
    pub auth_rate_limit: u32,
    /// Looks at posts counted per client address per window: a script that drops or invents
    /// viewer cookies would otherwise add a stored view with every request.
    pub views_rate_limit: u32,
    pub rate_limit_window: Duration,
    /// Peers whose `X-Forwarded-For` is believed: addresses (as /32 or /128) and ranges.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Origins allowed to call the API from a browser, with credentials.
    pub allowed_origins: Vec<String>,
    /// `QUIRE_PAGE_CACHE_MB`: memory for rendered pages kept for visitors (default 32; 0
    /// renders every page).
    pub page_cache_bytes: usize,
    /// How mail leaves (SMTP or files), from whom, and how fast.
    pub mail: MailConfig,
}

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum MailTransport {
    /// `QUIRE_SMTP_URL`.
    Smtp(SmtpSettings),
    /// No SMTP: each message is written as an `.eml` file in `QUIRE_MAIL_DIR`.
    Files(PathBuf),
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// `smtps://`: TLS from the first byte (port 465).
    Implicit,
    /// `smtp://`: STARTTLS, required (port 587).
    StartTls,
    /// `smtp://` to this machine (a local MTA), or `?tls=opportunistic`: STARTTLS when offered.
    Opportunistic,
    /// `?tls=none`: plain text, for a relay on a private network that offers no TLS.
    None,
}

#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The URL without its password, for messages.
    pub display: String,
}

/// Never prints the password.
impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display)
    }
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// `QUIRE_MAIL_FROM`: the sender's address; the blog's name is its display name unless
    /// the setting gives one (default `noreply@` the base URL's host).
    pub from: lettre::message::Mailbox,
    /// `QUIRE_MAIL_PER_MINUTE`: the most messages sent a minute (default 600).
    pub per_minute: u32,
    /// `QUIRE_MODERATION_DIGEST_MINUTES`: the shortest time between two digests of waiting
    /// comments to a moderator (default 30).
    pub digest_every: chrono::TimeDelta,
}

#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub message: String,
}

impl ConfigError {
    pub fn new(setting: &'static str, message: impl Into<String>) -> Self {
        Self {
            setting,
            message: message.into(),
        }
    }
}

pub const DEFAULT_SQLITE_PATH: &str = "data/quire.db";

/// The longest rate limit window: a week.
const MAX_RATE_LIMIT_WINDOW_MINUTES: u64 = 7 * 24 * 60;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads settings through `get`, so tests can pass their own.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let (database, database_display) = parse_database_url(get("DATABASE_URL"))?;
        let default_pool = match database {
            DatabaseConfig::Sqlite(_) => 8,
            DatabaseConfig::Postgres(_) => 10,
        };
        let db_max_connections = parse_number(&get, "QUIRE_DB_MAX_CONNECTIONS", default_pool)?;
        if db_max_connections == 0 {
            return Err(ConfigError::new(
                "QUIRE_DB_MAX_CONNECTIONS",
                "must be at least 1",
            ));
        }
        let addr = match get("QUIRE_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(raw) => raw.trim().parse().map_err(|_| {
                ConfigError::new(
                    "QUIRE_ADDR",
                    format!("'{raw}' is not an address like 127.0.0.1:3000"),
                )
            })?,
        };
        let metrics_addr = get("QUIRE_METRICS_ADDR")
            .map(|raw| parse_metrics_addr(&raw, addr))
            .transpose()?;
        let base_url = match get("QUIRE_BASE_URL") {
            None => url::Url::parse(&format!("http://{addr}"))
                .map_err(|e| ConfigError::new("QUIRE_ADDR", e.to_string()))?,
            Some(raw) => {
                let url = url::Url::parse(raw.trim()).map_err(|e| {
                    ConfigError::new("QUIRE_BASE_URL", format!("'{raw}' is not a URL: {e}"))
                })?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(ConfigError::new(
                        "QUIRE_BASE_URL",
                        format!("'{raw}' must start with http:// or https://"),
                    ));
                }
                url
            }
        };
        let media_dir = get("QUIRE_MEDIA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("data/media"));
        let password_min_length = parse_number(&get, "QUIRE_PASSWORD_MIN_LENGTH", 12)?;
        if !(8..=256).contains(&password_min_length) {
            return Err(ConfigError::new(
                "QUIRE_PASSWORD_MIN_LENGTH",
                "must be between 8 and 256",
            ));
        }
        let request_timeout =
            Duration::from_secs(parse_number(&get, "QUIRE_REQUEST_TIMEOUT_SECS", 30)?);
        // Zero would answer every request 503 before it is handled.
        if request_timeout.is_zero() {
            return Err(ConfigError::new(
                "QUIRE_REQUEST_TIMEOUT_SECS",
                "must be at least 1",
            ));
        }
        let header_timeout =
            Duration::from_secs(parse_number(&get, "QUIRE_HEADER_TIMEOUT_SECS", 10)?);
        if header_timeout.is_zero() {
            return Err(ConfigError::new(
                "QUIRE_HEADER_TIMEOUT_SECS",
                "must be at least 1",
            ));
        }
        let session_idle_days: i64 = parse_number(&get, "QUIRE_SESSION_IDLE_DAYS", 14)?;
        let session_max_days: i64 = parse_number(&get, "QUIRE_SESSION_MAX_DAYS", 90)?;
        if !(1..=3650).contains(&session_idle_days) {
            return Err(ConfigError::new(
                "QUIRE_SESSION_IDLE_DAYS",
                "must be between 1 and 3650",
            ));
        }
        if !(session_idle_days..=3650).contains(&session_max_days) {
            return Err(ConfigError::new(
                "QUIRE_SESSION_MAX_DAYS",
                "must be at least QUIRE_SESSION_IDLE_DAYS and at most 3650",
            ));
        }
        let view_flush_secs: u64 = parse_number(&get, "QUIRE_VIEW_FLUSH_SECS", 5)?;
        if !(1..=300).contains(&view_flush_secs) {
            return Err(ConfigError::new(
                "QUIRE_VIEW_FLUSH_SECS",
                "must be between 1 and 300",
            ));
        }
        let comments_per_minute: i64 = parse_number(&get, "QUIRE_COMMENTS_PER_MINUTE", 5)?;
        if !(1..=1000).contains(&comments_per_minute) {
            return Err(ConfigError::new(
                "QUIRE_COMMENTS_PER_MINUTE",
                "must be between 1 and 1000",
            ));
        }
        let trusted_commenter_approvals: i64 =
            parse_number(&get, "QUIRE_TRUSTED_COMMENTER_APPROVALS", 3)?;
        if trusted_commenter_approvals < 0 {
            return Err(ConfigError::new(
                "QUIRE_TRUSTED_COMMENTER_APPROVALS",
                "must be 0 or more",
            ));
        }
        let jwt_secret = get("QUIRE_JWT_SECRET");
        if jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err(ConfigError::new(
                "QUIRE_JWT_SECRET",
                "must be at least 32 characters",
            ));
        }
        let api_rate_limit: u32 = parse_number(&get, "QUIRE_API_RATE_LIMIT", 100)?;
        let auth_rate_limit: u32 = parse_number(&get, "QUIRE_AUTH_RATE_LIMIT", 20)?;
        let views_rate_limit: u32 = parse_number(&get, "QUIRE_VIEWS_RATE_LIMIT", 300)?;
        for (setting, limit) in [
            ("QUIRE_API_RATE_LIMIT", api_rate_limit),
            ("QUIRE_AUTH_RATE_LIMIT", auth_rate_limit),
            ("QUIRE_VIEWS_RATE_LIMIT", views_rate_limit),
        ] {
            if limit == 0 {
                return Err(ConfigError::new(setting, "must be at least 1"));
            }
        }
        let window_minutes: u64 = parse_number(&get, "QUIRE_RATE_LIMIT_WINDOW_MINUTES", 15)?;
        // Bounded so the window in nanoseconds (the limiter's unit) cannot overflow.
        if !(1..=MAX_RATE_LIMIT_WINDOW_MINUTES).contains(&window_minutes) {
            return Err(ConfigError::new(
                "QUIRE_RATE_LIMIT_WINDOW_MINUTES",
                format!("must be between 1 and {MAX_RATE_LIMIT_WINDOW_MINUTES}"),
            ));
        }
        let rate_limit_window = Duration::from_secs(60 * window_minutes);
        let trusted_proxies = get("QUIRE_TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                let range = p
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        ConfigError::new(
                            "QUIRE_TRUSTED_PROXIES",
                            format!("'{p}' is not an IP address or a CIDR range like 10.0.0.0/8"),
                        )
                    })?;
                // `10.1.2.3/8` is more likely a slip than a wish to trust all of 10/8.
                if range != range.trunc() {
                    return Err(ConfigError::new(
                        "QUIRE_TRUSTED_PROXIES",
                        format!(
                            "'{p}' has bits set after its prefix: did you mean {}?",
                            range.trunc()
                        ),
                    ));
                }
                Ok(range)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let allowed_origins = get("QUIRE_ALLOWED_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .map(|o| match url::Url::parse(&o) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {
                    Ok(url.origin().ascii_serialization())
                }
                _ => Err(ConfigError::new(
                    "QUIRE_ALLOWED_ORIGINS",
                    format!("'{o}' is not an origin like https://app.example.com"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let page_cache_mb: usize = parse_number(&get, "QUIRE_PAGE_CACHE_MB", 32)?;
        if page_cache_mb > 4096 {
            return Err(ConfigError::new(
                "QUIRE_PAGE_CACHE_MB",
                "must be between 0 and 4096",
            ));
        }
        let mail = parse_mail(&get, &base_url)?;
        Ok(Self {
            mail,
            page_cache_bytes: page_cache_mb * 1024 * 1024,
            api_rate_limit,
            auth_rate_limit,
            views_rate_limit,
            rate_limit_window,
            trusted_proxies,
            allowed_origins,
            jwt_secret,
            comments_per_minute,
            trusted_commenter_approvals,
            view_flush_interval: Duration::from_secs(view_flush_secs),
            session_idle: chrono::Duration::days(session_idle_days),
            session_max_age: chrono::Duration::days(session_max_days),
            database,
            database_display,
            db_max_connections,
            addr,
            metrics_addr,
            base_url,
            media_dir,
            password_min_length,
            request_timeout,
            header_timeout,
        })
    }

    /// The site's origin (`https://blog.example.com`), for checking where requests come from.
    pub fn origin(&self) -> String {
        self.base_url.origin().ascii_serialization()
    }

    /// True when the public site is served over https (cookies get `Secure`, HSTS is sent).
    pub fn is_https(&self) -> bool {
        self.base_url.scheme() == "https"
    }
}

fn parse_number<T: FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    key: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match get(key) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| ConfigError::new(key, format!("'{raw}' is not a whole number"))),
    }
}

/// Parses `DATABASE_URL`; SQLite at [`DEFAULT_SQLITE_PATH`] when it is unset.
fn parse_database_url(raw: Option<String>) -> Result<(DatabaseConfig, String), ConfigError> {
    let raw = raw.unwrap_or_else(|| format!("sqlite://{DEFAULT_SQLITE_PATH}"));
    let raw = raw.trim();
    let invalid = |why: String| ConfigError::new("DATABASE_URL", why);
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        let display = redact_password(raw);
        let options = PgConnectOptions::from_str(raw)
            .map_err(|e| invalid(format!("'{display}' is not a PostgreSQL URL: {e}")))?;
        Ok((DatabaseConfig::Postgres(options), display))
    } else if let Some(rest) = raw.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() {
            return Err(invalid(format!("'{raw}' names no SQLite file")));
        }
        let options = if path == ":memory:" {
            SqliteConnectOptions::from_str("sqlite::memory:")
        } else {
            SqliteConnectOptions::from_str(raw)
        }
        .map_err(|e| invalid(format!("'{raw}' is not a SQLite URL: {e}")))?;
        Ok((DatabaseConfig::Sqlite(options), raw.to_owned()))
    } else {
        Err(invalid(format!(
            "'{}' is neither sqlite://PATH nor postgres://…",
            redact_password(raw)
        )))
    }
}

/// The mail settings: `QUIRE_SMTP_URL`, `QUIRE_MAIL_DIR`, `QUIRE_MAIL_FROM`,
/// `QUIRE_MAIL_PER_MINUTE`.
fn parse_mail(
    get: &impl Fn(&str) -> Option<String>,
    base_url: &url::Url,
) -> Result<MailConfig, ConfigError> {
    let transport = match get("QUIRE_SMTP_URL") {
        Some(raw) => MailTransport::Smtp(parse_smtp_url(raw.trim())?),
        None => MailTransport::Files(
            get("QUIRE_MAIL_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("data/outbox")),
        ),
    };
    let from = match get("QUIRE_MAIL_FROM") {
        Some(raw) => raw.trim().parse().map_err(|_| {
            ConfigError::new(
                "QUIRE_MAIL_FROM",
                format!(
                    "'{raw}' is not an address like blog@example.com or Blog <blog@example.com>"
                ),
            )
        })?,
        None => {
            // An address needs a domain name; a blog on a bare IP address sends as localhost.
            let domain = match base_url.host() {
                Some(url::Host::Domain(domain)) if domain.contains('.') => domain.to_owned(),
                _ => "localhost".to_owned(),
            };
            format!("noreply@{domain}").parse().map_err(|_| {
                ConfigError::new(
                    "QUIRE_BASE_URL",
                    "its host cannot make a sender address: set QUIRE_MAIL_FROM",
                )
            })?
        }
    };
    let per_minute: u32 = parse_number(get, "QUIRE_MAIL_PER_MINUTE", 600)?;
    if !(1..=1_000_000).contains(&per_minute) {
        return Err(ConfigError::new(
            "QUIRE_MAIL_PER_MINUTE",
            "must be between 1 and 1000000",
        ));
    }
    let digest_minutes: i64 = parse_number(get, "QUIRE_MODERATION_DIGEST_MINUTES", 30)?;
    if !(1..=1440).contains(&digest_minutes) {
        return Err(ConfigError::new(
            "QUIRE_MODERATION_DIGEST_MINUTES",
            "must be between 1 and 1440",
        ));
    }
    Ok(MailConfig {
        transport,
        from,
        per_minute,
        digest_every: chrono::TimeDelta::minutes(digest_minutes),
    })
}

impl MailConfig {
    /// True when mail actually leaves this machine.
    pub fn sends(&self) -> bool {
        matches!(self.transport, MailTransport::Smtp(_))
    }

    /// Where mail goes, for the admin and the log (never with the password).
    pub fn describe(&self) -> String {
        match &self.transport {
            MailTransport::Smtp(smtp) => format!("sent through {}", smtp.display),
            MailTransport::Files(dir) => format!(
                "not sent: no mail server is set (QUIRE_SMTP_URL), so messages are written as files to {}",
                dir.display()
            ),
        }
    }
}

/// `smtp://user:pass@host:587` (STARTTLS), `smtps://user:pass@host:465` (TLS), with
/// `?tls=opportunistic` or `?tls=none` for relays that cannot do better.
fn parse_smtp_url(raw: &str) -> Result<SmtpSettings, ConfigError> {
    let display = redact_password(raw);
    let invalid = |why: &str| {
        ConfigError::new(
            "QUIRE_SMTP_URL",
            format!("'{display}' {why} (like smtp://user:password@mail.example.com:587)"),
        )
    };
    let url = url::Url::parse(raw).map_err(|_| invalid("is not a URL"))?;
    let host = match url.host() {
        Some(url::Host::Domain(host)) => host.to_owned(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(invalid("names no host")),
    };
    let is_loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let asked = url
        .query_pairs()
        .find(|(key, _)| key == "tls")
        .map(|(_, value)| value.into_owned());
    let (tls, default_port) = match (url.scheme(), asked.as_deref()) {
        ("smtps", None) => (SmtpTls::Implicit, 465),
        ("smtp", None) if is_loopback => (SmtpTls::Opportunistic, 25),
        ("smtp", None | Some("required")) => (SmtpTls::StartTls, 587),
        ("smtp", Some("opportunistic")) => (SmtpTls::Opportunistic, 587),
        ("smtp", Some("none")) => (SmtpTls::None, 25),
        ("smtp" | "smtps", Some(_)) => {
            return Err(invalid(
                "has a tls= other than required, opportunistic or none",
            ))
        }
        _ => return Err(invalid("must start with smtp:// or smtps://")),
    };
    let decode = |part: &str| {
        url::form_urlencoded::parse(format!("x={part}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    let username = Some(decode(url.username())).filter(|u| !u.is_empty());
    let password = url.password().map(decode);
    Ok(SmtpSettings {
        host,
        port: url.port().unwrap_or(default_port),
        tls,
        username,
        password,
        display,
    })
}

/// The URL with its password, if any, replaced by `***`, so it can be printed and logged.
fn redact_password(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) => "<unparseable URL>".to_owned(),
    }
}

/// The metrics listener's address: one that can never be the blog's own, so the numbers are
/// not published to the internet by a slip.
fn parse_metrics_addr(raw: &str, blog: SocketAddr) -> Result<SocketAddr, ConfigError> {
    let addr: SocketAddr = raw.trim().parse().map_err(|_| {
        ConfigError::new(
            "QUIRE_METRICS_ADDR",
            format!("'{raw}' is not an address like 127.0.0.1:3100"),
        )
    })?;
    let same_interface =
        addr.ip() == blog.ip() || addr.ip().is_unspecified() || blog.ip().is_unspecified();
    if addr.port() == blog.port() && same_interface {
        return Err(ConfigError::new(
            "QUIRE_METRICS_ADDR",
            format!("{addr} is where the blog itself listens (QUIRE_ADDR): give /metrics a port of its own"),
        ));
    }
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_to_sqlite_in_the_data_folder() {
        let config = config(&[]).unwrap();
        assert!(matches!(config.database, DatabaseConfig::Sqlite(_)));
        assert_eq!(config.database_display, "sqlite://data/quire.db");
        assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
        assert!(!config.is_https());
    }

    #[test]
    fn bad_values_name_their_setting() {
        let err = config(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.setting, "DATABASE_URL");
        let err = config(&[("QUIRE_ADDR", "localhost")]).unwrap_err();
        assert_eq!(err.setting, "QUIRE_ADDR");
        let err = config(&[("QUIRE_BASE_URL", "ftp://example.com")]).unwrap_err();
        assert_eq!(err.setting, "QUIRE_BASE_URL");
        let err = config(&[("QUIRE_DB_MAX_CONNECTIONS", "many")]).unwrap_err();
        assert_eq!(err.setting, "QUIRE_DB_MAX_CONNECTIONS");
    }

    /// The setting a bad value is reported under, and its message.
    fn refusal(pairs: &[(&str, &str)]) -> (&'static str, String) {
        let err = config(pairs).expect_err("the value is refused");
        (err.setting, err.to_string())
    }

    #[test]
    fn a_zero_auth_rate_limit_names_its_own_setting() {
        let (setting, message) = refusal(&[("QUIRE_AUTH_RATE_LIMIT", "0")]);
        assert_eq!(setting, "QUIRE_AUTH_RATE_LIMIT");
        assert!(message.starts_with("QUIRE_AUTH_RATE_LIMIT:"), "{message}");
        let (setting, _) = refusal(&[("QUIRE_API_RATE_LIMIT", "0")]);
        assert_eq!(setting, "QUIRE_API_RATE_LIMIT");
        let (setting, _) = refusal(&[("QUIRE_VIEWS_RATE_LIMIT", "0")]);
        assert_eq!(setting, "QUIRE_VIEWS_RATE_LIMIT");
    }

    #[test]
    fn an_out_of_range_rate_limit_window_names_its_setting() {
        // 60 times this overflowed: a panic in debug builds, a wrapped window in release.
        for bad in ["0", "18446744073709551615", "10081"] {
            let (setting, message) = refusal(&[("QUIRE_RATE_LIMIT_WINDOW_MINUTES", bad)]);
            assert_eq!(setting, "QUIRE_RATE_LIMIT_WINDOW_MINUTES", "{bad}");
            assert!(message.contains("between 1 and 10080"), "{message}");
        }
        let config = config(&[("QUIRE_RATE_LIMIT_WINDOW_MINUTES", "10080")]).unwrap();
        assert_eq!(config.rate_limit_window, Duration::from_secs(7 * 24 * 3600));
    }

    #[test]
    fn metrics_are_never_served_on_the_blogs_address() {
        assert_eq!(config(&[]).unwrap().metrics_addr, None, "off unless set");
        let config = config(&[("QUIRE_METRICS_ADDR", "127.0.0.1:3100")]).unwrap();
        assert_eq!(config.metrics_addr.unwrap().to_string(), "127.0.0.1:3100");
        for (blog, metrics) in [
            ("127.0.0.1:3000", "127.0.0.1:3000"),
            ("0.0.0.0:3000", "127.0.0.1:3000"),
            ("127.0.0.1:3000", "0.0.0.0:3000"),
        ] {
            let (setting, message) =
                refusal(&[("QUIRE_ADDR", blog), ("QUIRE_METRICS_ADDR", metrics)]);
            assert_eq!(setting, "QUIRE_METRICS_ADDR");
            assert!(message.contains("port of its own"), "{message}");
        }
        let (setting, _) = refusal(&[("QUIRE_METRICS_ADDR", "localhost")]);
        assert_eq!(setting, "QUIRE_METRICS_ADDR");
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let config = config(&[(
            "QUIRE_TRUSTED_PROXIES",
            "127.0.0.1, 10.0.0.0/8,fd00::/8 ,::1",
        )])
        .unwrap();
        let listed: Vec<String> = config
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            listed,
            ["127.0.0.1/32", "10.0.0.0/8", "fd00::/8", "::1/128"]
        );
        let (setting, message) = refusal(&[("QUIRE_TRUSTED_PROXIES", "10.0.0.0/33")]);
        assert_eq!(setting, "QUIRE_TRUSTED_PROXIES");
        assert!(message.contains("'10.0.0.0/33'"), "{message}");
        let (_, message) = refusal(&[("QUIRE_TRUSTED_PROXIES", "10.1.2.3/8")]);
        assert!(message.contains("did you mean 10.0.0.0/8?"), "{message}");
    }

    #[test]
    fn a_zero_request_timeout_names_its_setting() {
        let (setting, _) = refusal(&[("QUIRE_REQUEST_TIMEOUT_SECS", "0")]);
        assert_eq!(setting, "QUIRE_REQUEST_TIMEOUT_SECS");
    }

    /// Every setting this module reads has a row in README.md's Configuration table.
    #[test]
    fn readme_lists_every_setting() {
        let readme = include_str!("../../README.md");
        let table: String = readme
            .split("\n## Configuration\n")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("README.md has a Configuration section")
            .lines()
            .filter(|line| line.starts_with("| `"))
            .collect::<Vec<_>>()
            .join("\n");
        // The settings read are those the lookup is asked for.
        let asked = std::cell::RefCell::new(Vec::new());
        Config::from_lookup(|key| {
            asked.borrow_mut().push(key.to_owned());
            None
        })
        .unwrap();
        let asked = asked.into_inner();
        assert!(
            asked.iter().any(|key| key == "QUIRE_PAGE_CACHE_MB"),
            "every setting was read: {asked:?}"
        );
        let missing: Vec<&String> = asked
            .iter()
            .filter(|key| !table.contains(&format!("| `{key}` |")))
            .collect();
        assert!(
            missing.is_empty(),
            "README.md's Configuration table lacks {missing:?}"
        );
    }

    #[test]
    fn passwords_never_reach_messages() {
        let config =
            config(&[("DATABASE_URL", "postgres://quire:s3cret@db.example/quire")]).unwrap();
        assert!(!config.database_display.contains("s3cret"));
        let err = parse_database_url(Some("postgresx://quire:s3cret@db".into())).unwrap_err();
        assert!(!err.to_string().contains("s3cret"));
    }

    #[test]
    fn smtp_urls_choose_their_protection() {
        let smtp = |raw: &str| match config(&[("QUIRE_SMTP_URL", raw)]).unwrap().mail.transport {
            MailTransport::Smtp(smtp) => smtp,
            MailTransport::Files(_) => panic!("{raw} is SMTP"),
        };
        let submission = smtp("smtp://me%40example.com:p%40ss@mail.example.com");
        assert_eq!((submission.port, submission.tls), (587, SmtpTls::StartTls));
        assert_eq!(submission.username.as_deref(), Some("me@example.com"));
        assert_eq!(submission.password.as_deref(), Some("p@ss"));
        assert!(
            !format!("{submission:?}").contains("p%40ss"),
            "{submission:?}"
        );
        assert_eq!(smtp("smtps://mail.example.com").tls, SmtpTls::Implicit);
        assert_eq!(smtp("smtps://mail.example.com").port, 465);
        assert_eq!(smtp("smtp://127.0.0.1:2525").tls, SmtpTls::Opportunistic);
        assert_eq!(smtp("smtp://relay.lan?tls=none").tls, SmtpTls::None);
        for bad in [
            "http://mail.example.com",
            "smtp://mail.example.com?tls=maybe",
            "smtp://",
        ] {
            let (setting, message) = refusal(&[("QUIRE_SMTP_URL", bad)]);
            assert_eq!(setting, "QUIRE_SMTP_URL", "{message}");
        }
        let (_, message) = refusal(&[("QUIRE_SMTP_URL", "ftp://me:s3cret@mail.example.com")]);
        assert!(!message.contains("s3cret"), "{message}");
    }

    #[test]
    fn mail_goes_to_files_from_the_blogs_host_by_default() {
        let on_https = config(&[("QUIRE_BASE_URL", "https://blog.example.com")]).unwrap();
        assert!(matches!(on_https.mail.transport, MailTransport::Files(_)));
        assert_eq!(
            on_https.mail.from.email.to_string(),
            "noreply@blog.example.com"
        );
        let (setting, _) = refusal(&[("QUIRE_MAIL_FROM", "not an address")]);
        assert_eq!(setting, "QUIRE_MAIL_FROM");
        let named = config(&[("QUIRE_MAIL_FROM", "The Blog <blog@example.com>")]).unwrap();
        assert_eq!(named.mail.from.name.as_deref(), Some("The Blog"));
    }

    #[test]
    fn https_base_url_is_noticed() {
        let config = config(&[("QUIRE_BASE_URL", "https://blog.example.com")]).unwrap();
        assert!(config.is_https());
    }
}

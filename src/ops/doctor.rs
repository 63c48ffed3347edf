//! `quire doctor`: whether this quire can run here, checked the way it runs: its settings,
//! its database (reachable, and at this quire's schema), its media folder (writable), its
//! public address (answering /health) and its mail server (reachable). One line per check;
//! any failure makes the exit code 1. Nothing is changed: no migration, no message sent.

use std::time::Duration;

use crate::platform::config::{Config, MailTransport};
use crate::platform::db::Db;

/// How long the public address and the mail server get to answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// One check: its name, and what it found or why it failed.
pub struct Check {
    pub name: &'static str,
    pub outcome: Result<String, String>,
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.outcome {
            Ok(found) => write!(f, "ok    {}: {found}", self.name),
            Err(why) => write!(f, "FAIL  {}: {why}", self.name),
        }
    }
}

/// Every check, in order; later ones that need an earlier one's result say so.
pub async fn examine(config: &Config) -> Vec<Check> {
    let mut checks = vec![Check {
        name: "settings",
        outcome: Ok(format!(
            "database {}, address {}, media in {}",
            config.database_display,
            config.origin(),
            config.media_dir.display()
        )),
    }];
    checks.push(Check {
        name: "database",
        outcome: database(config).await,
    });
    checks.push(Check {
        name: "media",
        outcome: media(config).await,
    });
    checks.push(Check {
        name: "address",
        outcome: address(config).await,
    });
    checks.push(Check {
        name: "mail",
        outcome: mail(config).await,
    });
    checks
}

async fn database(config: &Config) -> Result<String, String> {
    let db = tokio::time::timeout(ANSWER_WITHIN, Db::connect(&config.database, 1))
        .await
        .map_err(|_| format!("{} did not answer within 5 s", config.database_display))?
        .map_err(|e| format!("cannot open {}: {e}", config.database_display))?;
    let result = super::backup::require_current_schema(&db, &config.database_display).await;
    db.close().await;
    result.map_err(|e| e.to_string())?;
    let schema = crate::platform::db::schema_versions()
        .into_iter()
        .max()
        .unwrap_or_default();
    Ok(format!("{} answers, at schema {schema}", db_kind(config)))
}

fn db_kind(config: &Config) -> &'static str {
    if config.database_display.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

async fn media(config: &Config) -> Result<String, String> {
    writable(&config.media_dir).await
}

/// Makes `dir` if it is missing and writes a file into it: the server's uploads and
/// written mail must not fail only when the first one comes.
pub(super) async fn writable(dir: &std::path::Path) -> Result<String, String> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| format!("{} cannot be made: {e}", dir.display()))?;
    let probe = dir.join(format!(".quire-doctor-{}", std::process::id()));
    tokio::fs::write(&probe, b"quire doctor")
        .await
        .map_err(|e| format!("{} is not writable: {e}", dir.display()))?;
    let _ = tokio::fs::remove_file(&probe).await;
    Ok(format!("{} is writable", dir.display()))
}

/// Asks the server at `QUIRE_ADDR` itself: behind a TLS proxy the public address is the
/// proxy's, which this check has no TLS to speak to.
async fn address(config: &Config) -> Result<String, String> {
    let mut listening = config.addr;
    if listening.ip().is_unspecified() {
        listening.set_ip(match listening.ip() {
            std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let url = format!("http://{listening}/health");
    let client = reqwest::Client::builder()
        .timeout(ANSWER_WITHIN)
        .build()
        .map_err(|e| e.to_string())?;
    let res = client
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("{url} does not answer ({e}): is quire serving there?"))?;
    let status = res.status();
    if status.is_success() {
        Ok(format!("{url} answers {}", status.as_u16()))
    } else {
        Err(format!("{url} answers {}", status.as_u16()))
    }
}

async fn mail(config: &Config) -> Result<String, String> {
    match &config.mail.transport {
        MailTransport::Files(dir) => writable(dir).await.map(|_| {
            format!(
                "not sent: written as files to {} (set QUIRE_SMTP_URL to send)",
                dir.display()
            )
        }),
        MailTransport::Smtp(_) => {
            let mailer =
                crate::platform::mailer::Mailer::new(&config.mail).map_err(|e| e.to_string())?;
            tokio::time::timeout(ANSWER_WITHIN, mailer.reachable())
                .await
                .map_err(|_| "the mail server did not answer within 5 s".to_owned())?
        }
    }
}

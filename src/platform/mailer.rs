//! Where finished messages go: an SMTP server (`QUIRE_SMTP_URL`), or, without one, `.eml`
//! files in a folder, so a blog without mail set up loses nothing and its owner can read
//! what would have gone out.

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::config::{ConfigError, MailConfig, MailTransport, SmtpTls};

/// The longest one exchange with the mail server may take before it counts as a failure.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Why a message did not go.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: the server is down, busy or said "try later" (4xx).
    #[error("{0}")]
    Transient(String),
    /// The server refused it for good (5xx: no such mailbox, rejected content).
    #[error("{0}")]
    Permanent(String),
}

impl Mailer {
    pub fn new(config: &MailConfig) -> Result<Self, ConfigError> {
        match &config.transport {
            MailTransport::Files(dir) => Ok(Self::Files(dir.clone())),
            MailTransport::Smtp(smtp) => {
                let tls_parameters = || {
                    TlsParameters::new(smtp.host.clone()).map_err(|e| {
                        ConfigError::new("QUIRE_SMTP_URL", format!("TLS cannot be set up: {e}"))
                    })
                };
                let tls = match smtp.tls {
                    SmtpTls::Implicit => Tls::Wrapper(tls_parameters()?),
                    SmtpTls::StartTls => Tls::Required(tls_parameters()?),
                    SmtpTls::Opportunistic => Tls::Opportunistic(tls_parameters()?),
                    SmtpTls::None => Tls::None,
                };
                let mut builder =
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
                        .port(smtp.port)
                        .tls(tls)
                        .timeout(Some(SMTP_TIMEOUT));
                if let Some(username) = &smtp.username {
                    builder = builder.credentials(Credentials::new(
                        username.clone(),
                        smtp.password.clone().unwrap_or_default(),
                    ));
                }
                Ok(Self::Smtp(builder.build()))
            }
        }
    }

    /// Whether the mail server takes connections (and the TLS and sign-in it is set up for).
    pub async fn reachable(&self) -> Result<String, String> {
        match self {
            Self::Smtp(transport) => match transport.test_connection().await {
                Ok(true) => Ok("the mail server answers".to_owned()),
                Ok(false) => Err("the mail server did not take the connection".to_owned()),
                Err(err) => Err(format!("the mail server cannot be reached: {err}")),
            },
            Self::Files(dir) => Ok(format!("written as files to {}", dir.display())),
        }
    }

    /// Sends `message`; `name` (unique per message) names its file when mail goes to files.
    pub async fn send(&self, name: &str, message: &Message) -> Result<(), SendError> {
        match self {
            Self::Smtp(transport) => match transport.send(message.clone()).await {
                Ok(_) => Ok(()),
                Err(err) if err.is_permanent() => Err(SendError::Permanent(err.to_string())),
                Err(err) => Err(SendError::Transient(err.to_string())),
            },
            Self::Files(dir) => write_file(dir, name, message)
                .await
                .map_err(|e| SendError::Transient(format!("{}: {e}", dir.display()))),
        }
    }
}

/// Written whole under another name, then renamed: a reader never sees half a message.
async fn write_file(dir: &std::path::Path, name: &str, message: &Message) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let path = dir.join(format!("{name}.eml"));
    let partial = dir.join(format!(".{name}.eml.partial"));
    tokio::fs::write(&partial, message.formatted()).await?;
    tokio::fs::rename(&partial, &path).await
}

//! A real SMTP server for the mail tests (scripts/smtp-sink.py, Debian's aiosmtpd), and the
//! messages it received, read back as a mail client would.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

/// The Python that has aiosmtpd: `QUIRE_TEST_PYTHON`, else Debian's, else the first on PATH.
fn python() -> String {
    if let Ok(python) = std::env::var("QUIRE_TEST_PYTHON") {
        return python;
    }
    for candidate in ["/usr/bin/python3", "python3"] {
        let works = std::process::Command::new(candidate)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if works {
            return candidate.to_owned();
        }
    }
    panic!("no Python with aiosmtpd: run scripts/setup.sh --test (apt: python3-aiosmtpd)");
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: tokio::process::Child,
}

impl SmtpSink {
    /// A sink on a free port.
    pub async fn start() -> Self {
        Self::start_on(free_port()).await
    }

    /// A sink on `port` (one a quire was already told about, to come back up on).
    pub async fn start_on(port: u16) -> Self {
        let dir = tempfile::tempdir().expect("mail folder");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/smtp-sink.py");
        let mut child = tokio::process::Command::new(python())
            .arg(script)
            .arg(port.to_string())
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SMTP sink");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP sink started in time")
            .expect("read the SMTP sink");
        assert_eq!(ready.as_deref(), Some("ready"), "the SMTP sink started");
        Self { port, dir, child }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in the order received.
    pub fn received(&self) -> Vec<Mail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("read the mail folder")
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|path| Mail::parse(&std::fs::read(path).expect("read a message")))
            .collect()
    }

    /// Waits until `count` messages have come (or fails after `within`).
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let mail = self.received();
            if mail.len() >= count {
                return mail;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{count} messages within {within:?}; {} came: {:?}",
                mail.len(),
                mail.iter().map(|m| &m.subject).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The first message to `to` (waiting for it).
    pub async fn mail_to(&self, to: &str) -> Mail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(mail) = self.received().into_iter().find(|m| m.to == to) {
                return mail;
            }
            assert!(tokio::time::Instant::now() < deadline, "no mail to {to}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A received message: its envelope recipient, headers, and both parts decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub html: String,
}

impl Mail {
    fn parse(raw: &[u8]) -> Self {
        let raw = String::from_utf8_lossy(raw).replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
        let headers = unfold(head);
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let boundary = header("Content-Type")
            .split("boundary=")
            .nth(1)
            .map(|b| b.trim_matches('"').to_owned())
            .expect("a multipart message");
        let mut text = String::new();
        let mut html = String::new();
        for part in body.split(&format!("--{boundary}")) {
            let Some((part_head, part_body)) = part.trim_start_matches('\n').split_once("\n\n")
            else {
                continue;
            };
            let part_headers = unfold(part_head);
            let part_header = |name: &str| {
                part_headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.to_ascii_lowercase())
                    .unwrap_or_default()
            };
            let decoded = decode(part_body, &part_header("Content-Transfer-Encoding"));
            let kind = part_header("Content-Type");
            if kind.starts_with("text/plain") {
                text = decoded;
            } else if kind.starts_with("text/html") {
                html = decoded;
            }
        }
        Self {
            to: header("X-Envelope-To"),
            subject: decode_words(&header("Subject")),
            headers,
            text,
            html,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path and query of the first link in the text part whose path starts with
    /// `path` (`/reset-password?token=`), to ask the test's server for.
    pub fn link(&self, path: &str) -> String {
        let at = self
            .text
            .find(path)
            .unwrap_or_else(|| panic!("no {path} link in:\n{}", self.text));
        self.text[at..]
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

fn unfold(head: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    headers
}

fn decode(body: &str, encoding: &str) -> String {
    // The line break before a boundary belongs to the boundary. Only that goes: a body may
    // itself end in `-` (an unsubscribe link's token is base64url).
    let body = body.strip_suffix('\n').unwrap_or(body).to_owned();
    match encoding {
        "quoted-printable" => {
            let joined = body.replace("=\n", "");
            let bytes = joined.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'=' && i + 2 < bytes.len() {
                    if let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                }
                out.push(bytes[i]);
                i += 1;
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        "base64" => {
            use base64::Engine;
            let compact: String = body.split_whitespace().collect();
            String::from_utf8_lossy(
                &base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .expect("base64 body"),
            )
            .into_owned()
        }
        _ => body,
    }
}

/// RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`), as a subject with non-ASCII
/// letters arrives: the space between two encoded words is not part of the text.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut last_encoded = false;
    for word in value.split_whitespace() {
        let parts: Vec<&str> = word
            .trim_start_matches("=?")
            .trim_end_matches("?=")
            .split('?')
            .collect();
        let encoded = word.starts_with("=?") && word.ends_with("?=") && parts.len() == 3;
        let joined = encoded && last_encoded;
        if !out.is_empty() && !joined {
            out.push(' ');
        }
        if encoded {
            match parts[1].to_ascii_lowercase().as_str() {
                "b" => {
                    use base64::Engine;
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(parts[2])
                        .unwrap_or_default();
                    out.push_str(&String::from_utf8_lossy(&bytes));
                }
                _ => out.push_str(&decode(&parts[2].replace('_', " "), "quoted-printable")),
            }
        } else {
            out.push_str(word);
        }
        last_encoded = encoded;
    }
    out
}

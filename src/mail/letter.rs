//! A message's words, written twice: plain text, and HTML in the blog's name and accent
//! colour. The HTML has inline styles only and no remote images, so it reads the same in
//! every mail client, with images off, and in a dark-mode client that inverts it.

use crate::platform::markdown::escape;
use crate::site::look::button_color;
use crate::site::SiteSettings;

/// What a message says, before it is addressed.
#[derive(Debug, Clone)]
pub struct Letter {
    subject: String,
    blocks: Vec<Block>,
    /// The one-click unsubscribe address of mail one can stop getting.
    unsubscribe: Option<String>,
}

#[derive(Debug, Clone)]
enum Block {
    Paragraph(String),
    /// The one thing to do, as a button (and as a bare link in the text part).
    Action {
        label: String,
        url: String,
    },
    /// Small print: why this came, what to do if it was not you.
    Note(String),
    /// HTML made safe already (a post's rendered body), and its words as text.
    Html {
        html: String,
        text: String,
    },
}

/// A letter to someone, ready for the outbox.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// What it is (`password_reset`…), for the admin's list.
    pub kind: &'static str,
    /// With `to`, unique: the same event is never queued twice for one address.
    pub event_key: String,
    pub to: String,
    /// Someone is waiting for it (a reset link): it goes before bulk mail.
    pub urgent: bool,
    /// The blog's name, as the From's display name.
    pub sender_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The one-click unsubscribe address (RFC 8058), for mail one can stop getting.
    pub unsubscribe_url: Option<String>,
}

impl Letter {
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            blocks: Vec::new(),
            unsubscribe: None,
        }
    }

    /// Mail one can stop getting: a link at its foot and the RFC 8058 headers.
    pub fn unsubscribe(mut self, url: String) -> Self {
        self.unsubscribe = Some(url);
        self
    }

    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    pub fn action(mut self, label: impl Into<String>, url: impl Into<String>) -> Self {
        self.blocks.push(Block::Action {
            label: label.into(),
            url: url.into(),
        });
        self
    }

    /// Sanitized HTML (a post as the blog renders it) with `text` for the plain part.
    pub fn rendered(mut self, html: String, text: String) -> Self {
        self.blocks.push(Block::Html { html, text });
        self
    }

    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Note(text.into()));
        self
    }

    /// Addressed to `to`, signed with the blog's name and address.
    pub fn to(
        self,
        to: &str,
        kind: &'static str,
        event_key: String,
        site: &SiteSettings,
        origin: &str,
    ) -> Outgoing {
        let (text, html) = self.render(site, origin);
        Outgoing {
            kind,
            event_key,
            to: to.to_owned(),
            urgent: false,
            sender_name: site.title.clone(),
            subject: self.subject,
            text,
            html,
            unsubscribe_url: self.unsubscribe,
        }
    }

    /// Both parts, with an unsubscribe line at the foot of mail one can stop getting.
    pub fn render(&self, site: &SiteSettings, origin: &str) -> (String, String) {
        let unsubscribe = self.unsubscribe.as_deref();
        (
            self.text(site, origin, unsubscribe),
            self.html(site, origin, unsubscribe),
        )
    }

    fn text(&self, site: &SiteSettings, origin: &str, unsubscribe: Option<&str>) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Paragraph(text) | Block::Note(text) | Block::Html { text, .. } => {
                    out.push_str(text)
                }
                Block::Action { label, url } => {
                    out.push_str(label);
                    out.push_str(":\n");
                    out.push_str(url);
                }
            }
            out.push_str("\n\n");
        }
        out.push_str("-- \n");
        out.push_str(&site.title);
        out.push('\n');
        out.push_str(origin);
        out.push('\n');
        if let Some(url) = unsubscribe {
            out.push_str("\nStop these emails: ");
            out.push_str(url);
            out.push('\n');
        }
        out
    }

    fn html(&self, site: &SiteSettings, origin: &str, unsubscribe: Option<&str>) -> String {
        let accent = button_color(&site.accent_color);
        let mut body = String::new();
        for block in &self.blocks {
            match block {
                Block::Paragraph(text) => body.push_str(&format!(
                    r#"<p style="margin:0 0 16px">{}</p>"#,
                    escape(text)
                )),
                Block::Action { label, url } => body.push_str(&format!(
                    r#"<p style="margin:24px 0"><a href="{url}" style="display:inline-block;background:{accent};color:#ffffff;text-decoration:none;font-weight:600;padding:12px 20px;border-radius:8px">{label}</a></p><p style="margin:0 0 16px;font-size:13px;color:#475569">Or open this address: <a href="{url}" style="color:{accent};word-break:break-all">{url}</a></p>"#,
                    url = escape(url),
                    label = escape(label),
                )),
                Block::Note(text) => body.push_str(&format!(
                    r#"<p style="margin:0 0 16px;font-size:13px;color:#475569">{}</p>"#,
                    escape(text)
                )),
                Block::Html { html, .. } => {
                    body.push_str(r#"<div style="margin:0 0 16px;overflow-wrap:anywhere">"#);
                    body.push_str(html);
                    body.push_str("</div>");
                }
            }
        }
        let unsubscribe = unsubscribe
            .map(|url| {
                format!(
                    r#"<br><a href="{}" style="color:#475569">Stop these emails</a>"#,
                    escape(url)
                )
            })
            .unwrap_or_default();
        format!(
            r#"<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{subject}</title></head><body style="margin:0;padding:24px;background:#f8fafc;color:#0f172a;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5"><div style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #e2e8f0;border-radius:12px;padding:32px"><p style="margin:0 0 24px;font-size:18px;font-weight:700"><a href="{origin}" style="color:{accent};text-decoration:none">{title}</a></p>{body}</div><p style="max-width:560px;margin:16px auto 0;font-size:12px;color:#475569;text-align:center">{title} · <a href="{origin}" style="color:#475569">{origin}</a>{unsubscribe}</p></body></html>"#,
            lang = escape(&site.language),
            subject = escape(&self.subject),
            origin = escape(origin),
            title = escape(&site.title),
        )
    }
}

impl Outgoing {
    pub fn urgent(mut self) -> Self {
        self.urgent = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parts_say_the_same_and_the_html_escapes_what_it_is_given() {
        let site = SiteSettings {
            title: "Ada's <b>notes</b>".to_owned(),
            ..SiteSettings::default()
        };
        let letter = Letter::new("Reset your password")
            .paragraph("Someone asked to reset the password of <script>alert(1)</script>.")
            .action(
                "Choose a new password",
                "https://blog.example/reset-password?token=a&b",
            )
            .note("Not you? Ignore this email.");
        let mail = letter.to(
            "ada@example.com",
            "password_reset",
            "reset:1".to_owned(),
            &site,
            "https://blog.example",
        );
        assert!(mail
            .text
            .contains("Choose a new password:\nhttps://blog.example/reset-password?token=a&b"));
        assert!(mail.text.contains("Ada's <b>notes</b>"), "{}", mail.text);
        assert!(!mail.html.contains("<script>"), "{}", mail.html);
        assert!(mail.html.contains("&lt;script&gt;"));
        assert!(mail
            .html
            .contains(r#"href="https://blog.example/reset-password?token=a&amp;b""#));
        assert!(mail.html.contains("Ada's &lt;b&gt;notes&lt;/b&gt;"));
        assert!(!mail.html.contains("<img"), "no remote images");
    }

    #[test]
    fn the_button_takes_the_blogs_accent_made_readable() {
        let site = SiteSettings {
            accent_color: "#ffff00".to_owned(),
            ..SiteSettings::default()
        };
        let (_, html) = Letter::new("Hi")
            .action("Go", "https://blog.example/")
            .unsubscribe("https://blog.example/unsubscribe?token=x".to_owned())
            .render(&site, "https://blog.example");
        assert!(
            !html.contains("background:#ffff00"),
            "yellow is darkened for white text"
        );
        assert!(html.contains("Stop these emails"));
    }
}

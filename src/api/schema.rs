//! The pieces of the API's schemas that the handlers' own types refer to: the patterns their
//! string fields must match (the server checks the same rules), the password's schema, and
//! marking a create body's fields required. The document that lists every endpoint is
//! `spec`, which names the handlers; these sit below them.

use schemars::generate::SchemaGenerator;
use schemars::Schema;
use serde_json::{json, Value};

/// What `char::is_whitespace` (and so `str::trim`) counts as white space, as the inside of a
/// regex character class that ECMA-262, Rust's and Python's engines all read alike (`\s` differs
/// between them: Python's has U+001C-U+001F, ECMA's U+FEFF).
macro_rules! ws {
    () => {
        r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    };
}

/// `char::is_control`, inside a character class.
macro_rules! control {
    () => {
        r"\u0000-\u001f\u007f-\u009f"
    };
}

/// ASCII digits and punctuation: what a password's "core" is stripped of (see
/// `accounts::store::check_password_not_common`), inside a character class.
macro_rules! padding {
    () => {
        r"0-9!-/:-@\[-`{-~"
    };
}

/// A label of an email address's domain: no @, dot, white space or control character, and
/// not starting or ending with -.
#[rustfmt::skip]
macro_rules! label {
    () => {
        concat!(
            "[^@.\\-", ws!(), control!(), "](?:[^@.", ws!(), control!(), "]*[^@.\\-", ws!(),
            control!(), "])?"
        )
    };
}

/// One character of a password's padding, and one of its core (see `padding!`).
macro_rules! padded {
    () => {
        concat!("[", padding!(), ws!(), "]")
    };
}
macro_rules! core {
    () => {
        concat!("[^", padding!(), ws!(), "]")
    };
}

/// A domain name whose last label starts with a letter: what every URL parser reads as a
/// name rather than an IPv4 address.
macro_rules! host {
    () => {
        r"(?:[A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(?::[0-9]{1,4})?"
    };
}

/// The patterns the document states, each the same rule as the code that checks the value.
/// JSON Schema's `pattern` is a search, so a pattern not anchored with `^...$` only asks for
/// one match somewhere. (Not formatted: one piece of a pattern a line is harder to read.)
#[rustfmt::skip]
pub mod patterns {
    /// Any text: no string may hold a NUL (U+0000), which PostgreSQL cannot store.
    pub const TEXT: &str = r"^[^\u0000]*$";
    /// Text with something other than white space: what is refused when trimmed to nothing.
    pub const NOT_BLANK: &str = concat!(r"^[^\u0000]*[^\u0000", ws!(), r"][^\u0000]*$");
    /// `accounts::validation::username`, around white space that is trimmed.
    pub const USERNAME: &str = concat!("^[", ws!(), "]*[A-Za-z0-9_-]{3,32}[", ws!(), "]*$");
    /// `accounts::validation::email`: one @, a dotted domain whose labels neither start nor
    /// end with -, no white space or control characters inside.
    pub const EMAIL: &str = concat!(
        "^[", ws!(), "]*[^@", ws!(), control!(), "]+@(?:", label!(), r"\.)+", label!(),
        "[", ws!(), "]*$"
    );
    /// `accounts::store::check_password_not_common`, the part a pattern can say: not only
    /// digits, punctuation and spaces, and not one piece repeated, bare ("abcabcabcabc") or
    /// padded ("1aaaaaaaaaa!"). One pattern with lookaheads: test tools read a `not` beside a
    /// `pattern` less reliably.
    pub const PASSWORD: &str = concat!(
        r"^(?!([\s\S]+)\1+$)",
        "(?!", padded!(), "*(", core!(), r"(?:[\s\S]*", core!(), r")?)\2+", padded!(), "*$)",
        r"[^\u0000]*[^\u0000", padding!(), ws!(), r"][^\u0000]*$"
    );
    /// [`EMAIL`], or blank (white space only).
    pub const EMAIL_OR_BLANK: &str = concat!(
        "^[", ws!(), "]*(?:[^@", ws!(), control!(), "]+@(?:", label!(), r"\.)+", label!(),
        ")?[", ws!(), "]*$"
    );
    /// `accounts::validation::display_name`: no control characters once trimmed.
    pub const NAME: &str = concat!("^[", ws!(), "]*[^", control!(), "]*[", ws!(), "]*$");
    /// `categories::store::CategoryInput::validate`: `#rgb` or `#rrggbb`.
    pub const COLOR: &str = concat!("^[", ws!(), "]*#(?:[0-9A-Fa-f]{3}){1,2}[", ws!(), "]*$");
    /// `site::SiteSettings::validated`'s title: no control characters, not blank.
    pub const LINE: &str = concat!("^[^", control!(), "]*[^", control!(), ws!(), "][^", control!(), "]*$");
    /// `site::SiteSettings::validated`'s description and footer: no control characters but
    /// line breaks.
    pub const LINES: &str = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$";
    /// `site::is_language_tag`: a BCP 47 tag in its common shape.
    /// A profile elsewhere: as `site::look::is_social_link` takes it.
    pub const SOCIAL_LINK: &str = "^https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[!-~]*)?$";
    pub const LANGUAGE: &str = "^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$";
    /// An id as the API writes them.
    pub const ID: &str = "^[0-9]{1,18}$";
    /// `nextCursor` of a post list; empty is the first page.
    pub const CURSOR: &str = "^(?:-?[0-9]{1,17}_[0-9]{1,18})?$";
    /// A post's cover: an uploaded image (`/media/...`, no `..`), an https:// address, or
    /// nothing (blank).
    pub const COVER: &str = concat!(
        "^[", ws!(), r"]*(?:/media/[^.\u0000]*(?:\.[^.\u0000]+)*\.?|https://", host!(),
        r"(?:[/?#][^\u0000]*)?)?[", ws!(), "]*$"
    );
    /// A canonical address: http:// or https://, or nothing (blank).
    pub const WEB_ADDRESS: &str = concat!(
        "^[", ws!(), "]*(?:https?://", host!(), r"(?:[/?#][^\u0000]*)?)?[", ws!(), "]*$"
    );
}

/// A time zone: one of the IANA database's names, as the server checks it; null (as absent)
/// leaves it as it is, as for the other optional fields.
pub fn time_zone_schema(_: &mut SchemaGenerator) -> Schema {
    let mut names: Vec<Value> = crate::site::dates::zone_names()
        .into_iter()
        .map(Value::String)
        .collect();
    names.push(Value::Null);
    Schema::from(
        json!({
            "type": ["string", "null"],
            "enum": names,
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    )
}

/// A password's schema: its lengths (the floor is this server's setting, put in by [`openapi`])
/// and the part of the blocklist a pattern can say; the rest is in words.
pub fn password_schema(_: &mut SchemaGenerator) -> Schema {
    Schema::from(
        json!({
            "type": "string",
            "minLength": crate::accounts::validation::PASSWORD_MIN_DEFAULT,
            "maxLength": crate::accounts::validation::PASSWORD_MAX,
            "pattern": patterns::PASSWORD,
            "description": "minLength is this server's QUIRE_PASSWORD_MIN_LENGTH. Not only digits, punctuation and spaces, and not one piece repeated; well-known passwords, the account's own username or email, and runs like abcdefgh are refused too (400)."
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    )
}

/// Marks `names` required and not null: a create body whose update body has them optional.
pub fn require(schema: &mut Schema, names: &[&str]) {
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for name in names {
            if let Some(Value::Object(property)) = properties.get_mut(*name) {
                if let Some(Value::Array(types)) = property.get_mut("type") {
                    types.retain(|t| t != "null");
                    if types.len() == 1 {
                        let only = types[0].clone();
                        property.insert("type".into(), only);
                    }
                }
            }
        }
    }
    if let Some(object) = schema.as_object_mut() {
        let required = object
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(required) = required {
            for name in names {
                if !required.iter().any(|r| r == name) {
                    required.push(json!(name));
                }
            }
        }
    }
}

//! Rules for what a user types, shared by the server (which decides) and the browser
//! (which shows the same messages before a round trip).

use crate::error::FieldError;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN_DEFAULT: usize = 12;
pub const PASSWORD_MAX: usize = 256;
pub const EMAIL_MAX: usize = 254;
pub const NAME_MAX: usize = 100;

pub fn username(raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    let len = name.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        return Err(FieldError::new(
            "username",
            format!("Username must be {USERNAME_MIN} to {USERNAME_MAX} characters long"),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(FieldError::new(
            "username",
            "Username may contain only letters, digits, _ and -",
        ));
    }
    Ok(name.to_owned())
}

/// A plausible address: one @, something before it, a dotted domain after it. Lower-cased,
/// since addresses are compared without regard to case.
pub fn email(raw: &str) -> Result<String, FieldError> {
    let email = raw.trim().to_lowercase();
    let invalid = || FieldError::new("email", "Enter an email address like name@example.com");
    // The length as typed: the API's schema says so.
    if email.is_empty()
        || raw.chars().count() > EMAIL_MAX
        || email.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.contains('@')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
    if local.is_empty() || !domain_ok {
        return Err(invalid());
    }
    Ok(email)
}

/// Length only, as NIST SP 800-63B asks: no composition rules. The server also refuses
/// well-known passwords (see `store::check_password_not_common`).
pub fn password(raw: &str, min_len: usize) -> Result<(), FieldError> {
    let len = raw.chars().count();
    if len < min_len {
        return Err(FieldError::new(
            "password",
            format!("Password must be at least {min_len} characters long"),
        ));
    }
    if len > PASSWORD_MAX {
        return Err(FieldError::new(
            "password",
            format!("Password must be at most {PASSWORD_MAX} characters long"),
        ));
    }
    Ok(())
}

/// An optional first or last name: trimmed, empty means none.
pub fn display_name(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    // The length as typed: the API's schema says so.
    if raw.is_some_and(|n| n.chars().count() > NAME_MAX) {
        return Err(FieldError::new(
            field,
            format!("Must be at most {NAME_MAX} characters long"),
        ));
    }
    let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if name.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "Must not contain control characters",
        ));
    }
    Ok(Some(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(username(" ada_l-1 ").unwrap(), "ada_l-1");
        assert!(username("ab").is_err());
        assert!(username(&"a".repeat(33)).is_err());
        assert!(username("ada lovelace").is_err());
        assert!(username("adä").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(email(" Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@@example.com",
            "ada@.com",
        ] {
            assert!(email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn passwords_count_characters_not_bytes() {
        assert!(password("ééééééééééé", 12).is_err());
        assert!(password("éééééééééééé", 12).is_ok());
        assert!(password(&"x".repeat(257), 12).is_err());
    }
}

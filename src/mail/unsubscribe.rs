//! One-click unsubscribe links (RFC 8058): the address names the account and the kind of mail,
//! signed with the server's key, so nothing is stored per link and nobody can make one for
//! another account.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A kind of mail one can stop getting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// "Your comment was approved."
    Approved,
    /// "Someone replied to your comment."
    Replies,
    /// "A new comment on your post."
    Comments,
    /// Moderators' digest of waiting comments.
    Moderation,
}

impl Topic {
    pub const ALL: [Topic; 4] = [
        Self::Approved,
        Self::Replies,
        Self::Comments,
        Self::Moderation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Replies => "replies",
            Self::Comments => "comments",
            Self::Moderation => "moderation",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|topic| topic.as_str() == raw)
    }

    /// What the mail is, as "Stop getting …" ends.
    pub fn described(self) -> &'static str {
        match self {
            Self::Approved => "emails when your comments are approved",
            Self::Replies => "emails about replies to your comments",
            Self::Comments => "emails about new comments on your posts",
            Self::Moderation => "digests of comments waiting for moderation",
        }
    }
}

/// Signs and reads unsubscribe tokens with the server's key (kept keyed, ready to sign).
pub struct Signer(Hmac<Sha256>);

/// Keeps tokens short: 128 bits of signature are plenty for a link that only turns mail off.
const SIGNATURE_BYTES: usize = 16;

impl Signer {
    /// HMAC takes a key of any length, so this fails only if that stops being true.
    pub fn new(key: &[u8]) -> Result<Self, crate::error::AppError> {
        Hmac::<Sha256>::new_from_slice(key)
            .map(Self)
            .map_err(|e| crate::error::AppError::internal(format_args!("unsubscribe key: {e}")))
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        // The prefix keeps these apart from the access tokens the same key signs.
        let mut mac = self.0.clone();
        mac.update(b"unsubscribe:");
        mac.update(payload.as_bytes());
        mac
    }

    pub fn token(&self, user_id: i64, topic: Topic) -> String {
        let payload = format!("{user_id}.{}", topic.as_str());
        format!(
            "{payload}.{}",
            URL_SAFE_NO_PAD.encode(&self.mac(&payload).finalize().into_bytes()[..SIGNATURE_BYTES])
        )
    }

    /// The one-click address for `user_id` and `topic`, on the blog at `origin`.
    pub fn url(&self, origin: &str, user_id: i64, topic: Topic) -> String {
        format!("{origin}/unsubscribe?token={}", self.token(user_id, topic))
    }

    /// The account and topic a genuine token names.
    pub fn read(&self, token: &str) -> Option<(i64, Topic)> {
        let (payload, signature) = token.trim().rsplit_once('.')?;
        let (user_id, topic) = payload.split_once('.')?;
        let given = URL_SAFE_NO_PAD.decode(signature).ok()?;
        if given.len() != SIGNATURE_BYTES {
            return None;
        }
        // In constant time, as the access tokens are checked.
        self.mac(payload).verify_truncated_left(&given).ok()?;
        Some((user_id.parse().ok()?, Topic::parse(topic)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_account_and_cannot_be_made_for_another() {
        let signer = Signer::new(b"a key of the server's own, thirty-two bytes").unwrap();
        let token = signer.token(42, Topic::Replies);
        assert_eq!(signer.read(&token), Some((42, Topic::Replies)));
        let forged = token.replacen("42.", "43.", 1);
        assert_eq!(signer.read(&forged), None);
        assert_eq!(signer.read("42.replies"), None);
        assert_eq!(signer.read(""), None);
        let other_server = Signer::new(b"another key").unwrap();
        assert_eq!(other_server.read(&token), None);
    }
}

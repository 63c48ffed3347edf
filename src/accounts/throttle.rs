//! Slowing down password guessing, per account and per client address.
//!
//! A few failures are free; after that each further failure blocks the key for twice as
//! long as the last, up to a cap. Blocks always end, so the owner is never locked out for
//! good, and a successful sign-in clears the account's count.

use chrono::{DateTime, Duration, Utc};

use crate::error::AppError;
use crate::platform::db::{now, Db};
use crate::with_db;

pub struct Policy {
    /// Failures allowed within the window before blocks begin.
    pub free_failures: i64,
    pub window: Duration,
    pub first_block: Duration,
    pub longest_block: Duration,
}

pub const PER_ACCOUNT: Policy = Policy {
    free_failures: 5,
    window: Duration::minutes(15),
    first_block: Duration::seconds(30),
    longest_block: Duration::minutes(15),
};

/// Looser: many people may share one address.
pub const PER_ADDRESS: Policy = Policy {
    free_failures: 20,
    window: Duration::minutes(15),
    first_block: Duration::seconds(30),
    longest_block: Duration::minutes(15),
};

pub fn account_key(login: &str) -> String {
    format!("account:{}", login.trim().to_lowercase())
}

pub fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// How long `key` must still wait, if it is blocked.
pub async fn blocked_for(db: &Db, key: &str) -> Result<Option<Duration>, AppError> {
    let now = now();
    let until: Option<Option<DateTime<Utc>>> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT blocked_until FROM login_throttles WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await
    })?;
    Ok(until
        .flatten()
        .filter(|until| *until > now)
        .map(|until| until - now))
}

/// Counts a failure for `key` and blocks it once it is past the free ones.
pub async fn record_failure(db: &Db, key: &str, policy: &Policy) -> Result<(), AppError> {
    let now = now();
    let row: Option<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT failures, window_start, blocked_until FROM login_throttles WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(pool)
        .await
    })?;
    // The count starts over once a whole window has passed since the last failure or block.
    let (failures, window_start) = match row {
        Some((failures, start, blocked_until))
            if now - blocked_until.unwrap_or(start).max(start) <= policy.window =>
        {
            (failures + 1, start)
        }
        _ => (1, now),
    };
    let blocked_until = (failures > policy.free_failures).then(|| {
        let doublings = (failures - policy.free_failures - 1).min(20) as i32;
        let block = policy.first_block * 2_i32.pow(doublings as u32);
        now + block.min(policy.longest_block)
    });
    with_db!(db, |pool| {
        sqlx::query(
            "INSERT INTO login_throttles (key, failures, window_start, blocked_until) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
                window_start = excluded.window_start, blocked_until = excluded.blocked_until",
        )
        .bind(key)
        .bind(failures)
        .bind(window_start)
        .bind(blocked_until)
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

pub async fn clear(db: &Db, key: &str) -> Result<(), AppError> {
    with_db!(db, |pool| {
        sqlx::query("DELETE FROM login_throttles WHERE key = $1")
            .bind(key)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// "Try again in 45 seconds" / "in 3 minutes".
pub fn wait_message(wait: Duration) -> String {
    let seconds = wait.num_seconds().max(1);
    let when = if seconds < 90 {
        format!("{seconds} seconds")
    } else {
        format!("{} minutes", (seconds + 59) / 60)
    };
    format!("Too many failed sign-ins. Try again in {when}.")
}

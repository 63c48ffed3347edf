//! Likes: at most one per user and post, with the post's counter kept in the same
//! transaction so listings never count rows.

use super::{LikeState, PostId};
use crate::error::AppError;
use crate::platform::db::{now, BeginWrite, Db};
use crate::with_db;

pub async fn is_liked(db: &Db, user_id: i64, post_id: PostId) -> Result<bool, AppError> {
    let found: Option<i64> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT post_id FROM likes WHERE user_id = $1 AND post_id = $2")
            .bind(user_id)
            .bind(post_id)
            .fetch_optional(pool)
            .await
    })?;
    Ok(found.is_some())
}

/// Likes or unlikes. The counter moves only when the like row was really inserted or
/// deleted, so concurrent clicks can neither count twice nor go below zero.
pub async fn set(
    db: &Db,
    user_id: i64,
    post_id: PostId,
    liked: bool,
) -> Result<LikeState, AppError> {
    let now = now();
    let count: Option<i64> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            // The write comes first: on SQLite a transaction that reads before it writes
            // cannot wait for a concurrent writer and fails instead.
            let changed = if liked {
                sqlx::query(
                    "INSERT INTO likes (user_id, post_id, created_at)
                     SELECT $1, id, $3 FROM posts WHERE id = $2
                     ON CONFLICT DO NOTHING",
                )
                .bind(user_id)
                .bind(post_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
            } else {
                sqlx::query("DELETE FROM likes WHERE user_id = $1 AND post_id = $2")
                    .bind(user_id)
                    .bind(post_id)
                    .execute(&mut *tx)
                    .await?
            }
            .rows_affected();
            // Only posts readers can see can be liked; anything else does not exist for them
            // (and returning without commit undoes the change).
            let visible: Option<i64> = sqlx::query_scalar(concat!(
                "SELECT id FROM posts WHERE id = $1 AND ",
                crate::listed_post!("$2")
            ))
            .bind(post_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if visible.is_none() {
                return Ok(None);
            }
            let delta: i64 = if liked { 1 } else { -1 };
            if changed == 1 {
                sqlx::query("UPDATE posts SET like_count = like_count + $1 WHERE id = $2")
                    .bind(delta)
                    .bind(post_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let count: i64 = sqlx::query_scalar("SELECT like_count FROM posts WHERE id = $1")
                .bind(post_id)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some(count))
        }
        .await
    })?;
    let count = count.ok_or(AppError::NotFound)?;
    Ok(LikeState { liked, count })
}

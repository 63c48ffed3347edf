//! Mail figures for issue #24, run by scripts/bench.sh after the page benchmark:
//!
//!   mail_bench DATABASE_URL [SUBSCRIBERS]
//!
//! Over a fresh database: SUBSCRIBERS (10,000) confirmed followers, one published post; the
//! time to queue the post for all of them (one mailing, one INSERT … SELECT), then the memory
//! of this process while its sender sends every message (to `.eml` files, so the mail server
//! is not what is measured), sampled every 1,000. Prints the rows with their targets.

use std::time::Instant;

#[path = "support/mod.rs"]
mod support;
use support::{rss_mb, verdict};

use quire::platform::db::BeginWrite;

const TARGET_QUEUE_MS: f64 = 1000.0;
/// Memory may grow this much from the first sample to the peak while sending.
const TARGET_GROWTH_MB: f64 = 10.0;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let Some(url) = args.next() else {
        eprintln!("usage: mail_bench DATABASE_URL [SUBSCRIBERS]");
        std::process::exit(2);
    };
    let subscribers: i64 = args.next().map_or(10_000, |n| n.parse().expect("a number"));
    let outbox = tempfile::tempdir().expect("a folder for the messages");
    let (config, db) = support::database(&[
        ("DATABASE_URL", url.clone()),
        ("QUIRE_MAIL_DIR", outbox.path().display().to_string()),
        ("QUIRE_MAIL_PER_MINUTE", "1000000".to_owned()),
    ])
    .await;
    let author = support::user(&db, "bench_author", quire::accounts::Role::Author).await;
    let now = chrono::Utc::now();
    quire::with_db!(&db, |pool| async {
        let mut tx = pool.begin_write().await?;
        for i in 0..subscribers {
            sqlx::query(
                "INSERT INTO subscribers (email, scope, target_id, token, created_at, confirmed_at)
                 VALUES ($1, 'blog', 0, $2, $3, $3)",
            )
            .bind(format!("reader{i}@example.com"))
            .bind(format!("s.bench-{i}"))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }
    .await)
    .expect("subscribers");
    quire::posts::store::create(
        &db,
        quire::posts::store::NewPost {
            author_id: author,
            title: "A post for every follower".into(),
            slug: "a-post-for-every-follower".into(),
            content: "Words for ten thousand inboxes.\n\n```rust\nfn main() {}\n```\n".repeat(40),
            excerpt: None,
            cover_image: None,
            tags: vec!["bench".into()],
            category_ids: vec![],
            status: quire::posts::PostStatus::Published,
            published_at: Some(now - chrono::TimeDelta::seconds(1)),
        },
    )
    .await
    .expect("a post");

    let mailing = quire::mail::Mailing {
        site: std::sync::Arc::new(quire::site::store::load(&db).await.expect("settings")),
        origin: "https://blog.example.com".into(),
        unsubscribe: quire::mail::unsubscribe::Signer::new(b"bench").expect("an HMAC key"),
    };
    let started = Instant::now();
    let queued = quire::subscriptions::delivery::deliver_due(&db, &mailing)
        .await
        .expect("queue the post");
    let queue_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(queued, subscribers as u64, "every follower queued");

    let sender = quire::mail::sender::Sender::new(db.clone(), &config).expect("a sender");
    let started = Instant::now();
    let (mut sent, mut first, mut peak) = (0_u64, 0.0_f64, 0.0_f64);
    while sender.send_next().await.expect("send") {
        sent += 1;
        if sent % 1000 == 0 {
            let rss = rss_mb();
            if first == 0.0 {
                first = rss;
            }
            peak = peak.max(rss);
        }
    }
    let send_secs = started.elapsed().as_secs_f64();
    let backend = db.backend_name();
    let growth = peak - first;
    println!("| mail ({backend}) | measured | target | |");
    println!("|---|---|---|---|");
    println!(
        "| {subscribers} followers queued for one post | {queue_ms:.0} ms | < {TARGET_QUEUE_MS:.0} ms | {} |",
        verdict(queue_ms < TARGET_QUEUE_MS)
    );
    println!(
        "| memory while sending {sent} (first 1,000 → peak) | {first:.1} → {peak:.1} MB | growth < {TARGET_GROWTH_MB:.0} MB | {} |",
        verdict(growth < TARGET_GROWTH_MB)
    );
    println!(
        "| sending rate (to files, one at a time) | {:.0} messages/s | | |",
        sent as f64 / send_secs
    );
}

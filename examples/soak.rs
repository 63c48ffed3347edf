//! A mixed load against a running quire for a fixed time: reading pages, searching, the API,
//! signing in, commenting, liking and saving drafts. Prints errors, latency percentiles and
//! the server's memory per minute, and the whole run as JSON. Exits 1 when any request
//! failed. Run by scripts/soak.sh, which starts the server and makes the data.
//!
//!   soak BASE_URL SECONDS SERVER_PID [CLIENTS]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The accounts the load signs in as; made at the start, password shared.
const USERS: usize = 16;
const PASSWORD: &str = "soak test passphrase, long enough";
/// Each minute's figures are one bucket.
const BUCKET: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Home,
    Post,
    Search,
    ApiPosts,
    SignIn,
    Comment,
    Like,
    SaveDraft,
}

/// How often each operation is picked, out of 100.
const MIX: [(Op, u32); 8] = [
    (Op::Home, 30),
    (Op::Post, 25),
    (Op::Search, 8),
    (Op::ApiPosts, 12),
    (Op::SignIn, 2),
    (Op::Comment, 8),
    (Op::Like, 8),
    (Op::SaveDraft, 7),
];

#[derive(Default)]
struct Bucket {
    latencies_us: Vec<u64>,
    errors: u64,
    rss_kb: Vec<u64>,
}

#[derive(Default)]
struct Record {
    buckets: BTreeMap<u64, Bucket>,
    per_op: BTreeMap<String, (u64, u64)>,
    first_errors: Vec<String>,
}

struct Shared {
    base: String,
    started: Instant,
    record: Mutex<Record>,
    slugs: Vec<String>,
    post_ids: Vec<String>,
}

impl Shared {
    fn note(&self, op: Op, took: Duration, outcome: Result<(), String>) {
        let bucket = self.started.elapsed().as_secs() / BUCKET.as_secs();
        let mut record = self.record.lock().unwrap_or_else(|e| e.into_inner());
        let failed = outcome.is_err();
        let entry = record.buckets.entry(bucket).or_default();
        entry.latencies_us.push(took.as_micros() as u64);
        entry.errors += u64::from(failed);
        let per_op = record.per_op.entry(format!("{op:?}")).or_default();
        per_op.0 += 1;
        per_op.1 += u64::from(failed);
        if let Err(why) = outcome {
            if record.first_errors.len() < 20 {
                record.first_errors.push(format!("{op:?}: {why}"));
            }
        }
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank] as f64 / 1000.0
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn expect_ok(res: reqwest::Result<reqwest::Response>) -> Result<Value, String> {
    let res = res.map_err(|e| e.to_string())?;
    let status = res.status();
    let text = res.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!(
            "{status}: {}",
            text.chars().take(200).collect::<String>()
        ));
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

struct Client {
    http: reqwest::Client,
    token: String,
    username: String,
    draft: Option<String>,
    rng: u64,
}

impl Client {
    /// xorshift: the load needs no cryptographic randomness, only a spread.
    fn next(&mut self, below: usize) -> usize {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng % below.max(1) as u64) as usize
    }

    async fn run(&mut self, shared: &Shared, op: Op) -> Result<(), String> {
        let base = &shared.base;
        let auth = format!("Bearer {}", self.token);
        match op {
            Op::Home => self.page(&format!("{base}/")).await,
            Op::Post => {
                let slug = &shared.slugs[self.next(shared.slugs.len())];
                self.page(&format!("{base}/posts/{slug}")).await
            }
            Op::Search => {
                const WORDS: [&str; 6] = ["database", "cache", "latency", "kestrel", "rust", "the"];
                let word = WORDS[self.next(WORDS.len())];
                self.page(&format!("{base}/search?q={word}")).await
            }
            Op::ApiPosts => expect_ok(
                self.http
                    .get(format!("{base}/api/posts?limit=20"))
                    .send()
                    .await,
            )
            .await
            .map(|_| ()),
            Op::SignIn => {
                let body = json!({"username": self.username, "password": PASSWORD});
                let answer = expect_ok(
                    self.http
                        .post(format!("{base}/api/auth/login"))
                        .json(&body)
                        .send()
                        .await,
                )
                .await?;
                if let Some(token) = answer["data"]["accessToken"].as_str() {
                    self.token = token.to_owned();
                }
                Ok(())
            }
            Op::Comment => {
                let id = &shared.post_ids[self.next(shared.post_ids.len())];
                let n = self.next(1_000_000);
                let body =
                    json!({"content": format!("Soak comment {n}: measured, and still fast.")});
                expect_ok(
                    self.http
                        .post(format!("{base}/api/posts/{id}/comments"))
                        .header("authorization", &auth)
                        .json(&body)
                        .send()
                        .await,
                )
                .await
                .map(|_| ())
            }
            Op::Like => {
                let id = &shared.post_ids[self.next(shared.post_ids.len())];
                let request = if self.next(2) == 0 {
                    self.http.post(format!("{base}/api/posts/{id}/like"))
                } else {
                    self.http.delete(format!("{base}/api/posts/{id}/like"))
                };
                expect_ok(request.header("authorization", &auth).send().await)
                    .await
                    .map(|_| ())
            }
            Op::SaveDraft => {
                let n = self.next(1_000_000);
                let content = format!("# Draft\n\nRevision {n} of a draft, saved under load.\n\n```rust\nfn main() {{}}\n```");
                let request = match &self.draft {
                    None => self
                        .http
                        .post(format!("{base}/api/posts"))
                        .json(&json!({"title": format!("Soak draft of {}", self.username), "content": content})),
                    Some(id) => self
                        .http
                        .patch(format!("{base}/api/posts/{id}"))
                        .json(&json!({"content": content})),
                };
                let answer = expect_ok(request.header("authorization", &auth).send().await).await?;
                if self.draft.is_none() {
                    self.draft = answer["data"]["id"].as_str().map(str::to_owned);
                }
                Ok(())
            }
        }
    }

    async fn page(&self, url: &str) -> Result<(), String> {
        let res = self.http.get(url).send().await.map_err(|e| e.to_string())?;
        let status = res.status();
        // The whole body, as a browser would read it.
        res.bytes().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("{status} for {url}"))
        }
    }
}

fn pick(roll: usize) -> Op {
    let mut roll = roll as u32;
    for (op, weight) in MIX {
        if roll < weight {
            return op;
        }
        roll -= weight;
    }
    Op::Home
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: soak BASE_URL SECONDS SERVER_PID [CLIENTS]");
        std::process::exit(2);
    }
    let base = args[1].trim_end_matches('/').to_owned();
    let (Ok(seconds), Ok(pid)) = (args[2].parse::<u64>(), args[3].parse::<u32>()) else {
        eprintln!("soak: SECONDS and SERVER_PID must be numbers");
        std::process::exit(2);
    };
    let clients: usize = args.get(4).and_then(|c| c.parse().ok()).unwrap_or(8);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client");

    // Posts to read and write to: the first pages of the listing.
    let mut slugs = Vec::new();
    let mut post_ids = Vec::new();
    let mut cursor = String::new();
    for _ in 0..5 {
        let listing = expect_ok(
            http.get(format!("{base}/api/posts?limit=100&cursor={cursor}"))
                .send()
                .await,
        )
        .await
        .expect("the post listing");
        for post in listing["data"]["posts"].as_array().into_iter().flatten() {
            slugs.push(post["slug"].as_str().unwrap_or_default().to_owned());
            post_ids.push(post["id"].as_str().unwrap_or_default().to_owned());
        }
        match listing["data"]["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert!(
        !slugs.is_empty(),
        "soak needs published posts: run `quire demo` first"
    );

    let run_id = std::process::id();
    let mut users = Vec::new();
    for i in 0..USERS {
        let username = format!("soak{run_id}x{i}");
        let body = json!({"email": format!("{username}@soak.invalid"), "username": username, "password": PASSWORD});
        let answer = expect_ok(
            http.post(format!("{base}/api/auth/register"))
                .json(&body)
                .send()
                .await,
        )
        .await
        .expect("registering a soak user (is QUIRE_AUTH_RATE_LIMIT high enough?)");
        let token = answer["data"]["accessToken"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        users.push((username, token));
    }

    let shared = Arc::new(Shared {
        base,
        started: Instant::now(),
        record: Mutex::new(Record::default()),
        slugs,
        post_ids,
    });
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for n in 0..clients {
        let shared = shared.clone();
        let (username, token) = users[n % users.len()].clone();
        let http = http.clone();
        tasks.push(tokio::spawn(async move {
            let mut client = Client {
                http,
                token,
                username,
                draft: None,
                rng: 0x9E37_79B9_7F4A_7C15 ^ (n as u64 + 1),
            };
            while Instant::now() < deadline {
                let op = pick(client.next(100));
                let started = Instant::now();
                let outcome = client.run(&shared, op).await;
                shared.note(op, started.elapsed(), outcome);
            }
        }));
    }
    // Memory every five seconds while the load runs.
    while Instant::now() < deadline {
        if let Some(kb) = rss_kb(pid) {
            let bucket = shared.started.elapsed().as_secs() / BUCKET.as_secs();
            let mut record = shared.record.lock().unwrap_or_else(|e| e.into_inner());
            record.buckets.entry(bucket).or_default().rss_kb.push(kb);
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    for task in tasks {
        let _ = task.await;
    }

    let record = shared.record.lock().unwrap_or_else(|e| e.into_inner());
    println!("minute  requests  errors   p50 ms   p99 ms   RSS MB (max)");
    let mut minutes = Vec::new();
    let mut total = 0;
    let mut errors = 0;
    for (minute, bucket) in &record.buckets {
        let mut sorted = bucket.latencies_us.clone();
        sorted.sort_unstable();
        let rss_mb = bucket.rss_kb.iter().max().copied().unwrap_or(0) as f64 / 1024.0;
        let (p50, p99) = (percentile(&sorted, 0.5), percentile(&sorted, 0.99));
        println!(
            "{:>6}  {:>8}  {:>6}  {:>7.1}  {:>7.1}  {:>8.1}",
            minute + 1,
            sorted.len(),
            bucket.errors,
            p50,
            p99,
            rss_mb
        );
        total += sorted.len();
        errors += bucket.errors;
        minutes.push(
            json!({"minute": minute + 1, "requests": sorted.len(), "errors": bucket.errors,
                            "p50Ms": p50, "p99Ms": p99, "rssMb": rss_mb}),
        );
    }
    for (op, (count, failed)) in &record.per_op {
        println!("  {op:<10} {count:>8} requests, {failed} failed");
    }
    for error in &record.first_errors {
        println!("  error: {error}");
    }
    println!(
        "{}",
        json!({"seconds": seconds, "clients": clients, "requests": total, "errors": errors, "minutes": minutes})
    );
    if errors > 0 {
        std::process::exit(1);
    }
}

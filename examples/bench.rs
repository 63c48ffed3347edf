//! The benchmark of issue #8, run by scripts/bench.sh, which builds quire, makes the data and
//! starts quire, nginx and the plain static file server. Four steps:
//!
//!   bench first-page URL START_NS
//!       polls URL until it answers 200 and prints the milliseconds since START_NS (Unix
//!       nanoseconds, taken just before the server was started)
//!   bench measure --quire URL --pid PID --nginx URL --static URL --page-file FILE … --out FILE
//!       one backend and size: requests per second and p50/p99 at saturation and at half of
//!       that, the same page bytes from nginx and the static server, comment writes under load,
//!       memory, and what a reader downloads; written as JSON
//!   bench growth --server POSTS=URL --server POSTS=URL … --out FILE
//!       one backend's servers of every size, running at once: home, tag and search latency at
//!       a fixed rate, the servers loaded in turn; written as JSON
//!   bench report FILE… [--growth FILE…] --out FILE
//!       every run of `measure` and `growth` as one table with the issue's targets, and as one
//!       JSON file
//!
//! The load is made by `oha` (its JSON output); nothing here is a measurement but what it and
//! the server report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The post the dataset makes for this benchmark: ~3,000 words, code blocks, 50 comments.
const POST_PATH: &str = "/posts/benchmark-post";
/// A reader's browser; no crawler or script marker, so quire treats every request as a new
/// reader's first look (a new viewer cookie and a counted view), as a real first visit is.
const USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) quire-bench";
/// What a browser asks for; used for the one compressed post-page load.
const BROWSER_ENCODING: &str = "br, gzip";
/// The comment writer posts one comment this often while the read load runs.
const WRITE_EVERY: Duration = Duration::from_millis(100);
/// Each load is preceded by this much unmeasured load on the same address.
const WARM_UP: Duration = Duration::from_secs(1);
/// How many times the post page and its ceilings are loaded in turn.
const CEILING_ROUNDS: usize = 3;
/// The routes whose latency must not grow with the dataset, and the rate (requests per
/// second, the same at every size) their latency is compared at. Half of each run's own peak
/// differs from run to run, and the latency with it: 17,500 against 19,700 req/s gave
/// 0.49 against 0.66 ms for the same kept home page. Even at one rate, loads of one server
/// minutes apart differ by up to a quarter (0.10-0.13 ms), so `bench growth` loads the
/// servers of every size, running side by side, in turn, [`GROWTH_ROUNDS`] times, and
/// compares their median p50s.
const GROWTH_ROUTES: [&str; 3] = ["home", "tag", "search"];
const GROWTH_RATE: f64 = 1000.0;
const GROWTH_ROUNDS: usize = 3;

// The issue's targets.
const TARGET_NGINX_RATIO: f64 = 0.5;
/// Issue #27: a signed-in reader's page against nginx serving its bytes.
const TARGET_SIGNED_IN_RATIO: f64 = 0.25;
const TARGET_EDITOR_RPS: f64 = 2_000.0;
const TARGET_API_TOKEN_RPS: f64 = 20_000.0;
const TARGET_WRITE_P99_MS: f64 = 30.0;
const TARGET_P99_MS: f64 = 20.0;
const TARGET_GROWTH: f64 = 1.2;
const TARGET_RSS_IDLE_MB: f64 = 40.0;
const TARGET_RSS_LOAD_MB: f64 = 120.0;
const TARGET_START_MS: f64 = 1000.0;
const TARGET_START_AT_POSTS: u64 = 100_000;
/// 100 KB, counted as 100,000 bytes.
const TARGET_TRANSFER_BYTES: u64 = 100_000;

#[derive(Parser)]
#[command(about = "quire's benchmark (issue #8); run by scripts/bench.sh")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Milliseconds from START_NS to the first 200 answer of URL
    FirstPage {
        url: String,
        start_ns: u128,
        /// The server's process id: stop waiting when it has ended
        #[arg(long)]
        pid: Option<u32>,
        #[arg(long, default_value_t = 120)]
        timeout_secs: u64,
    },
    /// Measure one running quire (one backend, one dataset size)
    Measure(Measure),
    /// Home, tag and search latency at a fixed rate, servers of several sizes loaded in turn
    Growth(Growth),
    /// Print the table of every run and write them as one JSON file
    Report {
        files: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        /// KEY=VALUE facts about the run (tool versions, settings) kept in the JSON
        #[arg(long = "about")]
        about: Vec<String>,
        /// The summary scripts/lighthouse.sh wrote, checked against the issue's scores
        #[arg(long)]
        lighthouse: Option<PathBuf>,
        /// What `bench growth` wrote, one file per backend
        #[arg(long)]
        growth: Vec<PathBuf>,
    },
}

/// How every load is made: the same load generator, length and connections for each.
#[derive(Args)]
struct LoadArgs {
    #[arg(long, default_value = "oha")]
    oha: String,
    #[arg(long)]
    seconds: u64,
    #[arg(long)]
    connections: u32,
}

impl LoadArgs {
    fn seconds(&self) -> Duration {
        Duration::from_secs(self.seconds)
    }
}

/// The tag page and the search the loads read (both must find posts in the dataset).
#[derive(Args)]
struct Pages {
    #[arg(long, default_value = "rust")]
    tag: String,
    #[arg(long, default_value = "server")]
    search: String,
}

impl Pages {
    /// Every measured route, as (name, path).
    fn routes(&self) -> Vec<(&'static str, String)> {
        vec![
            ("home", "/".to_owned()),
            ("post", POST_PATH.to_owned()),
            ("tag", format!("/tags/{}", self.tag)),
            ("search", format!("/search?q={}", self.search)),
            ("feed", "/feed.xml".to_owned()),
            ("api posts", "/api/posts".to_owned()),
        ]
    }
}

#[derive(Args)]
struct Measure {
    #[command(flatten)]
    load: LoadArgs,
    #[arg(long)]
    quire: String,
    /// The quire server's process id, for its memory
    #[arg(long)]
    pid: u32,
    #[arg(long)]
    nginx: String,
    #[arg(long = "static")]
    static_server: String,
    /// Where the post page's bytes go; nginx and the static server serve this file
    #[arg(long)]
    page_file: PathBuf,
    #[arg(long)]
    backend: String,
    #[arg(long)]
    posts: u64,
    #[arg(long)]
    comments: u64,
    /// From `bench first-page`
    #[arg(long)]
    startup_ms: f64,
    #[command(flatten)]
    pages: Pages,
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct Growth {
    #[command(flatten)]
    load: LoadArgs,
    #[arg(long)]
    backend: String,
    /// POSTS=URL: a running quire with that many posts (two or more)
    #[arg(long = "server", value_parser = posts_and_url, required = true)]
    servers: Vec<(u64, String)>,
    #[command(flatten)]
    pages: Pages,
    #[arg(long)]
    out: PathBuf,
}

fn posts_and_url(arg: &str) -> Result<(u64, String), String> {
    let (posts, url) = arg
        .split_once('=')
        .ok_or_else(|| format!("{arg:?} is not POSTS=URL"))?;
    let posts = posts
        .parse()
        .map_err(|_| format!("{posts:?} is not a number of posts"))?;
    Ok((posts, url.trim_end_matches('/').to_owned()))
}

/// One route of one server at [`GROWTH_RATE`]: every round's load, and the one with the
/// median p50.
#[derive(Serialize, Deserialize, Clone, Debug)]
struct Steady {
    backend: String,
    posts: u64,
    route: String,
    path: String,
    rounds: Vec<Load>,
    median: Load,
}

/// One page in one form factor, as scripts/lighthouse.sh sums up Lighthouse's report.
#[derive(Serialize, Deserialize, Clone, Debug)]
struct Audited {
    page: String,
    form: String,
    /// Category id (performance, accessibility, best-practices, seo) to its score, 0-100.
    scores: BTreeMap<String, u32>,
    metrics: Vec<String>,
    /// Every weighed audit that did not fully pass.
    failed: Vec<FailedAudit>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
struct FailedAudit {
    category: String,
    audit: String,
    title: String,
    value: String,
}

/// One load: what oha saw.
#[derive(Serialize, Deserialize, Clone, Debug)]
struct Load {
    /// The rate asked for (None: as fast as it goes).
    rate_asked: Option<f64>,
    /// 2xx answers per second.
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    requests: u64,
    /// Answers that were not 2xx, and requests that got no answer.
    errors: u64,
    error_kinds: Vec<String>,
    bytes_per_answer: Option<u64>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
struct Route {
    name: String,
    path: String,
    saturation: Load,
    /// At half of the saturation rate; None where only the ceiling matters.
    half: Option<Load>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
struct Writes {
    during: String,
    written: u64,
    errors: u64,
    error_kinds: Vec<String>,
    p50_ms: f64,
    p99_ms: f64,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
struct Download {
    url: String,
    raw: u64,
    gzip: u64,
    br: u64,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
struct Run {
    backend: String,
    posts: u64,
    comments: u64,
    connections: u32,
    seconds: u64,
    load_average_at_start: String,
    startup_ms: f64,
    rss_idle_mb: f64,
    /// VmHWM at the end: the most the server's memory ever was.
    rss_peak_mb: f64,
    /// The most VmRSS seen by sampling every 100 ms during the loads.
    rss_sampled_max_mb: f64,
    routes: Vec<Route>,
    /// The post page's bytes from nginx and from the static server.
    ceilings: Vec<Route>,
    writes: Writes,
    /// Issue #27: the pages of a signed-in reader, the editor, the API with a token.
    #[serde(default)]
    signed_in: Option<SignedIn>,
    /// The post page's HTML first, then every file it makes the browser fetch.
    downloads: Vec<Download>,
}

/// A reader's and a writer's loads (issue #27), with nginx serving each page's same bytes.
#[derive(Serialize, Deserialize, Clone, Debug)]
struct SignedIn {
    routes: Vec<Route>,
    /// nginx serving the bytes of the page of the same name in `routes`.
    ceilings: Vec<Route>,
    /// Comments written while signed-in readers load the post page.
    writes: Writes,
}

struct Account {
    token: String,
    cookie: String,
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("bench: {message}");
    std::process::exit(1);
}

fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    match Cli::parse().command {
        Command::FirstPage {
            url,
            start_ns,
            pid,
            timeout_secs,
        } => first_page(&url, start_ns, pid, timeout_secs).await,
        Command::Measure(measure) => write_json(&measure.out, &measure.run().await),
        Command::Growth(growth) => write_json(&growth.out, &growth.run().await),
        Command::Report {
            files,
            out,
            about,
            lighthouse,
            growth,
        } => report(&files, &out, &about, lighthouse.as_deref(), &growth),
    }
}

fn write_json(out: &Path, value: &impl Serialize) {
    let text = serde_json::to_string_pretty(value).expect("results serialize");
    std::fs::write(out, text).unwrap_or_else(|e| fail(format!("writing {}: {e}", out.display())));
}

async fn first_page(url: &str, start_ns: u128, pid: Option<u32>, timeout_secs: u64) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("an HTTP client");
    let deadline = Instant::now() + Duration::from_secs(timeout_secs);
    while Instant::now() < deadline {
        if let Ok(res) = http.get(url).header("user-agent", USER_AGENT).send().await {
            if res.status().is_success() && res.bytes().await.is_ok() {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .expect("the clock is after 1970")
                    .as_nanos();
                println!("{:.1}", now.saturating_sub(start_ns) as f64 / 1e6);
                return;
            }
        }
        if pid.is_some_and(|pid| !running(pid)) {
            fail(format!("the server ended before answering {url}"));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    fail(format!("{url} did not answer 200 within {timeout_secs} s"));
}

/// Whether the process lives (a zombie, ended but not yet reaped, does not).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .next()?
                .to_owned();
            Some(state != "Z" && state != "X")
        })
        .unwrap_or(false)
}

/// Samples the server's VmRSS until dropped, keeping the largest.
struct RssSampler {
    stop: Arc<AtomicBool>,
    max_kb: Arc<AtomicU64>,
}

impl RssSampler {
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let max_kb = Arc::new(AtomicU64::new(0));
        let (s, m) = (stop.clone(), max_kb.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if let Some(kb) = proc_status_kb(pid, "VmRSS:") {
                    m.fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Self { stop, max_kb }
    }

    fn max_mb(&self) -> f64 {
        mb(self.max_kb.load(Ordering::Relaxed))
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Measure {
    async fn run(&self) -> Run {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client");
        let load_average = std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();

        // Idle: started, one page answered, then left alone for a second.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss_idle_kb = proc_status_kb(self.pid, "VmRSS:")
            .unwrap_or_else(|| fail(format!("no /proc/{}/status: is quire running?", self.pid)));
        let sampler = RssSampler::start(self.pid);

        // The post page's exact bytes, fetched anonymously, for nginx and the static server.
        let page = fetch(&http, &self.url(POST_PATH), "identity").await;
        if let Some(dir) = self.page_file.parent() {
            std::fs::create_dir_all(dir)
                .unwrap_or_else(|e| fail(format!("creating {}: {e}", dir.display())));
        }
        std::fs::write(&self.page_file, &page)
            .unwrap_or_else(|e| fail(format!("writing {}: {e}", self.page_file.display())));
        for base in [&self.nginx, &self.static_server] {
            let copy = fetch(&http, &format!("{base}{POST_PATH}"), "identity").await;
            if copy != page {
                fail(format!(
                    "{base}{POST_PATH} does not serve the saved page's bytes"
                ));
            }
        }
        let downloads = self.downloads(&http, &page).await;
        self.check_data(&http).await;

        let mut measured = Vec::new();
        let mut ceilings = Vec::new();
        for (name, path) in self.pages.routes() {
            if name != "post" {
                let url = self.url(&path);
                measured.push(self.route(name, &url, &path, true, None, &[]).await);
                continue;
            }
            let (post, post_ceilings) = self.post_against_ceilings().await;
            measured.push(post);
            ceilings = post_ceilings;
            measured.push(
                self.route(
                    "post, compressed",
                    &self.url(POST_PATH),
                    POST_PATH,
                    false,
                    Some(BROWSER_ENCODING),
                    &[],
                )
                .await,
            );
        }

        let writer = self.account(&http, "writer").await;
        let (post_load, writes) = self
            .writes_under_load(&http, &writer, "post, with writes", &[])
            .await;
        measured.push(post_load);
        let signed_in = Some(self.signed_in(&http, &writer).await);

        let rss_peak_kb = proc_status_kb(self.pid, "VmHWM:").unwrap_or(0);
        Run {
            backend: self.backend.clone(),
            posts: self.posts,
            comments: self.comments,
            connections: self.load.connections,
            seconds: self.load.seconds,
            load_average_at_start: load_average,
            startup_ms: self.startup_ms,
            rss_idle_mb: mb(rss_idle_kb),
            rss_peak_mb: mb(rss_peak_kb),
            rss_sampled_max_mb: sampler.max_mb(),
            routes: measured,
            ceilings,
            writes,
            signed_in,
            downloads,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.quire)
    }

    /// The data the loads read must be there: a tag page and a search with posts in them.
    async fn check_data(&self, http: &reqwest::Client) {
        for query in [
            format!("tags={}", self.pages.tag),
            format!("search={}", self.pages.search),
        ] {
            let url = self.url(&format!("/api/posts?limit=1&{query}"));
            let body = fetch(http, &url, "identity").await;
            let answer: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let found = answer["data"]["posts"]
                .as_array()
                .is_some_and(|p| !p.is_empty());
            if !found {
                fail(format!(
                    "{url} finds no posts: pick another BENCH_TAG or BENCH_SEARCH"
                ));
            }
        }
    }

    /// Saturation, then (when `half`) a fixed rate of half of what saturation reached.
    async fn route(
        &self,
        name: &str,
        url: &str,
        path: &str,
        half: bool,
        encoding: Option<&str>,
        headers: &[String],
    ) -> Route {
        let saturation = self.saturate(url, encoding, headers).await;
        let half = if half {
            self.at_half_of(&saturation, url, encoding, headers).await
        } else {
            None
        };
        route_line(name, &saturation, half.as_ref());
        Route {
            name: name.to_owned(),
            path: path.to_owned(),
            saturation,
            half,
        }
    }

    /// The post page and the same bytes from nginx and from the static server, loaded in
    /// turn [`CEILING_ROUNDS`] times; each gets the round with its median throughput. A
    /// busy moment of this shared machine then cannot fall on one side of the ratio alone
    /// (single loads of the same server here differ by up to a third).
    async fn post_against_ceilings(&self) -> (Route, Vec<Route>) {
        let targets = [
            ("post", self.url(POST_PATH)),
            ("nginx", format!("{}{POST_PATH}", self.nginx)),
            (
                "static server",
                format!("{}{POST_PATH}", self.static_server),
            ),
        ];
        let mut rounds: Vec<Vec<Load>> = vec![Vec::new(); targets.len()];
        for round in 1..=CEILING_ROUNDS {
            for ((name, url), loads) in targets.iter().zip(&mut rounds) {
                let load = self.saturate(url, None, &[]).await;
                eprintln!("  {name:<18} {:>9.1} req/s  (round {round})", load.rps);
                loads.push(load);
            }
        }
        let mut routes = targets
            .iter()
            .zip(rounds)
            .map(|((name, _), loads)| Route {
                name: (*name).to_owned(),
                path: POST_PATH.to_owned(),
                saturation: median_by(loads, |load| load.rps),
                half: None,
            })
            .collect::<Vec<_>>();
        let mut post = routes.remove(0);
        post.half = self
            .at_half_of(&post.saturation, &targets[0].1, None, &[])
            .await;
        for route in std::iter::once(&post).chain(&routes) {
            route_line(&route.name, &route.saturation, route.half.as_ref());
        }
        (post, routes)
    }

    /// A warm-up, then a load as fast as it goes.
    async fn saturate(&self, url: &str, encoding: Option<&str>, headers: &[String]) -> Load {
        oha(&self.load, url, WARM_UP, None, encoding, headers).await;
        oha(
            &self.load,
            url,
            self.load.seconds(),
            None,
            encoding,
            headers,
        )
        .await
    }

    /// A load at a fixed half of the rate `saturation` reached.
    async fn at_half_of(
        &self,
        saturation: &Load,
        url: &str,
        encoding: Option<&str>,
        headers: &[String],
    ) -> Option<Load> {
        if saturation.rps < 2.0 {
            return None;
        }
        Some(
            oha(
                &self.load,
                url,
                self.load.seconds(),
                Some(saturation.rps / 2.0),
                encoding,
                headers,
            )
            .await,
        )
    }

    /// A new account (registered and signed in through the API): its token, and a cookie
    /// of a browser signed in as it (through the sign-in form's server function).
    async fn account(&self, http: &reqwest::Client, role: &str) -> Account {
        let username = format!("bench{role}{}", std::process::id());
        let password = "benchmark passphrase, long enough";
        let register = json!({"email": format!("{username}@bench.invalid"), "username": username, "password": password});
        api(http.post(self.url("/api/auth/register")).json(&register))
            .await
            .unwrap_or_else(|e| fail(format!("registering {username}: {e}")));
        let login = json!({"username": username, "password": password});
        let session = api(http.post(self.url("/api/auth/login")).json(&login))
            .await
            .unwrap_or_else(|e| fail(format!("signing in {username}: {e}")));
        let token = session["data"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| fail("the sign-in answer has no accessToken"))
            .to_owned();
        // Its own client: the cookie is on the sign-in's answer, not on where it redirects.
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        let signed_in = browser
            .post(self.url("/rpc/accounts/sign_in"))
            .form(&[("login", username.as_str()), ("password", password)])
            .send()
            .await
            .unwrap_or_else(|e| fail(format!("signing {username} in as a browser: {e}")));
        let cookie = signed_in
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.contains("quire_session="))
            .and_then(|v| v.split(';').next())
            .unwrap_or_else(|| fail(format!("signing {username} in gave no session cookie")))
            .to_owned();
        Account { token, cookie }
    }

    /// Issue #27: a signed-in reader's post and home pages, each against nginx serving the
    /// same bytes; the editor for its author; `/api/posts` with a token; comments written
    /// while signed-in readers load the post page.
    async fn signed_in(&self, http: &reqwest::Client, writer: &Account) -> SignedIn {
        let reader = self.account(http, "reader").await;
        let as_reader = vec![format!("cookie: {}", reader.cookie)];
        let dir = self
            .page_file
            .parent()
            .unwrap_or_else(|| fail("the page file has no folder"));
        let mut routes = Vec::new();
        let mut ceilings = Vec::new();
        for (name, path, copy) in [
            ("post, signed in", POST_PATH, "benchmark-post.signed-in"),
            ("home, signed in", "/", "home.signed-in"),
        ] {
            let page = fetch_as(http, &self.url(path), &reader.cookie).await;
            if !String::from_utf8_lossy(&page).contains("Account menu for") {
                fail(format!(
                    "{path} as the signed-in reader shows no account menu"
                ));
            }
            let file = dir.join(copy);
            std::fs::write(&file, &page)
                .unwrap_or_else(|e| fail(format!("writing {}: {e}", file.display())));
            let copy_path = format!("/posts/{copy}");
            let copy_url = format!("{}{copy_path}", self.nginx);
            if fetch(http, &copy_url, "identity").await != page {
                fail(format!("{copy_url} does not serve the saved page's bytes"));
            }
            routes.push(
                self.route(name, &self.url(path), path, true, None, &as_reader)
                    .await,
            );
            let ceiling = Route {
                name: format!("nginx, {name}"),
                path: copy_path,
                saturation: self.saturate(&copy_url, None, &[]).await,
                half: None,
            };
            route_line(&ceiling.name, &ceiling.saturation, None);
            ceilings.push(ceiling);
        }

        let draft = json!({"title": "A draft for the benchmark", "content": "Written by the benchmark.\n\n## A heading\n\nAnd a paragraph."});
        let created = api(http
            .post(self.url("/api/posts"))
            .bearer_auth(&writer.token)
            .json(&draft))
        .await
        .unwrap_or_else(|e| fail(format!("the writer's draft: {e}")));
        let draft_id = created["data"]["id"]
            .as_str()
            .unwrap_or_else(|| fail("the draft has no id"))
            .to_owned();
        let editor = format!("/editor/{draft_id}");
        let as_writer = vec![format!("cookie: {}", writer.cookie)];
        routes.push(
            self.route(
                "editor, its author",
                &self.url(&editor),
                &editor,
                false,
                None,
                &as_writer,
            )
            .await,
        );
        let as_client = vec![format!("authorization: Bearer {}", reader.token)];
        routes.push(
            self.route(
                "api posts, token",
                &self.url("/api/posts"),
                "/api/posts",
                false,
                None,
                &as_client,
            )
            .await,
        );
        let (load, writes) = self
            .writes_under_load(http, writer, "post signed in, with writes", &as_reader)
            .await;
        routes.push(load);
        SignedIn {
            routes,
            ceilings,
            writes,
        }
    }

    /// The benchmark post's id, as the API names it.
    async fn post_id(&self, http: &reqwest::Client) -> String {
        let post = api(http.get(self.url("/api/posts/benchmark-post")))
            .await
            .unwrap_or_else(|e| fail(format!("the benchmark post: {e}")));
        post["data"]["id"]
            .as_str()
            .unwrap_or_else(|| fail("the benchmark post has no id"))
            .to_owned()
    }

    /// `writer` writes a comment every WRITE_EVERY on the benchmark post through the API
    /// while the post page is loaded at saturation (with `headers`: as a signed-in reader).
    /// The comments wait for moderation, so the page readers get stays the same.
    async fn writes_under_load(
        &self,
        http: &reqwest::Client,
        writer: &Account,
        name: &str,
        headers: &[String],
    ) -> (Route, Writes) {
        let token = writer.token.clone();
        let post_id = self.post_id(http).await;
        oha(
            &self.load,
            &self.url(POST_PATH),
            WARM_UP,
            None,
            None,
            headers,
        )
        .await;
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (http, stop) = (http.clone(), stop.clone());
            let url = self.url(&format!("/api/posts/{post_id}/comments"));
            tokio::spawn(async move {
                let mut took = Vec::new();
                let mut errors = Vec::new();
                let mut tick = tokio::time::interval(WRITE_EVERY);
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    n += 1;
                    let body =
                        json!({"content": format!("Benchmark comment {n}, written under load.")});
                    let started = Instant::now();
                    let request = http.post(&url).bearer_auth(&token).json(&body);
                    match api(request).await {
                        Ok(_) => took.push(started.elapsed().as_secs_f64() * 1000.0),
                        Err(e) => errors.push(e),
                    }
                }
                (took, errors)
            })
        };
        let load = oha(
            &self.load,
            &self.url(POST_PATH),
            self.load.seconds(),
            None,
            None,
            headers,
        )
        .await;
        stop.store(true, Ordering::Relaxed);
        let (mut took, errors) = writer
            .await
            .unwrap_or_else(|e| fail(format!("the comment writer: {e}")));
        took.sort_by(f64::total_cmp);
        let failed = errors.len() as u64;
        let mut error_kinds = errors;
        error_kinds.dedup();
        error_kinds.truncate(5);
        let writes =
            Writes {
                during: format!(
                "the post page{} at saturation ({} connections); one writer, a comment every {} ms",
                if headers.is_empty() { "" } else { " for a signed-in reader" },
                self.load.connections,
                WRITE_EVERY.as_millis()
            ),
                written: took.len() as u64,
                errors: failed,
                error_kinds,
                p50_ms: percentile(&took, 0.5),
                p99_ms: percentile(&took, 0.99),
            };
        eprintln!(
            "  comment writes     {} written, {} failed, p50 {:.2} ms, p99 {:.2} ms (post page meanwhile {:.1} req/s)",
            writes.written, writes.errors, writes.p50_ms, writes.p99_ms, load.rps
        );
        let route = Route {
            name: name.to_owned(),
            path: POST_PATH.to_owned(),
            saturation: load,
            half: None,
        };
        (route, writes)
    }

    /// The post page's HTML and every file it makes the browser fetch, each as sent raw,
    /// gzip'd and brotli'd (what quire answers to each Accept-Encoding).
    async fn downloads(&self, http: &reqwest::Client, page: &[u8]) -> Vec<Download> {
        let html = String::from_utf8_lossy(page);
        let mut urls = vec![POST_PATH.to_owned()];
        urls.extend(asset_urls(&html));
        let mut downloads = Vec::new();
        for path in urls {
            let url = self.url(&path);
            let raw = fetch(http, &url, "identity").await.len() as u64;
            let gzip = fetch(http, &url, "gzip").await.len() as u64;
            let br = fetch(http, &url, "br").await.len() as u64;
            downloads.push(Download {
                url: path,
                raw,
                gzip,
                br,
            });
        }
        downloads
    }
}

impl Growth {
    /// Each round loads every route of every server once, at [`GROWTH_RATE`] after a second
    /// of warm-up at that rate; the servers' order flips every round, so neither size is
    /// always the one loaded first (or always right after the other).
    async fn run(&self) -> Vec<Steady> {
        if self.servers.len() < 2 {
            fail("growth compares two or more servers (--server POSTS=URL)");
        }
        let routes: Vec<(&str, String)> = self
            .pages
            .routes()
            .into_iter()
            .filter(|(name, _)| GROWTH_ROUTES.contains(name))
            .collect();
        let mut rounds: BTreeMap<(u64, &str), Vec<Load>> = BTreeMap::new();
        for round in 1..=GROWTH_ROUNDS {
            let mut servers: Vec<&(u64, String)> = self.servers.iter().collect();
            if round % 2 == 0 {
                servers.reverse();
            }
            for (name, path) in &routes {
                for (posts, base) in &servers {
                    let url = format!("{base}{path}");
                    oha(&self.load, &url, WARM_UP, Some(GROWTH_RATE), None, &[]).await;
                    let load = oha(
                        &self.load,
                        &url,
                        self.load.seconds(),
                        Some(GROWTH_RATE),
                        None,
                        &[],
                    )
                    .await;
                    eprintln!(
                        "  {name:<8} {:>9} posts  p50 {:.3} ms  p99 {:.2} ms  (round {round})",
                        thousands(*posts),
                        load.p50_ms,
                        load.p99_ms
                    );
                    rounds.entry((*posts, name)).or_default().push(load);
                }
            }
        }
        let mut steadies = Vec::new();
        for (posts, _) in &self.servers {
            for (name, path) in &routes {
                let loads = rounds.remove(&(*posts, *name)).unwrap_or_default();
                steadies.push(Steady {
                    backend: self.backend.clone(),
                    posts: *posts,
                    route: (*name).to_owned(),
                    path: path.clone(),
                    median: median_by(loads.clone(), |load| load.p50_ms),
                    rounds: loads,
                });
            }
        }
        steadies
    }
}

/// The load in the middle of `loads` ordered by `key` (the upper one of an even count).
fn median_by(mut loads: Vec<Load>, key: fn(&Load) -> f64) -> Load {
    loads.sort_by(|a, b| key(a).total_cmp(&key(b)));
    loads.swap_remove(loads.len() / 2)
}

/// One measured route's line of progress.
fn route_line(name: &str, saturation: &Load, half: Option<&Load>) {
    eprintln!(
        "  {name:<18} {:>9.1} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms{}",
        saturation.rps,
        saturation.p50_ms,
        saturation.p99_ms,
        half.map(|h| format!(
            "  | at {:.0}/s: p50 {:.2} ms  p99 {:.2} ms",
            h.rps, h.p50_ms, h.p99_ms
        ))
        .unwrap_or_default()
    );
}

/// GET as an anonymous reader, asking for one encoding; the body as it came (not decoded).
async fn fetch(http: &reqwest::Client, url: &str, encoding: &str) -> Vec<u8> {
    let res = http
        .get(url)
        .header("user-agent", USER_AGENT)
        .header("accept-encoding", encoding)
        .send()
        .await
        .unwrap_or_else(|e| fail(format!("GET {url}: {e}")));
    let status = res.status();
    if !status.is_success() {
        fail(format!("GET {url}: {status}"));
    }
    res.bytes()
        .await
        .unwrap_or_else(|e| fail(format!("GET {url}: {e}")))
        .to_vec()
}

/// A page as the browser signed in with `cookie` gets it, uncompressed.
async fn fetch_as(http: &reqwest::Client, url: &str, cookie: &str) -> Vec<u8> {
    let res = http
        .get(url)
        .header("user-agent", USER_AGENT)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap_or_else(|e| fail(format!("GET {url}: {e}")));
    if !res.status().is_success() {
        fail(format!("GET {url} signed in: {}", res.status()));
    }
    res.bytes()
        .await
        .unwrap_or_else(|e| fail(format!("GET {url}: {e}")))
        .to_vec()
}

/// An API call; the answer's JSON, or why it failed.
async fn api(request: reqwest::RequestBuilder) -> Result<Value, String> {
    let res = request.send().await.map_err(|e| e.to_string())?;
    let status = res.status();
    let text = res.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!(
            "{status}: {}",
            text.chars().take(160).collect::<String>()
        ));
    }
    serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))
}

/// Same-origin files the page makes a browser fetch: stylesheets, preloads, the icon,
/// scripts, and the hydration script's `/pkg/` imports (the JS and the wasm).
fn asset_urls(html: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    let mut add = |url: &str| {
        if url.starts_with('/') && !url.starts_with("//") && !urls.iter().any(|u| u == url) {
            urls.push(url.to_owned());
        }
    };
    for tag in tags(html, "<link") {
        let rel = attribute(tag, "rel").unwrap_or_default();
        if ["stylesheet", "modulepreload", "preload", "icon"].contains(&rel) {
            if let Some(href) = attribute(tag, "href") {
                add(href);
            }
        }
    }
    for tag in tags(html, "<script") {
        if let Some(src) = attribute(tag, "src") {
            add(src);
        }
    }
    for (at, _) in html.match_indices("/pkg/") {
        let rest = &html[at..];
        let end = rest
            .find(['"', '\'', '`', ' ', ')', '<', '>'])
            .unwrap_or(rest.len());
        add(&rest[..end]);
    }
    urls
}

/// Every `<name …>` opening tag's text.
fn tags<'a>(html: &'a str, open: &str) -> Vec<&'a str> {
    html.match_indices(open)
        .filter_map(|(at, _)| html[at..].find('>').map(|end| &html[at..at + end]))
        .collect()
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    for quote in ['"', '\''] {
        let key = format!(" {name}={quote}");
        if let Some(at) = tag.find(&key) {
            let value = &tag[at + key.len()..];
            return value.find(quote).map(|end| &value[..end]);
        }
    }
    None
}

/// One oha run: `duration` at saturation, or at `rate` requests per second (with oha's
/// correction for coordinated omission), with the connections of the whole benchmark.
async fn oha(
    load: &LoadArgs,
    url: &str,
    duration: Duration,
    rate: Option<f64>,
    encoding: Option<&str>,
    headers: &[String],
) -> Load {
    let mut command = tokio::process::Command::new(&load.oha);
    command
        .args(["--no-tui", "--output-format", "json", "-w"])
        .args(["-z", &format!("{}ms", duration.as_millis())])
        .args(["-c", &load.connections.to_string()])
        .args(["-H", &format!("user-agent: {USER_AGENT}")]);
    match encoding {
        // Bodies as they are: quire, nginx and the static server send the same bytes.
        None => command.arg("--disable-compression"),
        Some(encoding) => command
            .arg("--disable-compression")
            .args(["-H", &format!("accept-encoding: {encoding}")]),
    };
    for header in headers {
        command.args(["-H", header]);
    }
    if let Some(rate) = rate {
        command
            .args(["-q", &format!("{rate:.1}")])
            .arg("--latency-correction");
    }
    command.arg(url).stdin(Stdio::null()).kill_on_drop(true);
    let out = command
        .output()
        .await
        .unwrap_or_else(|e| fail(format!("running {}: {e}", load.oha)));
    if !out.status.success() {
        fail(format!(
            "oha {url}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let result: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| fail(format!("oha's JSON for {url}: {e}")));
    let seconds = result["summary"]["total"].as_f64().unwrap_or(0.0);
    let mut ok = 0;
    let mut requests = 0;
    let mut error_kinds = Vec::new();
    if let Some(codes) = result["statusCodeDistribution"].as_object() {
        for (code, count) in codes {
            let count = count.as_u64().unwrap_or(0);
            requests += count;
            if code.starts_with('2') {
                ok += count;
            } else {
                error_kinds.push(format!("HTTP {code}: {count}"));
            }
        }
    }
    if let Some(errors) = result["errorDistribution"].as_object() {
        for (error, count) in errors {
            let count = count.as_u64().unwrap_or(0);
            requests += count;
            error_kinds.push(format!("{error}: {count}"));
        }
    }
    let latency = &result["metrics"]["latency_ms"];
    Load {
        rate_asked: rate,
        rps: if seconds > 0.0 {
            ok as f64 / seconds
        } else {
            0.0
        },
        p50_ms: latency["p50"].as_f64().unwrap_or(f64::NAN),
        p99_ms: latency["p99"].as_f64().unwrap_or(f64::NAN),
        requests,
        errors: requests - ok,
        error_kinds,
        bytes_per_answer: result["summary"]["sizePerRequest"].as_u64(),
    }
}

/// One line of the targets: what, the figure, the target, and whether it is met (None: it
/// does not apply to this run).
#[derive(Serialize)]
struct Check {
    run: String,
    what: String,
    figure: String,
    target: String,
    pass: Option<bool>,
}

fn run_name(run: &Run) -> String {
    format!("{} {}", run.backend, thousands(run.posts))
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

fn checks_for(run: &Run) -> Vec<Check> {
    let name = run_name(run);
    let mut checks = Vec::new();
    let mut check = |what: String, figure: String, target: String, pass: Option<bool>| {
        checks.push(Check {
            run: name.clone(),
            what,
            figure,
            target,
            pass,
        });
    };
    let post = run.routes.iter().find(|r| r.name == "post");
    for ceiling in &run.ceilings {
        if let Some(post) = post {
            let ratio = post.saturation.rps / ceiling.saturation.rps;
            let target = if ceiling.name == "nginx" {
                format!("≥ {:.0} %", TARGET_NGINX_RATIO * 100.0)
            } else {
                "(no target)".to_owned()
            };
            let pass = (ceiling.name == "nginx").then_some(ratio >= TARGET_NGINX_RATIO);
            check(
                format!("post page / {} throughput", ceiling.name),
                format!("{:.1} %", ratio * 100.0),
                target,
                pass,
            );
        }
    }
    if let Some(signed_in) = &run.signed_in {
        for ceiling in &signed_in.ceilings {
            let page = ceiling.name.trim_start_matches("nginx, ");
            if let Some(route) = signed_in.routes.iter().find(|r| r.name == page) {
                let ratio = route.saturation.rps / ceiling.saturation.rps;
                check(
                    format!("{page} / nginx throughput"),
                    format!("{:.1} %", ratio * 100.0),
                    format!("≥ {:.0} %", TARGET_SIGNED_IN_RATIO * 100.0),
                    Some(ratio >= TARGET_SIGNED_IN_RATIO),
                );
            }
        }
        for (page, target) in [
            ("editor, its author", TARGET_EDITOR_RPS),
            ("api posts, token", TARGET_API_TOKEN_RPS),
        ] {
            if let Some(route) = signed_in.routes.iter().find(|r| r.name == page) {
                check(
                    format!("{page} throughput"),
                    format!("{} req/s", thousands(route.saturation.rps as u64)),
                    format!("≥ {} req/s", thousands(target as u64)),
                    Some(route.saturation.rps >= target),
                );
            }
        }
        let writes = &signed_in.writes;
        check(
            "comment p99 while signed-in readers load the post".to_owned(),
            format!("{:.2} ms", writes.p99_ms),
            format!("≤ {TARGET_WRITE_P99_MS:.0} ms"),
            Some(writes.p99_ms <= TARGET_WRITE_P99_MS && writes.errors == 0 && writes.written > 0),
        );
    }
    let signed_in_routes = run
        .signed_in
        .iter()
        .flat_map(|s| s.routes.iter().chain(&s.ceilings));
    for route in run.routes.iter().chain(signed_in_routes.clone()) {
        if let Some(half) = &route.half {
            check(
                format!("p99 at 50 % of peak: {}", route.name),
                format!("{:.2} ms", half.p99_ms),
                format!("≤ {TARGET_P99_MS:.0} ms"),
                Some(half.p99_ms <= TARGET_P99_MS && half.errors == 0),
            );
        }
    }
    check(
        "RSS idle".to_owned(),
        format!("{:.1} MB", run.rss_idle_mb),
        format!("≤ {TARGET_RSS_IDLE_MB:.0} MB"),
        Some(run.rss_idle_mb <= TARGET_RSS_IDLE_MB),
    );
    check(
        "RSS under load (VmHWM)".to_owned(),
        format!("{:.1} MB", run.rss_peak_mb),
        format!("≤ {TARGET_RSS_LOAD_MB:.0} MB"),
        Some(run.rss_peak_mb <= TARGET_RSS_LOAD_MB),
    );
    let applies = run.posts >= TARGET_START_AT_POSTS;
    check(
        "start to first page".to_owned(),
        format!("{:.0} ms", run.startup_ms),
        format!(
            "≤ {TARGET_START_MS:.0} ms at {}",
            thousands(TARGET_START_AT_POSTS)
        ),
        applies.then_some(run.startup_ms <= TARGET_START_MS),
    );
    let total_br: u64 = run.downloads.iter().map(|d| d.br).sum();
    check(
        "reader's post page, compressed (br)".to_owned(),
        kb(total_br),
        format!("≤ {}", kb(TARGET_TRANSFER_BYTES)),
        Some(total_br <= TARGET_TRANSFER_BYTES),
    );
    let errors: u64 = run
        .routes
        .iter()
        .chain(&run.ceilings)
        .chain(signed_in_routes)
        .flat_map(|r| std::iter::once(&r.saturation).chain(&r.half))
        .map(|l| l.errors)
        .sum::<u64>()
        + run.writes.errors
        + run.signed_in.as_ref().map_or(0, |s| s.writes.errors);
    check(
        "failed requests".to_owned(),
        errors.to_string(),
        "0".to_owned(),
        Some(errors == 0),
    );
    checks
}

/// Lighthouse's four scores for one page and form, and its accessibility audits (axe-core's
/// rules): every score 100, no rule violated.
fn lighthouse_checks(audited: &Audited) -> Vec<Check> {
    let run = format!("lighthouse {}", audited.form);
    let categories = ["performance", "accessibility", "best-practices", "seo"];
    let scores: Vec<Option<u32>> = categories
        .iter()
        .map(|id| audited.scores.get(*id).copied())
        .collect();
    let figure = scores
        .iter()
        .map(|score| score.map_or("?".to_owned(), |s| s.to_string()))
        .collect::<Vec<_>>()
        .join(" / ");
    let violations: Vec<&str> = audited
        .failed
        .iter()
        .filter(|f| f.category == "accessibility")
        .map(|f| f.audit.as_str())
        .collect();
    vec![
        Check {
            run: run.clone(),
            what: format!("{} scores (P / A / BP / SEO)", audited.page),
            figure,
            target: "100 each".to_owned(),
            pass: Some(scores.iter().all(|s| *s == Some(100))),
        },
        Check {
            run,
            what: format!("{} axe-core violations", audited.page),
            figure: if violations.is_empty() {
                "0".to_owned()
            } else {
                violations.join(", ")
            },
            target: "0".to_owned(),
            pass: Some(violations.is_empty()),
        },
    ]
}

/// Home, tag and search latency (the median p50 at [`GROWTH_RATE`]) at the largest size
/// against the smallest, per backend; a backend measured without `bench growth` (one size, or
/// a server that did not start) still gets its rows, as not measured.
fn growth_checks(runs: &[Run], steadies: &[Steady]) -> Vec<Check> {
    let mut backends: Vec<&str> = runs
        .iter()
        .map(|r| r.backend.as_str())
        .chain(steadies.iter().map(|s| s.backend.as_str()))
        .collect();
    backends.sort_unstable();
    backends.dedup();
    let mut checks = Vec::new();
    for backend in backends {
        for name in GROWTH_ROUTES {
            let mut sizes: Vec<&Steady> = steadies
                .iter()
                .filter(|s| s.backend == backend && s.route == name)
                .collect();
            sizes.sort_by_key(|s| s.posts);
            let target = format!("≤ {TARGET_GROWTH}× (100,000 vs 1,000)");
            let [small, .., large] = sizes.as_slice() else {
                checks.push(Check {
                    run: backend.to_owned(),
                    what: format!("{name} p50 at {GROWTH_RATE:.0}/s, 100,000 vs 1,000 posts"),
                    figure: "not measured at two sizes".to_owned(),
                    target,
                    pass: None,
                });
                continue;
            };
            let (a, b) = (small.median.p50_ms, large.median.p50_ms);
            let errors: u64 = [small, large]
                .iter()
                .flat_map(|s| &s.rounds)
                .map(|l| l.errors)
                .sum();
            let applies = small.posts <= 1_000 && large.posts >= 100_000;
            checks.push(Check {
                run: backend.to_owned(),
                what: format!(
                    "{name} p50 at {GROWTH_RATE:.0}/s, {} vs {} posts",
                    thousands(large.posts),
                    thousands(small.posts)
                ),
                figure: format!("{a:.3} → {b:.3} ms ({:.2}×)", b / a),
                target,
                pass: applies.then_some(b / a <= TARGET_GROWTH && errors == 0),
            });
        }
    }
    checks
}

fn read_json<T: serde::de::DeserializeOwned>(file: &Path, what: &str) -> T {
    let text = std::fs::read_to_string(file)
        .unwrap_or_else(|e| fail(format!("reading {}: {e}", file.display())));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| fail(format!("{} is no {what}: {e}", file.display())))
}

fn report(
    files: &[PathBuf],
    out: &PathBuf,
    about: &[String],
    lighthouse: Option<&Path>,
    growth: &[PathBuf],
) {
    let mut runs: Vec<Run> = files.iter().map(|file| read_json(file, "run")).collect();
    runs.sort_by(|a, b| (&a.backend, a.posts).cmp(&(&b.backend, b.posts)));
    if runs.is_empty() {
        fail("no runs to report");
    }

    let steadies: Vec<Steady> = growth
        .iter()
        .flat_map(|file| read_json::<Vec<Steady>>(file, "growth measurement"))
        .collect();

    for run in &runs {
        print_run(run);
    }
    print_growth(&steadies);
    let mut checks: Vec<Check> = runs.iter().flat_map(checks_for).collect();
    checks.extend(growth_checks(&runs, &steadies));
    let audits: Vec<Audited> =
        lighthouse.map_or_else(Vec::new, |file| read_json(file, "Lighthouse summary"));
    checks.extend(audits.iter().flat_map(lighthouse_checks));

    println!("\n\x1b[1mTargets\x1b[0m");
    println!(
        "{:<18} {:<48} {:>26}  {:<24} result",
        "run", "what", "figure", "target"
    );
    for c in &checks {
        let result = match c.pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "n/a",
        };
        println!(
            "{:<18} {:<48} {:>26}  {:<24} {result}",
            c.run, c.what, c.figure, c.target
        );
    }
    let passed = checks.iter().filter(|c| c.pass == Some(true)).count();
    let failed = checks.iter().filter(|c| c.pass == Some(false)).count();
    println!(
        "{passed} targets met, {failed} missed, {} not applicable to the sizes run",
        checks.len() - passed - failed
    );

    let about: serde_json::Map<String, Value> = about
        .iter()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
        .collect();
    let document = json!({
        "about": about,
        "runs": runs,
        "growth": steadies,
        "lighthouse": audits,
        "checks": checks,
        "passed": passed,
        "failed": failed,
    });
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| fail(format!("creating {}: {e}", dir.display())));
    }
    let text = serde_json::to_string_pretty(&document).expect("the report serializes");
    std::fs::write(out, text).unwrap_or_else(|e| fail(format!("writing {}: {e}", out.display())));
    println!("JSON: {}", out.display());
}

fn print_growth(steadies: &[Steady]) {
    if steadies.is_empty() {
        return;
    }
    println!(
        "\n\x1b[1mLatency at {GROWTH_RATE:.0} req/s\x1b[0m (sizes side by side, loaded in turn; the median of {GROWTH_ROUNDS} rounds' p50)"
    );
    println!(
        "{:<10} {:<8} {:>9}  {:>10} {:>10}  rounds' p50 ms",
        "backend", "what", "posts", "p50 ms", "p99 ms"
    );
    for s in steadies {
        let rounds = s
            .rounds
            .iter()
            .map(|l| format!("{:.3}", l.p50_ms))
            .collect::<Vec<_>>()
            .join(" / ");
        println!(
            "{:<10} {:<8} {:>9}  {:>10.3} {:>10.2}  {rounds}",
            s.backend,
            s.route,
            thousands(s.posts),
            s.median.p50_ms,
            s.median.p99_ms
        );
    }
}

fn print_run(run: &Run) {
    println!(
        "\n\x1b[1m{}: {} posts, {} comments\x1b[0m ({} connections, {} s per load, load average {} at start)",
        run.backend,
        thousands(run.posts),
        thousands(run.comments),
        run.connections,
        run.seconds,
        run.load_average_at_start
    );
    println!(
        "{:<20} {:<32} {:>9} {:>8} {:>8} │ {:>9} {:>8} {:>8} │ {:>6} {:>9}",
        "what",
        "path",
        "req/s",
        "p50 ms",
        "p99 ms",
        "50 %: r/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "bytes"
    );
    let signed_in_routes = run
        .signed_in
        .iter()
        .flat_map(|s| s.routes.iter().chain(&s.ceilings));
    for route in run
        .routes
        .iter()
        .chain(&run.ceilings)
        .chain(signed_in_routes)
    {
        let s = &route.saturation;
        let half = route
            .half
            .as_ref()
            .map(|h| format!("{:>9.1} {:>8.2} {:>8.2}", h.rps, h.p50_ms, h.p99_ms))
            .unwrap_or_else(|| format!("{:>9} {:>8} {:>8}", "—", "—", "—"));
        let errors = s.errors + route.half.as_ref().map_or(0, |h| h.errors);
        let path: String = route.path.chars().take(32).collect();
        println!(
            "{:<20} {:<32} {:>9.1} {:>8.2} {:>8.2} │ {half} │ {errors:>6} {:>9}",
            route.name,
            path,
            s.rps,
            s.p50_ms,
            s.p99_ms,
            s.bytes_per_answer
                .map(|b| b.to_string())
                .unwrap_or_default()
        );
        for kind in s
            .error_kinds
            .iter()
            .chain(route.half.iter().flat_map(|h| &h.error_kinds))
            .take(3)
        {
            println!("{:<20}   ! {kind}", "");
        }
    }
    for w in std::iter::once(&run.writes).chain(run.signed_in.as_ref().map(|s| &s.writes)) {
        println!(
            "comment writes: {} written, {} failed, p50 {:.2} ms, p99 {:.2} ms, during {}",
            w.written, w.errors, w.p50_ms, w.p99_ms, w.during
        );
        for kind in &w.error_kinds {
            println!("  ! {kind}");
        }
    }
    println!(
        "memory: RSS idle {:.1} MB, peak {:.1} MB (VmHWM; sampled max {:.1} MB); start to first page {:.0} ms",
        run.rss_idle_mb, run.rss_peak_mb, run.rss_sampled_max_mb, run.startup_ms
    );
    println!(
        "{:<64} {:>10} {:>10} {:>10}",
        "a reader's post page", "raw", "gzip", "br"
    );
    for d in &run.downloads {
        let url: String = d.url.chars().take(64).collect();
        println!(
            "{url:<64} {:>10} {:>10} {:>10}",
            kb(d.raw),
            kb(d.gzip),
            kb(d.br)
        );
    }
    let sum = |f: fn(&Download) -> u64| run.downloads.iter().map(f).sum::<u64>();
    println!(
        "{:<64} {:>10} {:>10} {:>10}",
        "total",
        kb(sum(|d| d.raw)),
        kb(sum(|d| d.gzip)),
        kb(sum(|d| d.br))
    );
}

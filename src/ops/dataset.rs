//! `quire demo --posts N --comments M`: a large, realistic blog for benchmarks and soak tests.
//!
//! Posts are long markdown documents (headings, paragraphs, lists, code in several languages)
//! assembled from sections that went through the real renderer once each, so a post's stored
//! HTML, table of contents and search text are exactly what saving it would have produced,
//! without rendering 100,000 posts one by one. Rows go in with multi-row INSERTs in batches,
//! with ids chosen here so that tags, comments and likes can refer to them without a round
//! trip; counters are set from the rows written.

use std::collections::HashSet;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::QueryBuilder;

use crate::error::AppError;
use crate::platform::db::{now, Db};
use crate::platform::markdown::Heading;
use crate::platform::markdown::{self, Trust};
use crate::platform::password::{self, Password};
use crate::with_db;

/// One multi-row INSERT of `$rows` into `$into` ("table (columns)"), each row bound by
/// `$bind`, on either backend. Ids are chosen by the caller, which PostgreSQL's identity
/// columns must be told to accept. A macro because the query builder's type is the backend's.
macro_rules! insert_rows {
    ($db:expr, $into:expr, $rows:expr, |$b:ident, $row:pat_param| $bind:block) => {{
        let overriding = match $db {
            Db::Postgres(_) => " OVERRIDING SYSTEM VALUE",
            Db::Sqlite(_) => "",
        };
        let sql = format!("INSERT INTO {}{overriding} ", $into);
        with_db!($db, |pool| {
            let mut builder = QueryBuilder::new(&sql);
            builder.push_values($rows, |mut $b, $row| $bind);
            builder.build().execute(pool).await.map(|_| ())
        })?
    }};
}

/// The slug of the post the benchmark reads: about 3,000 words, code blocks, 50 comments.
pub const BENCHMARK_POST_SLUG: &str = "benchmark-post";
const BENCHMARK_POST_WORDS: usize = 3_000;
const BENCHMARK_POST_COMMENTS: usize = 50;

/// Rows per INSERT statement: far below SQLite's 32,766 and PostgreSQL's 65,535 bound values.
const BATCH_ROWS: usize = 500;
/// At most this many sections are rendered; small datasets need fewer.
const SECTION_POOL: usize = 3_000;
const COMMENT_POOL: usize = 400;

const WORDS: &str = "the a of to and in is it that for on with as this be are by we can you at from
or an not but have was one all when which will more their there what so if about out up into than
them some could time only then its over also new like just most our how use any these first two way
data query index cache server client request page post blog write read test build release deploy
rust tokio axum leptos sqlite postgres database table column row schema migration transaction lock
latency throughput memory thread async future stream channel buffer socket header cookie session
token password hash argon secret key signature browser render hydrate component signal effect
markdown html css tailwind layout theme dark light font typography accessibility keyboard screen
reader label button form input validation error message retry timeout backoff queue worker job
schedule cron batch flush counter metric trace log span alert dashboard chart graph benchmark
profile flame allocation heap stack borrow lifetime trait generic macro closure iterator vector
slice string parse serialize json yaml toml config environment variable container docker image
registry kubernetes pod node cluster replica shard partition backup restore snapshot archive
feed atom rss sitemap search ranking stemming tokenizer snippet highlight comment reply thread
moderation spam report approve reject audit role admin moderator author reader editor draft
publish preview revision diff conflict version merge branch commit review refactor module crate
dependency audit advisory vulnerability sanitize escape script attribute origin policy header
gardening sourdough coffee bicycle mountain river winter summer holiday family friend weekend
kestrel heron lichen basalt quartz juniper saffron marmalade origami harmonica lantern compass";

const HEADING_WORDS: &str = "Measuring Indexing Caching Shipping Testing Profiling Designing
Debugging Scaling Securing Migrating Rendering Streaming Batching Hydrating Deploying Tracing
Sanitizing Ranking Paginating Recovering Reviewing Refactoring Backing up";

const HEADING_TOPICS: &str = "the write path|queries that stay fast|a small server|the hot loop|
the home page|cold starts|connection pools|keyset pagination|full-text search|the editor|
comment threads|feeds and sitemaps|session cookies|password hashing|image uploads|the wasm bundle|
background jobs|graceful shutdown|crash recovery|schema changes|dark mode|keyboard navigation|
rate limits|error envelopes|test fixtures|release builds|memory use|tail latency|lock contention|
the read replica|a busy Monday|the first thousand users|an old laptop|a cheap VPS";

const TAGS: &str = "rust web postgres sqlite performance databases testing security devops
frontend css accessibility design leptos axum tokio async wasm search caching observability
career writing productivity open-source tutorial architecture api markdown typescript
javascript linux networking docker kubernetes backend ux product startups culture remote
learning books gardening cooking travel photography music";

const CODE_BLOCKS: [(&str, &str); 8] = [
    (
        "rust",
        "pub async fn published(db: &Db, limit: i64) -> Result<Vec<Post>, Error> {\n    let rows = sqlx::query_as(\"SELECT * FROM posts WHERE status = 'PUBLISHED' ORDER BY published_at DESC LIMIT $1\")\n        .bind(limit)\n        .fetch_all(db)\n        .await?;\n    Ok(rows)\n}",
    ),
    (
        "typescript",
        "export async function likePost(id: string): Promise<number> {\n  const res = await fetch(`/api/posts/${id}/like`, { method: \"POST\" });\n  if (!res.ok) throw new Error(`like failed: ${res.status}`);\n  const { data } = await res.json();\n  return data.likeCount;\n}",
    ),
    (
        "sql",
        "CREATE INDEX posts_published ON posts (published_at DESC, id DESC)\n    WHERE status = 'PUBLISHED';\n\nSELECT id, title FROM posts\nWHERE status = 'PUBLISHED' AND (published_at, id) < ($1, $2)\nORDER BY published_at DESC, id DESC LIMIT 20;",
    ),
    (
        "yaml",
        "services:\n  quire:\n    image: quire:latest\n    environment:\n      DATABASE_URL: postgres://quire@db/quire\n    ports:\n      - \"3000:3000\"",
    ),
    (
        "shell",
        "cargo leptos build --release\nDATABASE_URL=sqlite://data/quire.db target/release/quire serve &\ncurl -s localhost:3000/health | jq .status",
    ),
    (
        "json",
        "{\n  \"success\": true,\n  \"message\": \"Post created\",\n  \"data\": { \"id\": \"42\", \"slug\": \"hello-world\", \"status\": \"DRAFT\" }\n}",
    ),
    (
        "toml",
        "[profile.release]\nopt-level = 3\nlto = \"thin\"\ncodegen-units = 1\n\n[dependencies]\ntokio = { version = \"1\", features = [\"full\"] }",
    ),
    (
        "dockerfile",
        "FROM debian:bookworm-slim\nCOPY target/release/quire /usr/local/bin/quire\nCOPY target/site /srv/site\nENV LEPTOS_SITE_ROOT=/srv/site\nCMD [\"quire\", \"serve\"]",
    ),
];

pub struct DatasetSummary {
    pub users: usize,
    pub posts: usize,
    pub comments: usize,
    pub likes: usize,
    pub seconds: f64,
}

impl std::fmt::Display for DatasetSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Benchmark dataset added in {:.1} s: {} users, {} posts, {} comments, {} likes.",
            self.seconds, self.users, self.posts, self.comments, self.likes
        )
    }
}

/// A piece of a post, rendered once and reused by many posts.
struct Section {
    markdown: String,
    html: String,
    toc: Vec<Heading>,
    text: String,
    words: usize,
    has_code: bool,
}

/// Made-up words for the long tail: real posts use thousands of words that few others use.
const SYLLABLES: [&str; 16] = [
    "ka", "lo", "mi", "ren", "tas", "vel", "dor", "qui", "ne", "sha", "bri", "tom", "zu", "fal",
    "gen", "pry",
];

/// Words drawn with a long-tailed (Zipf) frequency: a few words are in nearly every post,
/// most in few.
struct Vocabulary {
    words: Vec<String>,
    weights: WeightedIndex<f64>,
}

impl Vocabulary {
    fn new() -> Self {
        let mut words: Vec<String> = WORDS.split_whitespace().map(str::to_owned).collect();
        for a in SYLLABLES {
            for b in SYLLABLES {
                words.push(format!("{a}{b}"));
                for c in SYLLABLES {
                    words.push(format!("{a}{b}{c}"));
                }
            }
        }
        let weights = WeightedIndex::new((1..=words.len()).map(|rank| 1.0 / rank as f64))
            .expect("the vocabulary has positive weights");
        Self { words, weights }
    }

    fn word(&self, rng: &mut StdRng) -> &str {
        &self.words[self.weights.sample(rng)]
    }

    fn sentence(&self, rng: &mut StdRng, words: usize) -> String {
        let mut sentence = String::new();
        for i in 0..words {
            let word = self.word(rng);
            if i == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    sentence.extend(first.to_uppercase());
                    sentence.push_str(chars.as_str());
                }
            } else {
                sentence.push(' ');
                // Some inline markup, as real posts have.
                match rng.gen_range(0..40) {
                    0 => sentence.push_str(&format!("**{word}**")),
                    1 => sentence.push_str(&format!("`{word}`")),
                    2 => sentence.push_str(&format!("[{word}](https://example.com/{word})")),
                    _ => sentence.push_str(word),
                }
            }
        }
        sentence.push('.');
        sentence
    }

    fn paragraph(&self, rng: &mut StdRng) -> String {
        let sentences = rng.gen_range(3..7);
        (0..sentences)
            .map(|_| {
                let n = rng.gen_range(8..18);
                self.sentence(rng, n)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn sections(rng: &mut StdRng, vocabulary: &Vocabulary, size: usize) -> Vec<Section> {
    let verbs: Vec<&str> = HEADING_WORDS.split_whitespace().collect();
    let topics: Vec<&str> = HEADING_TOPICS.split('|').map(str::trim).collect();
    let mut used = HashSet::new();
    let mut pool = Vec::with_capacity(size);
    while pool.len() < size {
        // Headings must differ between sections: their ids come from their text.
        let heading = format!(
            "{} {} with {} {}",
            verbs.choose(rng).unwrap_or(&"Measuring"),
            topics.choose(rng).unwrap_or(&"the write path"),
            vocabulary.word(rng),
            vocabulary.word(rng),
        );
        if !used.insert(markdown::slugify(&heading)) {
            continue;
        }
        let mut md = format!("## {heading}\n\n");
        for _ in 0..rng.gen_range(2..5) {
            md.push_str(&vocabulary.paragraph(rng));
            md.push_str("\n\n");
        }
        if rng.gen_bool(0.3) {
            for _ in 0..rng.gen_range(3..6) {
                let n = rng.gen_range(4..10);
                md.push_str(&format!("- {}\n", vocabulary.sentence(rng, n)));
            }
            md.push('\n');
        }
        let has_code = rng.gen_bool(0.45);
        if has_code {
            let (lang, code) = CODE_BLOCKS.choose(rng).unwrap_or(&CODE_BLOCKS[0]);
            md.push_str(&format!("```{lang}\n{code}\n```\n\n"));
            md.push_str(&vocabulary.paragraph(rng));
            md.push_str("\n\n");
        }
        let rendered = markdown::render(&md, Trust::Untrusted);
        pool.push(Section {
            words: md.split_whitespace().count(),
            html: rendered.html,
            toc: rendered.toc,
            text: rendered.body_text,
            markdown: md,
            has_code,
        });
    }
    pool
}

/// One generated post, ready to insert.
struct PostRow {
    id: i64,
    author_id: i64,
    title: String,
    slug: String,
    content: String,
    html: String,
    excerpt: String,
    status: &'static str,
    tags: Vec<usize>,
    category: i64,
    read_time: i64,
    published_at: Option<DateTime<Utc>>,
    toc: String,
    body_text: String,
    views: i64,
}

/// A post's (markdown, html, table of contents, excerpt, search text, words).
type Assembled = (String, String, Vec<Heading>, String, String, usize);

fn assemble_post(
    rng: &mut StdRng,
    vocabulary: &Vocabulary,
    pool: &[Section],
    min_words: usize,
) -> Result<Assembled, AppError> {
    let intro = vocabulary.paragraph(rng);
    let rendered = markdown::render(&intro, Trust::Untrusted);
    let mut content = format!("{intro}\n\n");
    let mut html = rendered.html;
    let mut toc = Vec::new();
    let mut text = rendered.body_text;
    let mut words = intro.split_whitespace().count();
    let mut chosen = HashSet::new();
    let mut has_code = false;
    while words < min_words || !has_code {
        let index = rng.gen_range(0..pool.len());
        if !chosen.insert(index) {
            continue;
        }
        let section = &pool[index];
        content.push_str(&section.markdown);
        html.push('\n');
        html.push_str(&section.html);
        toc.extend(section.toc.iter().cloned());
        text.push('\n');
        text.push_str(&section.text);
        words += section.words;
        // Short posts need not have code; long ones always get some.
        has_code |= section.has_code || min_words < 800;
    }
    Ok((
        content.trim_end().to_owned(),
        html,
        toc,
        rendered.first_paragraph,
        text,
        words,
    ))
}

/// Adds a large dataset on top of the demo content (which must be there: its users and
/// categories are reused). Progress goes to standard error.
pub async fn fill(db: &Db, posts: usize, comments: usize) -> Result<DatasetSummary, AppError> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(2026);
    let vocabulary = Vocabulary::new();
    let progress = |what: &str| {
        eprintln!(
            "quire demo: {what} ({:.1} s)",
            started.elapsed().as_secs_f64()
        )
    };

    // Posts, not pages: `--posts N` is what the lists and the benchmark count.
    let existing_posts =
        count(db, "SELECT COUNT(*) FROM posts WHERE kind = 'post'").await? as usize;
    let wanted_posts = posts.saturating_sub(existing_posts);
    let wanted_comments =
        comments.saturating_sub(count(db, "SELECT COUNT(*) FROM comments").await? as usize);

    // Authors: one per hundred posts, at least 20; all share one unknown password.
    let user_count = (posts / 100).clamp(20, 2_000);
    let first_user = count(db, "SELECT COALESCE(MAX(id), 0) FROM users").await? + 1;
    let secret: String = (&mut rng)
        .sample_iter(rand::distributions::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    let password_hash = password::hash(Password::new(secret)).await?;
    let at = now();
    let users: Vec<i64> = (0..user_count as i64).map(|i| first_user + i).collect();
    for chunk in users.chunks(BATCH_ROWS) {
        insert_rows!(db, "users (id, email, username, password_hash, first_name, last_name, bio, role, is_active, created_at, updated_at)", chunk, |b, &id| {
            let name = format!("writer{id}");
            b.push_bind(id)
                .push_bind(format!("{name}@bench.quire.invalid"))
                .push_bind(name)
                .push_bind(password_hash.clone())
                .push_bind("Demo")
                .push_bind(format!("Writer {id}"))
                .push_bind("Writes long posts for the benchmark.")
                .push_bind("USER")
                .push_bind(true)
                .push_bind(at)
                .push_bind(at);
        });
    }
    progress(&format!("{user_count} authors"));

    let categories: Vec<i64> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT id FROM categories ORDER BY id")
            .fetch_all(pool)
            .await
    })?;
    if categories.is_empty() {
        return Err(AppError::Conflict(
            "run `quire demo` first: the dataset reuses its categories".to_owned(),
        ));
    }
    let tag_names: Vec<&str> = TAGS.split_whitespace().collect();
    let mut tag_ids = Vec::with_capacity(tag_names.len());
    for name in &tag_names {
        let id: i64 = with_db!(db, |pool| {
            sqlx::query_scalar(
                "INSERT INTO tags (name) VALUES ($1)
                 ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
            )
            .bind(*name)
            .fetch_one(pool)
            .await
        })?;
        tag_ids.push(id);
    }
    let tag_weights = WeightedIndex::new((1..=tag_names.len()).map(|rank| 1.0 / rank as f64))
        .map_err(|e| AppError::internal(format_args!("tag weights: {e}")))?;

    let pool = tokio::task::spawn_blocking({
        let mut rng = StdRng::seed_from_u64(11);
        let size = (posts / 4).clamp(60, SECTION_POOL);
        move || sections(&mut rng, &Vocabulary::new(), size)
    })
    .await
    .map_err(|e| AppError::internal(format_args!("rendering sections: {e}")))?;
    progress(&format!("{} rendered sections", pool.len()));

    // Posts are spread over five years, oldest first, so ids grow with publication time.
    let first_post = count(db, "SELECT COALESCE(MAX(id), 0) FROM posts").await? + 1;
    let span_minutes = 5 * 365 * 24 * 60;
    let start = now() - Duration::minutes(span_minutes) - Duration::days(60);
    let mut published: Vec<(i64, DateTime<Utc>)> = Vec::with_capacity(wanted_posts);
    let mut written = 0;
    let mut likes = 0;
    while written < wanted_posts {
        let batch = (wanted_posts - written).min(BATCH_ROWS * 4);
        let mut rows = Vec::with_capacity(batch);
        for i in 0..batch {
            let n = written + i;
            let id = first_post + n as i64;
            let is_benchmark = n + 1 == wanted_posts;
            let offset = span_minutes * n as i64 / wanted_posts.max(1) as i64;
            let mut published_at = Some(start + Duration::minutes(offset));
            let mut status = "PUBLISHED";
            if is_benchmark {
                published_at = Some(now() - Duration::hours(1));
            } else if rng.gen_ratio(1, 50) {
                status = "DRAFT";
                published_at = None;
            } else if rng.gen_ratio(1, 200) {
                // Scheduled for later: published, but not yet visible.
                published_at = Some(now() + Duration::days(rng.gen_range(1..30)));
            }
            let min_words = if is_benchmark {
                BENCHMARK_POST_WORDS
            } else {
                rng.gen_range(300..1_200)
            };
            let (content, html, toc, excerpt, body_text, words) =
                assemble_post(&mut rng, &vocabulary, &pool, min_words)?;
            let title_words = rng.gen_range(3..8);
            let title = if is_benchmark {
                "A long post with code: the benchmark's page".to_owned()
            } else {
                vocabulary
                    .sentence(&mut rng, title_words)
                    .replace(['*', '`', '[', ']', '.'], "")
            };
            let title: String = title
                .split('(')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            let slug = if is_benchmark {
                BENCHMARK_POST_SLUG.to_owned()
            } else {
                format!("{}-{id}", markdown::slugify(&title))
            };
            let mut tags = Vec::new();
            for _ in 0..rng.gen_range(1..5) {
                let t = tag_weights.sample(&mut rng);
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
            // Views: most posts are read a little, a few a lot.
            let views = (rng.gen::<f64>().powi(6) * 50_000.0) as i64 + rng.gen_range(0..40);
            rows.push(PostRow {
                id,
                author_id: *users.choose(&mut rng).unwrap_or(&first_user),
                title,
                slug,
                content,
                html,
                excerpt,
                status,
                tags,
                category: *categories.choose(&mut rng).unwrap_or(&categories[0]),
                read_time: words.div_ceil(200).max(1) as i64,
                published_at,
                toc: serde_json::to_string(&toc)
                    .map_err(|e| AppError::internal(format_args!("encoding a toc: {e}")))?,
                body_text,
                views,
            });
        }
        insert_posts(db, &rows, &tag_names, &tag_ids).await?;
        likes += insert_likes(db, &mut rng, &rows, &users).await?;
        published.extend(
            rows.iter()
                .filter(|p| p.status == "PUBLISHED" && p.published_at.is_some_and(|at| at <= now()))
                .filter_map(|p| Some((p.id, p.published_at?))),
        );
        written += batch;
        if written % 10_000 < batch || written == wanted_posts {
            progress(&format!("{written} of {wanted_posts} posts"));
        }
    }

    let comments_written =
        insert_comments(db, &mut rng, &published, &users, wanted_comments, &progress).await?;
    finish(db).await?;
    progress("counters and statistics");
    Ok(DatasetSummary {
        users: user_count,
        posts: wanted_posts,
        comments: comments_written,
        likes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

async fn count(db: &Db, sql: &str) -> Result<i64, AppError> {
    Ok(with_db!(db, |pool| sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await)?)
}

async fn insert_posts(
    db: &Db,
    rows: &[PostRow],
    tag_names: &[&str],
    tag_ids: &[i64],
) -> Result<(), AppError> {
    let at = now();
    for chunk in rows.chunks(BATCH_ROWS / 2) {
        insert_rows!(db, "posts (id, author_id, title, slug, content, content_html, excerpt, status, tags,
                            read_time_minutes, view_count, published_at, created_at, updated_at, toc, body_text,
                            renderer_version)",
            chunk, |b, post| {
                let tags: Vec<&str> = post.tags.iter().map(|&t| tag_names[t]).collect();
                b.push_bind(post.id)
                    .push_bind(post.author_id)
                    .push_bind(post.title.clone())
                    .push_bind(post.slug.clone())
                    .push_bind(post.content.clone())
                    .push_bind(post.html.clone())
                    .push_bind(post.excerpt.clone())
                    .push_bind(post.status)
                    .push_bind(serde_json::to_string(&tags).unwrap_or_else(|_| "[]".into()))
                    .push_bind(post.read_time)
                    .push_bind(post.views)
                    .push_bind(post.published_at)
                    .push_bind(post.published_at.unwrap_or(at))
                    .push_bind(at)
                    .push_bind(post.toc.clone())
                    .push_bind(post.body_text.clone())
                    .push_bind(markdown::RENDERER_VERSION);
            });
    }
    // Link rows carry published_at only while the post is published (as the store does).
    let listed = |post: &PostRow| {
        (post.status == "PUBLISHED")
            .then_some(post.published_at)
            .flatten()
    };
    let post_tags: Vec<(i64, i64, Option<DateTime<Utc>>)> = rows
        .iter()
        .flat_map(|post| {
            post.tags
                .iter()
                .map(move |&t| (post.id, tag_ids[t], listed(post)))
        })
        .collect();
    for chunk in post_tags.chunks(BATCH_ROWS) {
        insert_rows!(
            db,
            "post_tags (post_id, tag_id, published_at)",
            chunk,
            |b, (post, tag, at)| {
                b.push_bind(*post).push_bind(*tag).push_bind(*at);
            }
        );
    }
    let post_categories: Vec<(i64, i64, Option<DateTime<Utc>>)> = rows
        .iter()
        .map(|post| (post.id, post.category, listed(post)))
        .collect();
    for chunk in post_categories.chunks(BATCH_ROWS) {
        insert_rows!(
            db,
            "post_categories (post_id, category_id, published_at)",
            chunk,
            |b, (post, category, at)| {
                b.push_bind(*post).push_bind(*category).push_bind(*at);
            }
        );
    }
    Ok(())
}

/// A few likes on most posts, many on some; at most one per user and post.
async fn insert_likes(
    db: &Db,
    rng: &mut StdRng,
    rows: &[PostRow],
    users: &[i64],
) -> Result<usize, AppError> {
    let mut likes = Vec::new();
    for post in rows.iter().filter(|p| p.status == "PUBLISHED") {
        let n = ((rng.gen::<f64>().powi(4) * 40.0) as usize).min(users.len());
        let at = post.published_at.unwrap_or_else(now) + Duration::hours(1);
        for &user in users.choose_multiple(rng, n) {
            likes.push((user, post.id, at));
        }
    }
    for chunk in likes.chunks(BATCH_ROWS) {
        insert_rows!(
            db,
            "likes (user_id, post_id, created_at)",
            chunk,
            |b, (user, post, at)| {
                b.push_bind(*user).push_bind(*post).push_bind(*at);
            }
        );
    }
    Ok(likes.len())
}

/// `wanted` comments over the visible posts, more on some than on others, about a third of
/// them replies; the benchmark post gets exactly its 50.
async fn insert_comments(
    db: &Db,
    rng: &mut StdRng,
    posts: &[(i64, DateTime<Utc>)],
    users: &[i64],
    wanted: usize,
    progress: &impl Fn(&str),
) -> Result<usize, AppError> {
    if posts.is_empty() || wanted == 0 {
        return Ok(0);
    }
    let vocabulary = Vocabulary::new();
    let texts: Vec<(String, String)> = (0..COMMENT_POOL)
        .map(|_| {
            let n = rng.gen_range(6..40);
            let text = vocabulary.sentence(rng, n);
            let html = markdown::render_comment(&text);
            (text, html)
        })
        .collect();
    // The benchmark post is the last one; everything else shares the rest by weight.
    let (benchmark, others) = posts
        .split_last()
        .ok_or_else(|| AppError::internal("no posts to comment on"))?;
    let rest = wanted.saturating_sub(BENCHMARK_POST_COMMENTS);
    let weights: Vec<f64> = others.iter().map(|_| rng.gen::<f64>().powi(3)).collect();
    let total: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mut counts: Vec<usize> = weights
        .iter()
        .map(|w| (w / total * rest as f64).floor() as usize)
        .collect();
    let mut short = rest.saturating_sub(counts.iter().sum());
    while short > 0 && !counts.is_empty() {
        let i = rng.gen_range(0..counts.len());
        counts[i] += 1;
        short -= 1;
    }
    let mut per_post: Vec<(i64, DateTime<Utc>, usize)> = others
        .iter()
        .zip(&counts)
        .map(|(&(id, at), &n)| (id, at, n))
        .collect();
    per_post.push((
        benchmark.0,
        benchmark.1,
        BENCHMARK_POST_COMMENTS.min(wanted),
    ));

    let mut next_id = count(db, "SELECT COALESCE(MAX(id), 0) FROM comments").await? + 1;
    let mut batch: Vec<CommentRow> = Vec::with_capacity(BATCH_ROWS * 4);
    let mut written = 0;
    let mut last_report = 0;
    for (post_id, published_at, n) in per_post {
        let mut thread: Vec<i64> = Vec::with_capacity(n);
        for i in 0..n {
            let parent = (!thread.is_empty() && rng.gen_ratio(1, 3))
                .then(|| thread[rng.gen_range(0..thread.len())]);
            let approved = post_id == benchmark.0 || !rng.gen_ratio(1, 40);
            let at = published_at + Duration::minutes(30 + i as i64 * 17);
            batch.push((
                next_id,
                post_id,
                *users.choose(rng).unwrap_or(&users[0]),
                parent,
                rng.gen_range(0..texts.len()),
                approved,
                at,
            ));
            thread.push(next_id);
            next_id += 1;
        }
        if batch.len() >= BATCH_ROWS * 4 {
            written += batch.len();
            insert_comment_rows(db, &texts, &batch).await?;
            batch.clear();
            if written - last_report >= 100_000 {
                last_report = written;
                progress(&format!("{written} of {wanted} comments"));
            }
        }
    }
    written += batch.len();
    insert_comment_rows(db, &texts, &batch).await?;
    progress(&format!("{written} comments"));
    Ok(written)
}

/// (id, post, author, parent, text in the pool, approved, time)
type CommentRow = (i64, i64, i64, Option<i64>, usize, bool, DateTime<Utc>);

async fn insert_comment_rows(
    db: &Db,
    texts: &[(String, String)],
    rows: &[CommentRow],
) -> Result<(), AppError> {
    for chunk in rows.chunks(BATCH_ROWS) {
        insert_rows!(db, "comments (id, post_id, author_id, parent_id, content, content_html, is_approved, created_at, updated_at)",
            chunk, |b, (id, post, author, parent, text, approved, at)| {
                b.push_bind(*id)
                    .push_bind(*post)
                    .push_bind(*author)
                    .push_bind(*parent)
                    .push_bind(texts[*text].0.clone())
                    .push_bind(texts[*text].1.clone())
                    .push_bind(*approved)
                    .push_bind(*at)
                    .push_bind(*at);
            });
    }
    Ok(())
}

/// Counters from the rows, identity sequences past the ids used, fresh planner statistics.
async fn finish(db: &Db) -> Result<(), AppError> {
    with_db!(db, |pool| {
        async {
        sqlx::query(
            "UPDATE posts SET
                 comment_count = (SELECT COUNT(*) FROM comments c
                                  WHERE c.post_id = posts.id AND c.is_approved AND NOT c.is_deleted),
                 like_count = (SELECT COUNT(*) FROM likes l WHERE l.post_id = posts.id)",
        )
        .execute(pool)
        .await?;
        Ok::<(), sqlx::Error>(())
    }
    .await
    })?;
    match db {
        Db::Postgres(pool) => {
            for table in ["users", "posts", "comments", "tags"] {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                   (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                ))
                .execute(pool)
                .await?;
            }
            // VACUUM as well: the counts filled in above left a dead row per post, and
            // until autovacuum gets to them (possibly under the benchmark's first load)
            // the visibility map is empty and no index-only scan is possible.
            sqlx::query("VACUUM ANALYZE").execute(pool).await?;
        }
        Db::Sqlite(pool) => {
            sqlx::query("ANALYZE").execute(pool).await?;
            sqlx::query("INSERT INTO posts_fts (posts_fts) VALUES ('optimize')")
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

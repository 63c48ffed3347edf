//! Import figures for issue #25, run by scripts/bench.sh after the page benchmark:
//!
//!   import_bench DATABASE_URL [POSTS]
//!
//! Writes a WordPress export of POSTS (10,000) posts of about 5 KB each (classic HTML with
//! headings, lists, code and a table), each with two comments, one a reply, three tags and a
//! category: about 50 MB. Imports it into a fresh database as `quire import` does, sampling
//! this process's memory every 250 ms, and prints the rows with their targets.

use std::io::Write;
use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
mod support;
use support::{rss_mb, verdict};

const TARGET_SECONDS: f64 = 60.0;
/// Memory may grow this much from the end of the first pass to the peak of the second.
const TARGET_GROWTH_MB: f64 = 30.0;

fn write_export(path: &std::path::Path, posts: usize) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Bench blog</title>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>http://bench.example</wp:base_site_url>
<wp:base_blog_url>http://bench.example</wp:base_blog_url>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[writer]]></wp:author_login><wp:author_email><![CDATA[writer@bench.example]]></wp:author_email><wp:author_display_name><![CDATA[The Writer]]></wp:author_display_name></wp:author>
<wp:category><wp:term_id>2</wp:term_id><wp:category_nicename><![CDATA[notes]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[Notes]]></wp:cat_name></wp:category>"#
    )?;
    let paragraph = "A paragraph of an ordinary post, with <strong>some</strong> <em>emphasis</em> and <a href=\"https://example.com/\">a link</a>, long enough to be a real paragraph of prose that somebody wrote on a quiet evening.";
    for i in 1..=posts {
        let day = 1 + i % 28;
        let mut body = String::with_capacity(6_000);
        for section in 0..4 {
            body.push_str(&format!("<h2>Section {section}</h2>\n\n"));
            for _ in 0..4 {
                body.push_str(paragraph);
                body.push_str("\n\n");
            }
        }
        body.push_str("<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n\n<pre><code class=\"language-rust\">fn main() {\n    println!(\"hello\");\n}</code></pre>\n\n<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>");
        writeln!(
            out,
            r#"<item><title><![CDATA[Post number {i}]]></title><link>http://bench.example/2024/01/{day:02}/post-{i}/</link><dc:creator><![CDATA[writer]]></dc:creator><content:encoded><![CDATA[{body}]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded><wp:post_id>{id}</wp:post_id><wp:post_date_gmt><![CDATA[2024-01-{day:02} 10:00:00]]></wp:post_date_gmt><wp:comment_status><![CDATA[open]]></wp:comment_status><wp:post_name><![CDATA[post-{i}]]></wp:post_name><wp:status><![CDATA[publish]]></wp:status><wp:post_type><![CDATA[post]]></wp:post_type><category domain="category" nicename="notes"><![CDATA[Notes]]></category><category domain="post_tag" nicename="rust"><![CDATA[rust]]></category><category domain="post_tag" nicename="t{tag}"><![CDATA[t{tag}]]></category><category domain="post_tag" nicename="bench"><![CDATA[bench]]></category>
<wp:comment><wp:comment_id>{c1}</wp:comment_id><wp:comment_author><![CDATA[Reader {r}]]></wp:comment_author><wp:comment_author_email><![CDATA[reader{r}@bench.example]]></wp:comment_author_email><wp:comment_date_gmt><![CDATA[2024-01-{day:02} 11:00:00]]></wp:comment_date_gmt><wp:comment_content><![CDATA[Nice post number {i}.]]></wp:comment_content><wp:comment_approved><![CDATA[1]]></wp:comment_approved><wp:comment_parent>0</wp:comment_parent></wp:comment>
<wp:comment><wp:comment_id>{c2}</wp:comment_id><wp:comment_author><![CDATA[The Writer]]></wp:comment_author><wp:comment_author_email><![CDATA[writer@bench.example]]></wp:comment_author_email><wp:comment_date_gmt><![CDATA[2024-01-{day:02} 12:00:00]]></wp:comment_date_gmt><wp:comment_content><![CDATA[Thanks!]]></wp:comment_content><wp:comment_approved><![CDATA[1]]></wp:comment_approved><wp:comment_parent>{c1}</wp:comment_parent></wp:comment>
</item>"#,
            id = i + 10,
            tag = i % 50,
            r = i % 200,
            c1 = 2 * i,
            c2 = 2 * i + 1,
        )?;
    }
    writeln!(out, "</channel>\n</rss>")?;
    out.flush()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let Some(url) = args.next() else {
        eprintln!("usage: import_bench DATABASE_URL [POSTS]");
        std::process::exit(2);
    };
    let posts: usize = args.next().map_or(10_000, |n| n.parse().expect("a number"));
    let folder = tempfile::tempdir().expect("a scratch folder");
    let export = folder.path().join("export.xml");
    write_export(&export, posts).expect("write the export");
    let megabytes = std::fs::metadata(&export).map_or(0, |m| m.len()) as f64 / 1e6;

    let (_, db) = support::database(&[("DATABASE_URL", url.clone())]).await;
    let admin = support::user(&db, "bench_admin", quire::accounts::Role::Admin).await;

    let baseline = rss_mb();
    let peak = std::sync::Arc::new(std::sync::Mutex::new(baseline));
    let sampling = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let mut peak = peak.lock().expect("the peak");
                *peak = peak.max(rss_mb());
            }
        })
    };
    let options = quire::import::Options {
        media_from: None,
        media_to: folder.path().join("media"),
        fallback_author: admin,
        progress: indicatif::ProgressBar::hidden(),
    };
    let started = Instant::now();
    let report = quire::import::wordpress(&db, &export, options)
        .await
        .expect("the import");
    let seconds = started.elapsed().as_secs_f64();
    sampling.abort();
    let peak = *peak.lock().expect("the peak");
    assert_eq!(
        report.created.get("posts"),
        Some(&posts),
        "{:?}",
        report.lines()
    );
    let backend = db.backend_name();
    let growth = peak - baseline;
    println!("| import ({backend}) | measured | target | |");
    println!("|---|---|---|---|");
    println!(
        "| {posts} posts, {} comments, WXR of {megabytes:.0} MB | {seconds:.1} s ({:.0} posts/s) | < {TARGET_SECONDS:.0} s | {} |",
        posts * 2,
        posts as f64 / seconds,
        verdict(seconds < TARGET_SECONDS)
    );
    println!(
        "| memory while importing (start → peak) | {baseline:.1} → {peak:.1} MB | growth < {TARGET_GROWTH_MB:.0} MB | {} |",
        verdict(growth < TARGET_GROWTH_MB)
    );
}

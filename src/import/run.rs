//! Reading a blog's export into quire's shapes, and the run of `quire import`.

use std::collections::BTreeMap;

use super::{store, wxr};
use crate::accounts::Role;
use crate::error::AppError;
use std::path::Path;

use chrono::{DateTime, Utc};

/// What a file to import is, told by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown with YAML front matter: a file, or a folder of them.
    Markdown,
    WordPress,
    Ghost,
}

/// A file that cannot be imported: one line for the command line, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadFile(pub String);

impl BadFile {
    pub fn at(path: &Path, what: impl std::fmt::Display) -> Self {
        Self(format!("{}: {what}", path.display()))
    }
}

/// Looks at the start of `path` (a folder is markdown).
pub fn detect(path: &Path) -> Result<Format, BadFile> {
    use std::io::Read;
    if path.is_dir() {
        return Ok(Format::Markdown);
    }
    let mut start = vec![0_u8; 4096];
    let read = std::fs::File::open(path)
        .and_then(|mut file| file.read(&mut start))
        .map_err(|e| BadFile::at(path, e))?;
    let start = String::from_utf8_lossy(&start[..read]);
    let text = start.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with("---") {
        return Ok(Format::Markdown);
    }
    if text.starts_with('<') {
        if text.contains("wordpress.org/export/") {
            return Ok(Format::WordPress);
        }
        return Err(BadFile::at(
            path,
            "an XML file, but not a WordPress export (no WXR namespace in its first lines)",
        ));
    }
    if text.starts_with('{') {
        return Ok(Format::Ghost);
    }
    Err(BadFile::at(
        path,
        "neither markdown with front matter, a WordPress export (WXR) nor a Ghost export (JSON)",
    ))
}

/// Someone from the old blog: a post's author, or (with no login) a commenter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    /// The source's id for them (a login, a user id, or for commenters their address).
    pub key: String,
    /// A username wish; made valid and unique on the way in.
    pub login: String,
    pub email: String,
    pub display_name: String,
    pub website: String,
}

/// A category (with its parent's key) or a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub key: String,
    pub name: String,
    pub slug: String,
    pub parent: Option<String>,
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStatus {
    Published,
    /// Published at its (future) date.
    Scheduled,
    Draft,
}

/// A post or a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub page: bool,
    pub title: String,
    pub slug: String,
    pub markdown: String,
    pub excerpt: String,
    pub status: EntryStatus,
    pub published_at: Option<DateTime<Utc>>,
    /// The [`Person::key`] of its author.
    pub author: String,
    /// Category keys.
    pub categories: Vec<String>,
    /// Tag names.
    pub tags: Vec<String>,
    /// The featured image's address on the old blog.
    pub cover: Option<String>,
    pub comments_open: bool,
    /// Sticky (WordPress) or featured (Ghost): featured on quire's home page.
    pub featured: bool,
    /// Where it was on the old blog (paths), answered with 301 to where it is now.
    pub old_paths: Vec<String>,
    pub comments: Vec<Comment>,
    /// Blocks of its content kept as HTML (see `html`).
    pub kept_as_html: Vec<String>,
    /// What the report should say about how it came in.
    pub notes: Vec<&'static str>,
}

/// A comment, in the order its thread needs (parents first).
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub key: String,
    pub parent: Option<String>,
    pub author: Person,
    pub created_at: DateTime<Utc>,
    pub markdown: String,
    /// Shown; otherwise it waits in the moderation queue.
    pub approved: bool,
}

/// What an import did, for the summary at its end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Made, by kind ("posts", "pages", "comments", "users", "categories", "tags", "images").
    pub created: BTreeMap<&'static str, usize>,
    /// Found from an earlier import (or an existing account) and brought up to date.
    pub updated: BTreeMap<&'static str, usize>,
    /// Left out, by reason ("trashed posts", "spam comments").
    pub skipped: BTreeMap<String, usize>,
    /// Blocks kept as HTML, by kind, with the titles of the posts holding them.
    pub kept_as_html: BTreeMap<String, Vec<String>>,
    /// Images a post uses that were not found under `--media` (or no `--media` was given).
    pub missing_images: Vec<String>,
    /// Posts that could not be written, with why.
    pub failed: Vec<String>,
    /// How some came in ("private posts were imported as drafts"), with how many.
    pub notes: BTreeMap<&'static str, usize>,
}

impl Report {
    pub fn created(&mut self, kind: &'static str) {
        *self.created.entry(kind).or_default() += 1;
    }

    pub fn updated(&mut self, kind: &'static str) {
        *self.updated.entry(kind).or_default() += 1;
    }

    pub fn skip(&mut self, reason: impl Into<String>) {
        *self.skipped.entry(reason.into()).or_default() += 1;
    }

    /// The summary, a line per fact.
    pub fn lines(&self) -> Vec<String> {
        let list = |counts: &BTreeMap<&str, usize>| {
            counts
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut lines = Vec::new();
        if !self.created.is_empty() {
            lines.push(format!("Created: {}.", list(&self.created)));
        }
        if !self.updated.is_empty() {
            lines.push(format!("Updated: {}.", list(&self.updated)));
        }
        if self.created.is_empty() && self.updated.is_empty() {
            lines.push("Nothing was imported.".to_owned());
        }
        for (reason, n) in &self.skipped {
            lines.push(format!("Skipped {n} {reason}."));
        }
        for (kind, posts) in &self.kept_as_html {
            let mut titles: Vec<&str> = posts.iter().map(String::as_str).collect();
            titles.dedup();
            lines.push(format!(
                "Kept as HTML: {} × {kind} (in {})",
                posts.len(),
                titles.join("; ")
            ));
        }
        for (note, n) in &self.notes {
            lines.push(format!("{n} {note}."));
        }
        for image in &self.missing_images {
            lines.push(format!("Missing image: {image}"));
        }
        for failure in &self.failed {
            lines.push(format!("Not imported: {failure}"));
        }
        lines
    }
}

/// How a run of `quire import` goes: where images are, and whose posts nobody else claims.
pub struct Options {
    /// A copy of the old blog's uploads folder, if given.
    pub media_from: Option<std::path::PathBuf>,
    /// quire's media folder.
    pub media_to: std::path::PathBuf,
    /// Whose posts and images they become when the export names nobody known.
    pub fallback_author: i64,
    /// Draws progress (a bar on a terminal).
    pub progress: indicatif::ProgressBar,
}

/// Why an import stopped: the file (exit code 2, nothing imported) or the database.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    BadFile(#[from] BadFile),
    #[error(transparent)]
    Failed(#[from] crate::error::AppError),
}

/// Imports a WordPress export: its authors, categories and tags first, then each post and
/// page with its comments. The whole file is read once before anything is written, so a
/// file that is not well-formed imports nothing.
pub async fn wordpress(
    db: &crate::platform::db::Db,
    path: &Path,
    options: Options,
) -> Result<Report, ImportError> {
    let channel = wxr::scan(path)?;
    let media = store::Media {
        from: options.media_from,
        marker: "/wp-content/uploads/",
        to: options.media_to,
    };
    let source = format!("wordpress:{}", channel.blog_url);
    let mut importer = store::Importer::new(db, source, media, options.fallback_author);
    for author in &channel.authors {
        importer.person(author, Role::Author).await?;
    }
    importer.categories(&channel.categories).await?;
    let progress = options.progress;
    progress.set_length(channel.entries);
    let mut reader = wxr::WxrReader::open(path)?;
    while let Some(el) = reader.next_element()? {
        if el.name != "item" {
            continue;
        }
        for reason in wxr::skipped_comments(&el) {
            importer.report.skip(reason);
        }
        match wxr::item(&el, &channel) {
            wxr::Item::Skipped(None) => {}
            wxr::Item::Skipped(Some(reason)) => {
                importer.report.skip(reason);
                progress.inc(1);
            }
            wxr::Item::Entry(entry) => bring(&mut importer, *entry, &progress).await?,
        }
    }
    progress.finish_and_clear();
    // Whole sections of the old blog, to quire's.
    let mut moves: Vec<(String, String)> = vec![
        ("/feed/".to_owned(), "/rss.xml".to_owned()),
        ("/comments/feed/".to_owned(), "/rss.xml".to_owned()),
    ];
    for term in &channel.categories {
        moves.push((
            format!("/category/{}/", term.slug),
            format!(
                "/categories/{}",
                crate::platform::markdown::slugify(&term.slug)
            ),
        ));
    }
    sections(&mut importer, moves, &channel.tags, &channel.authors).await?;
    Ok(importer.report)
}

/// Imports a Ghost export (Ghost 4 or 5): its staff as authors, its public tags, then each
/// post and page with its comments when the export has them.
pub async fn ghost(
    db: &crate::platform::db::Db,
    path: &Path,
    options: Options,
) -> Result<Report, ImportError> {
    let export = super::ghost::read(path)?;
    let media = store::Media {
        from: options.media_from,
        marker: "/content/images/",
        to: options.media_to,
    };
    let source = format!("ghost:{}", export.site);
    let mut importer = store::Importer::new(db, source, media, options.fallback_author);
    for author in &export.authors {
        importer.person(author, Role::Author).await?;
    }
    for reason in export.skipped {
        importer.report.skip(reason);
    }
    let progress = options.progress;
    progress.set_length(export.entries.len() as u64);
    for entry in export.entries {
        bring(&mut importer, entry, &progress).await?;
    }
    progress.finish_and_clear();
    let moves = vec![("/rss/".to_owned(), "/rss.xml".to_owned())];
    sections(&mut importer, moves, &export.tags, &export.authors).await?;
    Ok(importer.report)
}

/// One post or page; one the rules refuse is reported and the import goes on.
async fn bring(
    importer: &mut store::Importer<'_>,
    entry: Entry,
    progress: &indicatif::ProgressBar,
) -> Result<(), ImportError> {
    let title = entry.title.clone();
    progress.set_message(title.clone());
    match importer.entry(entry).await {
        Ok(()) => {}
        Err(err @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            importer.report.failed.push(format!("\"{title}\": {err}"));
        }
        Err(err) => return Err(err.into()),
    }
    progress.inc(1);
    Ok(())
}

/// `moves`, and the old addresses of the tags' and the authors' pages (`/tag/x/`,
/// `/author/x/`: both WordPress's and Ghost's), as redirects.
async fn sections(
    importer: &mut store::Importer<'_>,
    mut moves: Vec<(String, String)>,
    tags: &[Term],
    authors: &[Person],
) -> Result<(), ImportError> {
    for term in tags {
        if let Some(tag) = crate::posts::editing::tag_names([&term.name]).first() {
            moves.push((format!("/tag/{}/", term.slug), format!("/tags/{tag}")));
        }
    }
    for author in authors {
        if let Some(username) = importer.username_of(&author.key).await? {
            moves.push((
                format!("/author/{}/", author.login),
                format!("/u/{username}"),
            ));
        }
    }
    importer.addresses(&moves).await?;
    Ok(())
}

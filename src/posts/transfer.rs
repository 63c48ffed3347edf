//! Posts as markdown files with YAML front matter, in and out: the format Hugo and Jekyll
//! use, so a blog moves to quire and away from it without loss. The body is kept byte for
//! byte; export followed by import gives back the same posts.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use yaml_rust2::{Yaml, YamlLoader};

use super::editing::{self, PostFields, PostInput, SaveKind};
use super::PostStatus;
use crate::error::AppError;
use crate::platform::db::{now, BeginWrite, Db};
use crate::platform::markdown::slugify;
use crate::with_db;

/// A post read from a file, before it meets the database.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedPost {
    pub title: String,
    pub slug: String,
    pub content: String,
    pub excerpt: String,
    pub tags: Vec<String>,
    /// Names (or slugs) of categories; missing ones are created.
    pub categories: Vec<String>,
    pub cover: String,
    pub canonical_url: String,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
}

/// Splits `---\nYAML\n---\nbody` and reads the YAML. Errors say what is wrong, for a line
/// next to the file's name.
pub fn parse(text: &str) -> Result<ImportedPost, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or("no front matter: the file must start with a line of three dashes")?;
    let (yaml, body) = split_front_matter(rest)
        .ok_or("the front matter is not closed by a line of three dashes")?;
    let docs = YamlLoader::load_from_str(yaml)
        .map_err(|e| format!("the front matter is not valid YAML: {e}"))?;
    let meta = docs.into_iter().next().unwrap_or(Yaml::Null);
    if !matches!(meta, Yaml::Hash(_) | Yaml::Null) {
        return Err("the front matter must be a list of `key: value` lines".to_owned());
    }
    let text_of = |key: &str| -> Result<String, String> {
        match &meta[key] {
            Yaml::String(s) => Ok(s.clone()),
            Yaml::Integer(i) => Ok(i.to_string()),
            Yaml::Real(r) => Ok(r.clone()),
            Yaml::Boolean(b) => Ok(b.to_string()),
            Yaml::Null | Yaml::BadValue => Ok(String::new()),
            _ => Err(format!("`{key}` must be text")),
        }
    };
    let list_of = |key: &str| -> Result<Vec<String>, String> {
        match &meta[key] {
            Yaml::Array(items) => items
                .iter()
                .map(|item| match item {
                    Yaml::String(s) => Ok(s.clone()),
                    Yaml::Integer(i) => Ok(i.to_string()),
                    _ => Err(format!("`{key}` must be a list of words")),
                })
                .collect(),
            Yaml::String(s) => Ok(s
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect()),
            Yaml::Null | Yaml::BadValue => Ok(Vec::new()),
            _ => Err(format!("`{key}` must be a list like [a, b]")),
        }
    };
    let title = text_of("title")?;
    if title.trim().is_empty() {
        return Err("`title` is missing".to_owned());
    }
    // The title's slug when the file gives none, or one with no letter or digit in it ("."):
    // an empty slug would be exported as such and imported again as the title's. Found by
    // fuzzing.
    let slug = match slugify(&text_of("slug")?) {
        s if s.is_empty() => slugify(&title),
        s => s,
    };
    let draft = matches!(meta["draft"], Yaml::Boolean(true));
    let status = match text_of("status")?.to_ascii_uppercase().as_str() {
        "" if draft => PostStatus::Draft,
        "" => PostStatus::Published,
        "DRAFT" => PostStatus::Draft,
        "PUBLISHED" => PostStatus::Published,
        "ARCHIVED" => PostStatus::Archived,
        other => {
            return Err(format!(
                "`status` must be DRAFT, PUBLISHED or ARCHIVED, not {other}"
            ))
        }
    };
    let date = text_of("date")?;
    let published_at = if date.trim().is_empty() {
        None
    } else {
        Some(parse_date(date.trim()).ok_or_else(|| format!("`date` is not a date: {date}"))?)
    };
    Ok(ImportedPost {
        title: title.trim().to_owned(),
        slug,
        content: body.to_owned(),
        excerpt: text_of("description")?,
        tags: list_of("tags")?,
        categories: list_of("categories")?,
        cover: text_of("cover")?,
        canonical_url: text_of("canonical_url")?,
        status,
        published_at,
    })
}

fn split_front_matter(rest: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end_matches(['\n', '\r']) == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

/// "2025-06-20", "2025-06-20 10:30", or RFC 3339; in UTC between the years 0 and 9999.
fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let at = if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        at.with_timezone(&Utc)
    } else if let Ok(at) = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M") {
        at.and_utc()
    } else {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))?
            .and_utc()
    };
    // Export writes RFC 3339, which has four-digit years only: "+10000-01-01", "-0001-01-01"
    // or "9999-12-31T23:00:00-02:00" (in 10000 in UTC) would import, and then their export
    // would not.
    (0..=9999).contains(&at.year()).then_some(at)
}

/// What importing one file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
}

/// Creates the post, or updates the author's post with the same slug.
pub async fn import(db: &Db, author_id: i64, post: ImportedPost) -> Result<Outcome, AppError> {
    let mut category_ids = Vec::new();
    for name in &post.categories {
        category_ids.push(crate::categories::CategoryId(category_id(db, name).await?));
    }
    // A tag with commas in it ("a, b") is several, as the editor's tag field has them.
    let tags: Vec<String> = post
        .tags
        .iter()
        .flat_map(|tag| tag.split(','))
        .map(str::to_owned)
        .collect();
    let input = PostInput::validate(PostFields {
        title: &post.title,
        slug: &post.slug,
        content: &post.content,
        excerpt: &post.excerpt,
        cover_image: &post.cover,
        tags: &tags,
        categories: Some(&category_ids),
        canonical_url: &post.canonical_url,
        comments_enabled: None,
    })?;
    let existing: Option<(i64, i64, i64)> = with_db!(db, |pool| {
        sqlx::query_as("SELECT id, author_id, version FROM posts WHERE slug = $1")
            .bind(&input.slug)
            .fetch_optional(pool)
            .await
    })?;
    let (post_id, version, outcome) = match existing {
        Some((_, owner, _)) if owner != author_id => {
            return Err(AppError::taken(
                "slug",
                "Another author's post already uses this slug",
            ))
        }
        Some((id, _, version)) => {
            let version = editing::update(db, id, version, &input, SaveKind::Save, None).await?;
            (id, version, Outcome::Updated)
        }
        None => {
            let id = editing::create_draft(db, author_id, &input, SaveKind::Save).await?;
            (id, 1, Outcome::Created)
        }
    };
    let published_at = match post.status {
        PostStatus::Published => Some(post.published_at.unwrap_or_else(now)),
        _ => post.published_at,
    };
    editing::set_status(db, post_id, version, post.status, published_at).await?;
    if post.status != PostStatus::Published && published_at.is_some() {
        // Drafts keep the date they carried, for when they are published.
        with_db!(db, |pool| sqlx::query(
            "UPDATE posts SET published_at = $1 WHERE id = $2"
        )
        .bind(published_at)
        .bind(post_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    }
    Ok(outcome)
}

/// A category by name or slug, created when there is none.
async fn category_id(db: &Db, name: &str) -> Result<i64, AppError> {
    let slug = slugify(name);
    let found: Option<i64> = with_db!(db, |pool| {
        sqlx::query_scalar("SELECT id FROM categories WHERE lower(name) = lower($1) OR slug = $2")
            .bind(name.trim())
            .bind(&slug)
            .fetch_optional(pool)
            .await
    })?;
    if let Some(id) = found {
        return Ok(id);
    }
    if slug.is_empty() {
        return Err(AppError::field(
            "categories",
            format!("`{name}` is not a category name"),
        ));
    }
    let now = now();
    // A transaction of its own, so a failed commit is reported (see `create_user`).
    let created: Result<i64, sqlx::Error> = with_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar(
                "INSERT INTO categories (name, slug, description, color, created_at, updated_at)
                 VALUES ($1, $2, '', '#64748b', $3, $3) RETURNING id",
            )
            .bind(name.trim())
            .bind(&slug)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        }
        .await
    });
    Ok(created?)
}

/// Every post of `author_id` (or everybody's) as `(file name, file text)`.
pub async fn export(db: &Db, author_id: Option<i64>) -> Result<Vec<(String, String)>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        post: editing::AuthoredRow,
        username: String,
    }
    let sql = format!(
        "SELECT {}, u.username
         FROM posts p JOIN users u ON u.id = p.author_id
         WHERE $1 = -1 OR p.author_id = $1
         ORDER BY p.id",
        editing::AUTHORED_COLUMNS
    );
    let rows: Vec<Row> = with_db!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(author_id.unwrap_or(-1))
            .fetch_all(pool)
            .await
    })?;
    let links: Vec<(i64, String)> = with_db!(db, |pool| {
        sqlx::query_as(
            "SELECT x.post_id, c.name FROM post_categories x JOIN categories c ON c.id = x.category_id
             ORDER BY c.name",
        )
        .fetch_all(pool)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|Row { post, username }| {
            let tags = post.tags();
            let categories: Vec<&str> = links
                .iter()
                .filter(|(id, _)| *id == post.id)
                .map(|(_, name)| name.as_str())
                .collect();
            let text = file_text(&ExportedPost {
                title: &post.title,
                slug: &post.slug,
                content: &post.content,
                excerpt: &post.custom_excerpt,
                cover: post.cover_image.as_deref(),
                canonical_url: post.canonical_url.as_deref(),
                tags: &tags,
                categories: &categories,
                status: &post.status,
                published_at: post.published_at,
                updated_at: post.updated_at,
                author: &username,
            });
            (format!("{}.md", post.slug), text)
        })
        .collect())
}

/// A post as [`export`] writes it out.
#[derive(Debug, Clone)]
pub struct ExportedPost<'a> {
    pub title: &'a str,
    pub slug: &'a str,
    pub content: &'a str,
    pub excerpt: &'a str,
    pub cover: Option<&'a str>,
    pub canonical_url: Option<&'a str>,
    pub tags: &'a [String],
    pub categories: &'a [&'a str],
    pub status: &'a str,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub author: &'a str,
}

/// The file [`parse`] reads back into the same post. Kept apart from the database so that the
/// round trip can be tested (and fuzzed) without one.
pub fn file_text(post: &ExportedPost) -> String {
    // JSON strings and lists are valid YAML, with every character escaped safely.
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    let mut front = String::from("---\n");
    front.push_str(&format!("title: {}\n", quote(post.title)));
    front.push_str(&format!("slug: {}\n", quote(post.slug)));
    if let Some(at) = post.published_at {
        front.push_str(&format!("date: {}\n", quote(&at.to_rfc3339())));
    }
    front.push_str(&format!(
        "updated: {}\n",
        quote(&post.updated_at.to_rfc3339())
    ));
    front.push_str(&format!("status: {}\n", quote(post.status)));
    front.push_str(&format!("tags: {}\n", serde_json::Value::from(post.tags)));
    front.push_str(&format!(
        "categories: {}\n",
        serde_json::Value::from(post.categories)
    ));
    if !post.excerpt.is_empty() {
        front.push_str(&format!("description: {}\n", quote(post.excerpt)));
    }
    if let Some(cover) = post.cover {
        front.push_str(&format!("cover: {}\n", quote(cover)));
    }
    if let Some(url) = post.canonical_url {
        front.push_str(&format!("canonical_url: {}\n", quote(url)));
    }
    front.push_str(&format!("author: {}\n", quote(post.author)));
    front.push_str("---\n");
    front.push_str(post.content);
    front
}

/// Files in a tar archive, for the dashboard's "download all". Names longer than a header's
/// 100 bytes (long slugs, many of them multibyte) go in a GNU long-name entry before the file,
/// so they come back whole instead of cut off, `.md` and all, possibly inside a character.
pub fn tar(files: &[(String, String)]) -> std::io::Result<Vec<u8>> {
    let mtime = u64::try_from(now().timestamp()).unwrap_or(0);
    let mut archive = tar::Builder::new(Vec::new());
    for (name, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_size(text.len() as u64);
        archive.append_data(&mut header, name, text.as_bytes())?;
    }
    archive.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "---\ntitle: \"My Third Post\"\ndate: \"2025-06-20\"\nslug: \"third-post\"\ntags: [\"typescript\", \"node\", \"backend\"]\ndescription: \"Deep dive into backend development.\"\n---\n# Body\n\nKept *exactly*.\n";

    #[test]
    fn front_matter_like_hugo_and_jekyll() {
        let post = parse(FILE).unwrap();
        assert_eq!(post.title, "My Third Post");
        assert_eq!(post.slug, "third-post");
        assert_eq!(post.tags, ["typescript", "node", "backend"]);
        assert_eq!(post.excerpt, "Deep dive into backend development.");
        assert_eq!(post.status, PostStatus::Published);
        assert_eq!(
            post.published_at.unwrap().to_rfc3339(),
            "2025-06-20T00:00:00+00:00"
        );
        assert_eq!(post.content, "# Body\n\nKept *exactly*.\n");
        let draft = parse("---\ntitle: Draft\ndraft: true\ntags:\n  - a\n  - b\n---\nx").unwrap();
        assert_eq!(draft.status, PostStatus::Draft);
        assert_eq!(draft.tags, ["a", "b"]);
        assert_eq!(draft.slug, "draft");
    }

    #[test]
    fn broken_files_say_why() {
        assert!(parse("no front matter")
            .unwrap_err()
            .contains("no front matter"));
        assert!(parse("---\ntitle: x\n").unwrap_err().contains("not closed"));
        assert!(parse("---\ntitle: [unclosed\n---\n")
            .unwrap_err()
            .contains("not valid YAML"));
        assert!(parse("---\nslug: x\n---\n").unwrap_err().contains("title"));
        assert!(parse("---\ntitle: x\ndate: someday\n---\n")
            .unwrap_err()
            .contains("date"));
        assert!(parse("---\ntitle: x\nstatus: LIVE\n---\n")
            .unwrap_err()
            .contains("status"));
    }

    #[test]
    fn exported_files_import_as_the_same_post() {
        let published_at = parse_date("2025-06-20T10:30:00.123456789+02:00");
        let tags = ["rust".to_owned(), "web-dev".to_owned()];
        let text = file_text(&ExportedPost {
            title: "Quotes \" and \\ and\nlines: too",
            slug: "quotes",
            content: "---\nbody with its own rule\n---\n",
            excerpt: "- not a list",
            cover: Some("/media/a.png"),
            canonical_url: None,
            tags: &tags,
            categories: &["Notes & Links"],
            status: "ARCHIVED",
            published_at,
            updated_at: Utc::now(),
            author: "ann",
        });
        let post = parse(&text).unwrap();
        assert_eq!(post.title, "Quotes \" and \\ and\nlines: too");
        assert_eq!(post.slug, "quotes");
        assert_eq!(post.content, "---\nbody with its own rule\n---\n");
        assert_eq!(post.excerpt, "- not a list");
        assert_eq!(post.cover, "/media/a.png");
        assert_eq!(post.tags, tags);
        assert_eq!(post.categories, ["Notes & Links"]);
        assert_eq!(post.status, PostStatus::Archived);
        assert_eq!(post.published_at, published_at);
    }

    #[test]
    fn a_slug_without_letters_or_digits_is_the_titles() {
        // Found by fuzzing: `slug: .` gave an empty slug, exported and imported as the title's.
        let post = parse("---\ntitle: My Post\nslug: .\n---\n").unwrap();
        assert_eq!(post.slug, "my-post");
        assert_eq!(parse("---\ntitle: \"!!!\"\n---\n").unwrap().slug, "");
    }

    #[test]
    fn only_dates_that_export_can_write_import() {
        for raw in [
            "+10000-01-01",
            "-0001-01-01 10:00",
            "9999-12-31T23:59:59-01:00",
            "0000-01-01T00:00:00+01:00",
        ] {
            assert_eq!(parse_date(raw), None, "{raw}");
        }
        for raw in [
            "0000-01-01",
            "9999-12-31T23:59:59.999999999Z",
            "2025-06-20 10:30",
        ] {
            let at = parse_date(raw).unwrap();
            assert_eq!(parse_date(&at.to_rfc3339()), Some(at), "{raw}");
        }
    }

    #[test]
    fn tar_entries_are_aligned() {
        let archive = tar(&[("a.md".to_owned(), "hello".to_owned())]).unwrap();
        assert_eq!(archive.len(), 512 + 512 + 1024);
        assert_eq!(&archive[..4], b"a.md");
        assert_eq!(&archive[512..517], b"hello");
    }

    #[test]
    fn long_multibyte_names_come_back_whole() {
        use std::io::Read;
        // A name of 151 bytes, with a character across the old cut at 99.
        let slug = format!("ab{}{}", "ü".repeat(40), "日本".repeat(11));
        let name = format!("{slug}.md");
        assert_eq!((name.len(), name.is_char_boundary(99)), (151, false));
        let files = [
            (name.clone(), "# Long\n\nbody ü\n".to_owned()),
            ("short.md".to_owned(), "short".to_owned()),
        ];
        let bytes = tar(&files).unwrap();
        let mut archive = ::tar::Archive::new(bytes.as_slice());
        let mut read = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = String::from_utf8(entry.path_bytes().into_owned()).unwrap();
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            read.push((path, text));
        }
        assert_eq!(read, files);
    }
}

//! Ghost's export (Settings → Import/Export → Export content), Ghost 4 and 5: one JSON
//! document, `{"db": [{"meta": {"version"}, "data": {"posts", "tags", "users", …}}]}`. Each
//! post carries its rendered `html`, which is what is converted (its `lexical` or `mobiledoc`
//! source is Ghost's editor's own). Comments and their members come along when the export
//! has them (`/ghost/api/admin/db/?include=members,comments`).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::{BadFile, Comment, Entry, EntryStatus, Person, Term};

#[derive(Deserialize)]
struct Export {
    db: Vec<Database>,
}

#[derive(Deserialize)]
struct Database {
    meta: Meta,
    data: Data,
}

#[derive(Deserialize)]
struct Meta {
    version: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Data {
    posts: Vec<GhostPost>,
    tags: Vec<GhostTag>,
    users: Vec<GhostUser>,
    posts_tags: Vec<Link>,
    posts_authors: Vec<Link>,
    settings: Vec<Setting>,
    comments: Vec<GhostComment>,
    members: Vec<Member>,
}

#[derive(Deserialize)]
struct GhostPost {
    id: String,
    title: Option<String>,
    slug: String,
    html: Option<String>,
    feature_image: Option<String>,
    #[serde(rename = "type", default = "post_type")]
    kind: String,
    status: String,
    #[serde(default)]
    visibility: Option<String>,
    /// `1`/`0` or `true`/`false`, by Ghost's database.
    #[serde(default)]
    featured: Value,
    published_at: Option<String>,
    custom_excerpt: Option<String>,
    /// Ghost 4 rows name their primary author here too.
    #[serde(default)]
    author_id: Option<String>,
}

fn post_type() -> String {
    "post".to_owned()
}

#[derive(Deserialize)]
struct GhostTag {
    id: String,
    name: String,
    slug: String,
    description: Option<String>,
    #[serde(default)]
    visibility: Option<String>,
}

#[derive(Deserialize)]
struct GhostUser {
    id: Value,
    name: String,
    slug: String,
    email: String,
    website: Option<String>,
}

/// A row of `posts_tags` or `posts_authors`.
#[derive(Deserialize)]
struct Link {
    post_id: String,
    #[serde(alias = "tag_id", alias = "author_id")]
    target: Value,
    #[serde(default)]
    sort_order: Option<i64>,
}

#[derive(Deserialize)]
struct Setting {
    key: String,
    value: Option<Value>,
}

#[derive(Deserialize)]
struct GhostComment {
    id: String,
    post_id: String,
    member_id: Option<String>,
    parent_id: Option<String>,
    status: String,
    html: Option<String>,
    created_at: Option<String>,
}

#[derive(Deserialize)]
struct Member {
    id: String,
    email: String,
    name: Option<String>,
}

/// An id as text, whether the export wrote it as a string or a number.
fn id(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Ghost's dates: `2024-01-10T09:30:00.000Z` (MySQL) or `2024-01-10 09:30:00` (SQLite), UTC.
fn date(raw: Option<&str>) -> Option<DateTime<Utc>> {
    let raw = raw?;
    DateTime::parse_from_rfc3339(raw)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        })
}

/// A Ghost export read whole (they are small: the images are not in it).
pub struct GhostExport {
    /// What tells this site's exports from another's (its `db_hash` setting).
    pub site: String,
    pub authors: Vec<Person>,
    pub tags: Vec<Term>,
    pub entries: Vec<Entry>,
    /// Left out, with why, once each.
    pub skipped: Vec<&'static str>,
}

/// Ghost versions read.
const MAJORS: &[&str] = &["4", "5"];

/// Reads the export at `path`, or says what is wrong with it.
pub fn read(path: &Path) -> Result<GhostExport, BadFile> {
    let text = std::fs::read_to_string(path).map_err(|e| BadFile::at(path, e))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        let what = if e.is_eof() {
            "the JSON ends too soon (truncated?)".to_owned()
        } else {
            format!("not valid JSON: {e}")
        };
        BadFile(format!("{}:{}: {what}", path.display(), e.line()))
    })?;
    if value.pointer("/db/0/data").is_none() {
        return Err(BadFile::at(
            path,
            "JSON, but not a Ghost export (it has no db[0].data)",
        ));
    }
    let export: Export = serde_json::from_value(value)
        .map_err(|e| BadFile::at(path, format!("a Ghost export quire cannot read: {e}")))?;
    let Some(database) = export.db.into_iter().next() else {
        return Err(BadFile::at(path, "a Ghost export with no database in it"));
    };
    let major = database.meta.version.split('.').next().unwrap_or_default();
    if !MAJORS.contains(&major) {
        return Err(BadFile::at(
            path,
            format!(
                "an export from Ghost {}: quire reads Ghost 4 and 5",
                database.meta.version
            ),
        ));
    }
    Ok(convert(database.data))
}

/// Each post's links (its tags, its authors), in their order.
fn ordered(links: &[Link]) -> HashMap<&str, Vec<(i64, String)>> {
    let mut by_post: HashMap<&str, Vec<(i64, String)>> = HashMap::new();
    for link in links {
        by_post
            .entry(link.post_id.as_str())
            .or_default()
            .push((link.sort_order.unwrap_or(0), id(&link.target)));
    }
    for list in by_post.values_mut() {
        list.sort();
    }
    by_post
}

fn convert(data: Data) -> GhostExport {
    let setting = |key: &str| {
        data.settings
            .iter()
            .find(|s| s.key == key)
            .and_then(|s| s.value.as_ref())
            .map(id)
            .unwrap_or_default()
    };
    let site = match setting("db_hash") {
        hash if !hash.is_empty() => hash,
        _ => setting("title"),
    };
    let mut skipped = Vec::new();
    let authors: Vec<Person> = data
        .users
        .iter()
        .map(|u| Person {
            key: id(&u.id),
            login: u.slug.clone(),
            email: u.email.to_lowercase(),
            display_name: u.name.clone(),
            website: u.website.clone().unwrap_or_default(),
        })
        .collect();
    let tag_names: HashMap<String, (&str, bool)> = data
        .tags
        .iter()
        .map(|t| {
            let internal = t.visibility.as_deref() == Some("internal") || t.name.starts_with('#');
            (t.id.clone(), (t.name.as_str(), internal))
        })
        .collect();
    let tags: Vec<Term> = data
        .tags
        .iter()
        .filter(|t| !tag_names.get(&t.id).is_some_and(|(_, internal)| *internal))
        .map(|t| Term {
            key: t.id.clone(),
            name: t.name.clone(),
            slug: t.slug.clone(),
            parent: None,
            description: t.description.clone().unwrap_or_default(),
        })
        .collect();
    if tag_names.values().any(|(_, internal)| *internal) {
        skipped.push("internal tags (#…)");
    }
    let post_tags = ordered(&data.posts_tags);
    let post_authors = ordered(&data.posts_authors);
    let members: HashMap<&str, &Member> = data.members.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut comments_of: HashMap<&str, Vec<&GhostComment>> = HashMap::new();
    for comment in &data.comments {
        match comment.status.as_str() {
            "published" => comments_of
                .entry(comment.post_id.as_str())
                .or_default()
                .push(comment),
            "hidden" => skipped.push("comments hidden by a moderator"),
            _ => skipped.push("deleted comments"),
        }
    }
    let now = Utc::now();
    let mut entries = Vec::new();
    for post in &data.posts {
        let page = post.kind == "page";
        let published_at = date(post.published_at.as_deref());
        let mut notes = Vec::new();
        let status = match post.status.as_str() {
            _ if post.visibility.as_deref().is_some_and(|v| v != "public") => {
                notes.push("members-only posts were imported as drafts (quire has no paid or members-only posts)");
                EntryStatus::Draft
            }
            "published" if published_at.is_some_and(|at| at > now) => EntryStatus::Scheduled,
            "published" => EntryStatus::Published,
            "scheduled" => EntryStatus::Scheduled,
            _ => EntryStatus::Draft,
        };
        // Ghost writes its own address as a placeholder: these become paths on quire.
        let html = post
            .html
            .as_deref()
            .unwrap_or_default()
            .replace("__GHOST_URL__", "");
        let converted = super::html::to_markdown(&html);
        let author = post_authors
            .get(post.id.as_str())
            .and_then(|list| list.first())
            .map(|(_, author)| author.clone())
            .or_else(|| post.author_id.clone())
            .unwrap_or_default();
        let tags = post_tags
            .get(post.id.as_str())
            .into_iter()
            .flatten()
            .filter_map(|(_, tag)| tag_names.get(tag))
            .filter(|(_, internal)| !internal)
            .map(|(name, _)| (*name).to_owned())
            .collect();
        let mut comments: Vec<Comment> = comments_of
            .get(post.id.as_str())
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let member = members.get(c.member_id.as_deref()?)?;
                let name = member
                    .name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| {
                        member
                            .email
                            .split('@')
                            .next()
                            .unwrap_or_default()
                            .to_owned()
                    });
                Some(Comment {
                    key: c.id.clone(),
                    parent: c.parent_id.clone(),
                    author: Person {
                        key: member.email.to_lowercase(),
                        login: name.clone(),
                        email: member.email.to_lowercase(),
                        display_name: name,
                        website: String::new(),
                    },
                    created_at: date(c.created_at.as_deref()).unwrap_or(now),
                    markdown: super::html::to_markdown(c.html.as_deref().unwrap_or_default())
                        .markdown,
                    approved: true,
                })
            })
            .collect();
        comments.sort_by_key(|c| c.created_at);
        entries.push(Entry {
            key: post.id.clone(),
            page,
            title: post.title.clone().unwrap_or_default(),
            slug: post.slug.clone(),
            markdown: converted.markdown,
            excerpt: post.custom_excerpt.clone().unwrap_or_default(),
            status,
            published_at,
            author,
            categories: Vec::new(),
            tags,
            cover: post
                .feature_image
                .as_ref()
                .map(|url| url.replace("__GHOST_URL__", "")),
            comments_open: true,
            featured: matches!(&post.featured, Value::Bool(true))
                || post.featured.as_i64() == Some(1),
            old_paths: vec![format!("/{}/", post.slug)],
            comments,
            kept_as_html: converted.kept_as_html,
            notes,
        });
    }
    GhostExport {
        site,
        authors,
        tags,
        entries,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_date_forms_read() {
        let expected = Some("2024-01-10T09:30:00Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(date(Some("2024-01-10T09:30:00.000Z")), expected);
        assert_eq!(date(Some("2024-01-10 09:30:00")), expected);
        assert_eq!(date(None), None);
    }
}

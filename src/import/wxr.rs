//! WordPress's export (WXR 1.1 and 1.2, from WordPress 4 to 6), streamed: the channel's
//! children are read one at a time into a small tree, so a 50 MB export never sits in memory
//! whole. A document type declaration is refused (it could declare entities: an XML bomb, or
//! an external file), as is any entity but XML's five and character references.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use quick_xml::events::Event;
use quick_xml::Reader;

use super::html::decode;
use super::{BadFile, Comment, Entry, EntryStatus, Person, Term};

/// An element and what is inside it. Text of mixed content is joined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct El {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<El>,
}

impl El {
    /// The text of the first child named `name`, trimmed; empty when there is none.
    pub fn child(&self, name: &str) -> &str {
        self.children
            .iter()
            .find(|c| c.name == name)
            .map_or("", |c| c.text.trim())
    }

    /// The raw text of a child (content keeps its own spacing).
    fn raw(&self, name: &str) -> &str {
        self.children
            .iter()
            .find(|c| c.name == name)
            .map_or("", |c| c.text.as_str())
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads the channel's children in order.
pub struct WxrReader {
    path: PathBuf,
    reader: Reader<std::io::BufReader<std::fs::File>>,
    buf: Vec<u8>,
    /// Elements open around the reader's position: `rss`, `channel`.
    depth: usize,
    /// Bytes read so far, for a progress bar.
    pub total_bytes: u64,
}

impl WxrReader {
    pub fn open(path: &Path) -> Result<Self, BadFile> {
        let file = std::fs::File::open(path).map_err(|e| BadFile::at(path, e))?;
        let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut reader = Reader::from_reader(std::io::BufReader::with_capacity(1 << 16, file));
        reader.config_mut().check_end_names = true;
        Ok(Self {
            path: path.to_owned(),
            reader,
            buf: Vec::with_capacity(1 << 16),
            depth: 0,
            total_bytes,
        })
    }

    /// How far into the file the reader is.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// A problem at the reader's position, with its line.
    fn error(&self, what: impl std::fmt::Display) -> BadFile {
        let position = self.reader.buffer_position();
        BadFile(format!(
            "{}:{}: {what}",
            self.path.display(),
            line_at(&self.path, position)
        ))
    }

    /// The next child of `channel` (a whole `item`, `wp:author`, `wp:wxr_version`…), or
    /// `None` at the end of the document.
    pub fn next_element(&mut self) -> Result<Option<El>, BadFile> {
        loop {
            self.buf.clear();
            let event = self
                .reader
                .read_event_into(&mut self.buf)
                .map_err(|e| BadFile(format!("{e}")))
                .map(Event::into_owned);
            let event = match event {
                Ok(event) => event,
                Err(BadFile(e)) => return Err(self.error(format!("not well-formed XML: {e}"))),
            };
            match event {
                Event::DocType(_) => {
                    return Err(self.error(
                        "a document type declaration is not allowed in an export (it could declare entities)",
                    ))
                }
                Event::Start(start) => {
                    if self.depth < 2 {
                        self.depth += 1;
                        continue;
                    }
                    let el = start_el(&start);
                    return self.subtree(el).map(Some);
                }
                Event::Empty(start) if self.depth >= 2 => return Ok(Some(start_el(&start))),
                Event::End(_) => self.depth = self.depth.saturating_sub(1),
                Event::Eof => {
                    if self.depth > 0 {
                        return Err(self.error("the file ends in the middle of the export (truncated?)"));
                    }
                    return Ok(None);
                }
                _ => {}
            }
        }
    }

    /// Reads the rest of `el`, up to its end tag.
    fn subtree(&mut self, el: El) -> Result<El, BadFile> {
        let mut stack = vec![el];
        loop {
            self.buf.clear();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(event) => event.into_owned(),
                Err(e) => return Err(self.error(format!("not well-formed XML: {e}"))),
            };
            match event {
                Event::Start(start) => stack.push(start_el(&start)),
                Event::Empty(start) => {
                    let child = start_el(&start);
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(child);
                    }
                }
                Event::End(_) => {
                    let Some(done) = stack.pop() else {
                        return Err(self.error("an end tag without its start"));
                    };
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(done),
                    }
                }
                Event::Text(text) => {
                    let text = text
                        .decode()
                        .map_err(|e| self.error(format!("text that is not UTF-8: {e}")))?;
                    push_text(&mut stack, &text);
                }
                Event::CData(data) => {
                    let text = data
                        .decode()
                        .map_err(|e| self.error(format!("text that is not UTF-8: {e}")))?;
                    push_text(&mut stack, &text);
                }
                Event::GeneralRef(reference) => {
                    let name = String::from_utf8_lossy(&reference).into_owned();
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(text) => text.to_owned(),
                            None => {
                                return Err(self
                                    .error(format!("the entity &{name}; is not one XML defines")))
                            }
                        },
                        Err(e) => return Err(self.error(format!("&{name};: {e}"))),
                    };
                    push_text(&mut stack, &resolved);
                }
                Event::DocType(_) => {
                    return Err(self.error("a document type declaration is not allowed"))
                }
                Event::Eof => {
                    return Err(self.error("the file ends in the middle of the export (truncated?)"))
                }
                _ => {}
            }
        }
    }
}

fn push_text(stack: &mut [El], text: &str) {
    if let Some(el) = stack.last_mut() {
        el.text.push_str(text);
    }
}

fn start_el(start: &quick_xml::events::BytesStart<'_>) -> El {
    El {
        name: String::from_utf8_lossy(start.name().as_ref()).into_owned(),
        attrs: start
            .attributes()
            .flatten()
            .map(|a| {
                (
                    String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                    a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        text: String::new(),
        children: Vec::new(),
    }
}

/// The 1-based line of byte `position` in `path` (read again only when there is an error).
fn line_at(path: &Path, position: u64) -> usize {
    let Ok(file) = std::fs::File::open(path) else {
        return 0;
    };
    let mut reader = std::io::BufReader::new(file);
    let mut line = 1;
    let mut read = 0_u64;
    let mut chunk = Vec::new();
    while read < position {
        chunk.clear();
        match reader.read_until(b'\n', &mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                read += n as u64;
                if read <= position && chunk.ends_with(b"\n") {
                    line += 1;
                }
            }
        }
    }
    line
}

/// What the channel says about the blog, read before its items.
#[derive(Debug, Clone, Default)]
pub struct Channel {
    pub version: String,
    /// The blog's address (`wp:base_blog_url`), without a trailing slash.
    pub blog_url: String,
    pub site_url: String,
    pub authors: Vec<Person>,
    pub categories: Vec<Term>,
    pub tags: Vec<Term>,
    /// Attachment id → its file's address.
    pub attachments: HashMap<String, String>,
    /// Items that are posts or pages: for the progress bar.
    pub entries: u64,
}

/// Supported WXR versions (WordPress 3.x wrote 1.0 and 1.1; 4.x to 6.x write 1.2).
const VERSIONS: &[&str] = &["1.1", "1.2"];

/// The first pass: everything but the posts' bodies, so that the second can write each post
/// whole (its author, terms and featured image known).
pub fn scan(path: &Path) -> Result<Channel, BadFile> {
    let mut reader = WxrReader::open(path)?;
    let mut channel = Channel::default();
    while let Some(el) = reader.next_element()? {
        match el.name.as_str() {
            "wp:wxr_version" => {
                let version = el.text.trim().to_owned();
                if !VERSIONS.contains(&version.as_str()) {
                    return Err(BadFile::at(
                        path,
                        format!(
                            "a WordPress export of version {version}: quire reads versions {} (WordPress 4 to 6)",
                            VERSIONS.join(" and ")
                        ),
                    ));
                }
                channel.version = version;
            }
            "wp:base_blog_url" => {
                channel.blog_url = el.text.trim().trim_end_matches('/').to_owned()
            }
            "wp:base_site_url" => {
                channel.site_url = el.text.trim().trim_end_matches('/').to_owned()
            }
            "wp:author" => channel.authors.push(Person {
                key: el.child("wp:author_login").to_owned(),
                login: el.child("wp:author_login").to_owned(),
                email: el.child("wp:author_email").to_owned(),
                display_name: decode(el.child("wp:author_display_name")),
                website: String::new(),
            }),
            "wp:category" => channel.categories.push(Term {
                key: el.child("wp:category_nicename").to_owned(),
                name: decode(el.child("wp:cat_name")),
                slug: el.child("wp:category_nicename").to_owned(),
                parent: Some(el.child("wp:category_parent").to_owned()).filter(|p| !p.is_empty()),
                description: el.child("wp:category_description").to_owned(),
            }),
            "wp:tag" => channel.tags.push(Term {
                key: el.child("wp:tag_slug").to_owned(),
                name: decode(el.child("wp:tag_name")),
                slug: el.child("wp:tag_slug").to_owned(),
                parent: None,
                description: el.child("wp:tag_description").to_owned(),
            }),
            "item" => match el.child("wp:post_type") {
                "attachment" => {
                    let url = match el.child("wp:attachment_url") {
                        "" => el.child("guid"),
                        url => url,
                    };
                    channel
                        .attachments
                        .insert(el.child("wp:post_id").to_owned(), url.to_owned());
                }
                "post" | "page" => channel.entries += 1,
                _ => {}
            },
            _ => {}
        }
    }
    if channel.version.is_empty() {
        return Err(BadFile::at(
            path,
            "no wp:wxr_version: not a WordPress export, or one from before WordPress 3",
        ));
    }
    if channel.blog_url.is_empty() {
        channel.blog_url = channel.site_url.clone();
    }
    Ok(channel)
}

/// One item of the second pass.
pub enum Item {
    Entry(Box<Entry>),
    /// Left out, and why ("trashed posts"); `None` for what is not content (attachments,
    /// menus, revisions).
    Skipped(Option<&'static str>),
}

/// A WordPress date: `post_date_gmt` when it has one (drafts carry zeros), else the local
/// `post_date` taken as UTC.
fn date(gmt: &str, local: &str) -> Option<DateTime<Utc>> {
    [gmt, local]
        .into_iter()
        .filter(|d| !d.is_empty() && !d.starts_with("0000"))
        .find_map(|d| NaiveDateTime::parse_from_str(d, "%Y-%m-%d %H:%M:%S").ok())
        .map(|naive| naive.and_utc())
}

/// The path of `link` on the blog at `blog_url` (`/2024/03/05/kettles/`), if it is there.
pub fn old_path(blog_url: &str, link: &str) -> Option<String> {
    let rest = link.strip_prefix(blog_url).or_else(|| {
        // The same blog over the other scheme.
        let (_, host_and_path) = link.split_once("://")?;
        let (_, blog_host) = blog_url.split_once("://")?;
        host_and_path.strip_prefix(blog_host)
    })?;
    let path = if rest.starts_with('/') {
        rest.to_owned()
    } else {
        format!("/{rest}")
    };
    (path.len() > 1).then_some(path)
}

/// A post or a page, with its comments, from an `item`.
pub fn item(el: &El, channel: &Channel) -> Item {
    let kind = el.child("wp:post_type");
    if kind != "post" && kind != "page" {
        return Item::Skipped(None);
    }
    let mut notes = Vec::new();
    let status = match el.child("wp:status") {
        "publish" if !el.child("wp:post_password").is_empty() => {
            notes.push(
                "password-protected posts were imported as drafts (quire has no post passwords)",
            );
            EntryStatus::Draft
        }
        "private" => {
            notes.push("private posts were imported as drafts");
            EntryStatus::Draft
        }
        "publish" => EntryStatus::Published,
        "future" => EntryStatus::Scheduled,
        "draft" | "pending" => EntryStatus::Draft,
        "trash" => return Item::Skipped(Some("trashed posts and pages")),
        _ => return Item::Skipped(Some("automatic drafts")),
    };
    let id = el.child("wp:post_id");
    let converted = super::html::from_wordpress(el.raw("content:encoded"));
    let meta: HashMap<&str, &str> = el
        .all("wp:postmeta")
        .map(|m| (m.child("wp:meta_key"), m.child("wp:meta_value")))
        .collect();
    let cover = meta
        .get("_thumbnail_id")
        .and_then(|id| channel.attachments.get(*id))
        .cloned();
    let mut categories = Vec::new();
    let mut tags = Vec::new();
    for term in el.all("category") {
        match term.attr("domain") {
            Some("category") => {
                categories.push(term.attr("nicename").unwrap_or_default().to_owned())
            }
            Some("post_tag") => tags.push(decode(term.text.trim())),
            _ => {}
        }
    }
    let mut old_paths: Vec<String> = Vec::new();
    if let Some(path) = old_path(&channel.blog_url, el.child("link")) {
        old_paths.push(path);
    }
    old_paths.push(match kind {
        "page" => format!("/?page_id={id}"),
        _ => format!("/?p={id}"),
    });
    let mut comments: Vec<Comment> = Vec::new();
    for comment in el.all("wp:comment") {
        let approved = match comment.child("wp:comment_approved") {
            "1" => true,
            "0" => false,
            _ => continue,
        };
        if matches!(comment.child("wp:comment_type"), "pingback" | "trackback") {
            continue;
        }
        let parent = Some(comment.child("wp:comment_parent"))
            .filter(|p| !p.is_empty() && *p != "0")
            .map(str::to_owned);
        let email = comment.child("wp:comment_author_email").to_lowercase();
        let name = decode(comment.child("wp:comment_author"));
        comments.push(Comment {
            key: comment.child("wp:comment_id").to_owned(),
            parent,
            author: Person {
                key: if email.is_empty() {
                    format!("name:{name}")
                } else {
                    email.clone()
                },
                login: name.clone(),
                email,
                display_name: name,
                website: comment.child("wp:comment_author_url").to_owned(),
            },
            created_at: date(
                comment.child("wp:comment_date_gmt"),
                comment.child("wp:comment_date"),
            )
            .unwrap_or_else(Utc::now),
            markdown: super::html::from_wordpress(comment.raw("wp:comment_content")).markdown,
            approved,
        });
    }
    // Replies after what they answer, whatever order the export has them in.
    comments.sort_by_key(|c| c.created_at);
    Item::Entry(Box::new(Entry {
        key: id.to_owned(),
        page: kind == "page",
        title: decode(el.child("title")),
        slug: el.child("wp:post_name").to_owned(),
        markdown: converted.markdown,
        excerpt: decode(el.child("excerpt:encoded")),
        status,
        published_at: date(el.child("wp:post_date_gmt"), el.child("wp:post_date")),
        author: el.child("dc:creator").to_owned(),
        categories,
        tags,
        cover,
        comments_open: el.child("wp:comment_status") != "closed",
        featured: el.child("wp:is_sticky") == "1",
        old_paths,
        comments,
        kept_as_html: converted.kept_as_html,
        notes,
    }))
}

/// Counts the skipped spam and trashed comments of an item, for the report.
pub fn skipped_comments(el: &El) -> Vec<&'static str> {
    el.all("wp:comment")
        .filter_map(|c| match c.child("wp:comment_approved") {
            "spam" => Some("spam comments"),
            "trash" => Some("trashed comments"),
            _ if matches!(c.child("wp:comment_type"), "pingback" | "trackback") => {
                Some("pingbacks and trackbacks")
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
        file
    }

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_blog_url>http://old.example</wp:base_blog_url>
"#;

    #[test]
    fn bombs_external_entities_and_truncation_are_refused_with_a_line() {
        let bomb = write(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n<rss><channel><title>&lol2;</title></channel></rss>",
        );
        let err = scan(bomb.path()).unwrap_err().0;
        assert!(err.contains(":2: a document type declaration"), "{err}");

        let truncated = write(&format!("{HEAD}<item><title>Half"));
        let err = scan(truncated.path()).unwrap_err().0;
        assert!(err.contains("truncated"), "{err}");

        let unknown = write(&format!(
            "{HEAD}<item><title>&nbsp;</title></item></channel></rss>"
        ));
        let err = scan(unknown.path()).unwrap_err().0;
        assert!(
            err.contains(":6: the entity &nbsp; is not one XML defines"),
            "{err}"
        );

        let old = write(&HEAD.replace(">1.2<", ">1.0<"));
        let err = scan(old.path()).unwrap_err().0;
        assert!(err.contains("version 1.0"), "{err}");
    }

    #[test]
    fn old_paths_are_taken_from_links_on_the_blog() {
        assert_eq!(
            old_path(
                "http://old.example",
                "https://old.example/2024/03/05/kettles/"
            )
            .as_deref(),
            Some("/2024/03/05/kettles/")
        );
        assert_eq!(
            old_path("http://old.example", "http://elsewhere.example/x/"),
            None
        );
        assert_eq!(old_path("http://old.example", "http://old.example/"), None);
    }
}

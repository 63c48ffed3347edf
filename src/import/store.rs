//! Writes what a source read into quire: people as accounts, categories with their parents,
//! posts and pages through the editor's own rules, comments with their threads, images into
//! quire's media, and the old addresses as redirects. Every row made is remembered in
//! `imported` by the source's id, so a second import of the same export updates.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Entry, EntryStatus, Person, Report, Term};
use crate::accounts::Role;
use crate::categories::CategoryId;
use crate::error::AppError;
use crate::platform::db::{now, BeginWrite, Db};
use crate::platform::markdown::slugify;
use crate::posts::editing::{self, Change, PostFields, PostInput, SaveKind};
use crate::posts::store::{Derived, NewRow};
use crate::posts::{PostKind, PostStatus};
use crate::with_db;

/// Where the old blog's images are on this machine, and how its pages named them.
#[derive(Debug, Clone)]
pub struct Media {
    /// A copy of `wp-content/uploads` or of Ghost's `content/images`; without one, images
    /// stay where they were (and the report names them).
    pub from: Option<PathBuf>,
    /// The part of an image's address after which its path under `from` starts
    /// (`/wp-content/uploads/`, `/content/images/`).
    pub marker: &'static str,
    /// quire's media folder.
    pub to: PathBuf,
}

/// A post or page written for the first time, or again.
enum PostWrite<'a> {
    Create(NewRow<'a>),
    Update(Change<'a>),
}

pub struct Importer<'a> {
    db: &'a Db,
    /// The source's name and address (`wordpress:https://old.example`): keys are per source.
    source: String,
    media: Media,
    /// Whose images and posts they become when nobody else is named.
    fallback_author: i64,
    pub report: Report,
    people: HashMap<String, i64>,
    categories: HashMap<String, i64>,
}

impl<'a> Importer<'a> {
    pub fn new(db: &'a Db, source: String, media: Media, fallback_author: i64) -> Self {
        Self {
            db,
            source,
            media,
            fallback_author,
            report: Report::default(),
            people: HashMap::new(),
            categories: HashMap::new(),
        }
    }

    async fn remembered(&self, kind: &str, key: &str) -> Result<Option<(i64, String)>, AppError> {
        Ok(with_db!(self.db, |pool| {
            sqlx::query_as(
            "SELECT target_id, target FROM imported WHERE source = $1 AND kind = $2 AND source_id = $3"
        )
        .bind(&self.source)
        .bind(kind)
        .bind(key)
        .fetch_optional(pool)
        .await
        })?)
    }

    async fn remember(&self, kind: &str, key: &str, id: i64, target: &str) -> Result<(), AppError> {
        with_db!(self.db, |pool| {
            sqlx::query(
            "INSERT INTO imported (source, kind, source_id, target_id, target) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (source, kind, source_id) DO UPDATE SET target_id = $4, target = $5"
        )
        .bind(&self.source)
        .bind(kind)
        .bind(key)
        .bind(id)
        .bind(target)
        .execute(pool)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// The account of someone from the old blog: the one made by an earlier import, or one
    /// with their address, or a new one. New accounts have no password (they choose one
    /// through "forgot your password") and get no mail until they ask for it.
    pub async fn person(&mut self, person: &Person, role: Role) -> Result<i64, AppError> {
        if let Some(id) = self.people.get(&person.key) {
            return Ok(*id);
        }
        let id = match self.remembered("user", &person.key).await? {
            Some((id, _)) => {
                if !self.people.values().any(|known| *known == id) {
                    self.report.updated("users");
                }
                id
            }
            None => {
                let existing: Option<i64> = match person.email.is_empty() {
                    true => None,
                    false => with_db!(self.db, |pool| sqlx::query_scalar(
                        "SELECT id FROM users WHERE email = $1"
                    )
                    .bind(person.email.to_lowercase())
                    .fetch_optional(pool)
                    .await)?,
                };
                let id = match existing {
                    Some(id) => {
                        // One account may be an author and a commenter: count it once.
                        if !self.people.values().any(|known| *known == id) {
                            self.report.updated("users");
                        }
                        id
                    }
                    None => {
                        let id = self.new_account(person, role).await?;
                        self.report.created("users");
                        id
                    }
                };
                self.remember("user", &person.key, id, "").await?;
                id
            }
        };
        self.people.insert(person.key.clone(), id);
        Ok(id)
    }

    async fn new_account(&self, person: &Person, role: Role) -> Result<i64, AppError> {
        let base = username_from(&person.login, &person.display_name);
        let mut username = base.clone();
        let mut n = 2;
        loop {
            let taken: bool = with_db!(self.db, |pool| sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1))"
            )
            .bind(&username)
            .fetch_one(pool)
            .await)?;
            if !taken {
                break;
            }
            username = format!(
                "{}-{n}",
                &base[..base
                    .len()
                    .min(crate::accounts::validation::USERNAME_MAX - 4)]
            );
            n += 1;
        }
        // Commenters without an address still need a unique one; `.invalid` never delivers.
        let email = match person.email.is_empty() {
            false => person.email.to_lowercase(),
            true => format!("{}@imported.invalid", username.to_lowercase()),
        };
        let website =
            if person.website.starts_with("http://") || person.website.starts_with("https://") {
                person.website.chars().take(300).collect()
            } else {
                String::new()
            };
        let display: String = person.display_name.trim().chars().take(50).collect();
        let now = now();
        Ok(with_db!(self.db, |pool| {
            sqlx::query_scalar(
            "INSERT INTO users (email, username, password_hash, first_name, role, is_active, created_at,
                                updated_at, website, notify_approved, notify_replies, notify_comments,
                                notify_moderation)
             VALUES ($1, $2, '', $3, $4, TRUE, $5, $5, $6, FALSE, FALSE, FALSE, FALSE)
             RETURNING id"
        )
        .bind(&email)
        .bind(&username)
        .bind((!display.is_empty()).then_some(display))
        .bind(role.as_str())
        .bind(now)
        .bind(website)
        .fetch_one(pool)
        .await
        })?)
    }

    /// Categories, parents before their children, each matched by slug to one already here.
    pub async fn categories(&mut self, terms: &[Term]) -> Result<(), AppError> {
        let mut pending: Vec<&Term> = terms.iter().collect();
        while !pending.is_empty() {
            let before = pending.len();
            let mut waiting = Vec::new();
            for term in pending {
                let parent = match &term.parent {
                    None => None,
                    Some(parent) => match self.categories.get(parent) {
                        Some(id) => Some(*id),
                        // Its parent comes later in the list.
                        None if terms.iter().any(|t| &t.key == parent) => {
                            waiting.push(term);
                            continue;
                        }
                        None => None,
                    },
                };
                let id = self.category(term, parent).await?;
                self.categories.insert(term.key.clone(), id);
            }
            if waiting.len() == before {
                // A circle of parents: the rest come in without theirs.
                for term in waiting {
                    let id = self.category(term, None).await?;
                    self.categories.insert(term.key.clone(), id);
                }
                break;
            }
            pending = waiting;
        }
        Ok(())
    }

    async fn category(&mut self, term: &Term, parent: Option<i64>) -> Result<i64, AppError> {
        let slug = match slugify(&term.slug) {
            s if s.is_empty() => slugify(&term.name),
            s => s,
        };
        let name: String = term.name.trim().chars().take(50).collect();
        let found: Option<i64> = with_db!(self.db, |pool| sqlx::query_scalar(
            "SELECT id FROM categories WHERE slug = $1 OR lower(name) = lower($2)"
        )
        .bind(&slug)
        .bind(&name)
        .fetch_optional(pool)
        .await)?;
        let now = now();
        let id = match found {
            Some(id) => {
                with_db!(self.db, |pool| sqlx::query(
                    "UPDATE categories SET parent_id = $1, updated_at = $2 WHERE id = $3"
                )
                .bind(parent)
                .bind(now)
                .bind(id)
                .execute(pool)
                .await
                .map(|_| ()))?;
                self.report.updated("categories");
                id
            }
            None => {
                let id = with_db!(self.db, |pool| {
                    sqlx::query_scalar(
                    "INSERT INTO categories (name, slug, description, color, created_at, updated_at, parent_id)
                     VALUES ($1, $2, $3, '#64748b', $4, $4, $5) RETURNING id"
                )
                .bind(&name)
                .bind(&slug)
                .bind(term.description.chars().take(300).collect::<String>())
                .bind(now)
                .bind(parent)
                .fetch_one(pool)
                .await
                })?;
                self.report.created("categories");
                id
            }
        };
        Ok(id)
    }

    /// Copies the images `text` shows from the old blog into quire's media (once per file,
    /// whatever number of imports), and points the text at the copies.
    async fn bring_images(&mut self, text: &str, title: &str) -> Result<String, AppError> {
        let media = self.media.clone();
        let mut out = text.to_owned();
        for url in image_urls(text, media.marker) {
            let Some((_, relative)) = url.split_once(media.marker) else {
                continue;
            };
            let relative = relative.split(['?', '#']).next().unwrap_or_default();
            if relative
                .split('/')
                .any(|part| part == ".." || part.is_empty())
            {
                continue;
            }
            let new_url = match (self.remembered("image", relative).await?, &media.from) {
                // Copied by an earlier import, with or without `--media` this time.
                (Some((_, url)), _) => url,
                (None, None) => {
                    self.report.missing_images.push(format!(
                        "{relative} (in \"{title}\"): not copied, it stays at {url}"
                    ));
                    continue;
                }
                (None, Some(from)) => match find_file(from, relative) {
                    None => {
                        self.report
                            .missing_images
                            .push(format!("{relative} (in \"{title}\")"));
                        continue;
                    }
                    Some(file) => {
                        let bytes = tokio::fs::read(&file).await.map_err(|e| {
                            AppError::internal(format_args!("{}: {e}", file.display()))
                        })?;
                        let name = file
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        match crate::posts::images::store(
                            &media.to,
                            self.fallback_author,
                            Some((name, bytes.into())),
                        )
                        .await
                        {
                            Ok(stored) => {
                                self.remember("image", relative, 0, &stored.url).await?;
                                self.report.created("images");
                                stored.url
                            }
                            Err(err) => {
                                self.report
                                    .missing_images
                                    .push(format!("{relative} (in \"{title}\"): {err}"));
                                continue;
                            }
                        }
                    }
                },
            };
            out = out.replace(&url, &new_url);
        }
        Ok(out)
    }

    /// A post or a page with its comments and old addresses.
    pub async fn entry(&mut self, mut entry: Entry) -> Result<(), AppError> {
        let kind_name = if entry.page { "pages" } else { "posts" };
        for note in &entry.notes {
            *self.report.notes.entry(note).or_default() += 1;
        }
        for block in &entry.kept_as_html {
            self.report
                .kept_as_html
                .entry(block.clone())
                .or_default()
                .push(entry.title.clone());
        }
        let author_id = match self.people.get(&entry.author) {
            Some(id) => *id,
            None => self.fallback_author,
        };
        entry.markdown = self.bring_images(&entry.markdown, &entry.title).await?;
        let cover = match &entry.cover {
            Some(cover) => Some(self.bring_images(cover, &entry.title).await?),
            None => None,
        };
        let category_ids: Vec<CategoryId> = entry
            .categories
            .iter()
            .filter_map(|key| self.categories.get(key))
            .map(|id| CategoryId(*id))
            .collect();
        let title = match entry.title.trim() {
            "" => "(untitled)".to_owned(),
            title => title.chars().take(editing::MAX_TITLE_CHARS).collect(),
        };
        // A cover is one of quire's images or an https:// address; any other stays behind.
        let cover = match cover {
            Some(cover) if cover.starts_with("/media/") || cover.starts_with("https://") => cover,
            Some(cover) => {
                self.report.missing_images.push(format!(
                    "the cover of \"{}\": {cover} was not copied",
                    entry.title
                ));
                String::new()
            }
            None => String::new(),
        };
        let excerpt: String = entry
            .excerpt
            .trim()
            .chars()
            .take(editing::MAX_EXCERPT_CHARS)
            .collect();
        let kind = if entry.page {
            PostKind::Page
        } else {
            PostKind::Post
        };
        let remembered = self.remembered("post", &entry.key).await?;
        let slug = match &remembered {
            Some(_) => entry.slug.clone(),
            None => self.free_slug(&entry.slug, &title, kind).await?,
        };
        let input = PostInput::validate(PostFields {
            title: &title,
            slug: &slug,
            content: &entry.markdown,
            excerpt: &excerpt,
            cover_image: &cover,
            tags: &entry.tags,
            categories: Some(&category_ids),
            canonical_url: "",
            comments_enabled: Some(entry.comments_open),
        })?
        .for_kind(kind)?;
        let (status, publish_at) = match entry.status {
            EntryStatus::Published | EntryStatus::Scheduled => {
                (PostStatus::Published, entry.published_at)
            }
            EntryStatus::Draft => (PostStatus::Draft, None),
        };
        let path = match kind {
            PostKind::Page => format!("/{}", input.slug),
            PostKind::Post => format!("/posts/{}", input.slug),
        };
        let mut commenters = Vec::with_capacity(entry.comments.len());
        for comment in &entry.comments {
            commenters.push(self.person(&comment.author, Role::User).await?);
        }
        let existing = match remembered {
            Some((id, _)) => match editing::owner_and_status(self.db, id).await {
                Ok((owner, current, published_at)) => Some((id, owner, current, published_at)),
                // Deleted here since the last import: made again.
                Err(AppError::NotFound) => None,
                Err(err) => return Err(err),
            },
            None => None,
        };
        let owner = existing.map_or(author_id, |(_, owner, _, _)| owner);
        let derived = Derived::of(
            self.db,
            owner,
            &input.content,
            Some(&input.excerpt),
            &input.tags,
        )
        .await?;
        let now = now();
        let write = match existing {
            None => PostWrite::Create(NewRow {
                kind,
                author_id,
                title: &input.title,
                slug: &input.slug,
                content: &input.content,
                cover_image: input.cover_image.as_deref(),
                canonical_url: None,
                status,
                published_at: (status == PostStatus::Published).then(|| publish_at.unwrap_or(now)),
                derived: &derived,
                now,
            }),
            Some((id, _, current, published_at)) => {
                let published_at =
                    editing::next_published_at(current, published_at, status, publish_at);
                PostWrite::Update(Change {
                    post_id: id,
                    expected_version: editing::saved(self.db, id).await?.version,
                    status,
                    published_at,
                    listed_at: (status == PostStatus::Published)
                        .then_some(published_at)
                        .flatten(),
                    derived: &derived,
                    publishing: status == PostStatus::Published && current != PostStatus::Published,
                })
            }
        };
        self.write(&write, &input, &entry, &commenters, &path)
            .await?;
        match write {
            PostWrite::Create(_) => self.report.created(kind_name),
            PostWrite::Update(_) => self.report.updated(kind_name),
        }
        Ok(())
    }

    /// A slug no other post or page has (the import may meet one of quire's own).
    async fn free_slug(
        &self,
        wanted: &str,
        title: &str,
        kind: PostKind,
    ) -> Result<String, AppError> {
        let base = match slugify(wanted) {
            s if s.is_empty() => slugify(title),
            s => s,
        };
        let base = if base.is_empty() {
            "post".to_owned()
        } else {
            base
        };
        let mut slug = base.clone();
        let mut n = 2;
        while !editing::slug_is_free(self.db, &slug, None).await?
            || (kind == PostKind::Page && editing::is_reserved_page_slug(&slug))
        {
            slug = format!("{base}-{n}");
            n += 1;
        }
        Ok(slug)
    }

    /// The post or page, its comments (threaded, in order), the keys that find them again and
    /// its old addresses: one transaction. On PostgreSQL it does not wait for the disk (a bulk
    /// import's commits would): a crash loses at most the last few posts, and importing again
    /// brings them back.
    async fn write(
        &mut self,
        write: &PostWrite<'_>,
        input: &PostInput,
        entry: &Entry,
        commenters: &[i64],
        path: &str,
    ) -> Result<(), AppError> {
        let postgres = matches!(self.db, Db::Postgres(_));
        let source = self.source.clone();
        // Sticky posts (WordPress) and featured ones (Ghost) lead the home page here too.
        let featured = entry
            .featured
            .then_some(entry.published_at)
            .flatten()
            .filter(|_| entry.status == EntryStatus::Published);
        let addresses: Vec<String> = entry
            .old_paths
            .iter()
            .map(|p| normalized_path(p))
            .filter(|p| p != path && p != "/")
            .collect();
        let (created, updated) = with_db!(self.db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                if postgres {
                    sqlx::query("SET LOCAL synchronous_commit TO OFF")
                        .execute(&mut *tx)
                        .await?;
                }
                let post_id = match write {
                    PostWrite::Create(row) => editing::create_in(&mut tx, row, input, SaveKind::Save).await?,
                    PostWrite::Update(change) => match editing::update_in(&mut tx, change, input, SaveKind::Save).await? {
                        Some(_) => change.post_id,
                        // Edited here while the import ran: this import leaves it alone.
                        None => return Ok(Err(())),
                    },
                };
                sqlx::query(
                    "INSERT INTO imported (source, kind, source_id, target_id) VALUES ($1, 'post', $2, $3)
                     ON CONFLICT (source, kind, source_id) DO UPDATE SET target_id = $3",
                )
                .bind(&source)
                .bind(&entry.key)
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
                let mut ids: HashMap<&str, i64> = HashMap::new();
                let (mut created, mut updated) = (0, 0);
                for (comment, author) in entry.comments.iter().zip(commenters) {
                    let key = format!("{}/{}", entry.key, comment.key);
                    let parent = comment.parent.as_deref().and_then(|p| ids.get(p)).copied();
                    let known: Option<i64> = sqlx::query_scalar(
                        "SELECT c.id FROM imported i JOIN comments c ON c.id = i.target_id
                         WHERE i.source = $1 AND i.kind = 'comment' AND i.source_id = $2",
                    )
                    .bind(&source)
                    .bind(&key)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let id = crate::comments::store::import_in(
                        &mut tx,
                        known,
                        post_id,
                        *author,
                        parent,
                        &comment.markdown,
                        comment.approved,
                        comment.created_at,
                    )
                    .await?;
                    if known.is_some() {
                        updated += 1;
                    } else {
                        sqlx::query(
                            "INSERT INTO imported (source, kind, source_id, target_id) VALUES ($1, 'comment', $2, $3)
                             ON CONFLICT (source, kind, source_id) DO UPDATE SET target_id = $3",
                        )
                        .bind(&source)
                        .bind(&key)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                        created += 1;
                    }
                    ids.insert(comment.key.as_str(), id);
                }
                crate::comments::store::recount(&mut tx, post_id).await?;
                if let Some(at) = featured {
                    crate::posts::store::set_featured_in(&mut tx, post_id, Some(at)).await?;
                }
                for from in &addresses {
                    crate::redirects::store::keep_in(&mut tx, from, path).await?;
                }
                tx.commit().await?;
                Ok::<_, sqlx::Error>(Ok((created, updated)))
            }
            .await
        })
        .map_err(crate::posts::store::post_write_error)?
        .map_err(|()| {
            AppError::Conflict(format!("\"{}\" was changed here while it was being imported", entry.title))
        })?;
        if created > 0 {
            *self.report.created.entry("comments").or_default() += created;
        }
        if updated > 0 {
            *self.report.updated.entry("comments").or_default() += updated;
        }
        Ok(())
    }

    /// Old addresses of whole sections (`/category/news/`, `/feed/`) sent to quire's.
    pub async fn addresses(&self, moves: &[(String, String)]) -> Result<(), AppError> {
        with_db!(self.db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                for (from, to) in moves {
                    let from = normalized_path(from);
                    if from == *to || from == "/" {
                        continue;
                    }
                    crate::redirects::store::keep_in(&mut tx, &from, to).await?;
                }
                tx.commit().await
            }
            .await
        })?;
        Ok(())
    }

    /// The username of someone brought in (for their old profile's address).
    pub async fn username_of(&self, key: &str) -> Result<Option<String>, AppError> {
        let Some(id) = self.people.get(key) else {
            return Ok(None);
        };
        Ok(with_db!(self.db, |pool| sqlx::query_scalar(
            "SELECT username FROM users WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?)
    }
}

/// A path as the redirect layer looks it up: no trailing slash (but `/` itself).
fn normalized_path(path: &str) -> String {
    match path.strip_suffix('/') {
        Some(rest) if !rest.is_empty() && !rest.contains('?') => rest.to_owned(),
        _ => path.to_owned(),
    }
}

/// A username from a login or a name: letters, digits, `_` and `-`, 3 to 32 of them.
fn username_from(login: &str, display_name: &str) -> String {
    use crate::accounts::validation::{USERNAME_MAX, USERNAME_MIN};
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_whitespace() || c == '.' {
                    '-'
                } else {
                    c
                }
            })
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .take(USERNAME_MAX)
            .collect::<String>()
            .trim_matches('-')
            .to_owned()
    };
    let long_enough = |s: &String| s.chars().count() >= USERNAME_MIN;
    let name = Some(clean(login))
        .filter(long_enough)
        .or_else(|| Some(clean(display_name)).filter(long_enough))
        .unwrap_or_else(|| format!("reader-{}", clean(&slugify(login))));
    name.chars().take(USERNAME_MAX).collect()
}

/// Every address in `text` that has `marker` in it (each once).
fn image_urls(text: &str, marker: &str) -> Vec<String> {
    let delimiter =
        |c: char| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\'' | '<' | '>' | '[' | ']');
    let mut found: Vec<String> = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(marker).map(|i| i + from) {
        let start = text[..at].rfind(delimiter).map_or(0, |i| i + 1);
        let end = text[at..].find(delimiter).map_or(text.len(), |i| i + at);
        let url = &text[start..end];
        if !found.iter().any(|f| f == url) {
            found.push(url.to_owned());
        }
        from = end.max(at + marker.len());
    }
    found
}

/// The file behind `relative` under `root`; WordPress's resized copies (`photo-300x200.jpg`)
/// fall back to the original (`photo.jpg`).
fn find_file(root: &Path, relative: &str) -> Option<PathBuf> {
    let exact = root.join(relative);
    if exact.is_file() {
        return Some(exact);
    }
    let (stem, extension) = relative.rsplit_once('.')?;
    let (original, size) = stem.rsplit_once('-')?;
    let is_size = size.split_once('x').is_some_and(|(w, h)| {
        !w.is_empty() && !h.is_empty() && w.bytes().chain(h.bytes()).all(|b| b.is_ascii_digit())
    });
    let original = root.join(format!("{original}.{extension}"));
    (is_size && original.is_file()).then_some(original)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_addresses_are_found_once_each() {
        let text = "![a](http://old.example/wp-content/uploads/2024/01/a.png) and <img src=\"http://old.example/wp-content/uploads/2024/01/b-300x200.jpg\"> and again (http://old.example/wp-content/uploads/2024/01/a.png)";
        assert_eq!(
            image_urls(text, "/wp-content/uploads/"),
            [
                "http://old.example/wp-content/uploads/2024/01/a.png",
                "http://old.example/wp-content/uploads/2024/01/b-300x200.jpg"
            ]
        );
    }

    #[test]
    fn usernames_are_made_valid() {
        assert_eq!(username_from("ada.lovelace", ""), "ada-lovelace");
        assert_eq!(username_from("Jo", "Jo"), "reader-jo");
        assert_eq!(username_from("Zoë Q", ""), "Zo-Q");
    }

    #[test]
    fn paths_lose_their_trailing_slash_but_queries_stay() {
        assert_eq!(
            normalized_path("/2024/03/05/kettles/"),
            "/2024/03/05/kettles"
        );
        assert_eq!(normalized_path("/?p=12"), "/?p=12");
        assert_eq!(normalized_path("/"), "/");
    }
}

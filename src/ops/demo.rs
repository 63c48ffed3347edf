//! `quire demo`: a living blog for a new user to look at.

use chrono::Duration;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::accounts::store::{active_user, create_user, update_profile, NewUser};
use crate::accounts::{Role, UserId};
use crate::categories::store::CategoryInput;
use crate::comments::store::insert_dated;
use crate::error::AppError;
use crate::platform::db::{now, Db};
use crate::platform::password::Password;
use crate::posts::store::{create as create_post, NewPost};
use crate::posts::{PostId, PostStatus};

const POSTS: [&str; 8] = [
    include_str!("demo_posts/01.md"),
    include_str!("demo_posts/02.md"),
    include_str!("demo_posts/03.md"),
    include_str!("demo_posts/04.md"),
    include_str!("demo_posts/05.md"),
    include_str!("demo_posts/06.md"),
    include_str!("demo_posts/07.md"),
    include_str!("demo_posts/08.md"),
];

/// (username, first name, last name, bio, role)
const AUTHORS: [(&str, &str, &str, &str, Role); 5] = [
    (
        "ada",
        "Ada",
        "Okafor",
        "Backend engineer. Writes about databases and the quiet joy of a fast query.",
        Role::Admin,
    ),
    (
        "mira",
        "Mira",
        "Lindqvist",
        "Designer who codes. Accessibility, colour and type.",
        Role::Moderator,
    ),
    (
        "tomas",
        "Tomás",
        "Reyes",
        "Rust, tests and tooling. Breaks builds so you don't have to.",
        Role::Author,
    ),
    (
        "noor",
        "Noor",
        "Haddad",
        "Product person; keeps a writing habit and a sourdough starter alive.",
        Role::Author,
    ),
    (
        "kenji",
        "Kenji",
        "Mori",
        "Runs small servers for big ideas.",
        Role::Author,
    ),
];

/// (name, slug, description, colour)
const CATEGORIES: [(&str, &str, &str, &str); 4] = [
    (
        "Engineering",
        "engineering",
        "How things are built, measured and kept running.",
        "#4f46e5",
    ),
    (
        "Design",
        "design",
        "Interfaces, accessibility and the craft of the screen.",
        "#db2777",
    ),
    (
        "Product",
        "product",
        "Deciding what to build, and why.",
        "#059669",
    ),
    (
        "Culture",
        "culture",
        "Habits, teams and the people behind the work.",
        "#d97706",
    ),
];

const COMMENTS: [&str; 10] = [
    "This is exactly the write-up I needed this week. Bookmarked.",
    "Great post! One question: how does this hold up once the table has a few million rows?",
    "We tried something similar last year and hit the same wall. The `EXPLAIN` tip saved us.",
    "Small nit: the second code block is missing an import, but the idea is clear.",
    "I'd love a follow-up on testing this end to end.",
    "Clear and practical, thank you. Sharing with my team.",
    "> Measure before you optimise\n\nCan't say this often enough.",
    "How would you do this without a build step?",
    "The table comparing the approaches is *really* helpful.",
    "Agreed, though I'd add that good defaults matter more than options.",
];

const REPLIES: [&str; 5] = [
    "Good question: it stays flat, because the index does the work. I'll write that up.",
    "Thanks! Fixed the snippet.",
    "Same experience here, for what it's worth.",
    "Yes, a follow-up is in the drafts.",
    "You can, it just takes a little more care with caching.",
];

pub struct Summary {
    users: usize,
    posts: usize,
    comments: usize,
    likes: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Demo content added: {} users, {} posts, {} comments, {} likes.",
            self.users, self.posts, self.comments, self.likes
        )
    }
}

struct DemoPost<'a> {
    title: String,
    slug: String,
    tags: Vec<String>,
    category: String,
    body: &'a str,
}

/// Reads the fixed front matter of the bundled demo posts.
fn parse_demo_post(source: &str) -> Result<DemoPost<'_>, AppError> {
    let broken = || AppError::internal("a bundled demo post has broken front matter");
    let rest = source.strip_prefix("---\n").ok_or_else(broken)?;
    let (front, body) = rest.split_once("\n---\n").ok_or_else(broken)?;
    let mut post = DemoPost {
        title: String::new(),
        slug: String::new(),
        tags: Vec::new(),
        category: String::new(),
        body: body.trim_start(),
    };
    for line in front.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "title" => post.title = serde_json::from_str(value).map_err(|_| broken())?,
            "slug" => post.slug = serde_json::from_str(value).map_err(|_| broken())?,
            "tags" => post.tags = serde_json::from_str(value).map_err(|_| broken())?,
            "category" => post.category = serde_json::from_str(value).map_err(|_| broken())?,
            _ => {}
        }
    }
    Ok(post)
}

pub async fn fill(db: &Db) -> Result<Summary, AppError> {
    if !crate::posts::store::is_empty(db).await? {
        return Err(AppError::Conflict(
            "the database already has posts; demo content goes only into an empty one".to_owned(),
        ));
    }
    // Seeded, so every demo looks the same.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);

    let mut user_ids = Vec::new();
    for (username, first, last, bio, role) in AUTHORS {
        // Demo accounts get a random password nobody knows; `quire user create` makes real ones.
        let password: String = (&mut rng)
            .sample_iter(rand::distributions::Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        let id = create_user(
            db,
            NewUser {
                email: format!("{username}@demo.quire.invalid"),
                username: username.to_owned(),
                password: Password::new(password),
                first_name: Some(first.to_owned()),
                last_name: Some(last.to_owned()),
                role,
            },
            12,
        )
        .await?;
        update_profile(db, id, Some(first.to_owned()), Some(last.to_owned()), bio).await?;
        user_ids.push(id.0);
    }
    // The categories are the first admin's work, as an admin's would be.
    let admin = active_user(db, UserId(user_ids[0]))
        .await?
        .ok_or_else(|| AppError::internal("the demo's admin is gone"))?;

    // A demo is for trying quire: whoever signs up may write at once.
    let settings = crate::site::SiteSettings {
        title: "quire demo".to_owned(),
        description: "Sample posts, people and comments to try quire with.".to_owned(),
        publishing: crate::site::Publishing::Everyone,
        ..crate::site::store::load(db).await?
    };
    let actor = (&admin).into();
    crate::site::store::save(db, actor, &settings).await?;

    let mut category_ids = Vec::new();
    for (name, slug, description, color) in CATEGORIES {
        let input = CategoryInput::validate(name, slug, description, color)?;
        let category = crate::categories::store::save(db, &admin, None, input, None).await?;
        category_ids.push((name, category.id));
    }

    let mut post_ids = Vec::new();
    for (index, source) in POSTS.iter().enumerate() {
        let post = parse_demo_post(source)?;
        let category_ids = category_ids
            .iter()
            .filter(|(name, _)| *name == post.category)
            .map(|(_, id)| crate::categories::CategoryId(*id))
            .collect();
        let days_ago = (POSTS.len() - index) as i64 * 6 + rng.gen_range(0..4);
        let id = create_post(
            db,
            NewPost {
                author_id: user_ids[index % user_ids.len()],
                title: post.title,
                slug: post.slug,
                content: post.body.to_owned(),
                excerpt: None,
                cover_image: None,
                tags: post.tags,
                category_ids,
                status: PostStatus::Published,
                published_at: Some(
                    now() - Duration::days(days_ago) - Duration::minutes(rng.gen_range(0..600)),
                ),
            },
        )
        .await?;
        post_ids.push(id);
    }

    add_about_page(db, &admin).await?;

    let mut comments = 0;
    let mut likes = 0;
    for &post_id in &post_ids {
        let started = now() - Duration::days(3);
        let count = rng.gen_range(2..6);
        for n in 0..count {
            let author = *user_ids.choose(&mut rng).unwrap_or(&user_ids[0]);
            let text = COMMENTS.choose(&mut rng).copied().unwrap_or(COMMENTS[0]);
            // The last comment of some posts still waits for a moderator.
            let is_approved = !(n == count - 1 && rng.gen_bool(0.3));
            let at = started + Duration::hours(n as i64 * 5);
            let id = insert_dated(db, post_id, author, None, text, is_approved, at).await?;
            comments += 1;
            if is_approved && rng.gen_bool(0.5) {
                let reply = REPLIES.choose(&mut rng).copied().unwrap_or(REPLIES[0]);
                let replier = *user_ids.choose(&mut rng).unwrap_or(&user_ids[0]);
                insert_dated(
                    db,
                    post_id,
                    replier,
                    Some(id),
                    reply,
                    true,
                    at + Duration::hours(2),
                )
                .await?;
                comments += 1;
            }
        }
        let mut likers = user_ids.clone();
        likers.shuffle(&mut rng);
        let liked = rng.gen_range(1..=likers.len());
        for &user_id in &likers[..liked] {
            crate::posts::likes::set(db, user_id, PostId(post_id), true).await?;
        }
        likes += liked;
        let views: i64 = rng.gen_range(40..2500);
        crate::posts::store::seed_views(db, post_id, views).await?;
    }

    Ok(Summary {
        users: user_ids.len(),
        posts: post_ids.len(),
        comments,
        likes,
    })
}

/// An About page, linked from both menus, as a blog's owner would make it.
async fn add_about_page(db: &Db, admin: &crate::accounts::CurrentUser) -> Result<(), AppError> {
    use crate::posts::editing::{self, PostFields, PostInput, SaveKind};
    use crate::site::{MenuLink, Menus};
    let input = PostInput::validate(PostFields {
        title: "About",
        slug: "about",
        content: "This is a demo of **quire**, a blog you run yourself: sample posts, people \
                  and comments to try it with.\n\nSign up to comment and like, or sign in as an \
                  admin to write, moderate and make the blog your own.",
        excerpt: "",
        cover_image: "",
        tags: &[],
        categories: Some(&[]),
        canonical_url: "",
        comments_enabled: None,
    })?
    .for_kind(crate::posts::PostKind::Page)?;
    editing::create(
        db,
        admin.id.0,
        &input,
        SaveKind::Save,
        PostStatus::Published,
        None,
        None,
    )
    .await?;
    let link = |label: &str, target: &str| MenuLink {
        label: label.to_owned(),
        target: target.to_owned(),
    };
    let mut header = crate::site::menu::starting_header();
    header.push(link("About", "/about"));
    let menus = Menus {
        header,
        footer: vec![link("About", "/about"), link("Feed", "/feed.xml")],
    };
    crate::site::store::save_menus(db, admin.into(), &menus).await
}

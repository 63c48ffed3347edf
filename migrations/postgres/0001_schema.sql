-- quire's data model on PostgreSQL. SQLite has the same steps in migrations/sqlite.

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stored lower-cased: addresses compare case-insensitively.
    email         TEXT NOT NULL,
    -- Shown as typed; unique regardless of case (users_username_key below).
    username      TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    first_name    TEXT,
    last_name     TEXT,
    avatar_url    TEXT,
    bio           TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL DEFAULT 'USER' CHECK (role IN ('USER', 'MODERATOR', 'ADMIN')),
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_created ON users (created_at, id);

CREATE TABLE categories (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- A CSS colour like #3b82f6, shown on badges and the category page.
    color       TEXT NOT NULL DEFAULT '#64748b',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX categories_name_key ON categories (lower(name));
CREATE UNIQUE INDEX categories_slug_key ON categories (slug);

CREATE TABLE posts (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title             TEXT NOT NULL,
    slug              TEXT NOT NULL,
    content           TEXT NOT NULL,
    -- Rendered and sanitized when the post is saved; pages never render markdown.
    content_html      TEXT NOT NULL,
    excerpt           TEXT NOT NULL DEFAULT '',
    cover_image       TEXT,
    status            TEXT NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'PUBLISHED', 'ARCHIVED')),
    -- The tag names as a JSON array, for cards; post_tags is the index to find posts by tag.
    tags              TEXT NOT NULL DEFAULT '[]',
    read_time_minutes BIGINT NOT NULL DEFAULT 1,
    -- Counters kept by the application so listings never count rows.
    view_count        BIGINT NOT NULL DEFAULT 0,
    like_count        BIGINT NOT NULL DEFAULT 0,
    comment_count     BIGINT NOT NULL DEFAULT 0,
    canonical_url     TEXT,
    -- Set when published; a time in the future means scheduled.
    published_at      TIMESTAMPTZ,
    -- Bumped by every save, so a save based on an older version is detected.
    version           BIGINT NOT NULL DEFAULT 1,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX posts_slug_key ON posts (slug);
-- Home page and feeds: published posts, newest first, keyset-paginated on (published_at, id).
CREATE INDEX posts_published ON posts (published_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX posts_author ON posts (author_id, status, published_at DESC, id DESC);
CREATE INDEX posts_popular ON posts (view_count DESC, id DESC) WHERE status = 'PUBLISHED';

CREATE TABLE tags (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE UNIQUE INDEX tags_name_key ON tags (name);

-- published_at is copied from the post (NULL unless it is published) so a tag page reads
-- one index range instead of sorting every post with that tag.
CREATE TABLE post_tags (
    post_id      BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id       BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    published_at TIMESTAMPTZ,
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX post_tags_listing ON post_tags (tag_id, published_at DESC, post_id DESC);

CREATE TABLE post_categories (
    post_id      BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    category_id  BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    published_at TIMESTAMPTZ,
    PRIMARY KEY (post_id, category_id)
);
CREATE INDEX post_categories_listing ON post_categories (category_id, published_at DESC, post_id DESC);

CREATE TABLE comments (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id      BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id    BIGINT REFERENCES comments (id) ON DELETE CASCADE,
    content      TEXT NOT NULL,
    content_html TEXT NOT NULL,
    is_approved  BOOLEAN NOT NULL DEFAULT FALSE,
    -- A deleted comment with replies stays as a placeholder so its replies keep their place.
    is_deleted   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX comments_thread ON comments (post_id, created_at, id);
CREATE INDEX comments_pending ON comments (created_at, id) WHERE is_approved = FALSE;
CREATE INDEX comments_author ON comments (author_id, created_at);
CREATE INDEX comments_parent ON comments (parent_id);

CREATE TABLE likes (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    post_id    BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, post_id)
);
CREATE INDEX likes_post ON likes (post_id);

-- Browser sessions (tower-sessions records, stored by quire's own store). user_id is copied
-- out of the record so that all of a user's sessions can be listed and ended at once.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    user_id     BIGINT REFERENCES users (id) ON DELETE CASCADE,
    data        TEXT NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    user_agent  TEXT,
    ip_address  TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expiry_date);

-- API refresh tokens, stored only as hashes. Tokens issued from one sign-in share a family;
-- presenting a used token revokes the family.
CREATE TABLE refresh_tokens (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL,
    family_id   TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Values the server generates once and keeps (e.g. the API's signing secret).
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

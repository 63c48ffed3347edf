-- The blog's own settings (one row), and the AUTHOR role between USER and MODERATOR:
-- readers comment and like, authors write.
--
-- SQLite cannot change a CHECK constraint in place, so `users` is rebuilt, the way SQLite's
-- manual describes (https://sqlite.org/lang_altertable.html#otheralter). Dropping the old
-- table would delete every post, comment and session by cascade if foreign keys were on:
-- `Db::migrate` runs SQLite's migrations with them off, and checks them afterwards.

CREATE TABLE users_rebuilt (
    id                INTEGER PRIMARY KEY,
    email             TEXT NOT NULL,
    username          TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    first_name        TEXT,
    last_name         TEXT,
    avatar_url        TEXT,
    bio               TEXT NOT NULL DEFAULT '',
    role              TEXT NOT NULL DEFAULT 'USER' CHECK (role IN ('USER', 'AUTHOR', 'MODERATOR', 'ADMIN')),
    is_active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    comments_rejected INTEGER NOT NULL DEFAULT 0
);
INSERT INTO users_rebuilt (id, email, username, password_hash, first_name, last_name, avatar_url,
                           bio, role, is_active, created_at, updated_at, comments_rejected)
SELECT id, email, username, password_hash, first_name, last_name, avatar_url,
       bio, role, is_active, created_at, updated_at, comments_rejected
FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_created ON users (created_at, id);

CREATE TABLE site_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    -- The pages' `lang` attribute (a BCP 47 tag).
    language         TEXT NOT NULL DEFAULT 'en',
    footer           TEXT NOT NULL DEFAULT '',
    registration     TEXT NOT NULL DEFAULT 'open' CHECK (registration IN ('open', 'invite', 'closed')),
    publishing       TEXT NOT NULL DEFAULT 'authors' CHECK (publishing IN ('everyone', 'authors')),
    comments_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    powered_by       BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at       TEXT
);
-- A blog that already has users keeps its name and lets every user write, as before; a new
-- one starts with only authors writing.
INSERT INTO site_settings (id, title, publishing)
SELECT 1,
       CASE WHEN EXISTS (SELECT 1 FROM users) THEN 'quire' ELSE 'My blog' END,
       CASE WHEN EXISTS (SELECT 1 FROM users) THEN 'everyone' ELSE 'authors' END;

-- Search, and views counted once per reader.

-- The body as plain text (markdown rendered, tags stripped): what search matches and quotes.
ALTER TABLE posts ADD COLUMN body_text TEXT NOT NULL DEFAULT '';
UPDATE posts SET body_text = content;

-- Full-text index over posts, kept in step by triggers; counters changing do not touch it.
CREATE VIRTUAL TABLE posts_fts USING fts5(
    title, excerpt, body_text, tags,
    content = 'posts', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_fts (rowid, title, excerpt, body_text, tags)
    VALUES (new.id, new.title, new.excerpt, new.body_text, new.tags);
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, title, excerpt, body_text, tags)
    VALUES ('delete', old.id, old.title, old.excerpt, old.body_text, old.tags);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, excerpt, body_text, tags ON posts BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, title, excerpt, body_text, tags)
    VALUES ('delete', old.id, old.title, old.excerpt, old.body_text, old.tags);
    INSERT INTO posts_fts (rowid, title, excerpt, body_text, tags)
    VALUES (new.id, new.title, new.excerpt, new.body_text, new.tags);
END;
INSERT INTO posts_fts (posts_fts) VALUES ('rebuild');

-- Who has seen which post (by a random id in a browser-session cookie), so a view counts
-- once; rows older than a month are pruned.
CREATE TABLE post_views (
    post_id   INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    viewer    TEXT NOT NULL,
    viewed_at TEXT NOT NULL,
    PRIMARY KEY (post_id, viewer)
);
CREATE INDEX post_views_age ON post_views (viewed_at);

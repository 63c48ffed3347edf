-- Posts an admin pinned to the top of the home page, newest pin first.
ALTER TABLE posts ADD COLUMN featured_at TEXT;
CREATE INDEX posts_featured ON posts (featured_at) WHERE featured_at IS NOT NULL;

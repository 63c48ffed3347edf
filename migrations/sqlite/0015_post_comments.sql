-- Comments per post: off, the thread stays readable and takes no new comments.
ALTER TABLE posts ADD COLUMN comments_enabled BOOLEAN NOT NULL DEFAULT TRUE;

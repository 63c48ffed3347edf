-- Pages (About, Contact, Now…) are written in the posts' editor, with its drafts and
-- revisions, and live in the same table; they are served at /{slug} and kept out of the
-- lists, feeds, search and counts that show posts.
ALTER TABLE posts ADD COLUMN kind TEXT NOT NULL DEFAULT 'post' CHECK (kind IN ('post', 'page'));

-- The table of contents, built from the headings when the post is saved (JSON array of
-- {level, id, text}), so the post page reads it instead of parsing HTML.
ALTER TABLE posts ADD COLUMN toc TEXT NOT NULL DEFAULT '[]';

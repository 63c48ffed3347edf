-- Earlier versions of a post: one per manual save and per publish; autosaves fold into the
-- latest autosave so the list stays short.
CREATE TABLE post_revisions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id    BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('SAVE', 'PUBLISH', 'AUTOSAVE')),
    title      TEXT NOT NULL,
    content    TEXT NOT NULL,
    excerpt    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX post_revisions_post ON post_revisions (post_id, id DESC);

-- What the author typed as the excerpt ('' when they left it to the first paragraph), and
-- where the post was first published, if elsewhere.
ALTER TABLE posts ADD COLUMN custom_excerpt TEXT NOT NULL DEFAULT '';

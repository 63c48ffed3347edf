-- Search, and views counted once per reader.

-- The body as plain text (markdown rendered, tags stripped): what search matches and quotes.
ALTER TABLE posts ADD COLUMN body_text TEXT NOT NULL DEFAULT '';
UPDATE posts SET body_text = content;

-- Weighted search vector: title and tags first, then the excerpt, then the body. Set by a
-- trigger only when those columns change, so counter updates never recompute it.
ALTER TABLE posts ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector;
CREATE FUNCTION posts_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', NEW.title), 'A') ||
        setweight(to_tsvector('english', NEW.tags), 'A') ||
        setweight(to_tsvector('english', NEW.excerpt), 'B') ||
        setweight(to_tsvector('english', NEW.body_text), 'C');
    RETURN NEW;
END
$$;
CREATE TRIGGER posts_search_insert BEFORE INSERT ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_search_vector();
CREATE TRIGGER posts_search_update BEFORE UPDATE OF title, excerpt, body_text, tags ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_search_vector();
UPDATE posts SET title = title;
CREATE INDEX posts_search ON posts USING GIN (search_vector);

-- Who has seen which post (by a random id in a browser-session cookie), so a view counts
-- once; rows older than a month are pruned.
CREATE TABLE post_views (
    post_id   BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    viewer    TEXT NOT NULL,
    viewed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, viewer)
);
CREATE INDEX post_views_age ON post_views (viewed_at);

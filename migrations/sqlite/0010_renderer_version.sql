-- Which version of the markdown renderer (markdown::RENDERER_VERSION) wrote a post's
-- content_html and toc. At start-up (and by `quire rerender`) posts an older renderer wrote
-- are rendered again. 0 is older than every renderer: rows written before this column, and
-- by writers that do not say, are redone once, which costs a render and nothing else.
ALTER TABLE posts ADD COLUMN renderer_version INTEGER NOT NULL DEFAULT 0;
-- Finds the oldest version left (MIN) and walks one version's posts by id, from this index
-- alone: start-up does not read the whole posts table to learn that nothing is stale.
CREATE INDEX posts_renderer_version ON posts (renderer_version, id);

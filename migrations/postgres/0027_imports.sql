-- What came from another blog (WordPress, Ghost), by the source's own ids: importing the same
-- export again updates these rows instead of adding new ones. `target` is the address of an
-- image copied into quire's media; the others name their row by `target_id`.
CREATE TABLE imported (
    source    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    source_id TEXT NOT NULL,
    target_id BIGINT NOT NULL DEFAULT 0,
    target    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source, kind, source_id)
);
-- Categories keep the hierarchy they had (a child names its parent).
ALTER TABLE categories ADD COLUMN parent_id BIGINT REFERENCES categories (id) ON DELETE SET NULL;
-- A person's own site (a commenter's, brought along with their comments).
ALTER TABLE users ADD COLUMN website TEXT NOT NULL DEFAULT '';

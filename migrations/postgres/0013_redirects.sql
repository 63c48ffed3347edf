-- Addresses that moved: a path readers may still have, and where it went (a path here or a
-- whole address elsewhere). Answered with 301 where nothing else answers at that path.
CREATE TABLE redirects (
    from_path  TEXT PRIMARY KEY,
    to_target  TEXT NOT NULL,
    -- Made by quire when a published post's address changed, not by an admin.
    automatic  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX redirects_to ON redirects (to_target);

-- The blog's own settings (one row), and the AUTHOR role between USER and MODERATOR:
-- readers comment and like, authors write.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('USER', 'AUTHOR', 'MODERATOR', 'ADMIN'));

CREATE TABLE site_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    -- The pages' `lang` attribute (a BCP 47 tag).
    language         TEXT NOT NULL DEFAULT 'en',
    footer           TEXT NOT NULL DEFAULT '',
    registration     TEXT NOT NULL DEFAULT 'open' CHECK (registration IN ('open', 'invite', 'closed')),
    publishing       TEXT NOT NULL DEFAULT 'authors' CHECK (publishing IN ('everyone', 'authors')),
    comments_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    powered_by       BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at       TIMESTAMPTZ
);
-- A blog that already has users keeps its name and lets every user write, as before; a new
-- one starts with only authors writing.
INSERT INTO site_settings (id, title, publishing)
SELECT 1,
       CASE WHEN EXISTS (SELECT 1 FROM users) THEN 'quire' ELSE 'My blog' END,
       CASE WHEN EXISTS (SELECT 1 FROM users) THEN 'everyone' ELSE 'authors' END;

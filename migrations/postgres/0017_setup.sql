-- First run: a blog is claimed once, at /setup, by whoever holds a token `quire serve`
-- printed (or by `quire user create --role admin`). Until then every page says the blog is
-- being set up. A blog that already has users was set up long ago.
ALTER TABLE site_settings ADD COLUMN set_up_at TIMESTAMPTZ;
UPDATE site_settings SET set_up_at = now() WHERE EXISTS (SELECT 1 FROM users);

-- One token per start of a server not yet set up (several instances may each print one);
-- only their hashes are kept, and all go when the blog is claimed.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL
);

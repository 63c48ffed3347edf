-- Invitations by link: an admin chooses the role (and maybe the address); the invited person
-- picks a username and a password. Single use, for 7 days. Only the token's hash is kept.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('USER', 'AUTHOR', 'MODERATOR', 'ADMIN')),
    email       TEXT,
    invited_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX invitations_token_key ON invitations (token_hash);
CREATE INDEX invitations_created ON invitations (created_at, id);

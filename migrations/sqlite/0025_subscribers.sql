-- Readers who follow the blog by email (no account needed), or, signed in, an author or a
-- tag. Double opt-in: a row counts once its confirmation link was opened. One row per
-- address and what it follows; target_id is the author's or the tag's id (0 for the blog).
CREATE TABLE subscribers (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL,
    scope           TEXT NOT NULL CHECK (scope IN ('blog', 'author', 'tag')),
    target_id       INTEGER NOT NULL DEFAULT 0,
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- In every mail's unsubscribe link ("s." and random): it only stops this subscription.
    token           TEXT NOT NULL,
    -- The hash of the confirmation link's token, until it is opened.
    confirm_hash    TEXT,
    created_at      TEXT NOT NULL,
    confirmed_at    TEXT,
    unsubscribed_at TEXT
);
CREATE UNIQUE INDEX subscribers_follow ON subscribers (email, scope, target_id);
CREATE UNIQUE INDEX subscribers_token ON subscribers (token);
CREATE UNIQUE INDEX subscribers_confirm ON subscribers (confirm_hash);
CREATE INDEX subscribers_active ON subscribers (scope, target_id, email)
    WHERE confirmed_at IS NOT NULL AND unsubscribed_at IS NULL;

-- One published post's mail to its followers, written once; each recipient's outbox row
-- points here (and has only its own unsubscribe link). A post is mailed at most once.
CREATE TABLE mailings (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    sender_name TEXT NOT NULL,
    subject     TEXT NOT NULL,
    text_body   TEXT NOT NULL,
    html_body   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX mailings_post ON mailings (post_id);

ALTER TABLE outbox ADD COLUMN mailing_id INTEGER REFERENCES mailings (id) ON DELETE CASCADE;
CREATE INDEX outbox_mailing ON outbox (mailing_id) WHERE mailing_id IS NOT NULL;

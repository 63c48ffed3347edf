-- Email. Every message is written here in the transaction of the change that causes it and
-- sent later by a worker (see `mail::sender`), so a crash loses nothing and a request never
-- waits for a mail server. One row per event and recipient: the same event cannot be queued
-- twice for one address.
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_key       TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    -- What the message is (password_reset, password_changed, invitation …), for the admin.
    kind            TEXT NOT NULL,
    -- 0 for a message someone waits for (a reset link), 1 for the rest; lower goes first.
    priority        BIGINT NOT NULL DEFAULT 1,
    -- The From's display name: the blog's name when the message was written.
    sender_name     TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    -- The one-click unsubscribe address (RFC 8058), for the headers.
    unsubscribe_url TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    -- A sender holds a message until then; after a crash, another may take it.
    locked_until    TIMESTAMPTZ,
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         TIMESTAMPTZ,
    -- Set when the sender gives up (a day of failures, or a refusal for good).
    failed_at       TIMESTAMPTZ
);
CREATE UNIQUE INDEX outbox_event_recipient ON outbox (event_key, recipient);
CREATE INDEX outbox_due ON outbox (priority, next_attempt_at, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_failed ON outbox (failed_at, id) WHERE failed_at IS NOT NULL;
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- "Forgot your password?": single-use links, valid an hour; only the token's hash is kept.
CREATE TABLE password_resets (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX password_resets_token_key ON password_resets (token_hash);
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);

-- A new email address waits until it is confirmed by a link sent to it (the old one is told);
-- valid a day, single use, only the token's hash kept.
CREATE TABLE email_changes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email   TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX email_changes_token_key ON email_changes (token_hash);
CREATE INDEX email_changes_user ON email_changes (user_id, created_at);

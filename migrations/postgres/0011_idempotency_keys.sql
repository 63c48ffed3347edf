-- API requests that created something under an Idempotency-Key: a retry with the same key
-- replays the first answer. Written in the creating transaction; kept 24 hours.
CREATE TABLE idempotency_keys (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    request     TEXT NOT NULL,
    resource_id BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Reports on comments, and the audit log of moderation and admin actions.

CREATE TABLE comment_reports (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    comment_id  BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    reporter_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
-- One report per reader and comment.
CREATE UNIQUE INDEX comment_reports_once ON comment_reports (comment_id, reporter_id);

-- Who did what to what, and when. The actor is kept as a name too, so the entry outlives
-- the account.
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   BIGINT,
    detail      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_recent ON audit_log (created_at DESC, id DESC);

-- Rejected comments are deleted; moderators still see how many a user had rejected.
ALTER TABLE users ADD COLUMN comments_rejected INTEGER NOT NULL DEFAULT 0;

-- Which mail about comments each account wants (settings page; every such mail also has a
-- one-click unsubscribe that turns its kind off). All on for every account to begin with.
ALTER TABLE users ADD COLUMN notify_approved BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN notify_replies BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN notify_comments BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN notify_moderation BOOLEAN NOT NULL DEFAULT TRUE;

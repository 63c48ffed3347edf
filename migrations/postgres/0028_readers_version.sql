-- A signed-in reader's own rows (their session and user, their likes, their comments waiting
-- for approval) are kept by each instance while this counter stands still. Every write that
-- may change one of them moves it; every content change moves it too.
ALTER TABLE content_version ADD COLUMN readers_version BIGINT NOT NULL DEFAULT 0;

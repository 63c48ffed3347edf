-- View counts change on their own version: a page whose only change is its view counts may
-- be served for the moment it takes to render it again, a page whose content changed may not.
ALTER TABLE content_version ADD COLUMN views_version BIGINT NOT NULL DEFAULT 0;

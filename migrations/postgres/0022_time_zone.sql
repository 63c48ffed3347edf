-- The blog's time zone (an IANA name): the dates its pages show and the editor's scheduling
-- input are in it.
ALTER TABLE site_settings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

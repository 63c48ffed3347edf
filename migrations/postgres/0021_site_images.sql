-- The blog's logo (in the header) and icon (favicons and the apple-touch icon are made from
-- it), as uploaded by an admin: paths under /media/site, or '' for none.
ALTER TABLE site_settings ADD COLUMN logo TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN icon TEXT NOT NULL DEFAULT '';

-- The blog's accent colour (buttons, links; Tailwind's indigo-600 is the pages' own) and its
-- social links (one address per line), shown in the footer.
ALTER TABLE site_settings ADD COLUMN accent_color TEXT NOT NULL DEFAULT '#4f39f6';
ALTER TABLE site_settings ADD COLUMN social_links TEXT NOT NULL DEFAULT '';

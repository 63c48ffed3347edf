-- The blog's menus, edited by admins: ordered links in the header and the footer. Every blog
-- starts with the links its header always had.
CREATE TABLE menu_links (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    place    TEXT NOT NULL CHECK (place IN ('header', 'footer')),
    position BIGINT NOT NULL,
    label    TEXT NOT NULL,
    target   TEXT NOT NULL
);
CREATE UNIQUE INDEX menu_links_order ON menu_links (place, position);
INSERT INTO menu_links (place, position, label, target) VALUES
    ('header', 0, 'Home', '/'),
    ('header', 1, 'Tags', '/tags'),
    ('header', 2, 'Categories', '/categories');

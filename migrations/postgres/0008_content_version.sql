-- The version of what readers see. Every request that changes a public page or feed bumps it
-- after committing; each app instance's page cache serves a kept page only while the version
-- it was rendered under is current. Bookkeeping, not data: backups leave it out.
CREATE TABLE content_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 1);

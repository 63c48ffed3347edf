-- SQLite needs an index for search's visibility test (see migrations/sqlite); PostgreSQL keeps
-- long values out of line, so its rows answer cheaply. The step exists to keep both
-- histories in step.
SELECT 1;

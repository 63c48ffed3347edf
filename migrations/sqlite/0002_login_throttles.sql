-- Failed sign-ins, counted per account and per client address, so that guessing slows down
-- across every app instance. Rows expire by themselves: a block always ends.
CREATE TABLE login_throttles (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    window_start  TEXT NOT NULL,
    blocked_until TEXT
);

-- Failed sign-ins, counted per account and per client address, so that guessing slows down
-- across every app instance. Rows expire by themselves: a block always ends.
CREATE TABLE login_throttles (
    key           TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    window_start  TIMESTAMPTZ NOT NULL,
    blocked_until TIMESTAMPTZ
);

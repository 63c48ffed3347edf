-- Search asks "is this post visible?" of up to a thousand candidates. The posts table cannot
-- answer cheaply: status and published_at sit after the long content columns, in overflow
-- pages. This narrow index answers from its own pages.
CREATE INDEX posts_visible ON posts (id, status, published_at);

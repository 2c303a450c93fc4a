-- Where an imported comment came from (SPEC section 11): the format, the site it was
-- imported into and the source's own id. A second import of the same file finds
-- every comment here and adds nothing; a reply finds its parent here, whichever run
-- imported it. The comment's removal takes its row with it.
CREATE TABLE comment_sources (
    comment_id INTEGER PRIMARY KEY REFERENCES comments (id) ON DELETE CASCADE,
    format TEXT NOT NULL,
    site TEXT NOT NULL,
    source_id TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    UNIQUE (format, site, source_id)
);

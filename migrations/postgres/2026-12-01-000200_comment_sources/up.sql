-- Where an imported comment came from (SPEC section 11): the format, the site it was
-- imported into and the source's own id. A second import of the same file finds
-- every comment here and adds nothing; a reply finds its parent here, whichever run
-- imported it. A comment may have several sources: one brought over by Causerie's
-- own export keeps the WordPress id it was first imported with, so that importing
-- that WordPress file again still adds nothing. The comment's removal takes its rows.
CREATE TABLE comment_sources (
    format TEXT NOT NULL,
    site TEXT NOT NULL,
    source_id TEXT NOT NULL,
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (format, site, source_id)
);
CREATE INDEX comment_sources_by_comment ON comment_sources (comment_id);

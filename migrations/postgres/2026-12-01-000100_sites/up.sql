-- Sites (SPEC section 10): a thread belongs to a site, and is keyed by (site, page).
-- Every thread stored before sites existed joins the site `default`; at start,
-- Causerie moves them to the first configured site if there is no site `default`.
ALTER TABLE threads ADD COLUMN site TEXT NOT NULL DEFAULT 'default';
ALTER TABLE threads DROP CONSTRAINT threads_page_key;
ALTER TABLE threads ADD CONSTRAINT threads_site_page_key UNIQUE (site, page);

-- The cache is keyed by (site, page) too.
ALTER TABLE thread_changes ADD COLUMN site TEXT NOT NULL DEFAULT 'default';

CREATE OR REPLACE FUNCTION causerie_comment_changes_thread() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO thread_changes (site, page, at)
        SELECT site, page, extract(epoch FROM clock_timestamp())::BIGINT FROM threads WHERE id = OLD.thread_id;
        RETURN OLD;
    END IF;
    INSERT INTO thread_changes (site, page, at)
    SELECT site, page, extract(epoch FROM clock_timestamp())::BIGINT FROM threads WHERE id = NEW.thread_id;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

-- A thread that moves (to another site or page) changes its old key as well.
CREATE OR REPLACE FUNCTION causerie_thread_changes() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO thread_changes (site, page, at)
        VALUES (OLD.site, OLD.page, extract(epoch FROM clock_timestamp())::BIGINT);
    END IF;
    INSERT INTO thread_changes (site, page, at)
    VALUES (NEW.site, NEW.page, extract(epoch FROM clock_timestamp())::BIGINT);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

-- A moderator limited to some sites has a row per site; none means every site.
CREATE TABLE moderator_sites (
    moderator_id BIGINT NOT NULL REFERENCES moderators(id) ON DELETE CASCADE,
    site TEXT NOT NULL,
    PRIMARY KEY (moderator_id, site)
);

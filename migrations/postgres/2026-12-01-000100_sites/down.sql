DROP TABLE moderator_sites;
CREATE OR REPLACE FUNCTION causerie_thread_changes() RETURNS trigger AS $$
BEGIN
    INSERT INTO thread_changes (page, at) VALUES (NEW.page, extract(epoch FROM clock_timestamp())::BIGINT);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION causerie_comment_changes_thread() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO thread_changes (page, at)
        SELECT page, extract(epoch FROM clock_timestamp())::BIGINT FROM threads WHERE id = OLD.thread_id;
        RETURN OLD;
    END IF;
    INSERT INTO thread_changes (page, at)
    SELECT page, extract(epoch FROM clock_timestamp())::BIGINT FROM threads WHERE id = NEW.thread_id;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
ALTER TABLE thread_changes DROP COLUMN site;
-- Only possible while no page has a thread on two sites.
ALTER TABLE threads DROP CONSTRAINT threads_site_page_key;
ALTER TABLE threads ADD CONSTRAINT threads_page_key UNIQUE (page);
ALTER TABLE threads DROP COLUMN site;

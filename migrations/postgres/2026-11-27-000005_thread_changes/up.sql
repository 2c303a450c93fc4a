-- Every change a reader could see leaves the page's key here, written by triggers
-- so that no code path can forget; each instance reads it to drop its cached copy.
CREATE TABLE thread_changes (
    id BIGSERIAL PRIMARY KEY,
    page TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX thread_changes_at ON thread_changes (at);

CREATE FUNCTION causerie_comment_changes_thread() RETURNS trigger AS $$
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

CREATE TRIGGER comments_change_thread
AFTER INSERT OR DELETE OR UPDATE OF status, parent_id, author, website, body_html, moderator, edited_at
ON comments FOR EACH ROW EXECUTE FUNCTION causerie_comment_changes_thread();

CREATE FUNCTION causerie_thread_changes() RETURNS trigger AS $$
BEGIN
    INSERT INTO thread_changes (page, at) VALUES (NEW.page, extract(epoch FROM clock_timestamp())::BIGINT);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER threads_change_thread AFTER INSERT OR UPDATE ON threads
FOR EACH ROW EXECUTE FUNCTION causerie_thread_changes();

-- A thread whose comments move to another thread (a page moved onto one that had a
-- thread: `causerie move-page --merge`, `move-site --merge`) changes both pages, and
-- a thread removed changes its page. The triggers before saw neither: the comments'
-- trigger does not watch `thread_id`, and nothing watched a thread's removal, so a
-- cached copy of either page could outlive the merge.
CREATE FUNCTION causerie_comment_moves_thread() RETURNS trigger AS $$
BEGIN
    INSERT INTO thread_changes (site, page, at)
    SELECT site, page, extract(epoch FROM clock_timestamp())::BIGINT FROM threads
    WHERE id IN (OLD.thread_id, NEW.thread_id);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER comments_move_thread
AFTER UPDATE OF thread_id ON comments
FOR EACH ROW WHEN (OLD.thread_id IS DISTINCT FROM NEW.thread_id)
EXECUTE FUNCTION causerie_comment_moves_thread();

CREATE FUNCTION causerie_thread_removed() RETURNS trigger AS $$
BEGIN
    INSERT INTO thread_changes (site, page, at)
    VALUES (OLD.site, OLD.page, extract(epoch FROM clock_timestamp())::BIGINT);
    RETURN OLD;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER threads_remove_thread AFTER DELETE ON threads
FOR EACH ROW EXECUTE FUNCTION causerie_thread_removed();

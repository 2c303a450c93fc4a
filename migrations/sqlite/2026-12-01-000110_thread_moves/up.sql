-- A thread whose comments move to another thread (a page moved onto one that had a
-- thread: `causerie move-page --merge`, `move-site --merge`) changes both pages, and
-- a thread removed changes its page. The triggers before saw neither: the comments'
-- trigger does not watch `thread_id`, and nothing watched a thread's removal, so a
-- cached copy of either page could outlive the merge.
-- (A later migration that rebuilds `threads` must drop and recreate
-- `comments_move_changes_thread` too: SQLite checks the whole schema on a rename.)
CREATE TRIGGER comments_move_changes_thread
AFTER UPDATE OF thread_id ON comments
WHEN OLD.thread_id <> NEW.thread_id
BEGIN
    INSERT INTO thread_changes (site, page, at)
    SELECT site, page, CAST(strftime('%s', 'now') AS INTEGER) FROM threads
    WHERE id IN (OLD.thread_id, NEW.thread_id);
END;

CREATE TRIGGER threads_delete_changes_thread AFTER DELETE ON threads
BEGIN
    INSERT INTO thread_changes (site, page, at)
    VALUES (OLD.site, OLD.page, CAST(strftime('%s', 'now') AS INTEGER));
END;

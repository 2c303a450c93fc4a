-- Every change a reader could see (a comment written, edited, moderated or removed;
-- a thread created, renamed, opened or closed) leaves the page's key here, written
-- by triggers so that no code path can forget. Each instance reads it to drop its
-- cached copy of that page: at once after its own writes, within a second after
-- another instance's.
CREATE TABLE thread_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX thread_changes_at ON thread_changes (at);

CREATE TRIGGER comments_insert_changes_thread AFTER INSERT ON comments
BEGIN
    INSERT INTO thread_changes (page, at)
    SELECT page, CAST(strftime('%s', 'now') AS INTEGER) FROM threads WHERE id = NEW.thread_id;
END;

CREATE TRIGGER comments_update_changes_thread
AFTER UPDATE OF status, parent_id, author, website, body_html, moderator, edited_at ON comments
BEGIN
    INSERT INTO thread_changes (page, at)
    SELECT page, CAST(strftime('%s', 'now') AS INTEGER) FROM threads WHERE id = NEW.thread_id;
END;

CREATE TRIGGER comments_delete_changes_thread AFTER DELETE ON comments
BEGIN
    INSERT INTO thread_changes (page, at)
    SELECT page, CAST(strftime('%s', 'now') AS INTEGER) FROM threads WHERE id = OLD.thread_id;
END;

CREATE TRIGGER threads_insert_changes_thread AFTER INSERT ON threads
BEGIN
    INSERT INTO thread_changes (page, at) VALUES (NEW.page, CAST(strftime('%s', 'now') AS INTEGER));
END;

CREATE TRIGGER threads_update_changes_thread AFTER UPDATE ON threads
BEGIN
    INSERT INTO thread_changes (page, at) VALUES (NEW.page, CAST(strftime('%s', 'now') AS INTEGER));
END;

PRAGMA foreign_keys = OFF;
BEGIN;
DROP TRIGGER comments_insert_changes_thread;
DROP TRIGGER comments_update_changes_thread;
DROP TRIGGER comments_delete_changes_thread;
DROP TABLE moderator_sites;
CREATE TABLE threads_without_site (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    closed BOOLEAN NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
-- Only possible while no page has a thread on two sites.
INSERT INTO threads_without_site (id, page, title, closed, created_at)
    SELECT id, page, title, closed, created_at FROM threads;
DELETE FROM sqlite_sequence WHERE name = 'threads_without_site';
INSERT INTO sqlite_sequence (name, seq) SELECT 'threads_without_site', seq FROM sqlite_sequence WHERE name = 'threads';
DROP TABLE threads;
ALTER TABLE threads_without_site RENAME TO threads;
ALTER TABLE thread_changes DROP COLUMN site;
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
COMMIT;
PRAGMA foreign_keys = ON;

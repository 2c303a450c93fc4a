-- Sites (SPEC section 10): a thread belongs to a site, and is keyed by (site, page).
-- Every thread stored before sites existed joins the site `default`; at start,
-- Causerie moves them to the first configured site if there is no site `default`.
-- The table is rebuilt as SQLite's twelve-step procedure says, keeping every id, so
-- that comments and unsubscriptions keep pointing at their thread.
PRAGMA foreign_keys = OFF;
BEGIN;

-- First the triggers of other tables that name `threads`: SQLite checks the whole
-- schema when a table is renamed.
DROP TRIGGER comments_insert_changes_thread;
DROP TRIGGER comments_update_changes_thread;
DROP TRIGGER comments_delete_changes_thread;

CREATE TABLE threads_with_site (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site TEXT NOT NULL DEFAULT 'default',
    page TEXT NOT NULL,
    title TEXT NOT NULL,
    closed BOOLEAN NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (site, page)
);
INSERT INTO threads_with_site (id, site, page, title, closed, created_at)
    SELECT id, 'default', page, title, closed, created_at FROM threads;
-- The id sequence too, so that no id of a removed thread is given again.
DELETE FROM sqlite_sequence WHERE name = 'threads_with_site';
INSERT INTO sqlite_sequence (name, seq) SELECT 'threads_with_site', seq FROM sqlite_sequence WHERE name = 'threads';
DROP TABLE threads;
ALTER TABLE threads_with_site RENAME TO threads;

-- The cache is keyed by (site, page) too.
ALTER TABLE thread_changes ADD COLUMN site TEXT NOT NULL DEFAULT 'default';


CREATE TRIGGER comments_insert_changes_thread AFTER INSERT ON comments
BEGIN
    INSERT INTO thread_changes (site, page, at)
    SELECT site, page, CAST(strftime('%s', 'now') AS INTEGER) FROM threads WHERE id = NEW.thread_id;
END;

CREATE TRIGGER comments_update_changes_thread
AFTER UPDATE OF status, parent_id, author, website, body_html, moderator, edited_at ON comments
BEGIN
    INSERT INTO thread_changes (site, page, at)
    SELECT site, page, CAST(strftime('%s', 'now') AS INTEGER) FROM threads WHERE id = NEW.thread_id;
END;

CREATE TRIGGER comments_delete_changes_thread AFTER DELETE ON comments
BEGIN
    INSERT INTO thread_changes (site, page, at)
    SELECT site, page, CAST(strftime('%s', 'now') AS INTEGER) FROM threads WHERE id = OLD.thread_id;
END;

-- The old table's triggers went with it. A thread that moves (to another site or
-- page) changes its old key as well as its new one.
CREATE TRIGGER threads_insert_changes_thread AFTER INSERT ON threads
BEGIN
    INSERT INTO thread_changes (site, page, at)
    VALUES (NEW.site, NEW.page, CAST(strftime('%s', 'now') AS INTEGER));
END;

CREATE TRIGGER threads_update_changes_thread AFTER UPDATE ON threads
BEGIN
    INSERT INTO thread_changes (site, page, at)
    VALUES (OLD.site, OLD.page, CAST(strftime('%s', 'now') AS INTEGER));
    INSERT INTO thread_changes (site, page, at)
    VALUES (NEW.site, NEW.page, CAST(strftime('%s', 'now') AS INTEGER));
END;

-- A moderator limited to some sites has a row per site; none means every site.
CREATE TABLE moderator_sites (
    moderator_id BIGINT NOT NULL REFERENCES moderators(id) ON DELETE CASCADE,
    site TEXT NOT NULL,
    PRIMARY KEY (moderator_id, site)
);

COMMIT;
PRAGMA foreign_keys = ON;

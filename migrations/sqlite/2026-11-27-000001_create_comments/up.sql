-- One row per article ("thread"), created by its first comment.
CREATE TABLE threads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    closed BOOLEAN NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id BIGINT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES comments(id) ON DELETE SET NULL,
    depth INTEGER NOT NULL DEFAULT 0,
    author TEXT NOT NULL,
    email TEXT NOT NULL,
    website TEXT,
    body_raw TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'spam', 'deleted')),
    hold_reason TEXT,
    moderator BOOLEAN NOT NULL DEFAULT 0,
    notify_replies BOOLEAN NOT NULL DEFAULT 0,
    ip TEXT,
    edit_token_hash TEXT,
    created_at BIGINT NOT NULL,
    edited_at BIGINT
);

-- The public read: approved comments of one thread, oldest first.
CREATE INDEX comments_thread_status_id ON comments (thread_id, status, id);
-- first_time moderation: has this email an approved comment already?
CREATE INDEX comments_email_status ON comments (email, status);
CREATE INDEX comments_parent ON comments (parent_id);
-- The IP purge walks comments by age.
CREATE INDEX comments_created_at ON comments (created_at);

CREATE TABLE moderators (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Instance-wide values that must survive restarts (the HMAC secret, for one).
CREATE TABLE instance_settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

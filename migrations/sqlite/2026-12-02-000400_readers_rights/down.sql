DELETE FROM outbox WHERE kind NOT IN ('moderator', 'reply') OR status = 'withdrawn';
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('moderator', 'reply')),
    comment_id BIGINT REFERENCES comments(id) ON DELETE SET NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    list_unsubscribe TEXT,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('draft', 'queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    -- A worker that claimed the message owns it until then; a crashed worker's claim
    -- simply expires.
    claimed_until BIGINT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
INSERT INTO outbox_new (id, kind, comment_id, recipient, subject, body_text, body_html,
    list_unsubscribe, message_id, status, attempts, next_attempt_at, last_error,
    claimed_until, created_at, sent_at)
SELECT id, kind, comment_id, recipient, subject, body_text, body_html,
    list_unsubscribe, message_id, status, attempts, next_attempt_at, last_error,
    claimed_until, created_at, sent_at
FROM outbox;
DELETE FROM sqlite_sequence WHERE name = 'outbox_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_new', seq FROM sqlite_sequence WHERE name = 'outbox';
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
-- The worker's claim: waiting messages that are due.
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
-- Never twice for one reply; the hourly cap per recipient.
CREATE INDEX outbox_comment ON outbox (comment_id, kind, recipient);
CREATE INDEX outbox_recipient ON outbox (recipient, kind, created_at);
DROP TABLE data_requests;
DROP TABLE reports;
DROP INDEX comments_erased;
ALTER TABLE comments DROP COLUMN status_at;
ALTER TABLE comments DROP COLUMN erased_at;

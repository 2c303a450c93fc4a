-- Drafts cannot go back to a version that writes messages at once: they stay, given
-- up (a moderator sees them on the outbox page).
UPDATE outbox SET status = 'failed', last_error = 'not written before the downgrade'
WHERE status = 'draft';
CREATE TABLE outbox_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('moderator', 'reply')),
    comment_id BIGINT REFERENCES comments(id) ON DELETE SET NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    list_unsubscribe TEXT,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    claimed_until BIGINT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
INSERT INTO outbox_old (id, kind, comment_id, recipient, subject, body_text, body_html,
    list_unsubscribe, message_id, status, attempts, next_attempt_at, last_error,
    claimed_until, created_at, sent_at)
SELECT id, kind, comment_id, recipient, subject, body_text, body_html,
    list_unsubscribe, message_id, status, attempts, next_attempt_at, last_error,
    claimed_until, created_at, sent_at
FROM outbox;
DELETE FROM sqlite_sequence WHERE name = 'outbox_old';
INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_old', seq FROM sqlite_sequence WHERE name = 'outbox';
DROP TABLE outbox;
ALTER TABLE outbox_old RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_comment ON outbox (comment_id, kind, recipient);
CREATE INDEX outbox_recipient ON outbox (recipient, kind, created_at);

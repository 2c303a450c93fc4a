-- The durable outbox: every notification is written here in the same transaction as
-- the comment that causes it, then sent by a background worker.
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
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
    -- A worker that claimed the message owns it until then; a crashed worker's claim
    -- simply expires.
    claimed_until BIGINT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
-- The worker's claim: queued messages that are due.
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
-- Never twice for one reply; the hourly cap per recipient.
CREATE INDEX outbox_comment ON outbox (comment_id, kind, recipient);
CREATE INDEX outbox_recipient ON outbox (recipient, kind, created_at);

-- Addresses that asked for no more reply notifications: for one thread, or for
-- everything (thread_id NULL).
CREATE TABLE unsubscribed (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    thread_id BIGINT REFERENCES threads(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX unsubscribed_email ON unsubscribed (email, thread_id);

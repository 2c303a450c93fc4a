-- Readers' rights and reports (SPEC section 14). Columns are added and tables
-- created; no row is rewritten.
--
-- `erased_at`: the author erased their data (`/my-data`). The row stays only while
-- replies hang under it, with no name, email, address or text: the public sees a
-- placeholder there. `status_at`: when the status last changed, from which spam
-- and deleted comments are kept `spam_retention_days` (NULL, for rows written
-- before: their `created_at`).
ALTER TABLE comments ADD COLUMN erased_at BIGINT;
ALTER TABLE comments ADD COLUMN status_at BIGINT;
-- The placeholders a thread's public list looks for on every read that misses the
-- cache: few, so the index holds only them.
CREATE INDEX comments_erased ON comments (thread_id) WHERE erased_at IS NOT NULL;

-- A reader's report of a published comment. Counted once per address block while
-- open (the partial unique index); resolved by a moderator's decision. `email`: the
-- reporter's, to tell them the decision, forgotten once told.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    block TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT,
    email TEXT,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolution TEXT
);
CREATE UNIQUE INDEX reports_open_once_per_block ON reports (comment_id, block) WHERE resolved_at IS NULL;
CREATE INDEX reports_by_block ON reports (block, created_at);

-- Requests for one's data (`POST /api/v1/my-data`), one row for each, whether or not
-- the address commented (the same work either way). `email_key`: an HMAC of the
-- address, for its rate limit; `email`: the address itself, only when it commented
-- on the site (the link's owner). The link is `id` signed; `used_at` once erased.
CREATE TABLE data_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site TEXT NOT NULL,
    email_key TEXT NOT NULL,
    block TEXT NOT NULL,
    email TEXT,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX data_requests_by_key ON data_requests (email_key, created_at);
CREATE INDEX data_requests_by_block ON data_requests (block, created_at);

-- The outbox carries the readers' rights emails too: the data link (`my_data`), the
-- moderators' report alert (`reported`), a reporter's decision (`report_decision`)
-- and a removed comment's reasons (`removal_reasons`); and a message can be
-- `withdrawn` (never to be sent: the reply it told of was removed or held, or the
-- recipient unsubscribed). SQLite cannot change a CHECK in place: the table is
-- rebuilt, every row and the id sequence carried over.
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('moderator', 'reply', 'my_data', 'reported', 'report_decision', 'removal_reasons')),
    comment_id BIGINT REFERENCES comments(id) ON DELETE SET NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    list_unsubscribe TEXT,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('draft', 'queued', 'sent', 'failed', 'withdrawn')),
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

-- Drafts: a notification is decided in the transaction of the comment that causes it
-- (kind, comment, recipient) and written (subject, bodies, links) by the worker
-- afterwards, outside the write lock.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('draft', 'queued', 'sent', 'failed'));

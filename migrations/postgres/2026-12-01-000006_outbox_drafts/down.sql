-- Drafts cannot go back to a version that writes messages at once: they stay, given
-- up (a moderator sees them on the outbox page).
UPDATE outbox SET status = 'failed', last_error = 'not written before the downgrade'
WHERE status = 'draft';
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('queued', 'sent', 'failed'));

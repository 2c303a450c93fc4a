DELETE FROM outbox WHERE kind NOT IN ('moderator', 'reply') OR status = 'withdrawn';
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('draft', 'queued', 'sent', 'failed'));
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('moderator', 'reply'));
DROP TABLE data_requests;
DROP TABLE reports;
DROP INDEX comments_erased;
ALTER TABLE comments DROP COLUMN status_at;
ALTER TABLE comments DROP COLUMN erased_at;

-- Moderators' sessions: the cookie carries a random token, only its hash is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    moderator_id BIGINT NOT NULL REFERENCES moderators(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

-- Failed logins, counted per account and per address to throttle guessing.
CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_account_at ON login_failures (account, at);
CREATE INDEX login_failures_ip_at ON login_failures (ip, at);

-- One-click moderation links (sent in emails): single use, expiring.
CREATE TABLE action_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    comment_id BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

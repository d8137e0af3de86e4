-- Dashboard sessions (issue 15): a login with an API token opens a
-- session whose id travels in an HttpOnly cookie; only the SHA-256 of the
-- id is kept, as for tokens. A session acts as its token: revoking or
-- expiring the token ends it, and so does its own expiry or a logout.
-- 00007 and 00008 are taken by other branches (audit, metrics). The other
-- dialect's 00009 is the same change.

-- +goose Up
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    hash       BLOB  NOT NULL UNIQUE,
    token_id   BIGINT NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);


-- Notifications (issue 13 item 1, internal/notify): rules select changes,
-- sinks deliver them, at least once.
--   - notify_cursors: how far in the events table the notifier has read,
--     advanced in the same transaction as the messages it queued (a crash
--     loses nothing and queues nothing twice);
--   - notify_outbox: messages to deliver, leased by one replica at a time
--     (lease_owner, lease_until), retried with backoff (next_at), dead
--     after max attempts until replayed; msg_id is the idempotency key
--     (the webhook-id). A digest (digest_key) collects events until its
--     window closes at next_at;
--   - notify_deliveries: every attempt (status, latency, error);
--   - notify_once: what was notified once only (an SLA breach of a
--     finding, an image too old for a threshold);
--   - notify_rules: rules created through the API (those of the config
--     file are not stored).
-- The other dialect's 00013 is the same change.

-- +goose Up
CREATE TABLE notify_cursors (
    name TEXT   PRIMARY KEY,
    seq  BIGINT NOT NULL
);

CREATE TABLE notify_outbox (
    id           BIGSERIAL PRIMARY KEY,
    msg_id       TEXT    NOT NULL UNIQUE,
    rule         TEXT    NOT NULL,
    sink         TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    project      TEXT    NOT NULL DEFAULT '',
    digest_key   TEXT,
    events       BIGINT  NOT NULL DEFAULT 1,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    next_at      BIGINT  NOT NULL,
    lease_owner  TEXT    NOT NULL DEFAULT '',
    lease_until  BIGINT  NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX notify_outbox_ready ON notify_outbox (state, next_at);
CREATE INDEX notify_outbox_digest ON notify_outbox (digest_key) WHERE digest_key IS NOT NULL AND state = 'pending';

CREATE TABLE notify_deliveries (
    id         BIGSERIAL PRIMARY KEY,
    message_id BIGINT  NOT NULL REFERENCES notify_outbox (id),
    attempt    INTEGER NOT NULL,
    at         BIGINT  NOT NULL,
    status     INTEGER NOT NULL DEFAULT 0,
    latency_ms BIGINT  NOT NULL DEFAULT 0,
    outcome    TEXT    NOT NULL,
    error      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX notify_deliveries_message ON notify_deliveries (message_id);

CREATE TABLE notify_once (
    kind      TEXT   NOT NULL,
    subject   BIGINT NOT NULL,
    threshold BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (kind, subject, threshold)
);

CREATE TABLE notify_rules (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT   NOT NULL UNIQUE,
    spec       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT   NOT NULL
);

-- The tamper-evident audit log of issue 14 (internal/audit,
-- docs/audit.md): one row per decision, written in the transaction of the
-- change it records, each holding the hash of the row before it. seq is
-- assigned by the writer (head + 1) under the single writer, so it has no
-- gaps. audit_head is the last record, kept beside the log so that a log
-- cut at its end is told from a complete one. The triggers make the log
-- append-only for anyone who does not drop them first, and keep the head
-- moving forward to a record that exists. tokens.created_by names who
-- created a token (for the record). The other dialect's 00007 is the same
-- change.

-- +goose Up
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        BIGINT  NOT NULL,
    actor     TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    payload   TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_kind ON audit_log (kind, subject, seq);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_head_insert BEFORE INSERT ON audit_head
WHEN NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash)
BEGIN
    SELECT RAISE(ABORT, 'audit_head must name a record of audit_log');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.seq <= OLD.seq OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash)
BEGIN
    SELECT RAISE(ABORT, 'audit_head only moves forward, to a record of audit_log');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_head cannot be deleted');
END;
-- +goose StatementEnd

ALTER TABLE tokens ADD COLUMN created_by TEXT NOT NULL DEFAULT '';

-- The tamper-evident audit log of issue 14 (internal/audit,
-- docs/audit.md): one row per decision, written in the transaction of the
-- change it records, each holding the hash of the row before it. seq is
-- assigned by the writer (head + 1) under the portfolio write lock (the
-- advisory lock of every write transaction), so it has no gaps whatever
-- the number of servers. audit_head is the last record, kept beside the
-- log so that a log cut at its end is told from a complete one. The
-- triggers make the log append-only for anyone who cannot disable them
-- (docs/audit.md: with REVOKE, the application role cannot), and keep the
-- head moving forward to a record that exists. tokens.created_by names who
-- created a token (for the record). The other dialect's 00007 is the same
-- change.

-- +goose Up
CREATE TABLE audit_log (
    seq       BIGINT  PRIMARY KEY,
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
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose StatementBegin
CREATE FUNCTION audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit_head cannot be deleted';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.seq <= OLD.seq THEN
        RAISE EXCEPTION 'audit_head only moves forward';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash) THEN
        RAISE EXCEPTION 'audit_head must name a record of audit_log';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_head_forward BEFORE INSERT OR UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

ALTER TABLE tokens ADD COLUMN created_by TEXT NOT NULL DEFAULT '';

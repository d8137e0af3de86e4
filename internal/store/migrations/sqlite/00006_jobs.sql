-- Background work of issue 12 (refresh, re-match batches; later
-- notification delivery and registry polling) as leased jobs, so that any
-- number of server processes on one database run each job once, and a job
-- whose process died is taken again once its lease expires. Claims use
-- an UPDATE under the single writer (jobs.go; docs/decisions/jobs.md). vulndb_state is
-- the revision of the vulnerability database the findings are matched
-- with: a refresh that changed it bumps the revision and queues the
-- re-match in one transaction, and a push matched with an older revision
-- is refused so that it is matched again. The other dialect's 00006 is the
-- same change.

-- +goose Up
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,
    dedupe_key  TEXT    UNIQUE,
    root_id     BIGINT,
    payload     TEXT    NOT NULL DEFAULT '{}',
    state       TEXT    NOT NULL DEFAULT 'queued',
    attempts    INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 0,
    run_at      BIGINT  NOT NULL,
    lease_owner TEXT    NOT NULL DEFAULT '',
    lease_until BIGINT  NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    result      TEXT,
    created_at  BIGINT  NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_ready ON jobs (run_at, id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_root ON jobs (root_id) WHERE root_id IS NOT NULL;

CREATE TABLE vulndb_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    revision    BIGINT  NOT NULL,
    fingerprint TEXT    NOT NULL,
    updated_at  BIGINT  NOT NULL,
    updated_by  TEXT    NOT NULL DEFAULT ''
);

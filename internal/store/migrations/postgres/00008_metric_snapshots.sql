-- Daily remediation snapshots of issue 13 (docs/metrics.md), so that trend
-- queries read one row per day and group instead of the finding history.
-- A daily leased job (server/metrics.go) writes the rows of one UTC day
-- in one transaction, replacing what an earlier run wrote for that day.
-- environment '' is every environment (each finding once); a named
-- environment counts the findings of the artifacts deployed there. Only
-- groups with a non-zero figure get a row. day and taken_at are Unix
-- milliseconds (UTC). The other dialect's 00008 is the same change.

-- +goose Up
CREATE TABLE metric_snapshots (
    day           BIGINT  NOT NULL,
    project_id    BIGINT  NOT NULL REFERENCES projects (id),
    environment   TEXT    NOT NULL DEFAULT '',
    kind          TEXT    NOT NULL,
    severity      INTEGER NOT NULL,
    open          INTEGER NOT NULL DEFAULT 0,
    breached      INTEGER NOT NULL DEFAULT 0,
    due_soon      INTEGER NOT NULL DEFAULT 0,
    opened        INTEGER NOT NULL DEFAULT 0,
    resolved      INTEGER NOT NULL DEFAULT 0,
    resolved_late INTEGER NOT NULL DEFAULT 0,
    resolve_ms    BIGINT  NOT NULL DEFAULT 0,
    taken_at      BIGINT  NOT NULL,
    PRIMARY KEY (day, project_id, environment, kind, severity)
);
CREATE INDEX metric_snapshots_project ON metric_snapshots (project_id, day);

-- Remediated findings count in the environments their artifact had run
-- in (ended deployments too): the join needs every deployment by artifact.
CREATE INDEX deployments_artifact ON deployments (artifact_id, start_at);


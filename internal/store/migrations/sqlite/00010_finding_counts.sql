-- Counts of findings per project, state and severity, kept by triggers in
-- the transaction of every change to findings, so that the summary
-- (GET /api/v1/summary, which dashboards poll) reads a few rows instead
-- of counting millions of findings after every write: at 100,000
-- artifacts the count was seconds of CPU per store generation, and a
-- re-match makes a new generation every few hundred milliseconds. Rows
-- whose count falls to zero stay. The other dialect's 00010 is the same
-- table with statement-level triggers.

-- +goose Up
CREATE TABLE finding_counts (
    project_id INTEGER NOT NULL,
    state      TEXT    NOT NULL,
    severity   INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (project_id, state, severity)
) WITHOUT ROWID;

INSERT INTO finding_counts (project_id, state, severity, n)
SELECT project_id, state, severity, count(*) FROM findings GROUP BY project_id, state, severity;

-- +goose StatementBegin
CREATE TRIGGER finding_counts_insert AFTER INSERT ON findings BEGIN
    INSERT INTO finding_counts (project_id, state, severity, n) VALUES (NEW.project_id, NEW.state, NEW.severity, 1)
    ON CONFLICT (project_id, state, severity) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER finding_counts_delete AFTER DELETE ON findings BEGIN
    UPDATE finding_counts SET n = n - 1 WHERE project_id = OLD.project_id AND state = OLD.state AND severity = OLD.severity;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER finding_counts_update AFTER UPDATE OF project_id, state, severity ON findings
WHEN OLD.project_id IS NOT NEW.project_id OR OLD.state IS NOT NEW.state OR OLD.severity IS NOT NEW.severity
BEGIN
    UPDATE finding_counts SET n = n - 1 WHERE project_id = OLD.project_id AND state = OLD.state AND severity = OLD.severity;
    INSERT INTO finding_counts (project_id, state, severity, n) VALUES (NEW.project_id, NEW.state, NEW.severity, 1)
    ON CONFLICT (project_id, state, severity) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- Counts of findings per project, state and severity, kept by triggers in
-- the transaction of every change to findings, so that the summary reads
-- a few rows instead of counting millions of findings after every write
-- (see the SQLite 00010). Statement-level triggers with transition
-- tables: one grouped upsert per statement, however many rows it wrote.
-- Every write to findings holds the portfolio write lock, so the counter
-- rows see no concurrent writers.

-- +goose Up
CREATE TABLE finding_counts (
    project_id BIGINT  NOT NULL,
    state      TEXT    NOT NULL,
    severity   INTEGER NOT NULL,
    n          BIGINT  NOT NULL,
    PRIMARY KEY (project_id, state, severity)
);

INSERT INTO finding_counts (project_id, state, severity, n)
SELECT project_id, state, severity, count(*) FROM findings GROUP BY project_id, state, severity;

-- +goose StatementBegin
CREATE FUNCTION finding_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO finding_counts (project_id, state, severity, n)
    SELECT project_id, state, severity, count(*) FROM new_rows GROUP BY project_id, state, severity
    ON CONFLICT (project_id, state, severity) DO UPDATE SET n = finding_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION finding_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE finding_counts c SET n = c.n - d.n
    FROM (SELECT project_id, state, severity, count(*) AS n FROM old_rows GROUP BY project_id, state, severity) d
    WHERE c.project_id = d.project_id AND c.state = d.state AND c.severity = d.severity;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION finding_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO finding_counts (project_id, state, severity, n)
    SELECT project_id, state, severity, sum(d) FROM (
        SELECT project_id, state, severity, -1 AS d FROM old_rows
        UNION ALL
        SELECT project_id, state, severity, 1 AS d FROM new_rows) x
    GROUP BY project_id, state, severity HAVING sum(d) <> 0
    ON CONFLICT (project_id, state, severity) DO UPDATE SET n = finding_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER finding_counts_insert AFTER INSERT ON findings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_insert();
CREATE TRIGGER finding_counts_delete AFTER DELETE ON findings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_delete();
CREATE TRIGGER finding_counts_update AFTER UPDATE ON findings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_update();

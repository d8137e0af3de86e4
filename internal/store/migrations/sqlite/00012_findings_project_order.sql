-- Two read paths of the continuous re-match and the dashboard, straight
-- from an index:
--   - a project's findings in one state, in id order (GET
--     /api/v1/findings?project=P&state=open, which dashboards poll): with
--     (project_id, state, severity) alone every open finding of the
--     project was sorted to give the first page (22,000 of them per
--     project on the 100,000-artifact benchmark);
--   - the findings of some packages on a window of artifacts (a re-match
--     batch's stored findings, ReconcilePackages): with (package_id) alone
--     every window read every finding of the packages (100,000 of them
--     for one popular package), to keep those of its artifacts.
-- The second replaces findings_package, whose prefix it has.

-- +goose Up
CREATE INDEX findings_project_state_id ON findings (project_id, state, id);
CREATE INDEX findings_package_artifact ON findings (package_id, artifact_id);
DROP INDEX findings_package;

-- The findings list of a project in one state, in id order (GET
-- /api/v1/findings?project=P&state=open, which dashboards poll), read
-- straight from an index: with (project_id, state, severity) alone every
-- open finding of the project was sorted to give the first page (22,000 of
-- them per project on the 100,000-artifact benchmark).

-- +goose Up
CREATE INDEX findings_project_state_id ON findings (project_id, state, id);

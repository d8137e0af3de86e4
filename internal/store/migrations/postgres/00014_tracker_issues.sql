-- Issue-tracker sinks (issue 13, docs/trackers.md): one GitHub or GitLab
-- issue per tracker rule x project x vulnerability group. A row is
-- written (state pending, with a random token) before the issue is
-- created; the token is embedded in the issue body as a hidden marker, so
-- that after a crash between the create call and the write of the issue
-- number the reconciler finds the issue by its marker instead of creating
-- a second one. lease_owner/lease_until keep two workers (two replicas)
-- off the same row at once. The other dialect's 00014 is the same change.

-- +goose Up
CREATE TABLE tracker_issues (
    id          BIGSERIAL PRIMARY KEY,
    rule        TEXT   NOT NULL,
    project     TEXT   NOT NULL,
    group_id    TEXT   NOT NULL,
    token       TEXT   NOT NULL UNIQUE,
    state       TEXT   NOT NULL,
    number      BIGINT NOT NULL DEFAULT 0,
    url         TEXT   NOT NULL DEFAULT '',
    body_hash   TEXT   NOT NULL DEFAULT '',
    reason      TEXT   NOT NULL DEFAULT '',
    lease_owner TEXT   NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (rule, project, group_id)
);
CREATE INDEX tracker_issues_project ON tracker_issues (project, id);

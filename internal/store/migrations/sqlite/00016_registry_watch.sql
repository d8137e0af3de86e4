-- Registry watch (issue 13 item 3): the repositories the server polls,
-- with the status of their last poll, and the image digests seen in each
-- (a digest seen once is never scanned again for that repository). The
-- other dialect's 00016 is the same change.

-- +goose Up
CREATE TABLE registry_repos (
    id              INTEGER PRIMARY KEY,
    repository      TEXT   NOT NULL UNIQUE,
    project         TEXT   NOT NULL,
    polls           BIGINT NOT NULL DEFAULT 0,
    last_poll_at    BIGINT NOT NULL DEFAULT 0,
    last_success_at BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT   NOT NULL DEFAULT '',
    last_error_at   BIGINT NOT NULL DEFAULT 0,
    backoff_until   BIGINT NOT NULL DEFAULT 0,
    tags_matched    BIGINT NOT NULL DEFAULT 0,
    last_poller     TEXT   NOT NULL DEFAULT ''
);

CREATE TABLE registry_digests (
    repo_id       BIGINT NOT NULL REFERENCES registry_repos (id),
    digest        TEXT   NOT NULL,
    tag           TEXT   NOT NULL,
    artifact_id   BIGINT REFERENCES artifacts (id),
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (repo_id, digest)
);

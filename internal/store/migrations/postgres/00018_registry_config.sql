-- Registry watch shared by replicas (issue 13): the watched-registry list
-- in the database, versioned. Each row is one version of the shared part
-- of a registries section (no secrets: per-repository passwords stay in
-- each replica's environment, named by password_env); the newest is the
-- list every replica polls. Written by a replica that starts with a
-- registries section, audited as registry.config. The other dialect's
-- 00018 is the same change.

-- +goose Up
CREATE TABLE registry_config (
    version    BIGSERIAL PRIMARY KEY,
    spec       TEXT   NOT NULL,
    digest     TEXT   NOT NULL,
    written_by TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- Cheaper indexes for ingest (issue 11). migrations/sqlite/00002 is the
-- same change in SQLite's dialect.
--
-- artifact_packages_package indexed every artifact-package link by
-- package: one random B-tree insert per link, and on a portfolio where
-- most packages are shared, nearly one dirty page per link per commit.
-- package_buckets replaces it: one row per package and bucket of 256
-- consecutive artifact ids that hold it. A package shared by every
-- artifact costs one row per 256 artifacts; a new package one row,
-- appended (package ids grow). Package -> artifacts is then the bucket
-- rows, and in each bucket a primary-key look-up of artifact_packages
-- per artifact (see Store.PackageArtifacts).
--
-- packages_name duplicated the prefix of the UNIQUE (ecosystem, name,
-- version, purl, attrs) index.

-- +goose Up
CREATE TABLE package_buckets (
    package_id BIGINT NOT NULL REFERENCES packages (id),
    bucket     BIGINT NOT NULL,
    PRIMARY KEY (package_id, bucket)
);
INSERT INTO package_buckets (package_id, bucket)
    SELECT DISTINCT package_id, artifact_id / 256 FROM artifact_packages;
DROP INDEX artifact_packages_package;
DROP INDEX packages_name;

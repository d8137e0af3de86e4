-- The portfolio schema. Times are Unix milliseconds (UTC); NULL is "not
-- set". JSON columns are TEXT. migrations/postgres/00001_init.sql is the
-- same schema in PostgreSQL's dialect: change both together.

-- +goose Up
CREATE TABLE projects (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    team       TEXT    NOT NULL DEFAULT '',
    labels     TEXT    NOT NULL DEFAULT '{}',
    created_at BIGINT  NOT NULL
);

CREATE TABLE artifacts (
    id           INTEGER PRIMARY KEY,
    project_id   BIGINT  NOT NULL REFERENCES projects (id),
    kind         TEXT    NOT NULL,
    digest       TEXT    NOT NULL,
    name         TEXT    NOT NULL DEFAULT '',
    version      TEXT    NOT NULL DEFAULT '',
    vcs_url      TEXT    NOT NULL DEFAULT '',
    vcs_commit   TEXT    NOT NULL DEFAULT '',
    format       TEXT    NOT NULL DEFAULT '',
    tool_name    TEXT    NOT NULL DEFAULT '',
    tool_version TEXT    NOT NULL DEFAULT '',
    image        TEXT,
    build        TEXT,
    packages     INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    UNIQUE (project_id, digest)
);

-- One row per distinct package of the whole portfolio. attrs is the
-- canonical JSON of the match attributes (extractor, source package,
-- platform, dev, relationship); data keeps the rest (licences, hashes).
CREATE TABLE packages (
    id        INTEGER PRIMARY KEY,
    ecosystem TEXT NOT NULL,
    name      TEXT NOT NULL,
    version   TEXT NOT NULL,
    purl      TEXT NOT NULL,
    purl_base TEXT NOT NULL,
    attrs     TEXT NOT NULL,
    data      TEXT NOT NULL DEFAULT '{}',
    UNIQUE (ecosystem, name, version, purl, attrs)
);
CREATE INDEX packages_purl_base ON packages (purl_base);
CREATE INDEX packages_name ON packages (ecosystem, name);

-- The inventory of each artifact, and (by package_id) the inverted index
-- package -> artifacts.
CREATE TABLE artifact_packages (
    artifact_id BIGINT NOT NULL REFERENCES artifacts (id),
    package_id  BIGINT NOT NULL REFERENCES packages (id),
    ord         INTEGER NOT NULL,
    locations   TEXT NOT NULL DEFAULT '[]',
    depends_on  TEXT,
    PRIMARY KEY (artifact_id, package_id)
) WITHOUT ROWID;
CREATE INDEX artifact_packages_package ON artifact_packages (package_id);

CREATE TABLE findings (
    id                  INTEGER PRIMARY KEY,
    artifact_id         BIGINT  NOT NULL REFERENCES artifacts (id),
    project_id          BIGINT  NOT NULL REFERENCES projects (id),
    kind                TEXT    NOT NULL,
    key                 TEXT    NOT NULL,
    vulnerability_id    TEXT    NOT NULL DEFAULT '',
    aliases             TEXT    NOT NULL DEFAULT '[]',
    package_id          BIGINT REFERENCES packages (id),
    severity            INTEGER NOT NULL DEFAULT 0,
    summary             TEXT    NOT NULL DEFAULT '',
    fixed_version       TEXT    NOT NULL DEFAULT '',
    detail              TEXT,
    state               TEXT    NOT NULL,
    first_seen          BIGINT  NOT NULL,
    fix_available_since BIGINT,
    resolved_at         BIGINT,
    resolution          TEXT    NOT NULL DEFAULT '',
    reason              TEXT    NOT NULL DEFAULT '',
    accepted_by         TEXT    NOT NULL DEFAULT '',
    accepted_until      BIGINT,
    updated_at          BIGINT  NOT NULL,
    UNIQUE (artifact_id, key)
);
CREATE INDEX findings_project_state ON findings (project_id, state, severity);
CREATE INDEX findings_state_first_seen ON findings (state, first_seen);
CREATE INDEX findings_package ON findings (package_id);
CREATE INDEX findings_accepted_until ON findings (accepted_until) WHERE state = 'accepted';

-- Every id and alias of a finding (the id itself included), for indexed
-- look-up by any of them.
CREATE TABLE finding_aliases (
    alias      TEXT   NOT NULL,
    finding_id BIGINT NOT NULL REFERENCES findings (id),
    PRIMARY KEY (alias, finding_id)
) WITHOUT ROWID;
CREATE INDEX finding_aliases_finding ON finding_aliases (finding_id);

-- The append-only change log and feed.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          BIGINT NOT NULL,
    kind        TEXT   NOT NULL,
    project_id  BIGINT,
    artifact_id BIGINT,
    finding_id  BIGINT,
    actor       TEXT   NOT NULL DEFAULT '',
    from_state  TEXT   NOT NULL DEFAULT '',
    to_state    TEXT   NOT NULL DEFAULT '',
    reason      TEXT   NOT NULL DEFAULT '',
    data        TEXT
);
CREATE INDEX events_finding ON events (finding_id) WHERE finding_id IS NOT NULL;

CREATE TABLE deployments (
    id          INTEGER PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects (id),
    artifact_id BIGINT NOT NULL REFERENCES artifacts (id),
    environment TEXT   NOT NULL,
    service     TEXT   NOT NULL,
    cluster     TEXT   NOT NULL DEFAULT '',
    namespace   TEXT   NOT NULL DEFAULT '',
    start_at    BIGINT NOT NULL,
    end_at      BIGINT,
    actor       TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX deployments_open ON deployments (project_id, environment, service, cluster, namespace) WHERE end_at IS NULL;
CREATE INDEX deployments_artifact_open ON deployments (artifact_id) WHERE end_at IS NULL;

CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    name       TEXT   NOT NULL DEFAULT '',
    role       TEXT   NOT NULL,
    projects   TEXT   NOT NULL DEFAULT '[]',
    hash       BLOB   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used  BIGINT
);

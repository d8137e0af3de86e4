// Package store keeps the server's portfolio: projects, artifacts and their
// inventories, deployments, findings with their history, and API tokens. One
// implementation over database/sql serves both embedded SQLite (the default)
// and PostgreSQL; the schema and its migrations are the same history for both
// (migrations/sqlite and migrations/postgres hold one file per version each).
//
// Times are stored as Unix milliseconds (UTC) in both databases, so the same
// queries and arithmetic (MTTR, SLA, ages) work on both.
package store

import (
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
)

// Finding kinds.
const (
	KindVulnerability    = "vulnerability"
	KindMisconfiguration = "misconfiguration"
	KindSecret           = "secret"
	// KindStaticAnalysis is a result of a static analyser, ingested as
	// SARIF (internal/sarif).
	KindStaticAnalysis = "static_analysis"
)

// Finding states.
const (
	StateOpen          = "open"
	StateFixed         = "fixed"
	StateAccepted      = "accepted"
	StateFalsePositive = "false_positive"
)

// Resolutions say how a finding stopped being open without a person
// deciding it.
const (
	// ResolvedReplaced: an artifact without the finding was deployed in
	// place of the one that had it.
	ResolvedReplaced = "replaced_by_upgrade"
	// ResolvedWithdrawn: the advisory was withdrawn.
	ResolvedWithdrawn = "advisory_withdrawn"
	// ResolvedRangeChanged: the advisory's affected ranges no longer
	// include the package version.
	ResolvedRangeChanged = "advisory_range_changed"
	// ResolvedNotReported: a newer report of the same artifact no longer
	// contains the misconfiguration or secret.
	ResolvedNotReported = "not_reported"
)

// Event kinds (the events table is the append-only history of every change,
// and the feed consumers read with a sequence number).
const (
	EventArtifactIngested = "artifact.ingested"
	EventFindingCreated   = "finding.created"
	EventFindingState     = "finding.state_changed" // open/fixed/accepted/false_positive/re-opened
	EventFindingUpdated   = "finding.updated"       // severity, fix or summary changed
	EventDeployment       = "deployment.started"
	EventDeploymentEnded  = "deployment.ended"
	EventTokenCreated     = "token.created"
	EventTokenRevoked     = "token.revoked"
)

// Roles of API tokens, from least to most powerful. A metrics token may
// only scrape /metrics (a Prometheus scraper's credential).
const (
	RoleMetrics = "metrics"
	RoleReader  = "reader"
	RoleWriter  = "writer"
	RoleAdmin   = "admin"
)

// Project is a unit of ownership.
type Project struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	Team      string            `json:"team"`
	Labels    map[string]string `json:"labels"`
	CreatedAt time.Time         `json:"created_at"`
	// CreatedBy names who creates it in CreateProject (for the audit
	// record; not stored on the project).
	CreatedBy string `json:"-"`
}

// Artifact is a built thing: a container image (by digest) or a source
// revision, or an SBOM of something else.
type Artifact struct {
	ID      int64  `json:"id"`
	Project string `json:"project"`
	// Kind is image, source or sbom.
	Kind string `json:"kind"`
	// Digest identifies the artifact within its project: the image digest
	// ("sha256:..."), or for anything else a sha256 of its canonical
	// inventory. Ingesting the same digest again is the same artifact.
	Digest    string `json:"digest"`
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
	VCSURL    string `json:"vcs_url,omitempty"`
	VCSCommit string `json:"vcs_commit,omitempty"`
	// Format is what was ingested: cyclonedx-json, cyclonedx-xml,
	// spdx-json, spdx-tag-value or vigil-json.
	Format      string        `json:"format"`
	ToolName    string        `json:"tool_name,omitempty"`
	ToolVersion string        `json:"tool_version,omitempty"`
	Image       *ImageMeta    `json:"image,omitempty"`
	Packages    int           `json:"packages"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	Build       BuildMetadata `json:"build,omitzero"`
}

// BuildMetadata is free-form CI metadata (pipeline URL, builder, ...).
type BuildMetadata map[string]string

// ImageMeta are the container-image facts of an artifact.
type ImageMeta struct {
	Reference string      `json:"reference,omitempty"`
	Created   time.Time   `json:"created,omitzero"`
	BaseImage string      `json:"base_image,omitempty"`
	OS        string      `json:"os,omitempty"`
	OSVersion string      `json:"os_version,omitempty"`
	OSEOL     bool        `json:"os_eol,omitempty"`
	OSEOLDate string      `json:"os_eol_date,omitempty"`
	Layers    []LayerMeta `json:"layers,omitempty"`
	// CreatedFrom is where Created comes from: config or history
	// (docs/freshness.md).
	CreatedFrom string `json:"created_from,omitempty"`
	// BaseDigest is the declared base image digest (OCI annotation
	// org.opencontainers.image.base.digest; BaseImage holds the name).
	BaseDigest string `json:"base_digest,omitempty"`
}

// LayerMeta is one image layer.
type LayerMeta struct {
	Digest    string `json:"digest"`
	CreatedBy string `json:"created_by,omitempty"`
	Packages  int    `json:"packages"`
}

// Package is one distinct package of the portfolio. It is stored once per
// distinct (ecosystem, name, version, purl, match attributes) however many
// artifacts contain it; the match attributes are whatever decides matching
// besides name and version (extractor, source package, platform, dev flag).
type Package struct {
	ID int64 `json:"id"`
	inventory.Package
}

// ArtifactPackage is a package as one artifact contains it.
type ArtifactPackage struct {
	Package
	// Locations are where the artifact holds it (files, lines, layers).
	Locations []inventory.Location `json:"locations"`
}

// Finding is an artifact x a vulnerability group (aliases merged as the CLI
// merges them) x a package; or a misconfiguration or a secret of the
// artifact. Key identifies it within the artifact.
type Finding struct {
	ID         int64  `json:"id"`
	Project    string `json:"project"`
	ArtifactID int64  `json:"artifact_id"`
	Kind       string `json:"kind"`
	Key        string `json:"key"`

	VulnerabilityID string         `json:"vulnerability_id"`
	Aliases         []string       `json:"aliases"`
	PackageID       int64          `json:"package_id,omitempty"`
	Severity        severity.Level `json:"severity"`
	Summary         string         `json:"summary"`
	FixedVersion    string         `json:"fixed_version,omitempty"`
	// Detail is the full finding as the CLI reports it (scan.Vulnerability,
	// scan.Misconfiguration or scan.Secret), JSON.
	Detail []byte `json:"-"`

	State             string    `json:"state"`
	FirstSeen         time.Time `json:"first_seen"`
	FixAvailableSince time.Time `json:"fix_available_since,omitzero"`
	ResolvedAt        time.Time `json:"resolved_at,omitzero"`
	Resolution        string    `json:"resolution,omitempty"`
	Reason            string    `json:"reason,omitempty"`
	AcceptedBy        string    `json:"accepted_by,omitempty"`
	AcceptedUntil     time.Time `json:"accepted_until,omitzero"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Deployment says an artifact runs in an environment (and service, cluster,
// namespace) from Start until End (zero: still running).
type Deployment struct {
	ID          int64     `json:"id"`
	Project     string    `json:"project"`
	ArtifactID  int64     `json:"artifact_id"`
	Digest      string    `json:"digest"`
	Environment string    `json:"environment"`
	Service     string    `json:"service"`
	Cluster     string    `json:"cluster,omitempty"`
	Namespace   string    `json:"namespace,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end,omitzero"`
	Actor       string    `json:"actor"`
}

// Event is one entry of the append-only change log.
type Event struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Kind       string    `json:"kind"`
	Project    string    `json:"project,omitempty"`
	ArtifactID int64     `json:"artifact_id,omitempty"`
	FindingID  int64     `json:"finding_id,omitempty"`
	Actor      string    `json:"actor"`
	// From and To are the states of a state change.
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Data is event-specific JSON.
	Data []byte `json:"data,omitempty"`
}

// Token is an API token; the secret itself is never stored, only its
// SHA-256.
type Token struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Projects  []string  `json:"projects"` // empty: global
	Hash      []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	// CreatedBy is who created it (the audit record's actor).
	CreatedBy string    `json:"created_by,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	LastUsed  time.Time `json:"last_used_at,omitzero"`
}

package store

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/vigil-sec/vigil/internal/audit"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
)

// Options open a store.
type Options struct {
	// URL is "postgres://..." / "postgresql://..." for PostgreSQL, or a
	// SQLite database file path (optionally "sqlite:PATH").
	URL    string
	Logger *slog.Logger
	// Now is the clock (time.Now when nil). The server's test clock plugs
	// in here.
	Now func() time.Time
}

// NewFinding is a finding as a scan computes it now; the store turns it
// into a Finding with a state and a history.
type NewFinding struct {
	Kind string
	// Key identifies the finding within its artifact; stable across scans
	// of the same artifact (see engine.FindingKey).
	Key             string
	VulnerabilityID string
	Aliases         []string
	// Package is the package a vulnerability is about (nil otherwise); it
	// must be one of the ingested packages (same identity).
	Package      *inventory.Package
	Severity     severity.Level
	Summary      string
	FixedVersion string
	Detail       []byte
}

// Ingest is one pushed artifact with its inventory and current findings.
type Ingest struct {
	Project  string
	Actor    string
	Artifact Artifact
	// Packages carry their locations (Package.Locations) as this artifact
	// holds them.
	Packages []inventory.Package
	// MatchHashes, when set, holds scan.MatchHash of each package's
	// matches, in Packages' order (made with the database the findings
	// were): a package this ingest stores first keeps it as its
	// match_hash, so a re-match that finds the same matches skips it
	// (docs/decisions/rematch.md). A package stored before keeps its own.
	MatchHashes []string
	Findings    []NewFinding
	// DBRevision, when set, is the vulnerability database revision the
	// findings were matched with: the ingest fails with ErrStaleDatabase
	// when a newer one was published (the caller matches it again).
	DBRevision *int64
	// Gate is the gate decision on this push, as the ingest's audit record
	// holds it (JSON; nil: the push was not gated, recorded as null).
	Gate json.RawMessage
}

// IngestResult tells what an ingest did.
type IngestResult struct {
	Artifact Artifact
	// Created is false when the digest was known: metadata was refreshed,
	// packages and findings were left alone.
	Created     bool
	NewFindings int
}

// Deploy records that an artifact runs somewhere.
type Deploy struct {
	Project     string
	Digest      string
	Environment string
	// Service defaults to the project name.
	Service   string
	Cluster   string
	Namespace string
	At        time.Time // zero: now
	Actor     string
}

// DeployResult tells what a deployment did.
type DeployResult struct {
	Deployment Deployment `json:"deployment"`
	// Replaced is the deployment it ended, if any.
	Replaced *Deployment `json:"replaced,omitempty"`
	// Resolved are the findings of the replaced artifact that the new one
	// does not have (state fixed, resolution replaced_by_upgrade).
	Resolved []Finding `json:"resolved"`
}

// StateChange is a person's (or a token's) triage decision.
type StateChange struct {
	FindingID int64
	To        string // open, accepted, false_positive, fixed
	Reason    string // required
	Actor     string
	// Until is required for accepted and must be in the future.
	Until time.Time
}

// Reconcile replaces the findings of one kind on one artifact with the set
// a fresh match computed.
type Reconcile struct {
	ArtifactID int64
	Kind       string
	Findings   []NewFinding
	Actor      string
	// Withdrawn lists advisory ids withdrawn since the last match: a
	// finding that disappears because of one is resolved as
	// advisory_withdrawn, any other as advisory_range_changed.
	Withdrawn map[string]bool
	// KeyPrefix, when set, limits the reconcile to the findings whose key
	// starts with it (one tool's static-analysis results: another tool's
	// are left alone); every finding in Findings must carry it.
	KeyPrefix string
}

// ReconcileResult counts what changed.
type ReconcileResult struct {
	Created  int `json:"created"`
	Resolved int `json:"resolved"`
	Reopened int `json:"reopened"`
	Updated  int `json:"updated"`
}

// Add counts o into r.
func (r *ReconcileResult) Add(o ReconcileResult) {
	r.Created += o.Created
	r.Resolved += o.Resolved
	r.Reopened += o.Reopened
	r.Updated += o.Updated
}

// Page asks for one page of a list: items after Cursor (opaque, from the
// previous page's next cursor), at most Limit (default 100, max 1000).
type Page struct {
	Cursor string
	Limit  int
}

// Scope limits what a caller may see: nil Projects means every project.
type Scope struct {
	Projects []string
}

// FindingFilter selects findings; zero fields do not filter.
type FindingFilter struct {
	Scope
	Project     string
	Environment string // artifacts currently deployed there
	ArtifactID  int64
	Kind        string
	States      []string
	MinSeverity severity.Level
	Severities  []severity.Level
	Ecosystem   string
	// PURL matches the package purl exactly, or without a version any
	// version of it.
	PURL string
	// Package matches the package name exactly, in every ecosystem and
	// version (a bare name: lodash, golang.org/x/net).
	Package string
	// VulnID matches the id or any alias.
	VulnID        string
	Fixable       *bool
	FirstSeenFrom time.Time
	FirstSeenTo   time.Time
	// Lean lists the findings alone: the views' Artifact (but its id),
	// Package and Environments are left empty (callers that only count,
	// such as the scores, read a tenth as much).
	Lean bool
	Page
}

// FindingView is a finding with what a reader needs around it.
type FindingView struct {
	Finding
	Artifact     ArtifactRef        `json:"artifact"`
	Package      *inventory.Package `json:"package,omitempty"`
	Environments []string           `json:"environments"`
}

// ArtifactRef names an artifact.
type ArtifactRef struct {
	ID      int64  `json:"id"`
	Kind    string `json:"kind"`
	Digest  string `json:"digest"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// ArtifactFilter selects artifacts.
type ArtifactFilter struct {
	Scope
	Project string
	Page
}

// DeploymentFilter selects deployments.
type DeploymentFilter struct {
	Scope
	Project     string
	Environment string
	ActiveOnly  bool
	Page
}

// Summary is the portfolio at a glance.
type Summary struct {
	// Open counts open findings by severity name (CRITICAL, HIGH, ...).
	Open map[string]int `json:"open"`
	// ByEnvironment counts open findings on currently deployed artifacts,
	// by environment and severity name.
	ByEnvironment map[string]map[string]int `json:"by_environment"`
	// Oldest are the open findings with the earliest first_seen (at most 10).
	Oldest []FindingView `json:"oldest"`
	// Worst are the projects with the most severe open findings (at most
	// 10): by critical count, then high, medium, low, unknown, then name.
	Worst []ProjectOpen `json:"worst_projects"`
}

// ProjectOpen counts a project's open findings by severity name.
type ProjectOpen struct {
	Project string         `json:"project"`
	Open    map[string]int `json:"open"`
	Total   int            `json:"total"`
}

// API is the whole storage contract; *Store implements it for SQLite and
// PostgreSQL alike, and one contract test suite runs against both.
type API interface {
	Close() error
	// Ping is readiness: the database answers and the schema is current.
	Ping(ctx context.Context) error
	// Backend is "sqlite" or "postgres".
	Backend() string

	EnsureProject(ctx context.Context, name string) (Project, error)
	CreateProject(ctx context.Context, p Project) (Project, error) // ErrExists
	GetProject(ctx context.Context, name string) (Project, error)  // ErrNotFound
	ListProjects(ctx context.Context, s Scope, p Page) ([]Project, string, error)

	// Ingest stores an artifact, its packages and findings in one
	// transaction; it returns only once the transaction is durable.
	// The project is created when missing.
	Ingest(ctx context.Context, in Ingest) (IngestResult, error)
	GetArtifact(ctx context.Context, id int64) (Artifact, error)
	FindArtifact(ctx context.Context, project, digest string) (Artifact, error)
	ListArtifacts(ctx context.Context, f ArtifactFilter) ([]Artifact, string, error)
	// ArtifactPackages lists an artifact's packages with their locations.
	ArtifactPackages(ctx context.Context, artifactID int64, p Page) ([]ArtifactPackage, string, error)
	// Inventory is every package of an artifact, as Ingest got them.
	Inventory(ctx context.Context, artifactID int64) ([]inventory.Package, error)
	// PackageArtifacts lists the artifacts holding any of the packages.
	PackageArtifacts(ctx context.Context, packageIDs []int64) ([]int64, error)
	// ArtifactIDs lists every artifact id (for a full re-match).
	ArtifactIDs(ctx context.Context) ([]int64, error)
	// RematchPackages, PackagesWithFindings, PackageLinks and
	// ReconcilePackages are the targeted re-match (rematch.go).
	RematchPackages(ctx context.Context, sc RematchScope) ([]RematchPackage, error)
	PackagesWithFindings(ctx context.Context, packageIDs []int64) (map[int64]bool, error)
	PackageLinks(ctx context.Context, packageIDs []int64, from, to int64) ([]PackageLink, error)
	// MaxArtifactID is the largest artifact id (0 with none).
	MaxArtifactID(ctx context.Context) (int64, error)
	ReconcilePackages(ctx context.Context, r ReconcilePackages) (ReconcileResult, error)

	Deploy(ctx context.Context, d Deploy) (DeployResult, error)
	ListDeployments(ctx context.Context, f DeploymentFilter) ([]Deployment, string, error)

	ListFindings(ctx context.Context, f FindingFilter) ([]FindingView, string, error)
	GetFinding(ctx context.Context, id int64) (FindingView, error)
	History(ctx context.Context, findingID int64) ([]Event, error)
	SetState(ctx context.Context, c StateChange) (Finding, error) // ErrInvalid
	// ExpireAcceptances re-opens every acceptance whose expiry is at or
	// before now, recording it; it returns how many.
	ExpireAcceptances(ctx context.Context) (int, error)
	Reconcile(ctx context.Context, r Reconcile) (ReconcileResult, error)
	Summary(ctx context.Context, s Scope) (Summary, error)

	// Remediation, Snapshot, PruneSnapshots and Trends are the
	// remediation metrics (metrics.go, snapshots.go); DeployedImages and
	// OldestPendingJob feed /metrics.
	Remediation(ctx context.Context, q RemediationQuery) ([]RemediationRow, error)
	Snapshot(ctx context.Context, day time.Time, o SnapshotOptions) (SnapshotResult, error)
	PruneSnapshots(ctx context.Context, before time.Time) (int, error)
	Trends(ctx context.Context, q TrendQuery) ([]TrendPoint, error)
	DeployedImages(ctx context.Context) ([]DeployedImage, error)
	// Freshness is the image age of every running deployment (freshness.go).
	Freshness(ctx context.Context, f FreshnessFilter) ([]ImageFreshness, error)
	OldestPendingJob(ctx context.Context, kinds []string) (time.Time, error)

	// Events lists the change log after sequence number after.
	Events(ctx context.Context, s Scope, after int64, limit int) ([]Event, error)
	// LatestEvents lists the newest events, oldest first.
	LatestEvents(ctx context.Context, s Scope, limit int) ([]Event, error)

	// Jobs (jobs.go): leased background work, run once across processes.
	EnqueueJob(ctx context.Context, j JobSpec) (int64, bool, error)
	ClaimJob(ctx context.Context, owner string, kinds []string, lease time.Duration) (*Job, error)
	ExtendJob(ctx context.Context, id int64, owner string, lease time.Duration) error
	CompleteJob(ctx context.Context, id int64, owner string, result []byte, next []JobSpec) error
	FailJob(ctx context.Context, id int64, owner, msg string, retryAt time.Time) error
	GetJob(ctx context.Context, id int64) (Job, error)
	JobTree(ctx context.Context, root int64) ([]Job, error)
	JobCounts(ctx context.Context) (map[string]map[string]int, error)
	PendingRoots(ctx context.Context, kinds []string) ([]int64, error)
	// VulnDBState and PublishVulnDB track the vulnerability database
	// revision the findings follow.
	VulnDBState(ctx context.Context) (VulnDBState, error)
	PublishVulnDB(ctx context.Context, fingerprint, by string, next func(rev int64) ([]JobSpec, error)) (int64, error)

	// The audit log (audit.go): every decision above appends a record in
	// its own transaction; these read, verify, checkpoint and extend it.
	AppendAudit(ctx context.Context, actor, kind, subject string, payload any) (audit.Record, error)
	AppendAuditChange(ctx context.Context, actor, kind, subject string, payload any) (bool, error)
	AuditCheckpoint(ctx context.Context, key ed25519.PrivateKey, actor string) (audit.Record, bool, error)
	AuditHead(ctx context.Context) (audit.Head, error)
	AuditRecords(ctx context.Context, after int64, limit int) ([]audit.Record, error)
	ExportAudit(ctx context.Context, from, to time.Time, fn func(*audit.Record) error) error
	VerifyAudit(ctx context.Context, v *audit.Verifier) (audit.Report, error)

	CreateToken(ctx context.Context, t Token) (Token, error)
	TokenByHash(ctx context.Context, hash []byte) (Token, error) // ErrNotFound
	ListTokens(ctx context.Context) ([]Token, error)
	RevokeToken(ctx context.Context, id int64, actor string) error
	TouchToken(ctx context.Context, id int64) error

	// Registry watch (registry.go): digests seen in watched repositories
	// and the status of their polls.
	RegistryDigestsSeen(ctx context.Context, repo string) (map[string]bool, error)
	RecordRegistryDigest(ctx context.Context, d RegistryDigest, in *Ingest) (RegistryDigestResult, error)
	RecordRegistryPoll(ctx context.Context, p RegistryPoll) error
	RegistryStatuses(ctx context.Context, s Scope) ([]RegistryStatus, error)
	// The watched-registry list shared by the replicas, versioned
	// (registry_config.go).
	RegistryConfig(ctx context.Context) (RegistryConfigVersion, error) // ErrNotFound
	PutRegistryConfig(ctx context.Context, spec json.RawMessage, actor string) (cur, prev RegistryConfigVersion, changed bool, err error)
	PruneFinishedJobs(ctx context.Context, kind string, before time.Time) (int, error)

	// Sessions (sessions.go): dashboard logins, stored by hash.
	CreateSession(ctx context.Context, s Session) (Session, error)
	SessionByHash(ctx context.Context, hash []byte) (Session, Token, error) // ErrNotFound
	DeleteSession(ctx context.Context, hash []byte) error
	DeleteExpiredSessions(ctx context.Context) (int, error)

	// Notifications (notify.go): cursor, outbox, delivery log, rules.
	NotifyAPI
	// Tracker issues (trackers.go): the issue-tracker sinks' mapping of
	// rule x project x vulnerability group to an issue.
	TrackerIssues(ctx context.Context, f TrackerIssueFilter) ([]TrackerIssue, string, error)
	GetTrackerIssue(ctx context.Context, id int64) (TrackerIssue, error) // ErrNotFound
	LeaseTrackerIssue(ctx context.Context, l TrackerLease) (TrackerIssue, bool, error)
	UpdateTrackerIssue(ctx context.Context, u TrackerUpdate) (TrackerIssue, error) // ErrLeaseLost
	ReleaseTrackerIssue(ctx context.Context, id int64, owner string) error
	DeleteTrackerIssue(ctx context.Context, id int64, owner string) error // ErrLeaseLost, ErrInvalid
}

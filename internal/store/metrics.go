package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/severity"
)

// Remediation metrics (issue 13; docs/metrics.md): how long findings take
// to be fixed, how many are past their SLA, how old the open ones are, and
// daily snapshots of those figures for trends.
//
// Definitions, the same for the API, /metrics and the snapshots:
//   - A finding is remediated when its state is fixed, except the
//     resolutions that correct the data rather than the software
//     (advisory_withdrawn, advisory_range_changed); a false positive is
//     not a remediation either. Its time to remediate is resolved_at minus
//     first_seen. A finding fixed, re-opened and fixed again counts once,
//     from its first sighting to its last fix.
//   - The SLA clock starts at first_seen: a finding of severity S is due
//     first_seen + SLA(project, S) days. It breaches while open past that;
//     a remediated finding is late when resolved after it.
//   - Open means state open: accepted and false-positive findings are out
//     of the figures until they re-open.
//   - Environments: an open finding counts in every environment its
//     artifact runs in now; a remediated one in every environment its
//     artifact had started running in by the time it was resolved.

// Day is 24 hours; SLA days and age buckets are counted in them.
const Day = 24 * time.Hour

// AgeBuckets are the upper bounds of the open-finding age distribution.
var AgeBuckets = []time.Duration{7 * Day, 30 * Day, 90 * Day, 180 * Day, 365 * Day}

// RemediationBuckets are the upper bounds of the time-to-remediate
// distribution.
var RemediationBuckets = []time.Duration{Day, 3 * Day, 7 * Day, 14 * Day, 30 * Day, 60 * Day, 90 * Day, 180 * Day, 365 * Day}

// SLADays are the days a finding may stay open, by severity level
// (severity.Unknown .. severity.Critical); 0 means no SLA.
type SLADays [severity.Critical + 1]int

// DefaultSLADays: critical 7, high 30, medium 90, low 180, unknown none.
var DefaultSLADays = SLADays{severity.Low: 180, severity.Medium: 90, severity.High: 30, severity.Critical: 7}

// SLAPolicy is the SLA of every project: Default, except for the projects
// listed in Projects.
type SLAPolicy struct {
	Default  SLADays
	Projects map[string]SLADays
}

// Days is the SLA of a severity in a project (0: none).
func (p SLAPolicy) Days(project string, l severity.Level) int {
	if l < severity.Unknown || l > severity.Critical {
		return 0
	}
	if d, ok := p.Projects[project]; ok {
		return d[l]
	}
	return p.Default[l]
}

// MetricsFilter selects the findings remediation metrics count; zero
// fields do not filter, except Kind (default vulnerability; "all" for
// every kind).
type MetricsFilter struct {
	Scope
	Project     string
	Environment string
	Team        string
	Kind        string
}

func (f MetricsFilter) kind() string {
	if f.Kind == "" {
		return KindVulnerability
	}
	return f.Kind
}

// RemediationQuery asks for remediation figures at the store's now.
type RemediationQuery struct {
	MetricsFilter
	// From and To bound the remediated findings by resolved_at, [From, To)
	// (zero: unbounded).
	From, To time.Time
	// DueWithin counts the open findings due within it (and not breached).
	DueWithin time.Duration
	SLA       SLAPolicy
	// ByEnvironment groups by environment too (see the definitions above;
	// a finding counts once per environment). It is implied by an
	// Environment filter.
	ByEnvironment bool
}

// RemediationRow is the figures of one group: a project, a finding kind
// and a severity (and an environment, when grouped by it).
type RemediationRow struct {
	Project     string         `json:"project"`
	Team        string         `json:"team"`
	Environment string         `json:"environment,omitempty"`
	Kind        string         `json:"kind"`
	Severity    severity.Level `json:"severity"`

	Open     int `json:"open"`
	Breached int `json:"breached"`
	DueSoon  int `json:"due_soon"`
	// OpenAge counts the open findings by age: OpenAge[i] are younger
	// than AgeBuckets[i] (and not younger than AgeBuckets[i-1]); the last
	// entry is the older ones.
	OpenAge []int `json:"open_age"`
	// OpenAgeSum is the sum of the open findings' ages.
	OpenAgeSum time.Duration `json:"open_age_sum"`

	Remediated     int `json:"remediated"`
	RemediatedLate int `json:"remediated_late"`
	// RemediationSum is the sum of the remediated findings' times to
	// remediate; RemediationHist counts them like OpenAge, by
	// RemediationBuckets.
	RemediationSum  time.Duration `json:"remediation_sum"`
	RemediationHist []int         `json:"remediation_hist"`
}

type rowKey struct {
	project, env, kind string
	sev                severity.Level
}

// Remediation computes the remediation figures by project, kind and
// severity (and environment), sorted by those.
func (s *Store) Remediation(ctx context.Context, q RemediationQuery) ([]RemediationRow, error) {
	now := s.now()
	var hi int64 = 1 << 62
	if !q.To.IsZero() {
		hi = q.To.UnixMilli()
	}
	byEnv := q.ByEnvironment || q.Environment != ""
	projects, err := s.projectNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("remediation: %w", err)
	}
	rows := map[rowKey]*RemediationRow{}
	get := func(k rowKey, team string) *RemediationRow {
		r := rows[k]
		if r == nil {
			r = &RemediationRow{Project: k.project, Team: team, Environment: k.env, Kind: k.kind, Severity: k.sev,
				OpenAge: make([]int, len(AgeBuckets)+1), RemediationHist: make([]int, len(RemediationBuckets)+1)}
			rows[k] = r
		}
		return r
	}
	// Open findings.
	sq, args, err := metricsQuery(q.MetricsFilter, byEnv, false, q.SLA, now, AgeBuckets, projects)
	if err != nil {
		return nil, err
	}
	nowMS, soonMS := now.UnixMilli(), now.Add(q.DueWithin).UnixMilli()
	qs := `SELECT x.project, x.env, x.kind, x.severity, x.bucket, count(*),
 sum(CASE WHEN x.due IS NOT NULL AND x.due <= ? THEN 1 ELSE 0 END),
 sum(CASE WHEN x.due IS NOT NULL AND x.due > ? AND x.due <= ? THEN 1 ELSE 0 END),
 CAST(sum(? - x.first_seen) AS BIGINT)
 FROM (` + sq + `) x GROUP BY x.project, x.env, x.kind, x.severity, x.bucket`
	r, err := s.query(ctx, qs, append([]any{nowMS, nowMS, soonMS, nowMS}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("remediation: open findings: %w", err)
	}
	type agg struct {
		k               rowKey
		team            string
		bucket, n, a, b int
		sum             int64
	}
	scanAgg := func(r scanner) (agg, error) {
		var g agg
		var sev int
		var pid int64
		err := r.Scan(&pid, &g.k.env, &g.k.kind, &sev, &g.bucket, &g.n, &g.a, &g.b, &g.sum)
		g.k.sev = severity.Level(sev)
		p := projects.byID[pid]
		g.k.project, g.team = p.name, p.team
		return g, err
	}
	open, err := collect(r, scanAgg)
	if err != nil {
		return nil, fmt.Errorf("remediation: open findings: %w", err)
	}
	for _, g := range open {
		row := get(g.k, g.team)
		row.Open += g.n
		row.Breached += g.a
		row.DueSoon += g.b
		row.OpenAge[g.bucket] += g.n
		row.OpenAgeSum += time.Duration(g.sum) * time.Millisecond
	}
	// Remediated findings.
	sq, args, err = metricsQuery(q.MetricsFilter, byEnv, true, q.SLA, now, RemediationBuckets, projects)
	if err != nil {
		return nil, err
	}
	var lo int64 = -1 << 62
	if !q.From.IsZero() {
		lo = q.From.UnixMilli()
	}
	qs = `SELECT x.project, x.env, x.kind, x.severity, x.bucket, count(*),
 sum(CASE WHEN x.due IS NOT NULL AND x.resolved_at > x.due THEN 1 ELSE 0 END), 0,
 CAST(sum(x.resolved_at - x.first_seen) AS BIGINT)
 FROM (` + sq + `) x WHERE x.resolved_at >= ? AND x.resolved_at < ? GROUP BY x.project, x.env, x.kind, x.severity, x.bucket`
	r, err = s.query(ctx, qs, append(args, lo, hi)...)
	if err != nil {
		return nil, fmt.Errorf("remediation: remediated findings: %w", err)
	}
	fixed, err := collect(r, scanAgg)
	if err != nil {
		return nil, fmt.Errorf("remediation: remediated findings: %w", err)
	}
	for _, g := range fixed {
		row := get(g.k, g.team)
		row.Remediated += g.n
		row.RemediatedLate += g.a
		row.RemediationHist[g.bucket] += g.n
		row.RemediationSum += time.Duration(g.sum) * time.Millisecond
	}
	out := make([]RemediationRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b RemediationRow) int {
		return cmpRows(a, b)
	})
	return out, nil
}

func cmpRows(a, b RemediationRow) int {
	if c := strings.Compare(a.Project, b.Project); c != 0 {
		return c
	}
	if c := strings.Compare(a.Environment, b.Environment); c != 0 {
		return c
	}
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	return int(b.Severity) - int(a.Severity)
}

// metricsQuery is the inner query of the remediation figures: one row per
// finding (per environment when byEnv) with project, team, env (” when
// not grouped), kind, severity, first_seen, resolved_at, due (NULL without
// an SLA) and bucket, the index of the duration bucket its age (open) or
// time to remediate (remediated) falls in.
func metricsQuery(f MetricsFilter, byEnv, remediated bool, sla SLAPolicy, now time.Time, buckets []time.Duration, projects projectNames) (string, []any, error) {
	var w where
	w.scope(f.Scope, "f.project_id")
	if f.Project != "" {
		w.add("f.project_id = ?", projects.byName[f.Project]) // 0 matches nothing
	}
	if f.Team != "" {
		w.add("f.project_id IN (SELECT id FROM projects WHERE team = ?)", f.Team)
	}
	if k := f.kind(); k != "all" {
		w.add("f.kind = ?", k)
	}
	if remediated {
		w.add("f.state = ?", StateFixed)
		w.add("f.resolution NOT IN (?, ?)", ResolvedWithdrawn, ResolvedRangeChanged)
		w.add("f.resolved_at IS NOT NULL")
	} else if byEnv {
		// By environment, the open findings are those of the artifacts
		// deployed now: read from the active deployments (a few hundred
		// artifacts) into findings by artifact_id, not every open finding
		// into its deployments. SQLite's planner, given state = ?, would
		// start from findings_state_first_seen; the expression on state
		// leaves it the artifact_id index, and CROSS JOIN keeps its order.
		w.add("d.artifact_id = f.artifact_id")
		w.add("d.end_at IS NULL")
		w.add("f.state || '' = ?", StateOpen)
	} else {
		w.add("f.state = ?", StateOpen)
	}
	if w.err != nil {
		return "", nil, w.err
	}
	var args []any
	// due: first_seen + the SLA of the finding's project and severity.
	var due strings.Builder
	due.WriteString("CASE")
	names := make([]string, 0, len(sla.Projects))
	for p := range sla.Projects {
		names = append(names, p)
	}
	slices.Sort(names) // deterministic query text
	for _, p := range names {
		id, ok := projects.byName[p]
		if !ok {
			continue
		}
		d := sla.Projects[p]
		for l, days := range d {
			if days > 0 {
				due.WriteString(" WHEN f.project_id = ? AND f.severity = ? THEN f.first_seen + CAST(? AS BIGINT)")
				args = append(args, id, l, int64(days)*Day.Milliseconds())
			}
		}
		due.WriteString(" WHEN f.project_id = ? THEN NULL")
		args = append(args, id)
	}
	for l, days := range sla.Default {
		if days > 0 {
			due.WriteString(" WHEN f.severity = ? THEN f.first_seen + CAST(? AS BIGINT)")
			args = append(args, l, int64(days)*Day.Milliseconds())
		}
	}
	due.WriteString(" ELSE NULL END")
	// bucket: by age now (open) or time to remediate.
	span := "? - f.first_seen"
	if remediated {
		span = "f.resolved_at - f.first_seen"
	}
	var bucket strings.Builder
	bucket.WriteString("CASE")
	for i, b := range buckets {
		fmt.Fprintf(&bucket, " WHEN %s <= CAST(? AS BIGINT) THEN %d", span, i)
		if !remediated {
			args = append(args, now.UnixMilli())
		}
		args = append(args, b.Milliseconds())
	}
	fmt.Fprintf(&bucket, " ELSE %d END", len(buckets))
	env := "''"
	from := " FROM findings f"
	distinct := ""
	if byEnv {
		env, distinct = "d.environment", "DISTINCT "
		if remediated {
			from += " JOIN deployments d ON d.artifact_id = f.artifact_id AND d.start_at <= f.resolved_at"
		} else {
			from = " FROM deployments d CROSS JOIN findings f" // conditions above
		}
		if f.Environment != "" {
			w.add("d.environment = ?", f.Environment)
		}
	}
	q := "SELECT " + distinct + "f.id, f.project_id AS project, " + env + " AS env, f.kind AS kind, f.severity AS severity, f.first_seen AS first_seen, f.resolved_at AS resolved_at, " +
		due.String() + " AS due, " + bucket.String() + " AS bucket" + from + w.String()
	return q, append(args, w.args...), nil
}

// projectNames maps project ids to names and teams and back.
type projectNames struct {
	byID   map[int64]struct{ name, team string }
	byName map[string]int64
}

func (s *Store) projectNames(ctx context.Context) (projectNames, error) {
	rows, err := s.query(ctx, "SELECT id, name, team FROM projects")
	if err != nil {
		return projectNames{}, err
	}
	defer rows.Close()
	out := projectNames{byID: map[int64]struct{ name, team string }{}, byName: map[string]int64{}}
	for rows.Next() {
		var id int64
		var name, team string
		if err := rows.Scan(&id, &name, &team); err != nil {
			return projectNames{}, err
		}
		out.byID[id] = struct{ name, team string }{name, team}
		out.byName[name] = id
	}
	return out, rows.Err()
}

// DeployedImage is a container image that runs somewhere now, with its
// build time (the image's created time).
type DeployedImage struct {
	Project     string
	Environment string
	Service     string
	Created     time.Time
}

// DeployedImages lists the active deployments of image artifacts whose
// created time is known, sorted by project, environment and service.
func (s *Store) DeployedImages(ctx context.Context) ([]DeployedImage, error) {
	rows, err := s.query(ctx, `SELECT pr.name, d.environment, d.service, a.image FROM deployments d
 JOIN artifacts a ON a.id = d.artifact_id JOIN projects pr ON pr.id = d.project_id
 WHERE d.end_at IS NULL AND a.image IS NOT NULL ORDER BY pr.name, d.environment, d.service, d.id`)
	if err != nil {
		return nil, fmt.Errorf("deployed images: %w", err)
	}
	type row struct {
		DeployedImage
		image sql.NullString
	}
	list, err := collect(rows, func(r scanner) (row, error) {
		var x row
		return x, r.Scan(&x.Project, &x.Environment, &x.Service, &x.image)
	})
	if err != nil {
		return nil, fmt.Errorf("deployed images: %w", err)
	}
	out := make([]DeployedImage, 0, len(list))
	for _, x := range list {
		var im struct {
			Created time.Time `json:"created"`
		}
		if err := unmarshalText(x.image, &im); err != nil || im.Created.IsZero() {
			continue
		}
		x.Created = im.Created
		out = append(out, x.DeployedImage)
	}
	return out, nil
}

// OldestPendingJob is when the oldest queued or running job of the kinds
// was queued (zero when none is pending).
func (s *Store) OldestPendingJob(ctx context.Context, kinds []string) (time.Time, error) {
	var v sql.NullInt64
	err := s.queryRow(ctx, "SELECT MIN(created_at) FROM jobs WHERE state IN ('queued', 'running') AND kind IN ("+placeholders(len(kinds))+")", anys(kinds)...).Scan(&v)
	if err != nil {
		return time.Time{}, fmt.Errorf("oldest pending job: %w", err)
	}
	return fromMS(v), nil
}

package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
)

// Remediation metrics over the API (docs/metrics.md): MTTR, SLA breaches
// and findings due soon, the open-finding age distribution, computed from
// the findings at request time; and trends read from the daily snapshots a
// leased job writes once per UTC day (jobMetricsSnapshot), so that one
// server of several writes them.

const (
	jobMetricsSnapshot       = "metrics-snapshot"
	defaultSnapshotRetention = 400 * store.Day
	defaultWindow            = 90 * store.Day
	defaultTrendDays         = 30
)

// snapshotPayload names the UTC day a snapshot job writes.
type snapshotPayload struct {
	Day string `json:"day"` // YYYY-MM-DD
}

// Stats are the remediation figures of a group of findings.
type Stats struct {
	Open     int `json:"open"`
	Breached int `json:"breached" doc:"open findings past their SLA (first_seen + SLA days)"`
	DueSoon  int `json:"due_soon" doc:"open findings within their SLA, due within due_within"`
	// OpenAge is the age distribution of the open findings.
	OpenAge        []Bucket `json:"open_age"`
	MeanOpenAge    float64  `json:"mean_open_age_days"`
	Remediated     int      `json:"remediated" doc:"findings fixed in the window (not false positives, withdrawn advisories or changed ranges)"`
	RemediatedLate int      `json:"remediated_late" doc:"of those, fixed after their SLA"`
	// MTTR is the mean time to remediate of the remediated findings, in
	// days and seconds (0 without any).
	MTTRDays        float64  `json:"mttr_days"`
	MTTRSeconds     float64  `json:"mttr_seconds"`
	RemediationTime []Bucket `json:"remediation_time" doc:"distribution of the times to remediate"`

	openAge, remediation []int
	openAgeSum, remSum   time.Duration
}

// Bucket counts the durations up to LeDays (and above the previous
// bucket's); the last bucket has no bound.
type Bucket struct {
	LeDays *float64 `json:"le_days" doc:"upper bound in days (null: no bound)"`
	Count  int      `json:"count"`
}

// Group is the figures of one severity, project, team or environment.
type Group struct {
	Key string `json:"key"`
	Stats
}

// RemediationReport is the answer of GET /api/v1/metrics/remediation.
type RemediationReport struct {
	Now       time.Time `json:"now"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	DueWithin float64   `json:"due_within_days"`
	// SLAClock says where an SLA starts: first_seen.
	SLAClock string `json:"sla_clock"`
	// SLA is the SLA days by severity of each project in the figures.
	SLA           map[string]map[string]int `json:"sla"`
	Totals        Stats                     `json:"totals"`
	BySeverity    []Group                   `json:"by_severity"`
	ByProject     []Group                   `json:"by_project"`
	ByTeam        []Group                   `json:"by_team"`
	ByEnvironment []Group                   `json:"by_environment" doc:"a finding counts in every environment its artifact runs in (open) or had run in when fixed (remediated)"`
}

func newStats() Stats {
	return Stats{openAge: make([]int, len(store.AgeBuckets)+1), remediation: make([]int, len(store.RemediationBuckets)+1)}
}

func (st *Stats) add(r *store.RemediationRow) {
	st.Open += r.Open
	st.Breached += r.Breached
	st.DueSoon += r.DueSoon
	st.Remediated += r.Remediated
	st.RemediatedLate += r.RemediatedLate
	st.openAgeSum += r.OpenAgeSum
	st.remSum += r.RemediationSum
	for i, n := range r.OpenAge {
		st.openAge[i] += n
	}
	for i, n := range r.RemediationHist {
		st.remediation[i] += n
	}
}

func buckets(counts []int, bounds []time.Duration) []Bucket {
	out := make([]Bucket, len(counts))
	for i, n := range counts {
		out[i].Count = n
		if i < len(bounds) {
			d := bounds[i].Hours() / 24
			out[i].LeDays = &d
		}
	}
	return out
}

func (st *Stats) finish() {
	st.OpenAge = buckets(st.openAge, store.AgeBuckets)
	st.RemediationTime = buckets(st.remediation, store.RemediationBuckets)
	if st.Open > 0 {
		st.MeanOpenAge = st.openAgeSum.Hours() / 24 / float64(st.Open)
	}
	if st.Remediated > 0 {
		mean := st.remSum / time.Duration(st.Remediated)
		st.MTTRSeconds = mean.Seconds()
		st.MTTRDays = mean.Hours() / 24
	}
}

// groups sums rows by a key, sorted by key (severities from critical down).
func groups(rows []store.RemediationRow, key func(*store.RemediationRow) string, order func(a, b string) int) []Group {
	m := map[string]*Stats{}
	for i := range rows {
		k := key(&rows[i])
		st := m[k]
		if st == nil {
			s := newStats()
			st = &s
			m[k] = st
		}
		st.add(&rows[i])
	}
	out := make([]Group, 0, len(m))
	for k, st := range m {
		st.finish()
		out = append(out, Group{Key: k, Stats: *st})
	}
	slices.SortFunc(out, func(a, b Group) int { return order(a.Key, b.Key) })
	return out
}

func bySeverity(a, b string) int {
	la, _ := severity.Parse(a)
	lb, _ := severity.Parse(b)
	return int(lb) - int(la)
}

func byName(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// MetricsParams are the filters of the metrics routes (exported: huma skips
// embedded fields of unexported types).
type MetricsParams struct {
	Project     string    `query:"project" maxLength:"128"`
	Environment string    `query:"environment" maxLength:"64"`
	Team        string    `query:"team" maxLength:"200"`
	Kind        string    `query:"kind" enum:"vulnerability,misconfiguration,secret,static_analysis,all," doc:"default vulnerability"`
	From        time.Time `query:"from"`
	To          time.Time `query:"to"`
}

func (q *MetricsParams) filter(ctx context.Context) store.MetricsFilter {
	return store.MetricsFilter{Scope: principal(ctx).Scope(), Project: q.Project, Environment: q.Environment, Team: q.Team, Kind: q.Kind}
}

// Remediation computes the remediation report of a filter now: remediated
// findings in [from, to) (default: the last 90 days).
func (s *Server) Remediation(ctx context.Context, f store.MetricsFilter, from, to time.Time, dueWithin time.Duration) (RemediationReport, error) {
	now := s.now()
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.Add(-defaultWindow)
	}
	if dueWithin <= 0 {
		dueWithin = s.opts.DueWithin
	}
	q := store.RemediationQuery{MetricsFilter: f, From: from, To: to, DueWithin: dueWithin, SLA: s.metricsSLA()}
	rows, err := s.store.Remediation(ctx, q)
	if err != nil {
		return RemediationReport{}, err
	}
	envRows := rows
	if f.Environment == "" {
		q.ByEnvironment = true
		if envRows, err = s.store.Remediation(ctx, q); err != nil {
			return RemediationReport{}, err
		}
	}
	rep := RemediationReport{Now: now, From: from, To: to, DueWithin: dueWithin.Hours() / 24, SLAClock: "first_seen", SLA: map[string]map[string]int{}}
	tot := newStats()
	for i := range rows {
		tot.add(&rows[i])
		p := rows[i].Project
		if rep.SLA[p] == nil {
			days := map[string]int{}
			for l := severity.Unknown; l <= severity.Critical; l++ {
				if d := s.metricsSLA().Days(p, l); d > 0 {
					days[l.String()] = d
				}
			}
			rep.SLA[p] = days
		}
	}
	tot.finish()
	rep.Totals = tot
	rep.BySeverity = groups(rows, func(r *store.RemediationRow) string { return r.Severity.String() }, bySeverity)
	rep.ByProject = groups(rows, func(r *store.RemediationRow) string { return r.Project }, byName)
	rep.ByTeam = groups(rows, func(r *store.RemediationRow) string { return r.Team }, byName)
	rep.ByEnvironment = groups(envRows, func(r *store.RemediationRow) string { return r.Environment }, byName)
	return rep, nil
}

func (s *Server) registerRemediation() {
	add(s, Route{
		Op: huma.Operation{OperationID: "get-remediation-metrics", Method: http.MethodGet, Path: "/api/v1/metrics/remediation", Tags: []string{"metrics"},
			Summary:     "MTTR, SLA breaches, findings due soon and open-finding ages, by severity, project, team and environment",
			Description: "Computed from the findings now. MTTR is over the findings remediated in [from, to) (default: the last 90 days). The SLA clock starts at first_seen. See docs/metrics.md."},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeFilter},
	}, func(ctx context.Context, in *struct {
		MetricsParams
		DueWithin string `query:"due_within" maxLength:"16" doc:"e.g. 7d or 72h (default: the server's --metrics-due-within)"`
	}) (*Item[RemediationReport], error) {
		var due time.Duration
		if in.DueWithin != "" {
			d, err := ParseLifetime(in.DueWithin)
			if err != nil {
				return nil, huma.Error422UnprocessableEntity("due_within: " + err.Error())
			}
			due = d
		}
		if !in.From.IsZero() && !in.To.IsZero() && !in.From.Before(in.To) {
			return nil, huma.Error422UnprocessableEntity("from must be before to")
		}
		rep, err := s.Remediation(ctx, in.filter(ctx), in.From, in.To, due)
		if err != nil {
			return nil, storeErr(err)
		}
		return &Item[RemediationReport]{Body: rep}, nil
	})
	type trendsOut struct {
		Body struct {
			From   time.Time          `json:"from"`
			To     time.Time          `json:"to"`
			Points []store.TrendPoint `json:"points"`
		}
	}
	add(s, Route{
		Op: huma.Operation{OperationID: "get-remediation-trends", Method: http.MethodGet, Path: "/api/v1/metrics/trends", Tags: []string{"metrics"},
			Summary:     "Daily remediation figures from the daily snapshots (default: the last 30 days)",
			Description: "Read from the snapshots the server takes once per UTC day, never from the finding history. environment empty: every environment, each finding once."},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeFilter},
	}, func(ctx context.Context, in *struct {
		MetricsParams
		By string `query:"by" enum:"severity," doc:"severity: one point per day and severity"`
	}) (*trendsOut, error) {
		to := in.To
		if to.IsZero() {
			to = s.now()
		}
		from := in.From
		if from.IsZero() {
			from = to.Add(-defaultTrendDays * store.Day)
		}
		pts, err := s.store.Trends(ctx, store.TrendQuery{MetricsFilter: in.filter(ctx), From: from, To: to, BySeverity: in.By == "severity"})
		if err != nil {
			return nil, storeErr(err)
		}
		out := &trendsOut{}
		out.Body.From, out.Body.To, out.Body.Points = store.DayOf(from), store.DayOf(to), pts
		return out, nil
	})
	add(s, Route{
		Op: huma.Operation{OperationID: "take-metrics-snapshot", Method: http.MethodPost, Path: "/api/v1/admin/metrics/snapshot", Tags: []string{"admin"},
			Summary: "Take today's remediation snapshot now (as of now; the daily job replaces it once the day is over)"},
		Rule: Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
	}, func(ctx context.Context, _ *struct{}) (*Item[store.SnapshotResult], error) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		day := store.DayOf(s.now())
		id, err := s.enqueueSnapshot(ctx, day, "metrics-snapshot:manual:"+hex.EncodeToString(b))
		if err != nil {
			return nil, storeErr(err)
		}
		tree, err := s.waitTree(ctx, id)
		if err != nil {
			return nil, storeErr(err)
		}
		if tree[0].State != store.JobDone {
			return nil, huma.Error500InternalServerError("snapshot: " + tree[0].LastError)
		}
		var r store.SnapshotResult
		if err := json.Unmarshal(tree[0].Result, &r); err != nil {
			return nil, huma.Error500InternalServerError("snapshot result")
		}
		return &Item[store.SnapshotResult]{Body: r}, nil
	})
}

// enqueueSnapshot queues the snapshot job of a day under key.
func (s *Server) enqueueSnapshot(ctx context.Context, day time.Time, key string) (int64, error) {
	b, err := json.Marshal(snapshotPayload{Day: day.Format(time.DateOnly)})
	if err != nil {
		return 0, err
	}
	id, _, err := s.store.EnqueueJob(ctx, store.JobSpec{Kind: jobMetricsSnapshot, Key: key, Payload: b, MaxAttempts: 5})
	if err != nil {
		return 0, err
	}
	s.jobs.nudge()
	return id, nil
}

// snapshot runs a snapshot job: the day's figures, then the pruning of
// the snapshots older than the retention.
func (s *Server) snapshot(ctx context.Context, j *store.Job) ([]byte, error) {
	var p snapshotPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return nil, fmt.Errorf("snapshot payload: %w", err)
	}
	day, err := time.Parse(time.DateOnly, p.Day)
	if err != nil {
		return nil, fmt.Errorf("snapshot payload: %w", err)
	}
	r, err := s.store.Snapshot(ctx, day, store.SnapshotOptions{SLA: s.metricsSLA(), DueWithin: s.opts.DueWithin})
	if err != nil {
		return nil, err
	}
	if s.opts.SnapshotRetention > 0 {
		if _, err := s.store.PruneSnapshots(ctx, day.Add(-s.opts.SnapshotRetention)); err != nil {
			return nil, err
		}
	}
	return json.Marshal(r)
}

// snapshotLoop queues the snapshot of each UTC day once the day is over
// (by the server's clock). The job's key is the day, so that of several
// servers (and restarts) one job runs per day.
func (s *Server) snapshotLoop(ctx context.Context) {
	t := time.NewTicker(s.opts.SnapshotCheck)
	defer t.Stop()
	var last time.Time
	for {
		yesterday := store.DayOf(s.now()).Add(-store.Day)
		if !yesterday.Equal(last) {
			if _, err := s.enqueueSnapshot(ctx, yesterday, "metrics-snapshot:"+yesterday.Format(time.DateOnly)); err != nil {
				if ctx.Err() == nil {
					s.log.Error("schedule metrics snapshot", "day", yesterday.Format(time.DateOnly), "err", err)
				}
			} else {
				last = yesterday
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/severity"
)

// SnapshotOptions say how a day's snapshot counts (the SLA in force then).
type SnapshotOptions struct {
	SLA       SLAPolicy
	DueWithin time.Duration
}

// SnapshotResult tells what a snapshot wrote.
type SnapshotResult struct {
	Day  time.Time `json:"day"`
	Rows int       `json:"rows"`
}

// DayOf is the UTC midnight starting t's day.
func DayOf(t time.Time) time.Time {
	return t.UTC().Truncate(Day)
}

// Snapshot writes the remediation figures of one UTC day (metric_snapshots)
// in one transaction, replacing what an earlier snapshot of the day wrote:
// the open, breached and due-soon counts as of the store's now (the job
// takes it right after the day ends), and the findings first seen and
// remediated during the day. Every project, kind and severity with a
// non-zero figure gets a row for all environments (”) and one per
// environment.
func (s *Store) Snapshot(ctx context.Context, day time.Time, o SnapshotOptions) (SnapshotResult, error) {
	day = DayOf(day)
	end := day.Add(Day)
	type key struct {
		project, env, kind string
		sev                severity.Level
	}
	type fig struct{ open, breached, soon, opened, resolved, late, ms int64 }
	figs := map[key]*fig{}
	at := func(k key) *fig {
		f := figs[k]
		if f == nil {
			f = &fig{}
			figs[k] = f
		}
		return f
	}
	for _, byEnv := range []bool{false, true} {
		rows, err := s.Remediation(ctx, RemediationQuery{MetricsFilter: MetricsFilter{Kind: "all"}, From: day, To: end,
			DueWithin: o.DueWithin, SLA: o.SLA, ByEnvironment: byEnv})
		if err != nil {
			return SnapshotResult{}, fmt.Errorf("snapshot: %w", err)
		}
		for _, r := range rows {
			f := at(key{r.Project, r.Environment, r.Kind, r.Severity})
			f.open, f.breached, f.soon = int64(r.Open), int64(r.Breached), int64(r.DueSoon)
			f.resolved, f.late, f.ms = int64(r.Remediated), int64(r.RemediatedLate), r.RemediationSum.Milliseconds()
		}
		// Findings first seen during the day (in an environment: on an
		// artifact that had started running there by the end of the day).
		q := "SELECT pr.name, '', f.kind, f.severity, count(*) FROM findings f JOIN projects pr ON pr.id = f.project_id WHERE f.first_seen >= ? AND f.first_seen < ? GROUP BY pr.name, f.kind, f.severity"
		args := []any{day.UnixMilli(), end.UnixMilli()}
		if byEnv {
			q = `SELECT x.project, x.env, x.kind, x.severity, count(*) FROM (SELECT DISTINCT f.id, pr.name AS project, d.environment AS env, f.kind AS kind, f.severity AS severity
 FROM findings f JOIN projects pr ON pr.id = f.project_id JOIN deployments d ON d.artifact_id = f.artifact_id AND d.start_at < ?
 WHERE f.first_seen >= ? AND f.first_seen < ?) x GROUP BY x.project, x.env, x.kind, x.severity`
			args = []any{end.UnixMilli(), day.UnixMilli(), end.UnixMilli()}
		}
		rs, err := s.query(ctx, q, args...)
		if err != nil {
			return SnapshotResult{}, fmt.Errorf("snapshot: opened: %w", err)
		}
		type opened struct {
			k key
			n int64
		}
		list, err := collect(rs, func(r scanner) (opened, error) {
			var o opened
			var sev int
			err := r.Scan(&o.k.project, &o.k.env, &o.k.kind, &sev, &o.n)
			o.k.sev = severity.Level(sev)
			return o, err
		})
		if err != nil {
			return SnapshotResult{}, fmt.Errorf("snapshot: opened: %w", err)
		}
		for _, o := range list {
			at(o.k).opened = o.n
		}
	}
	keys := make([]key, 0, len(figs))
	for k := range figs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := strings.Compare(a.project, b.project); c != 0 {
			return c
		}
		if c := strings.Compare(a.env, b.env); c != 0 {
			return c
		}
		if c := strings.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		return int(a.sev) - int(b.sev)
	})
	taken := s.now().UnixMilli()
	err := s.write(ctx, func(t *tx) error {
		ids := map[string]int64{}
		rows, err := t.query(ctx, "SELECT id, name FROM projects")
		if err != nil {
			return err
		}
		type pr struct {
			id   int64
			name string
		}
		prs, err := collect(rows, func(r scanner) (pr, error) {
			var p pr
			return p, r.Scan(&p.id, &p.name)
		})
		if err != nil {
			return err
		}
		for _, p := range prs {
			ids[p.name] = p.id
		}
		if _, err := t.exec(ctx, "DELETE FROM metric_snapshots WHERE day = ?", day.UnixMilli()); err != nil {
			return fmt.Errorf("delete snapshot: %w", err)
		}
		const cols = 13
		return batches(len(keys), batchRows/4, func(lo, hi int) error {
			args := make([]any, 0, (hi-lo)*cols)
			for _, k := range keys[lo:hi] {
				f := figs[k]
				args = append(args, day.UnixMilli(), ids[k.project], k.env, k.kind, int(k.sev), f.open, f.breached, f.soon, f.opened, f.resolved, f.late, f.ms, taken)
			}
			_, err := t.exec(ctx, `INSERT INTO metric_snapshots (day, project_id, environment, kind, severity, open, breached, due_soon, opened, resolved, resolved_late, resolve_ms, taken_at)
 VALUES `+rowsOf(hi-lo, cols), args...)
			if err != nil {
				return fmt.Errorf("insert snapshot: %w", err)
			}
			return nil
		})
	})
	if err != nil {
		return SnapshotResult{}, fmt.Errorf("snapshot %s: %w", day.Format(time.DateOnly), err)
	}
	return SnapshotResult{Day: day, Rows: len(keys)}, nil
}

// PruneSnapshots deletes the snapshots of days before a day.
func (s *Store) PruneSnapshots(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, "DELETE FROM metric_snapshots WHERE day < ?", DayOf(before).UnixMilli())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune snapshots: %w", err)
	}
	return int(n), nil
}

// TrendQuery selects snapshot days [From, To] (UTC days; zero To: today).
type TrendQuery struct {
	MetricsFilter
	From, To time.Time
	// BySeverity gives one point per day and severity instead of per day.
	BySeverity bool
}

// TrendPoint is one day's figures (of one severity, or of all).
type TrendPoint struct {
	Day      time.Time `json:"day"`
	Severity string    `json:"severity,omitempty"`
	Open     int       `json:"open"`
	Breached int       `json:"breached"`
	DueSoon  int       `json:"due_soon"`
	// Opened and Remediated are the findings first seen and remediated
	// during the day; RemediatedLate of those after their SLA.
	Opened         int `json:"opened"`
	Remediated     int `json:"remediated"`
	RemediatedLate int `json:"remediated_late"`
	// MTTRSeconds is the mean time to remediate of the day's remediated
	// findings (0 without any).
	MTTRSeconds float64 `json:"mttr_seconds"`
}

// Trends reads daily snapshots (never the finding history), oldest first.
// Days without a snapshot row are absent.
func (s *Store) Trends(ctx context.Context, q TrendQuery) ([]TrendPoint, error) {
	var w where
	w.scope(q.Scope, "m.project_id")
	if q.Project != "" {
		w.add("pr.name = ?", q.Project)
	}
	if q.Team != "" {
		w.add("pr.team = ?", q.Team)
	}
	w.add("m.environment = ?", q.Environment)
	if k := q.kind(); k != "all" {
		w.add("m.kind = ?", k)
	}
	if !q.From.IsZero() {
		w.add("m.day >= ?", DayOf(q.From).UnixMilli())
	}
	to := q.To
	if to.IsZero() {
		to = s.now()
	}
	w.add("m.day <= ?", DayOf(to).UnixMilli())
	if w.err != nil {
		return nil, w.err
	}
	sev, group := "-1", "m.day"
	if q.BySeverity {
		sev, group = "m.severity", "m.day, m.severity"
	}
	rows, err := s.query(ctx, "SELECT m.day, "+sev+", sum(m.open), sum(m.breached), sum(m.due_soon), sum(m.opened), sum(m.resolved), sum(m.resolved_late), CAST(sum(m.resolve_ms) AS BIGINT)"+
		" FROM metric_snapshots m JOIN projects pr ON pr.id = m.project_id"+w.String()+" GROUP BY "+group+" ORDER BY "+group, w.args...)
	if err != nil {
		return nil, fmt.Errorf("trends: %w", err)
	}
	out, err := collect(rows, func(r scanner) (TrendPoint, error) {
		var p TrendPoint
		var day, ms int64
		var l int
		if err := r.Scan(&day, &l, &p.Open, &p.Breached, &p.DueSoon, &p.Opened, &p.Remediated, &p.RemediatedLate, &ms); err != nil {
			return p, err
		}
		p.Day = msTime(day)
		if l >= 0 {
			p.Severity = severity.Level(l).String()
		}
		if p.Remediated > 0 {
			p.MTTRSeconds = float64(ms) / 1000 / float64(p.Remediated)
		}
		return p, nil
	})
	if err != nil {
		return nil, fmt.Errorf("trends: %w", err)
	}
	if out == nil {
		out = []TrendPoint{}
	}
	return out, nil
}

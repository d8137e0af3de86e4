package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
)

// MaxReasonLen bounds a triage reason.
const MaxReasonLen = 4000

const findingCols = `f.id, pr.name, f.artifact_id, f.kind, f.key, f.vulnerability_id, f.aliases, f.package_id, f.severity, f.summary,
 f.fixed_version, f.detail, f.state, f.first_seen, f.fix_available_since, f.resolved_at, f.resolution, f.reason, f.accepted_by,
 f.accepted_until, f.updated_at`

const findingFrom = " FROM findings f JOIN projects pr ON pr.id = f.project_id"

func scanFinding(r scanner, extra ...any) (Finding, error) {
	var f Finding
	var aliases, detail sql.NullString
	var pkg, fixSince, resolved, until sql.NullInt64
	var sev int
	var first, updated int64
	dest := append([]any{&f.ID, &f.Project, &f.ArtifactID, &f.Kind, &f.Key, &f.VulnerabilityID, &aliases, &pkg, &sev, &f.Summary,
		&f.FixedVersion, &detail, &f.State, &first, &fixSince, &resolved, &f.Resolution, &f.Reason, &f.AcceptedBy,
		&until, &updated}, extra...)
	if err := r.Scan(dest...); err != nil {
		return Finding{}, err
	}
	f.PackageID, f.Severity = pkg.Int64, severity.Level(sev)
	f.Detail = textBytes(detail)
	f.FirstSeen, f.UpdatedAt = msTime(first), msTime(updated)
	f.FixAvailableSince, f.ResolvedAt, f.AcceptedUntil = fromMS(fixSince), fromMS(resolved), fromMS(until)
	f.Aliases = []string{}
	if err := unmarshalText(aliases, &f.Aliases); err != nil {
		return Finding{}, fmt.Errorf("finding %d aliases: %w", f.ID, err)
	}
	return f, nil
}

func (t *tx) finding(ctx context.Context, id int64) (Finding, error) {
	f, err := scanFinding(t.queryRow(ctx, "SELECT "+findingCols+findingFrom+" WHERE f.id = ?", id))
	return f, notFound(err, "finding %d", id)
}

// viewQuery selects findings with their artifact and package.
const viewQuery = "SELECT " + findingCols + `, a.kind, a.digest, a.name, a.version,
 p.ecosystem, p.name, p.version, p.purl, p.attrs, p.data, ap.locations` + findingFrom + `
 JOIN artifacts a ON a.id = f.artifact_id
 LEFT JOIN packages p ON p.id = f.package_id
 LEFT JOIN artifact_packages ap ON ap.artifact_id = f.artifact_id AND ap.package_id = f.package_id`

func scanView(r scanner) (FindingView, error) {
	var v FindingView
	var eco, name, version, purl, attrs, data, locs sql.NullString
	f, err := scanFinding(r, &v.Artifact.Kind, &v.Artifact.Digest, &v.Artifact.Name, &v.Artifact.Version,
		&eco, &name, &version, &purl, &attrs, &data, &locs)
	if err != nil {
		return FindingView{}, err
	}
	v.Finding = f
	v.Artifact.ID = f.ArtifactID
	v.Environments = []string{}
	if eco.Valid {
		p := &inventory.Package{Ecosystem: eco.String, Name: name.String, Version: version.String, PURL: purl.String}
		if err := fillPackage(p, attrs, data); err != nil {
			return FindingView{}, fmt.Errorf("finding %d package: %w", f.ID, err)
		}
		if err := unmarshalText(locs, &p.Locations); err != nil {
			return FindingView{}, fmt.Errorf("finding %d locations: %w", f.ID, err)
		}
		v.Package = p
	}
	return v, nil
}

// views runs a viewQuery and fills in the environments.
func (s *Store) views(ctx context.Context, q string, args ...any) ([]FindingView, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, scanView)
	if err != nil || len(out) == 0 {
		return out, err
	}
	var ids []any
	seen := make(map[int64]bool)
	for _, v := range out {
		if !seen[v.ArtifactID] {
			seen[v.ArtifactID] = true
			ids = append(ids, v.ArtifactID)
		}
	}
	rows, err = s.query(ctx, "SELECT DISTINCT artifact_id, environment FROM deployments WHERE end_at IS NULL AND artifact_id IN ("+placeholders(len(ids))+") ORDER BY environment", ids...)
	if err != nil {
		return nil, err
	}
	envs := make(map[int64][]string)
	type ae struct {
		id  int64
		env string
	}
	pairs, err := collect(rows, func(r scanner) (ae, error) {
		var p ae
		return p, r.Scan(&p.id, &p.env)
	})
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		envs[p.id] = append(envs[p.id], p.env)
	}
	for i := range out {
		if e := envs[out[i].ArtifactID]; e != nil {
			out[i].Environments = e
		}
	}
	return out, nil
}

// GetFinding returns one finding with its artifact, package and
// environments.
func (s *Store) GetFinding(ctx context.Context, id int64) (FindingView, error) {
	out, err := s.views(ctx, viewQuery+" WHERE f.id = ?", id)
	if err != nil {
		return FindingView{}, fmt.Errorf("finding %d: %w", id, err)
	}
	if len(out) == 0 {
		return FindingView{}, fmt.Errorf("finding %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// jsonStrings is a table-valued expression of the strings of a JSON array
// column, in a column named value.
func jsonStrings(backend, col string) string {
	if backend == BackendPostgres {
		return "json_array_elements_text(" + col + "::json)"
	}
	return "json_each(" + col + ")"
}

// findingWhere turns a filter into conditions.
func findingWhere(f FindingFilter, backend string) where {
	var w where
	w.scope(f.Scope, "f.project_id")
	if f.Project != "" {
		w.add("pr.name = ?", f.Project)
	}
	if f.Environment != "" {
		w.add("f.artifact_id IN (SELECT artifact_id FROM deployments WHERE environment = ? AND end_at IS NULL)", f.Environment)
	}
	if f.ArtifactID != 0 {
		w.add("f.artifact_id = ?", f.ArtifactID)
	}
	if f.Kind != "" {
		w.add("f.kind = ?", f.Kind)
	}
	if f.States != nil {
		w.in("f.state", anys(f.States))
	}
	if f.MinSeverity > severity.Unknown {
		w.add("f.severity >= ?", int(f.MinSeverity))
	}
	if f.Severities != nil {
		levels := make([]any, len(f.Severities))
		for i, l := range f.Severities {
			levels[i] = int(l)
		}
		w.in("f.severity", levels)
	}
	if f.Ecosystem != "" {
		w.add("p.ecosystem = ?", f.Ecosystem)
	}
	if f.PURL != "" {
		if purlBase(f.PURL) == f.PURL {
			w.add("p.purl_base = ?", f.PURL)
		} else {
			w.add("p.purl = ?", f.PURL)
		}
	}
	if f.Package != "" {
		w.add("f.package_id IN (SELECT id FROM packages WHERE name = ?)", f.Package)
	}
	if f.VulnID != "" {
		// By package (alias_packages, 00019), keeping the findings whose
		// own id or aliases hold it; findings without a package, and the
		// rows of findings stored before 00019, by finding_aliases.
		w.add("(f.id IN (SELECT finding_id FROM finding_aliases WHERE alias = ?) OR (f.package_id IN (SELECT package_id FROM alias_packages WHERE alias = ?)"+
			" AND (f.vulnerability_id = ? OR EXISTS (SELECT 1 FROM "+jsonStrings(backend, "f.aliases")+" WHERE value = ?))))", f.VulnID, f.VulnID, f.VulnID, f.VulnID)
	}
	if f.Fixable != nil {
		if *f.Fixable {
			w.add("f.fixed_version <> ''")
		} else {
			w.add("f.fixed_version = ''")
		}
	}
	if !f.FirstSeenFrom.IsZero() {
		w.add("f.first_seen >= ?", f.FirstSeenFrom.UnixMilli())
	}
	if !f.FirstSeenTo.IsZero() {
		w.add("f.first_seen < ?", f.FirstSeenTo.UnixMilli())
	}
	return w
}

// ListFindings lists findings by id. FirstSeenTo is exclusive.
func (s *Store) ListFindings(ctx context.Context, f FindingFilter) ([]FindingView, string, error) {
	after, err := f.after()
	if err != nil {
		return nil, "", err
	}
	w := findingWhere(f, s.backend)
	w.add("f.id > ?", after)
	if w.err != nil {
		return nil, "", w.err
	}
	lim := f.limit()
	if f.Lean {
		q := "SELECT " + findingCols + findingFrom
		if f.Ecosystem != "" || f.PURL != "" {
			q += " LEFT JOIN packages p ON p.id = f.package_id"
		}
		rows, err := s.query(ctx, q+w.String()+" ORDER BY f.id LIMIT ?", append(w.args, lim)...)
		if err != nil {
			return nil, "", fmt.Errorf("list findings: %w", err)
		}
		out, err := collect(rows, func(r scanner) (FindingView, error) {
			f, err := scanFinding(r)
			return FindingView{Finding: f, Artifact: ArtifactRef{ID: f.ArtifactID}}, err
		})
		if err != nil {
			return nil, "", fmt.Errorf("list findings: %w", err)
		}
		return out, pageCursor(out, lim, func(v FindingView) int64 { return v.ID }), nil
	}
	out, err := s.views(ctx, viewQuery+w.String()+" ORDER BY f.id LIMIT ?", append(w.args, lim)...)
	if err != nil {
		return nil, "", fmt.Errorf("list findings: %w", err)
	}
	return out, pageCursor(out, lim, func(v FindingView) int64 { return v.ID }), nil
}

// History is the change log of one finding, oldest first.
func (s *Store) History(ctx context.Context, findingID int64) ([]Event, error) {
	evs, err := s.eventList(ctx, " WHERE e.finding_id = ? ORDER BY e.seq", findingID)
	if err != nil {
		return nil, fmt.Errorf("finding %d history: %w", findingID, err)
	}
	if len(evs) == 0 {
		var n int
		if err := s.queryRow(ctx, "SELECT count(*) FROM findings WHERE id = ?", findingID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, fmt.Errorf("finding %d: %w", findingID, ErrNotFound)
		}
	}
	return evs, nil
}

// Events lists the change log after a sequence number (at most limit,
// default 100, max 1000). A non-nil scope leaves out events of no project.
func (s *Store) Events(ctx context.Context, sc Scope, after int64, limit int) ([]Event, error) {
	var w where
	w.scope(sc, "e.project_id")
	w.add("e.seq > ?", after)
	if w.err != nil {
		return nil, w.err
	}
	evs, err := s.eventList(ctx, w.String()+" ORDER BY e.seq LIMIT ?", append(w.args, Page{Limit: limit}.limit())...)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return evs, nil
}

// LatestEvents lists the newest limit events of the scope, oldest first.
func (s *Store) LatestEvents(ctx context.Context, sc Scope, limit int) ([]Event, error) {
	var w where
	w.scope(sc, "e.project_id")
	if w.err != nil {
		return nil, w.err
	}
	evs, err := s.eventList(ctx, w.String()+" ORDER BY e.seq DESC LIMIT ?", append(w.args, Page{Limit: limit}.limit())...)
	if err != nil {
		return nil, fmt.Errorf("latest events: %w", err)
	}
	slices.Reverse(evs)
	return evs, nil
}

func (s *Store) eventList(ctx context.Context, tail string, args ...any) ([]Event, error) {
	rows, err := s.query(ctx, `SELECT e.seq, e.at, e.kind, COALESCE(pr.name, ''), e.artifact_id, e.finding_id, e.actor, e.from_state, e.to_state, e.reason, e.data
 FROM events e LEFT JOIN projects pr ON pr.id = e.project_id`+tail, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r scanner) (Event, error) {
		var e Event
		var at int64
		var art, fnd sql.NullInt64
		var data sql.NullString
		if err := r.Scan(&e.Seq, &at, &e.Kind, &e.Project, &art, &fnd, &e.Actor, &e.From, &e.To, &e.Reason, &data); err != nil {
			return Event{}, err
		}
		e.At, e.ArtifactID, e.FindingID, e.Data = msTime(at), art.Int64, fnd.Int64, textBytes(data)
		return e, nil
	})
}

// SetState records a triage decision.
func (s *Store) SetState(ctx context.Context, c StateChange) (Finding, error) {
	now := s.now()
	switch c.To {
	case StateOpen, StateFixed, StateFalsePositive:
	case StateAccepted:
		if !c.Until.After(now) {
			return Finding{}, fmt.Errorf("%w: an acceptance needs an expiry in the future", ErrInvalid)
		}
	default:
		return Finding{}, fmt.Errorf("%w: unknown state %q (want open, accepted, false_positive or fixed)", ErrInvalid, c.To)
	}
	if strings.TrimSpace(c.Reason) == "" {
		return Finding{}, fmt.Errorf("%w: a state change needs a reason", ErrInvalid)
	}
	if len(c.Reason) > MaxReasonLen {
		return Finding{}, fmt.Errorf("%w: reason longer than %d bytes", ErrInvalid, MaxReasonLen)
	}
	var out Finding
	err := s.write(ctx, func(t *tx) error {
		f, err := t.finding(ctx, c.FindingID)
		if err != nil {
			return err
		}
		nowMS := now.UnixMilli()
		var resolved, until any
		acceptedBy := ""
		switch c.To {
		case StateAccepted:
			until, acceptedBy = c.Until.UnixMilli(), c.Actor
		case StateFixed, StateFalsePositive:
			resolved = nowMS
		}
		if _, err := t.exec(ctx, "UPDATE findings SET state = ?, reason = ?, resolution = '', resolved_at = ?, accepted_by = ?, accepted_until = ?, updated_at = ? WHERE id = ?",
			c.To, c.Reason, resolved, acceptedBy, until, nowMS, f.ID); err != nil {
			return fmt.Errorf("update finding %d: %w", f.ID, err)
		}
		var data string
		if c.To == StateAccepted {
			data = jsonText(map[string]string{"until": c.Until.UTC().Format(time.RFC3339)})
		}
		projectID, err := t.projectOf(ctx, f.ArtifactID)
		if err != nil {
			return err
		}
		if err := t.events(ctx, []event{{kind: EventFindingState, projectID: projectID, artifactID: f.ArtifactID, findingID: f.ID,
			actor: c.Actor, from: f.State, to: c.To, reason: c.Reason, data: data}}); err != nil {
			return err
		}
		rec := stateAudit{Project: f.Project, ArtifactID: f.ArtifactID, Key: f.Key, VulnerabilityID: f.VulnerabilityID, From: f.State, To: c.To, Reason: c.Reason}
		if c.To == StateAccepted {
			rec.Approver, rec.Until = c.Actor, c.Until.UTC().Truncate(time.Millisecond)
		}
		if err := t.audit(ctx, c.Actor, AuditFindingState, subject("finding", f.ID), rec); err != nil {
			return err
		}
		out, err = t.finding(ctx, f.ID)
		return err
	})
	if err != nil {
		return Finding{}, fmt.Errorf("set state of finding %d: %w", c.FindingID, err)
	}
	return out, nil
}

// stateAudit is the audit record of a finding's state change: a triage
// decision, an acceptance (with its approver and expiry) or a
// suppression pushed by the CLI.
type stateAudit struct {
	Project         string    `json:"project,omitempty"`
	ArtifactID      int64     `json:"artifact_id"`
	Key             string    `json:"key,omitempty"`
	VulnerabilityID string    `json:"vulnerability_id,omitempty"`
	From            string    `json:"from"`
	To              string    `json:"to"`
	Reason          string    `json:"reason"`
	Approver        string    `json:"approver,omitempty"`
	Until           time.Time `json:"until,omitzero"`
}

func (t *tx) projectOf(ctx context.Context, artifactID int64) (int64, error) {
	var id int64
	err := t.queryRow(ctx, "SELECT project_id FROM artifacts WHERE id = ?", artifactID).Scan(&id)
	return id, notFound(err, "artifact %d", artifactID)
}

// ExpireAcceptances re-opens every acceptance whose expiry is at or before
// now.
func (s *Store) ExpireAcceptances(ctx context.Context) (int, error) {
	now := s.now().UnixMilli()
	var n int
	err := s.write(ctx, func(t *tx) error {
		rows, err := t.query(ctx, "SELECT id, artifact_id, project_id, accepted_until FROM findings WHERE state = ? AND accepted_until <= ? ORDER BY id", StateAccepted, now)
		if err != nil {
			return err
		}
		type exp struct{ id, artifactID, projectID, until int64 }
		list, err := collect(rows, func(r scanner) (exp, error) {
			var e exp
			return e, r.Scan(&e.id, &e.artifactID, &e.projectID, &e.until)
		})
		if err != nil {
			return err
		}
		evs := make([]event, 0, len(list))
		for _, e := range list {
			reason := "acceptance expired at " + msTime(e.until).Format(time.RFC3339)
			if _, err := t.exec(ctx, "UPDATE findings SET state = ?, reason = ?, accepted_by = '', accepted_until = NULL, updated_at = ? WHERE id = ?",
				StateOpen, reason, now, e.id); err != nil {
				return fmt.Errorf("re-open finding %d: %w", e.id, err)
			}
			evs = append(evs, event{kind: EventFindingState, projectID: e.projectID, artifactID: e.artifactID, findingID: e.id,
				actor: "system", from: StateAccepted, to: StateOpen, reason: reason})
			if err := t.audit(ctx, "system", AuditFindingState, subject("finding", e.id), stateAudit{ArtifactID: e.artifactID, From: StateAccepted, To: StateOpen, Reason: reason}); err != nil {
				return err
			}
		}
		n = len(list)
		return t.events(ctx, evs)
	})
	if err != nil {
		return 0, fmt.Errorf("expire acceptances: %w", err)
	}
	return n, nil
}

// Summary counts open findings by severity and by environment, and lists
// the oldest open ones.
func (s *Store) Summary(ctx context.Context, sc Scope) (Summary, error) {
	out := Summary{Open: levelCounts(), ByEnvironment: map[string]map[string]int{}, Oldest: []FindingView{}}
	var w where
	w.scope(sc, "f.project_id")
	w.add("f.state = ?", StateOpen)
	if w.err != nil {
		return Summary{}, w.err
	}
	// The open counts from finding_counts (migration 00010: kept by
	// triggers in every write's transaction), not by counting findings.
	var cw where
	cw.scope(sc, "project_id")
	cw.add("state = ?", StateOpen)
	rows, err := s.query(ctx, "SELECT severity, sum(n) FROM finding_counts"+cw.String()+" GROUP BY severity", cw.args...)
	if err != nil {
		return Summary{}, fmt.Errorf("summary: %w", err)
	}
	type count struct {
		env string
		sev int
		n   int
	}
	counts, err := collect(rows, func(r scanner) (count, error) {
		var c count
		return c, r.Scan(&c.sev, &c.n)
	})
	if err != nil {
		return Summary{}, fmt.Errorf("summary: %w", err)
	}
	for _, c := range counts {
		out.Open[severity.Level(c.sev).String()] += c.n
	}
	// Driven from the running deployments (a few hundred) into each
	// artifact's findings: CROSS JOIN keeps SQLite from scanning every
	// open finding to probe the deployments, and the state test is an
	// expression so that the findings are reached by artifact, not through
	// the state index (PostgreSQL plans it by cost either way).
	var ew where
	ew.scope(sc, "f.project_id")
	ew.add("(f.state || '') = ?", StateOpen)
	ew.add("f.artifact_id = d.artifact_id")
	ew.add("d.end_at IS NULL")
	rows, err = s.query(ctx, "SELECT d.environment, f.severity, count(DISTINCT f.id) FROM deployments d CROSS JOIN findings f"+
		ew.String()+" GROUP BY d.environment, f.severity", ew.args...)
	if err != nil {
		return Summary{}, fmt.Errorf("summary: %w", err)
	}
	counts, err = collect(rows, func(r scanner) (count, error) {
		var c count
		return c, r.Scan(&c.env, &c.sev, &c.n)
	})
	if err != nil {
		return Summary{}, fmt.Errorf("summary: %w", err)
	}
	for _, c := range counts {
		m := out.ByEnvironment[c.env]
		if m == nil {
			m = levelCounts()
			out.ByEnvironment[c.env] = m
		}
		m[severity.Level(c.sev).String()] += c.n
	}
	if out.Worst, err = s.worst(ctx, cw); err != nil {
		return Summary{}, fmt.Errorf("summary: %w", err)
	}
	oldest, err := s.views(ctx, viewQuery+w.String()+" ORDER BY f.first_seen, f.id LIMIT 10", w.args...)
	if err != nil {
		return Summary{}, fmt.Errorf("summary: %w", err)
	}
	if oldest != nil {
		out.Oldest = oldest
	}
	return out, nil
}

// worst ranks the projects by their open findings (Summary.Worst).
func (s *Store) worst(ctx context.Context, w where) ([]ProjectOpen, error) {
	// From finding_counts (00010), like the open counts.
	rows, err := s.query(ctx, "SELECT p.name, c.severity, sum(c.n) FROM finding_counts c JOIN projects p ON p.id = c.project_id"+w.String()+" GROUP BY p.name, c.severity HAVING sum(c.n) > 0", w.args...)
	if err != nil {
		return nil, err
	}
	type count struct {
		project string
		sev, n  int
	}
	counts, err := collect(rows, func(r scanner) (count, error) {
		var c count
		return c, r.Scan(&c.project, &c.sev, &c.n)
	})
	if err != nil {
		return nil, err
	}
	var out []ProjectOpen
	idx := map[string]int{}
	for _, c := range counts {
		if _, ok := idx[c.project]; !ok {
			idx[c.project] = len(out)
			out = append(out, ProjectOpen{Project: c.project, Open: levelCounts()})
		}
		po := &out[idx[c.project]]
		po.Open[severity.Level(c.sev).String()] += c.n
		po.Total += c.n
	}
	slices.SortFunc(out, func(a, b ProjectOpen) int {
		for l := severity.Critical; l >= severity.Unknown; l-- {
			if d := b.Open[l.String()] - a.Open[l.String()]; d != 0 {
				return d
			}
		}
		return strings.Compare(a.Project, b.Project)
	})
	if len(out) > 10 {
		out = out[:10]
	}
	if out == nil {
		out = []ProjectOpen{}
	}
	return out, nil
}

func levelCounts() map[string]int {
	m := make(map[string]int, 5)
	for l := severity.Unknown; l <= severity.Critical; l++ {
		m[l.String()] = 0
	}
	return m
}

// pageCursor is the next cursor of a page of items.
func pageCursor[T any](items []T, limit int, id func(T) int64) string {
	if len(items) < limit || len(items) == 0 {
		return ""
	}
	return cursor(id(items[len(items)-1]))
}

// FindingCountDrift compares finding_counts, which triggers keep, with a
// count of the findings themselves, and describes every (project, state,
// severity) where they differ; none when the counters are right.
// `vigil admin verify-findings` and the storage tests check it.
func (s *Store) FindingCountDrift(ctx context.Context) ([]string, error) {
	rows, err := s.query(ctx, `SELECT coalesce(c.project_id, f.project_id), coalesce(c.state, f.state), coalesce(c.severity, f.severity), coalesce(c.n, 0), coalesce(f.n, 0)
 FROM (SELECT project_id, state, severity, n FROM finding_counts WHERE n <> 0) c
 FULL OUTER JOIN (SELECT project_id, state, severity, count(*) AS n FROM findings GROUP BY project_id, state, severity) f
 ON c.project_id = f.project_id AND c.state = f.state AND c.severity = f.severity
 WHERE coalesce(c.n, 0) <> coalesce(f.n, 0)`)
	if err != nil {
		return nil, fmt.Errorf("finding counts: %w", err)
	}
	return collect(rows, func(r scanner) (string, error) {
		var project, sev, counted, real int64
		var state string
		if err := r.Scan(&project, &state, &sev, &counted, &real); err != nil {
			return "", err
		}
		return fmt.Sprintf("project %d, %s, severity %s: counted %d, findings %d", project, state, severity.Level(sev), counted, real), nil
	})
}

// Package tracker keeps GitHub and GitLab issues in step with the
// portfolio's findings: one issue per tracker rule x project x
// vulnerability group (a finding's VulnerabilityID, aliases merged).
// Reconciling is state-based: the desired state is the group's open
// findings the rule selects; the issue is created, its body updated when
// what it says changed, closed with a comment when every finding is
// resolved, and re-opened when the group comes back. The store holds the
// mapping, written pending (with a token the body carries as a hidden
// marker) before an issue is created, so that no crash makes a second
// issue.
package tracker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/store"
)

// Store is what the reconciler reads and writes.
type Store interface {
	ListProjects(ctx context.Context, s store.Scope, p store.Page) ([]store.Project, string, error)
	ListFindings(ctx context.Context, f store.FindingFilter) ([]store.FindingView, string, error)
	TrackerIssues(ctx context.Context, f store.TrackerIssueFilter) ([]store.TrackerIssue, string, error)
	LeaseTrackerIssue(ctx context.Context, l store.TrackerLease) (store.TrackerIssue, bool, error)
	UpdateTrackerIssue(ctx context.Context, u store.TrackerUpdate) (store.TrackerIssue, error)
	ReleaseTrackerIssue(ctx context.Context, id int64, owner string) error
	DeleteTrackerIssue(ctx context.Context, id int64, owner string) error
}

// Actor is the audit actor of the reconciler's changes.
const Actor = "vigil:tracker"

// Hook stages (Options.Hook).
const (
	// StageCreated: the tracker created the issue; its number is not
	// recorded yet.
	StageCreated = "created"
)

// Options configure a Reconciler.
type Options struct {
	Store Store
	Set   *Set
	// SLA and DueWithin are the server's SLA policy (labels sla:breached
	// and sla:due-soon).
	SLA       store.SLAPolicy
	DueWithin time.Duration
	Now       func() time.Time
	// Owner names this process in row leases.
	Owner  string
	Logger *slog.Logger
	// Hook, in tests, runs at a stage (StageCreated); an error stops the
	// sync right there, as a crash would.
	Hook func(stage string) error
	// KEV says whether a vulnerability (id and aliases) is in the known
	// exploited catalog the server holds (nil: none); a rule's kev_only
	// tracks only those.
	KEV func(id string, aliases []string) bool
}

// Reconciler syncs issues.
type Reconciler struct {
	o   Options
	log *slog.Logger
}

// leaseFor is how long a worker holds a row while it calls the tracker.
const leaseFor = 2 * time.Minute

// New builds a reconciler.
func New(o Options) (*Reconciler, error) {
	if o.Store == nil || o.Set == nil {
		return nil, errors.New("tracker: no store or no trackers")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Owner == "" {
		o.Owner = "tracker/" + newToken()[:8]
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Reconciler{o: o, log: log}, nil
}

// Result counts what a sync did.
type Result struct {
	Projects  int `json:"projects"`
	Created   int `json:"created"`
	Adopted   int `json:"adopted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Closed    int `json:"closed"`
	Reopened  int `json:"reopened"`
	// Busy counts issues another worker held.
	Busy   int `json:"busy"`
	Errors int `json:"errors"`
}

func (r *Result) add(o Result) {
	r.Projects += o.Projects
	r.Created += o.Created
	r.Adopted += o.Adopted
	r.Updated += o.Updated
	r.Unchanged += o.Unchanged
	r.Closed += o.Closed
	r.Reopened += o.Reopened
	r.Busy += o.Busy
	r.Errors += o.Errors
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Covers reports whether any rule may select the project.
func (r *Reconciler) Covers(project string) bool {
	for _, t := range r.o.Set.Targets {
		if projectSelected(t.Rule.Select, project) {
			return true
		}
	}
	return false
}

func projectSelected(s notify.Selector, project string) bool {
	if len(s.Projects) == 0 {
		return true
	}
	for _, g := range s.Projects {
		if ok, err := path.Match(g, project); err == nil && ok {
			return true
		}
	}
	return false
}

// SyncAll reconciles every project.
func (r *Reconciler) SyncAll(ctx context.Context) (Result, error) {
	var res Result
	var errs []error
	pg := store.Page{Limit: store.MaxLimit}
	for {
		ps, next, err := r.o.Store.ListProjects(ctx, store.Scope{}, pg)
		if err != nil {
			return res, err
		}
		for _, p := range ps {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			pr, err := r.SyncProject(ctx, p.Name)
			res.add(pr)
			if err != nil {
				errs = append(errs, err)
			}
		}
		if next == "" {
			return res, errors.Join(errs...)
		}
		pg.Cursor = next
	}
}

// SyncProject reconciles one project's issues for every rule that covers
// it. A failed tracker call leaves its issue for the next sync and is
// reported after the others were done.
func (r *Reconciler) SyncProject(ctx context.Context, project string) (Result, error) {
	res := Result{Projects: 1}
	if !r.Covers(project) {
		return res, nil
	}
	open, err := r.findings(ctx, store.FindingFilter{Project: project, Kind: store.KindVulnerability, States: []string{store.StateOpen}})
	if err != nil {
		return res, fmt.Errorf("tracker sync %q: %w", project, err)
	}
	rows, err := r.rows(ctx, project)
	if err != nil {
		return res, fmt.Errorf("tracker sync %q: %w", project, err)
	}
	now := r.o.Now()
	var errs []error
	for _, t := range r.o.Set.Targets {
		if !projectSelected(t.Rule.Select, project) {
			continue
		}
		byGroup := map[string][]store.FindingView{}
		for _, f := range open {
			sub := notify.Subject{Project: project, Environments: f.Environments, Severity: f.Severity, HasSeverity: true, Fixable: f.FixedVersion != "",
				KEV: t.Rule.Select.KEVOnly && r.o.KEV != nil && r.o.KEV(f.VulnerabilityID, f.Aliases)}
			if t.Rule.Select.Match(sub) {
				byGroup[f.VulnerabilityID] = append(byGroup[f.VulnerabilityID], f)
			}
		}
		for _, id := range slices.Sorted(maps.Keys(byGroup)) {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			g := newGroup(t.Rule.Name, project, byGroup[id], r.o.SLA, r.o.DueWithin, now)
			if err := r.ensure(ctx, t, &g, &res); err != nil {
				res.Errors++
				errs = append(errs, err)
				r.log.Warn("tracker sync", "tracker", t.Sink.Name(), "project", project, "vuln_id", id, "err", err)
			}
		}
		for _, row := range rows[t.Rule.Name] {
			if _, ok := byGroup[row.Group]; ok || row.State == store.TrackerClosed {
				continue
			}
			if err := ctx.Err(); err != nil {
				return res, err
			}
			if err := r.close(ctx, t, row, open, &res); err != nil {
				res.Errors++
				errs = append(errs, err)
				r.log.Warn("tracker close", "tracker", t.Sink.Name(), "project", project, "vuln_id", row.Group, "err", err)
			}
		}
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("tracker sync %q: %w", project, errors.Join(errs...))
	}
	return res, nil
}

func (r *Reconciler) findings(ctx context.Context, f store.FindingFilter) ([]store.FindingView, error) {
	var out []store.FindingView
	f.Limit = store.MaxLimit
	for {
		fs, next, err := r.o.Store.ListFindings(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}

// rows are the project's tracked issues by rule.
func (r *Reconciler) rows(ctx context.Context, project string) (map[string][]store.TrackerIssue, error) {
	out := map[string][]store.TrackerIssue{}
	f := store.TrackerIssueFilter{Project: project, Page: store.Page{Limit: store.MaxLimit}}
	for {
		ts, next, err := r.o.Store.TrackerIssues(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			out[t.Rule] = append(out[t.Rule], t)
		}
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}

// lease takes a group's row (creating it pending with a fresh token);
// busy when another worker holds it.
func (r *Reconciler) lease(ctx context.Context, rule, project, group string) (ti store.TrackerIssue, fresh, busy bool, err error) {
	tok := newToken()
	ti, ok, err := r.o.Store.LeaseTrackerIssue(ctx, store.TrackerLease{Rule: rule, Project: project, Group: group, Token: tok, Owner: r.o.Owner, For: leaseFor})
	if err != nil {
		return ti, false, false, err
	}
	return ti, ti.Token == tok, !ok, nil
}

// release gives a row back after a failed call (the sync's context may be
// over: the release must still reach the store).
func (r *Reconciler) release(ctx context.Context, ti store.TrackerIssue) {
	if err := r.o.Store.ReleaseTrackerIssue(context.WithoutCancel(ctx), ti.ID, r.o.Owner); err != nil {
		r.log.Warn("release tracker issue", "id", ti.ID, "err", err)
	}
}

// ensure makes the group's issue exist, open, and say what it should.
func (r *Reconciler) ensure(ctx context.Context, t Target, g *group, res *Result) (err error) {
	ti, fresh, busy, err := r.lease(ctx, t.Rule.Name, g.Project, g.ID)
	if err != nil {
		return err
	}
	if busy {
		res.Busy++
		return nil
	}
	recorded := false
	defer func() {
		if !recorded {
			r.release(ctx, ti)
		}
	}()
	c := g.content(ti.Token, t.Rule.Labels)
	hash := c.Hash()
	upd := store.TrackerUpdate{ID: ti.ID, Owner: r.o.Owner, State: store.TrackerOpen, Number: ti.Number, URL: ti.URL, BodyHash: hash, Actor: Actor}
	data := map[string]any{"tracker": t.Sink.Name(), "artifacts": g.artifacts(), "severity": g.Severity.String()}
	switch ti.State {
	case store.TrackerPending:
		if !fresh {
			// A create may have been made before a crash: look for its
			// marker before making another.
			iss, found, err := t.Sink.Find(ctx, Marker(ti.Token), ti.CreatedAt.Add(-time.Hour))
			if err != nil {
				return err
			}
			if found {
				if err := t.Sink.Update(ctx, iss.Number, c); err != nil {
					return err
				}
				if !iss.Open {
					if err := t.Sink.SetState(ctx, iss.Number, true, false, ""); err != nil {
						return err
					}
				}
				upd.Number, upd.URL, upd.Audit = iss.Number, iss.URL, store.AuditTrackerCreate
				data["adopted"] = true
				upd.AuditData = data
				if _, err := r.o.Store.UpdateTrackerIssue(ctx, upd); err != nil {
					return err
				}
				recorded = true
				res.Adopted++
				return nil
			}
		}
		iss, err := t.Sink.Create(ctx, c)
		if err != nil {
			return err
		}
		if r.o.Hook != nil {
			if err := r.o.Hook(StageCreated); err != nil {
				return err
			}
		}
		upd.Number, upd.URL, upd.Audit, upd.AuditData = iss.Number, iss.URL, store.AuditTrackerCreate, data
		if _, err := r.o.Store.UpdateTrackerIssue(context.WithoutCancel(ctx), upd); err != nil {
			return err
		}
		recorded = true
		res.Created++
		r.log.Info("tracker issue created", "tracker", t.Sink.Name(), "project", g.Project, "vuln_id", g.ID, "number", iss.Number)
		return nil
	case store.TrackerClosed:
		reason := fmt.Sprintf("the vulnerability is back on %d artifact(s)", g.artifacts())
		if err := t.Sink.SetState(ctx, ti.Number, true, false, "Vigil re-opened this issue: "+reason+"."); err != nil {
			return err
		}
		if ti.BodyHash != hash {
			if err := t.Sink.Update(ctx, ti.Number, c); err != nil {
				return err
			}
		}
		upd.Reason, upd.Audit, upd.AuditData = reason, store.AuditTrackerReopen, data
		if _, err := r.o.Store.UpdateTrackerIssue(context.WithoutCancel(ctx), upd); err != nil {
			return err
		}
		recorded = true
		res.Reopened++
		return nil
	}
	if ti.BodyHash == hash {
		res.Unchanged++
		return nil
	}
	if err := t.Sink.Update(ctx, ti.Number, c); err != nil {
		return err
	}
	upd.Reason = ti.Reason
	if _, err := r.o.Store.UpdateTrackerIssue(context.WithoutCancel(ctx), upd); err != nil {
		return err
	}
	recorded = true
	res.Updated++
	return nil
}

// close closes a tracked issue whose group the rule no longer selects,
// saying why.
func (r *Reconciler) close(ctx context.Context, t Target, row store.TrackerIssue, open []store.FindingView, res *Result) error {
	ti, _, busy, err := r.lease(ctx, row.Rule, row.Project, row.Group)
	if err != nil {
		return err
	}
	if busy {
		res.Busy++
		return nil
	}
	recorded := false
	defer func() {
		if !recorded {
			r.release(ctx, ti)
		}
	}()
	number, url := ti.Number, ti.URL
	switch ti.State {
	case store.TrackerClosed:
		return nil
	case store.TrackerPending:
		iss, found, err := t.Sink.Find(ctx, Marker(ti.Token), ti.CreatedAt.Add(-time.Hour))
		if err != nil {
			return err
		}
		if !found {
			// Never created, and nothing to create now: forget the row
			// (a later return starts a fresh one).
			if err := r.o.Store.DeleteTrackerIssue(context.WithoutCancel(ctx), ti.ID, r.o.Owner); err != nil {
				return err
			}
			recorded = true
			return nil
		}
		number, url = iss.Number, iss.URL
	}
	reason, notPlanned, err := r.closeReason(ctx, t, row, open)
	if err != nil {
		return err
	}
	if err := t.Sink.SetState(ctx, number, false, notPlanned, "Vigil closed this issue: "+reason+"."); err != nil {
		return err
	}
	_, err = r.o.Store.UpdateTrackerIssue(context.WithoutCancel(ctx), store.TrackerUpdate{
		ID: ti.ID, Owner: r.o.Owner, State: store.TrackerClosed, Number: number, URL: url, BodyHash: ti.BodyHash,
		Reason: reason, Actor: Actor, Audit: store.AuditTrackerClose, AuditData: map[string]any{"tracker": t.Sink.Name()},
	})
	if err != nil {
		return err
	}
	recorded = true
	res.Closed++
	return nil
}

// closeReason says why a group has no selected open finding any more:
// how its findings were resolved (fixed, replaced by an upgrade, advisory
// withdrawn or range changed, accepted, false positive), or that its open
// findings fell out of the rule's selection. notPlanned is set unless
// every finding was fixed.
func (r *Reconciler) closeReason(ctx context.Context, t Target, row store.TrackerIssue, open []store.FindingView) (string, bool, error) {
	for _, f := range open {
		if f.VulnerabilityID == row.Group {
			return fmt.Sprintf("its open findings are no longer selected by tracker rule %q (projects, environments, severity or fix)", t.Rule.Name), true, nil
		}
	}
	done, err := r.findings(ctx, store.FindingFilter{Project: row.Project, Kind: store.KindVulnerability, VulnID: row.Group,
		States: []string{store.StateFixed, store.StateAccepted, store.StateFalsePositive}})
	if err != nil {
		return "", false, err
	}
	counts := map[string]int{}
	notPlanned := false
	for _, f := range done {
		if f.VulnerabilityID != row.Group {
			continue
		}
		why := f.State
		switch {
		case f.State == store.StateFixed && f.Resolution != "":
			why = f.Resolution
		case f.State == store.StateAccepted:
			why = "accepted (risk accepted)"
		case f.State == store.StateFalsePositive:
			why = "false positive"
		}
		if f.State != store.StateFixed || f.Resolution == store.ResolvedWithdrawn || f.Resolution == store.ResolvedRangeChanged {
			notPlanned = true
		}
		counts[why]++
	}
	if len(counts) == 0 {
		return "no finding of this vulnerability is open in the project any more", true, nil
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], strings.ReplaceAll(k, "_", " ")))
	}
	return "every affected finding is resolved: " + strings.Join(parts, ", "), notPlanned, nil
}

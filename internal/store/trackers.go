package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Tracker issues (internal/tracker, docs/trackers.md): the mapping of a
// tracker rule x project x vulnerability group to its GitHub or GitLab
// issue. A row is begun (state pending, with a random token the issue body
// carries as a hidden marker) before the issue is created, and gets the
// issue's number once the create returned; a worker holds a row's lease
// while it talks to the tracker about it.

// Tracker issue states.
const (
	// TrackerPending: the issue may or may not exist yet (a create was
	// about to be made, or was made and its number not recorded); the
	// reconciler looks for the token's marker before creating.
	TrackerPending = "pending"
	TrackerOpen    = "open"
	TrackerClosed  = "closed"
)

// Audit record kinds of tracker issues.
const (
	AuditTrackerCreate = "tracker.issue_create"
	AuditTrackerClose  = "tracker.issue_close"
	AuditTrackerReopen = "tracker.issue_reopen"
	// AuditTrackerReconcile: an admin asked for a full reconcile.
	AuditTrackerReconcile = "tracker.reconcile"
)

// TrackerIssue is one tracked issue.
type TrackerIssue struct {
	ID      int64  `json:"id"`
	Rule    string `json:"rule"`
	Project string `json:"project"`
	// Group is the vulnerability group (a finding's VulnerabilityID).
	Group string `json:"group"`
	// Token is the idempotency token in the issue body's marker.
	Token    string `json:"-"`
	State    string `json:"state"`
	Number   int64  `json:"number,omitempty"`
	URL      string `json:"url,omitempty"`
	BodyHash string `json:"-"`
	// Reason is why the issue was last closed or re-opened.
	Reason     string    `json:"reason,omitempty"`
	LeaseOwner string    `json:"-"`
	LeaseUntil time.Time `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// TrackerIssueFilter selects tracker issues; zero fields do not filter.
type TrackerIssueFilter struct {
	Scope
	Project string
	Rule    string
	Page
}

// TrackerLease asks for the lease of one rule x project x group row,
// creating it pending with Token when there is none.
type TrackerLease struct {
	Rule, Project, Group string
	Token                string
	Owner                string
	For                  time.Duration
}

// TrackerUpdate records what a worker did to a tracked issue, and ends
// its lease. With Audit set, an audit record of that kind (create, close,
// re-open) is appended in the same transaction.
type TrackerUpdate struct {
	ID       int64
	Owner    string
	State    string
	Number   int64
	URL      string
	BodyHash string
	Reason   string
	Actor    string
	Audit    string
	// AuditData is the audit record's payload beyond the issue itself.
	AuditData map[string]any
}

const trackerCols = "SELECT id, rule, project, group_id, token, state, number, url, body_hash, reason, lease_owner, lease_until, created_at, updated_at FROM tracker_issues"

func scanTrackerIssue(r scanner) (TrackerIssue, error) {
	var ti TrackerIssue
	var lease, created, updated int64
	if err := r.Scan(&ti.ID, &ti.Rule, &ti.Project, &ti.Group, &ti.Token, &ti.State, &ti.Number, &ti.URL, &ti.BodyHash, &ti.Reason, &ti.LeaseOwner, &lease, &created, &updated); err != nil {
		return TrackerIssue{}, err
	}
	if lease > 0 {
		ti.LeaseUntil = msTime(lease)
	}
	ti.CreatedAt, ti.UpdatedAt = msTime(created), msTime(updated)
	return ti, nil
}

// TrackerIssues lists tracked issues in id order.
func (s *Store) TrackerIssues(ctx context.Context, f TrackerIssueFilter) ([]TrackerIssue, string, error) {
	after, err := f.after()
	if err != nil {
		return nil, "", err
	}
	var w where
	if f.Scope.Projects != nil {
		w.in("project", anys(f.Scope.Projects))
	}
	if f.Project != "" {
		w.add("project = ?", f.Project)
	}
	if f.Rule != "" {
		w.add("rule = ?", f.Rule)
	}
	w.add("id > ?", after)
	if w.err != nil {
		return nil, "", w.err
	}
	lim := f.limit()
	rows, err := s.query(ctx, trackerCols+w.String()+" ORDER BY id LIMIT ?", append(w.args, lim)...)
	if err != nil {
		return nil, "", fmt.Errorf("list tracker issues: %w", err)
	}
	defer rows.Close()
	var out []TrackerIssue
	for rows.Next() {
		ti, err := scanTrackerIssue(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list tracker issues: %w", err)
		}
		out = append(out, ti)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list tracker issues: %w", err)
	}
	return out, pageCursor(out, lim, func(v TrackerIssue) int64 { return v.ID }), nil
}

// LeaseTrackerIssue returns the row of a rule x project x group, creating
// it (pending, with l.Token) when there is none, and takes its lease for
// l.Owner. ok is false when another owner holds an unexpired lease: the
// row is returned as it is and the caller must leave it alone.
func (s *Store) LeaseTrackerIssue(ctx context.Context, l TrackerLease) (ti TrackerIssue, ok bool, err error) {
	if l.Rule == "" || l.Project == "" || l.Group == "" || l.Owner == "" || l.For <= 0 {
		return TrackerIssue{}, false, fmt.Errorf("%w: a tracker lease needs a rule, project, group, owner and duration", ErrInvalid)
	}
	if len(l.Token) < 16 {
		return TrackerIssue{}, false, fmt.Errorf("%w: a tracker token of %d characters", ErrInvalid, len(l.Token))
	}
	now := s.jobNow()
	err = s.write(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO tracker_issues (rule, project, group_id, token, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
 ON CONFLICT (rule, project, group_id) DO NOTHING`, l.Rule, l.Project, l.Group, l.Token, TrackerPending, s.now().UnixMilli(), s.now().UnixMilli()); err != nil {
			return err
		}
		r, err := t.exec(ctx, "UPDATE tracker_issues SET lease_owner = ?, lease_until = ? WHERE rule = ? AND project = ? AND group_id = ? AND (lease_owner = ? OR lease_owner = '' OR lease_until < ?)",
			l.Owner, now.Add(l.For).UnixMilli(), l.Rule, l.Project, l.Group, l.Owner, now.UnixMilli())
		if err != nil {
			return err
		}
		n, err := r.RowsAffected()
		if err != nil {
			return err
		}
		ok = n == 1
		ti, err = scanTrackerIssue(t.queryRow(ctx, trackerCols+" WHERE rule = ? AND project = ? AND group_id = ?", l.Rule, l.Project, l.Group))
		return err
	})
	if err != nil {
		return TrackerIssue{}, false, fmt.Errorf("lease tracker issue %s/%s/%s: %w", l.Rule, l.Project, l.Group, err)
	}
	return ti, ok, nil
}

// UpdateTrackerIssue records a worker's change to a tracked issue and
// releases its lease; ErrLeaseLost when u.Owner no longer holds it.
func (s *Store) UpdateTrackerIssue(ctx context.Context, u TrackerUpdate) (TrackerIssue, error) {
	switch u.State {
	case TrackerPending, TrackerOpen, TrackerClosed:
	default:
		return TrackerIssue{}, fmt.Errorf("%w: tracker issue state %q", ErrInvalid, u.State)
	}
	if u.State != TrackerPending && u.Number <= 0 {
		return TrackerIssue{}, fmt.Errorf("%w: an %s tracker issue needs its number", ErrInvalid, u.State)
	}
	var ti TrackerIssue
	err := s.write(ctx, func(t *tx) error {
		r, err := t.exec(ctx, "UPDATE tracker_issues SET state = ?, number = ?, url = ?, body_hash = ?, reason = ?, lease_owner = '', lease_until = 0, updated_at = ? WHERE id = ? AND lease_owner = ?",
			u.State, u.Number, u.URL, u.BodyHash, u.Reason, s.now().UnixMilli(), u.ID, u.Owner)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return ErrLeaseLost
		}
		ti, err = scanTrackerIssue(t.queryRow(ctx, trackerCols+" WHERE id = ?", u.ID))
		if err != nil {
			return err
		}
		if u.Audit == "" {
			return nil
		}
		payload := map[string]any{"rule": ti.Rule, "project": ti.Project, "group": ti.Group, "number": ti.Number, "url": ti.URL, "state": ti.State}
		if ti.Reason != "" {
			payload["reason"] = ti.Reason
		}
		for k, v := range u.AuditData {
			payload[k] = v
		}
		return t.audit(ctx, u.Actor, u.Audit, subject("tracker_issue", ti.ID), payload)
	})
	if err != nil {
		return TrackerIssue{}, fmt.Errorf("update tracker issue %d: %w", u.ID, err)
	}
	return ti, nil
}

// ReleaseTrackerIssue gives up a lease without changing the row (a
// tracker call failed); releasing a lease not held changes nothing.
func (s *Store) ReleaseTrackerIssue(ctx context.Context, id int64, owner string) error {
	err := s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "UPDATE tracker_issues SET lease_owner = '', lease_until = 0 WHERE id = ? AND lease_owner = ?", id, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("release tracker issue %d: %w", id, err)
	}
	return nil
}

// DeleteTrackerIssue removes a pending row whose issue was never created
// (its group went away before a create succeeded); ErrLeaseLost unless
// owner holds it, ErrInvalid unless it is pending.
func (s *Store) DeleteTrackerIssue(ctx context.Context, id int64, owner string) error {
	err := s.write(ctx, func(t *tx) error {
		r, err := t.exec(ctx, "DELETE FROM tracker_issues WHERE id = ? AND lease_owner = ? AND state = ?", id, owner, TrackerPending)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			return nil
		}
		var state, holder string
		if err := t.queryRow(ctx, "SELECT state, lease_owner FROM tracker_issues WHERE id = ?", id).Scan(&state, &holder); err != nil {
			return notFound(err, "tracker issue")
		}
		if holder != owner {
			return ErrLeaseLost
		}
		return fmt.Errorf("%w: tracker issue %d is %s, not pending", ErrInvalid, id, state)
	})
	if err != nil {
		return fmt.Errorf("delete tracker issue %d: %w", id, err)
	}
	return nil
}

// GetTrackerIssue returns one tracked issue by id (ErrNotFound).
func (s *Store) GetTrackerIssue(ctx context.Context, id int64) (TrackerIssue, error) {
	ti, err := scanTrackerIssue(s.queryRow(ctx, trackerCols+" WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return TrackerIssue{}, fmt.Errorf("tracker issue %d: %w", id, ErrNotFound)
	}
	return ti, err
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-sec/vigil/internal/severity"
)

// The notifications' storage (internal/notify, migration 00013): a durable
// cursor over the events table, an outbox of messages leased to one
// replica at a time, the delivery log, what was notified once only, and
// the rules created through the API. The store does not know what a
// message says: the notifier gives it opaque payloads and a merge
// function for digests.

// Notification message states.
const (
	NotifyPending = "pending"
	NotifyDone    = "done"
	NotifyDead    = "dead"
)

// Audit kinds of the notifications.
const (
	AuditNotifyRulePut    = "notify.rule.put"
	AuditNotifyRuleDelete = "notify.rule.delete"
	AuditNotifyReplay     = "notify.replay"
)

// NotifyAPI is the notifications' part of the storage contract.
type NotifyAPI interface {
	NotifyCursor(ctx context.Context, name string) (int64, error)
	CommitNotify(ctx context.Context, b NotifyBatch) (NotifyCommit, error)
	ClaimNotify(ctx context.Context, owner string, lease time.Duration, limit int) ([]NotifyMessage, error)
	FinishNotify(ctx context.Context, r NotifyResult) error
	ListNotifyMessages(ctx context.Context, f NotifyMessageFilter) ([]NotifyMessage, string, error)
	ListNotifyDeliveries(ctx context.Context, messageID int64, p Page) ([]NotifyDelivery, string, error)
	ReplayNotify(ctx context.Context, id int64, actor string) (NotifyMessage, error)
	SLADue(ctx context.Context, q SLADueQuery) ([]SLADueFinding, error)
	AgedImages(ctx context.Context, q AgedImageQuery) ([]AgedImage, error)
	NotifyFindings(ctx context.Context, ids []int64) (map[int64]NotifyFinding, error)
	ListNotifyRules(ctx context.Context) ([]NotifyRule, error)
	PutNotifyRule(ctx context.Context, r NotifyRule, actor string, audit any) (NotifyRule, bool, error)
	DeleteNotifyRule(ctx context.Context, name, actor string) error
}

var _ NotifyAPI = (*Store)(nil)

// NotifyMessage is one message of the outbox.
type NotifyMessage struct {
	ID int64 `json:"id"`
	// MsgID is the idempotency key every attempt carries (webhook-id).
	MsgID   string `json:"msg_id"`
	Rule    string `json:"rule"`
	Sink    string `json:"sink"`
	Kind    string `json:"kind"`
	Project string `json:"project,omitempty"`
	// DigestKey, when set, collects the events of one rule, sink and
	// project (or refresh) until the window closes at NextAt.
	DigestKey   string          `json:"digest_key,omitempty"`
	Events      int             `json:"events"`
	Payload     json.RawMessage `json:"payload"`
	State       string          `json:"state"`
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	NextAt      time.Time       `json:"next_at"`
	LastError   string          `json:"last_error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	FinishedAt  time.Time       `json:"finished_at,omitzero"`
	// LeaseOwner is the replica delivering it (empty when none).
	LeaseOwner string `json:"-"`
}

// NotifyOnce marks something notified once only: kind (a notification
// kind), subject (a finding or artifact id) and threshold (a number of
// days, or 0).
type NotifyOnce struct {
	Kind      string
	Subject   int64
	Threshold int64
}

// NotifyBatch is what one pass of the notifier commits in one transaction.
type NotifyBatch struct {
	// Cursor, when set, is advanced from From to To (compare and set: when
	// another replica moved it, the commit fails with ErrConflict and
	// nothing is written).
	Cursor   string
	From, To int64
	Messages []NotifyMessage
	// Merge folds a new message's payload into the pending digest with the
	// same DigestKey whose window is still open (nil: never merge).
	Merge func(old, add []byte) ([]byte, error)
	// Once are marked as notified; when one is marked already (another
	// replica's pass got there first) the commit fails with ErrConflict
	// and nothing is written.
	Once []NotifyOnce
}

// NotifyCommit tells what a commit did: messages queued, merged into an
// open digest, or skipped (their msg_id was queued already).
type NotifyCommit struct {
	Queued, Merged, Skipped int
}

// NotifyResult is the outcome of one delivery attempt.
type NotifyResult struct {
	ID    int64
	Owner string
	// State is NotifyDone, NotifyDead, or NotifyPending (retry at NextAt).
	State   string
	NextAt  time.Time
	Status  int
	Latency time.Duration
	Outcome string
	Error   string
}

// NotifyDelivery is one attempt of the delivery log.
type NotifyDelivery struct {
	ID        int64         `json:"id"`
	MessageID int64         `json:"message_id"`
	MsgID     string        `json:"msg_id"`
	Sink      string        `json:"sink"`
	Attempt   int           `json:"attempt"`
	At        time.Time     `json:"at"`
	Status    int           `json:"status,omitempty"`
	Latency   time.Duration `json:"latency_ns"`
	Outcome   string        `json:"outcome"`
	Error     string        `json:"error,omitempty"`
}

// NotifyMessageFilter selects outbox messages.
type NotifyMessageFilter struct {
	State string
	Page
}

// NotifyRule is a rule created through the API; Spec is its JSON.
type NotifyRule struct {
	ID        int64           `json:"id"`
	Name      string          `json:"name"`
	Spec      json.RawMessage `json:"spec"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	UpdatedBy string          `json:"updated_by"`
}

// SLADueQuery asks for the open vulnerability findings due (breached at
// now) or due within Within, not yet marked in notify_once for Kind and
// Threshold.
type SLADueQuery struct {
	SLA       SLAPolicy
	Within    time.Duration
	Kind      string
	Threshold int64
	Limit     int
}

// SLADueFinding is an open finding past (or close to) its SLA due time.
type SLADueFinding struct {
	FindingID       int64
	Project         string
	ArtifactID      int64
	ArtifactName    string
	VulnerabilityID string
	Severity        severity.Level
	FixedVersion    string
	FirstSeen       time.Time
	Due             time.Time
	Environments    []string
}

// AgedImageQuery asks for the deployed image artifacts created before
// Before, not yet marked in notify_once for Kind and Threshold.
type AgedImageQuery struct {
	Before    time.Time
	Kind      string
	Threshold int64
	Limit     int
}

// AgedImage is a deployed image older than a threshold.
type AgedImage struct {
	ArtifactID   int64
	Project      string
	Name         string
	Digest       string
	Created      time.Time
	Environments []string
}

// NotifyCursor is where the named cursor stands (0 when new).
func (s *Store) NotifyCursor(ctx context.Context, name string) (int64, error) {
	var seq int64
	err := s.queryRow(ctx, "SELECT seq FROM notify_cursors WHERE name = ?", name).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("notify cursor: %w", err)
	}
	return seq, nil
}

// CommitNotify advances the cursor, queues or merges the messages and
// marks the once-only notifications, in one transaction. It runs several
// times a second while pushes arrive; its tables (notify_cursors,
// notify_once, notify_outbox) have no foreign keys, so it is
// bookkeeping.
func (s *Store) CommitNotify(ctx context.Context, b NotifyBatch) (NotifyCommit, error) {
	var out NotifyCommit
	err := s.writeBookkeeping(ctx, func(t *tx) error {
		out = NotifyCommit{}
		now := t.s.jobNow().UnixMilli()
		if b.Cursor != "" {
			res, err := t.exec(ctx, "UPDATE notify_cursors SET seq = ? WHERE name = ? AND seq = ?", b.To, b.Cursor, b.From)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if n == 0 {
				var cur int64
				err := t.queryRow(ctx, "SELECT seq FROM notify_cursors WHERE name = ?", b.Cursor).Scan(&cur)
				switch {
				case errors.Is(err, sql.ErrNoRows) && b.From == 0:
					if _, err := t.exec(ctx, "INSERT INTO notify_cursors (name, seq) VALUES (?, ?)", b.Cursor, b.To); err != nil {
						return err
					}
				case err != nil && !errors.Is(err, sql.ErrNoRows):
					return err
				default:
					return fmt.Errorf("%w: cursor %s is at %d, not %d", ErrConflict, b.Cursor, cur, b.From)
				}
			}
		}
		for _, o := range b.Once {
			res, err := t.exec(ctx, "INSERT INTO notify_once (kind, subject, threshold, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", o.Kind, o.Subject, o.Threshold, now)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return fmt.Errorf("%w: %s of %d (threshold %d) was notified already", ErrConflict, o.Kind, o.Subject, o.Threshold)
			}
		}
		for _, m := range b.Messages {
			if m.DigestKey != "" && b.Merge != nil {
				merged, err := t.mergeDigest(ctx, m, b.Merge, now)
				if err != nil {
					return err
				}
				if merged {
					out.Merged++
					continue
				}
			}
			queued, err := t.queueNotify(ctx, m, now)
			if err != nil {
				return err
			}
			if queued {
				out.Queued++
			} else {
				out.Skipped++
			}
		}
		return nil
	})
	if err != nil {
		return NotifyCommit{}, fmt.Errorf("commit notifications: %w", err)
	}
	return out, nil
}

// mergeDigest folds m into the open digest with its key, if there is one.
func (t *tx) mergeDigest(ctx context.Context, m NotifyMessage, merge func(old, add []byte) ([]byte, error), now int64) (bool, error) {
	var id int64
	var old string
	err := t.queryRow(ctx, `SELECT id, payload FROM notify_outbox WHERE digest_key = ? AND state = 'pending' AND attempts = 0 AND lease_owner = '' AND next_at > ?
 ORDER BY id DESC LIMIT 1`, m.DigestKey, now).Scan(&id, &old)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	p, err := merge([]byte(old), m.Payload)
	if err != nil {
		return false, fmt.Errorf("merge digest %s: %w", m.DigestKey, err)
	}
	n := m.Events
	if n <= 0 {
		n = 1
	}
	// Guarded like a claim: a digest a worker took meanwhile is left alone.
	res, err := t.exec(ctx, "UPDATE notify_outbox SET payload = ?, events = events + ? WHERE id = ? AND attempts = 0 AND lease_owner = ''", string(p), n, id)
	if err != nil {
		return false, err
	}
	k, err := res.RowsAffected()
	return k == 1, err
}

func (t *tx) queueNotify(ctx context.Context, m NotifyMessage, now int64) (bool, error) {
	if m.MsgID == "" || m.Rule == "" || m.Sink == "" || m.Kind == "" || m.MaxAttempts <= 0 {
		return false, fmt.Errorf("%w: a notification needs an id, rule, sink, kind and max attempts", ErrInvalid)
	}
	next := now
	if !m.NextAt.IsZero() {
		next = m.NextAt.UnixMilli()
	}
	var dk any
	if m.DigestKey != "" {
		dk = m.DigestKey
	}
	n := m.Events
	if n <= 0 {
		n = 1
	}
	res, err := t.exec(ctx, `INSERT INTO notify_outbox (msg_id, rule, sink, kind, project, digest_key, events, payload, max_attempts, next_at, created_at)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (msg_id) DO NOTHING`, m.MsgID, m.Rule, m.Sink, m.Kind, m.Project, dk, n, string(m.Payload), m.MaxAttempts, next, now)
	if err != nil {
		return false, err
	}
	k, err := res.RowsAffected()
	return k == 1, err
}

const notifyCols = "id, msg_id, rule, sink, kind, project, COALESCE(digest_key, ''), events, payload, state, attempts, max_attempts, next_at, lease_owner, last_error, created_at, finished_at"

func scanNotify(r scanner) (NotifyMessage, error) {
	var m NotifyMessage
	var payload string
	var next, created int64
	var finished sql.NullInt64
	err := r.Scan(&m.ID, &m.MsgID, &m.Rule, &m.Sink, &m.Kind, &m.Project, &m.DigestKey, &m.Events, &payload, &m.State, &m.Attempts, &m.MaxAttempts, &next, &m.LeaseOwner, &m.LastError, &created, &finished)
	m.Payload = json.RawMessage(payload)
	m.NextAt, m.CreatedAt, m.FinishedAt = msTime(next), msTime(created), fromMS(finished)
	return m, err
}

// ClaimNotify leases up to limit ready messages (pending and due, with no
// live lease) to owner; each claim counts an attempt.
func (s *Store) ClaimNotify(ctx context.Context, owner string, lease time.Duration, limit int) ([]NotifyMessage, error) {
	if owner == "" || lease <= 0 {
		return nil, fmt.Errorf("%w: claim needs an owner and a lease", ErrInvalid)
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	var out []NotifyMessage
	err := s.jobWrite(ctx, func(t *tx) error {
		out = nil
		now := t.s.jobNow().UnixMilli()
		lock := ""
		if s.backend == BackendPostgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := t.query(ctx, `SELECT id FROM notify_outbox WHERE state = 'pending' AND next_at <= ? AND lease_until < ? ORDER BY next_at, id LIMIT ?`+lock, now, now, limit)
		if err != nil {
			return err
		}
		ids, err := collect(rows, func(r scanner) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			m, err := scanNotify(t.queryRow(ctx, `UPDATE notify_outbox SET attempts = attempts + 1, lease_owner = ?, lease_until = ? WHERE id = ? RETURNING `+notifyCols, owner, now+lease.Milliseconds(), id))
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim notifications: %w", err)
	}
	return out, nil
}

// FinishNotify records an attempt in the delivery log and moves the
// message on (done, dead, or pending again at NextAt); ErrLeaseLost when
// owner no longer holds it (the attempt is still logged).
func (s *Store) FinishNotify(ctx context.Context, r NotifyResult) error {
	if len(r.Error) > 2000 {
		r.Error = r.Error[:2000]
	}
	switch r.State {
	case NotifyDone, NotifyDead, NotifyPending:
	default:
		return fmt.Errorf("%w: notification state %q", ErrInvalid, r.State)
	}
	lost := false
	err := s.jobWrite(ctx, func(t *tx) error {
		lost = false
		now := t.s.jobNow().UnixMilli()
		var attempts int
		var holder string
		err := t.queryRow(ctx, "SELECT attempts, lease_owner FROM notify_outbox WHERE id = ?", r.ID).Scan(&attempts, &holder)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: notification %d", ErrNotFound, r.ID)
		}
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, "INSERT INTO notify_deliveries (message_id, attempt, at, status, latency_ms, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
			r.ID, attempts, now, r.Status, r.Latency.Milliseconds(), r.Outcome, r.Error); err != nil {
			return err
		}
		if holder != r.Owner {
			lost = true
			return nil
		}
		var finished any
		if r.State != NotifyPending {
			finished = now
		}
		_, err = t.exec(ctx, `UPDATE notify_outbox SET state = ?, next_at = ?, last_error = ?, lease_owner = '', lease_until = 0, finished_at = ? WHERE id = ?`,
			r.State, r.NextAt.UnixMilli(), r.Error, finished, r.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish notification %d: %w", r.ID, err)
	}
	if lost {
		return ErrLeaseLost
	}
	return nil
}

// ListNotifyMessages lists outbox messages by id (newest last).
func (s *Store) ListNotifyMessages(ctx context.Context, f NotifyMessageFilter) ([]NotifyMessage, string, error) {
	after, err := f.after()
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add("id > ?", after)
	if f.State != "" {
		w.add("state = ?", f.State)
	}
	lim := f.limit()
	rows, err := s.query(ctx, "SELECT "+notifyCols+" FROM notify_outbox"+w.String()+" ORDER BY id LIMIT ?", append(w.args, lim)...)
	if err != nil {
		return nil, "", fmt.Errorf("list notifications: %w", err)
	}
	ms, err := collect(rows, scanNotify)
	if err != nil {
		return nil, "", fmt.Errorf("list notifications: %w", err)
	}
	next := ""
	if len(ms) == lim {
		next = cursor(ms[len(ms)-1].ID)
	}
	return ms, next, nil
}

// ListNotifyDeliveries lists the delivery log (of one message, or all
// with messageID 0) in attempt order.
func (s *Store) ListNotifyDeliveries(ctx context.Context, messageID int64, p Page) ([]NotifyDelivery, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add("d.id > ?", after)
	if messageID != 0 {
		w.add("d.message_id = ?", messageID)
	}
	lim := p.limit()
	rows, err := s.query(ctx, `SELECT d.id, d.message_id, o.msg_id, o.sink, d.attempt, d.at, d.status, d.latency_ms, d.outcome, d.error
 FROM notify_deliveries d JOIN notify_outbox o ON o.id = d.message_id`+w.String()+" ORDER BY d.id LIMIT ?", append(w.args, lim)...)
	if err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	ds, err := collect(rows, func(r scanner) (NotifyDelivery, error) {
		var d NotifyDelivery
		var at, lat int64
		err := r.Scan(&d.ID, &d.MessageID, &d.MsgID, &d.Sink, &d.Attempt, &at, &d.Status, &lat, &d.Outcome, &d.Error)
		d.At, d.Latency = msTime(at), time.Duration(lat)*time.Millisecond
		return d, err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	next := ""
	if len(ds) == lim {
		next = cursor(ds[len(ds)-1].ID)
	}
	return ds, next, nil
}

// ReplayNotify queues a dead message again with fresh attempts (the same
// msg_id), recording it in the audit log in the same transaction.
func (s *Store) ReplayNotify(ctx context.Context, id int64, actor string) (NotifyMessage, error) {
	var m NotifyMessage
	err := s.write(ctx, func(t *tx) error {
		var err error
		m, err = scanNotify(t.queryRow(ctx, "SELECT "+notifyCols+" FROM notify_outbox WHERE id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: notification %d", ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		if m.State != NotifyDead {
			return fmt.Errorf("%w: notification %d is %s, only a dead letter can be replayed", ErrInvalid, id, m.State)
		}
		m, err = scanNotify(t.queryRow(ctx, `UPDATE notify_outbox SET state = 'pending', attempts = 0, next_at = ?, lease_owner = '', lease_until = 0, finished_at = NULL
 WHERE id = ? RETURNING `+notifyCols, t.s.jobNow().UnixMilli(), id))
		if err != nil {
			return err
		}
		return t.audit(ctx, actor, AuditNotifyReplay, fmt.Sprintf("notification/%d", id), map[string]any{"msg_id": m.MsgID, "rule": m.Rule, "sink": m.Sink, "last_error": m.LastError})
	})
	if err != nil {
		return NotifyMessage{}, fmt.Errorf("replay notification: %w", err)
	}
	return m, nil
}

// SLADue lists open vulnerability findings whose SLA due time (first_seen
// plus the SLA days of their project and severity) is at or before now +
// Within, oldest first, leaving out those marked for Kind and Threshold.
func (s *Store) SLADue(ctx context.Context, q SLADueQuery) ([]SLADueFinding, error) {
	lim := q.Limit
	if lim <= 0 || lim > MaxLimit {
		lim = MaxLimit
	}
	now := s.now()
	horizon := now.Add(q.Within)
	// One condition per (project override or default) and severity, so
	// that the index on (state, severity) serves each and a page is never
	// filled with findings not due yet.
	var conds []string
	var args []any
	overridden := make([]any, 0, len(q.SLA.Projects))
	for p := range q.SLA.Projects {
		overridden = append(overridden, p)
	}
	add := func(days SLADays, projCond string, projArgs []any) {
		for l := severity.Unknown; l <= severity.Critical; l++ {
			if days[l] <= 0 {
				continue
			}
			cutoff := horizon.Add(-time.Duration(days[l]) * Day).UnixMilli()
			conds = append(conds, "(f.severity = ? AND f.first_seen <= ?"+projCond+")")
			args = append(args, int(l), cutoff)
			args = append(args, projArgs...)
		}
	}
	if len(overridden) > 0 {
		add(q.SLA.Default, " AND pr.name NOT IN ("+placeholders(len(overridden))+")", overridden)
	} else {
		add(q.SLA.Default, "", nil)
	}
	for p, days := range q.SLA.Projects {
		add(days, " AND pr.name = ?", []any{p})
	}
	if len(conds) == 0 {
		return nil, nil
	}
	qs := `SELECT f.id, pr.name, f.artifact_id, a.name, f.vulnerability_id, f.severity, f.fixed_version, f.first_seen
 FROM findings f JOIN projects pr ON pr.id = f.project_id JOIN artifacts a ON a.id = f.artifact_id
 WHERE f.state = 'open' AND f.kind = ? AND (` + joinOr(conds) + `)
 AND NOT EXISTS (SELECT 1 FROM notify_once o WHERE o.kind = ? AND o.subject = f.id AND o.threshold = ?)
 ORDER BY f.first_seen, f.id LIMIT ?`
	all := append([]any{KindVulnerability}, args...)
	all = append(all, q.Kind, q.Threshold, lim)
	rows, err := s.query(ctx, qs, all...)
	if err != nil {
		return nil, fmt.Errorf("sla due: %w", err)
	}
	out, err := collect(rows, func(r scanner) (SLADueFinding, error) {
		var f SLADueFinding
		var sev int
		var first int64
		err := r.Scan(&f.FindingID, &f.Project, &f.ArtifactID, &f.ArtifactName, &f.VulnerabilityID, &sev, &f.FixedVersion, &first)
		f.Severity, f.FirstSeen = severity.Level(sev), msTime(first)
		f.Due = f.FirstSeen.Add(time.Duration(q.SLA.Days(f.Project, f.Severity)) * Day)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("sla due: %w", err)
	}
	ids := make([]int64, len(out))
	for i := range out {
		ids[i] = out[i].ArtifactID
	}
	envs, err := s.activeEnvironments(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Environments = envs[out[i].ArtifactID]
	}
	return out, nil
}

// AgedImages lists deployed image artifacts created before q.Before, not
// yet marked for Kind and Threshold.
func (s *Store) AgedImages(ctx context.Context, q AgedImageQuery) ([]AgedImage, error) {
	lim := q.Limit
	if lim <= 0 || lim > MaxLimit {
		lim = MaxLimit
	}
	// The created time is inside the artifact's image JSON: the
	// candidates are the deployed images not marked yet, checked in Go.
	rows, err := s.query(ctx, `SELECT a.id, pr.name, a.name, a.digest, a.image FROM artifacts a JOIN projects pr ON pr.id = a.project_id
 WHERE a.image IS NOT NULL AND EXISTS (SELECT 1 FROM deployments d WHERE d.artifact_id = a.id AND d.end_at IS NULL)
 AND NOT EXISTS (SELECT 1 FROM notify_once o WHERE o.kind = ? AND o.subject = a.id AND o.threshold = ?)
 ORDER BY a.id`, q.Kind, q.Threshold)
	if err != nil {
		return nil, fmt.Errorf("aged images: %w", err)
	}
	all, err := collect(rows, func(r scanner) (AgedImage, error) {
		var a AgedImage
		var img sql.NullString
		if err := r.Scan(&a.ArtifactID, &a.Project, &a.Name, &a.Digest, &img); err != nil {
			return a, err
		}
		var m ImageMeta
		if err := unmarshalText(img, &m); err != nil {
			return a, fmt.Errorf("artifact %d image: %w", a.ArtifactID, err)
		}
		a.Created = m.Created
		return a, nil
	})
	if err != nil {
		return nil, fmt.Errorf("aged images: %w", err)
	}
	var out []AgedImage
	for _, a := range all {
		if !a.Created.IsZero() && a.Created.Before(q.Before) {
			out = append(out, a)
			if len(out) == lim {
				break
			}
		}
	}
	ids := make([]int64, len(out))
	for i := range out {
		ids[i] = out[i].ArtifactID
	}
	envs, err := s.activeEnvironments(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Environments = envs[out[i].ArtifactID]
	}
	return out, nil
}

// activeEnvironments maps artifact ids to the environments they run in.
func (s *Store) activeEnvironments(ctx context.Context, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	err := batches(len(ids), MaxFilterValues, func(lo, hi int) error {
		rows, err := s.query(ctx, "SELECT DISTINCT artifact_id, environment FROM deployments WHERE end_at IS NULL AND artifact_id IN ("+placeholders(hi-lo)+") ORDER BY 1, 2", anys(ids[lo:hi])...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var env string
			if err := rows.Scan(&id, &env); err != nil {
				return err
			}
			out[id] = append(out[id], env)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("environments: %w", err)
	}
	return out, nil
}

func joinOr(conds []string) string {
	s := ""
	for i, c := range conds {
		if i > 0 {
			s += " OR "
		}
		s += c
	}
	return s
}

// ListNotifyRules lists the rules created through the API, by name.
func (s *Store) ListNotifyRules(ctx context.Context) ([]NotifyRule, error) {
	rows, err := s.query(ctx, "SELECT id, name, spec, created_at, updated_at, updated_by FROM notify_rules ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list notification rules: %w", err)
	}
	return collect(rows, scanRule)
}

func scanRule(r scanner) (NotifyRule, error) {
	var x NotifyRule
	var spec string
	var c, u int64
	err := r.Scan(&x.ID, &x.Name, &spec, &c, &u, &x.UpdatedBy)
	x.Spec, x.CreatedAt, x.UpdatedAt = json.RawMessage(spec), msTime(c), msTime(u)
	return x, err
}

// PutNotifyRule creates or replaces a rule by name (created true when it
// is new), recording auditPayload (the rule with its secrets masked; nil:
// the spec) in the audit log in the same transaction.
func (s *Store) PutNotifyRule(ctx context.Context, r NotifyRule, actor string, auditPayload any) (NotifyRule, bool, error) {
	if err := validName("rule", r.Name); err != nil {
		return NotifyRule{}, false, err
	}
	if !json.Valid(r.Spec) {
		return NotifyRule{}, false, fmt.Errorf("%w: rule spec is not JSON", ErrInvalid)
	}
	if auditPayload == nil {
		auditPayload = r.Spec
	}
	var out NotifyRule
	var created bool
	err := s.write(ctx, func(t *tx) error {
		now := t.s.now().UnixMilli()
		var id int64
		err := t.queryRow(ctx, "SELECT id FROM notify_rules WHERE name = ?", r.Name).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created = true
			if _, err := t.exec(ctx, "INSERT INTO notify_rules (name, spec, created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)", r.Name, string(r.Spec), now, now, actor); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			created = false
			if _, err := t.exec(ctx, "UPDATE notify_rules SET spec = ?, updated_at = ?, updated_by = ? WHERE id = ?", string(r.Spec), now, actor, id); err != nil {
				return err
			}
		}
		out, err = scanRule(t.queryRow(ctx, "SELECT id, name, spec, created_at, updated_at, updated_by FROM notify_rules WHERE name = ?", r.Name))
		if err != nil {
			return err
		}
		return t.audit(ctx, actor, AuditNotifyRulePut, "notify-rule/"+r.Name, map[string]any{"created": created, "rule": auditPayload})
	})
	if err != nil {
		return NotifyRule{}, false, fmt.Errorf("put notification rule: %w", err)
	}
	return out, created, nil
}

// DeleteNotifyRule deletes a rule (ErrNotFound when there is none),
// recording it in the audit log in the same transaction.
func (s *Store) DeleteNotifyRule(ctx context.Context, name, actor string) error {
	err := s.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, "DELETE FROM notify_rules WHERE name = ?", name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("%w: notification rule %q", ErrNotFound, name)
		}
		return t.audit(ctx, actor, AuditNotifyRuleDelete, "notify-rule/"+name, map[string]any{"name": name})
	})
	if err != nil {
		return fmt.Errorf("delete notification rule: %w", err)
	}
	return nil
}

// NotifyFinding is what a notification says about a finding.
type NotifyFinding struct {
	Finding
	ArtifactName string
	Environments []string
	// KEV is the detail's "kev" flag (set by a matcher that knows CISA
	// KEV; false otherwise).
	KEV bool
}

// NotifyFindings reads findings by id with their artifact's name and
// current environments (missing ids are left out).
func (s *Store) NotifyFindings(ctx context.Context, ids []int64) (map[int64]NotifyFinding, error) {
	out := make(map[int64]NotifyFinding, len(ids))
	arts := map[int64]bool{}
	err := batches(len(ids), MaxFilterValues, func(lo, hi int) error {
		rows, err := s.query(ctx, "SELECT "+findingCols+", a.name"+findingFrom+" JOIN artifacts a ON a.id = f.artifact_id WHERE f.id IN ("+placeholders(hi-lo)+")", anys(ids[lo:hi])...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var nf NotifyFinding
			f, err := scanFinding(rows, &nf.ArtifactName)
			if err != nil {
				return err
			}
			nf.Finding = f
			var d struct {
				KEV bool `json:"kev"`
			}
			if len(f.Detail) > 0 && json.Unmarshal(f.Detail, &d) == nil {
				nf.KEV = d.KEV
			}
			out[f.ID] = nf
			arts[f.ArtifactID] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("notify findings: %w", err)
	}
	aids := make([]int64, 0, len(arts))
	for id := range arts {
		aids = append(aids, id)
	}
	envs, err := s.activeEnvironments(ctx, aids)
	if err != nil {
		return nil, err
	}
	for id, nf := range out {
		nf.Environments = envs[nf.ArtifactID]
		out[id] = nf
	}
	return out, nil
}

package store

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/vigil-sec/vigil/internal/audit"
)

// Audit record kinds (docs/audit.md lists each with its payload).
const (
	AuditIngest        = "artifact.ingest"
	AuditFindingState  = "finding.state"
	AuditReconcile     = "findings.reconcile"
	AuditDeploy        = "deployment.start"
	AuditTokenCreate   = "token.create"
	AuditTokenRevoke   = "token.revoke"
	AuditProjectCreate = "project.create"
	AuditVulnDB        = "vulndb.publish"
	AuditConfig        = "server.config"
)

// auditCols are the columns of an audit record, in scanAudit's order.
const auditCols = "seq, at, actor, kind, subject, payload, prev_hash, hash"

func scanAudit(r scanner) (audit.Record, error) {
	var rec audit.Record
	var at int64
	var payload string
	if err := r.Scan(&rec.Seq, &at, &rec.Actor, &rec.Kind, &rec.Subject, &payload, &rec.PrevHash, &rec.Hash); err != nil {
		return audit.Record{}, err
	}
	rec.Time, rec.Payload = msTime(at), []byte(payload)
	return rec, nil
}

// auditHead reads the head of the audit log once per transaction; the
// write lock (wmu, and on PostgreSQL the advisory lock) keeps it current.
func (t *tx) auditHead(ctx context.Context) (audit.Head, error) {
	if t.auditRead {
		return t.head, nil
	}
	h := audit.EmptyHead
	err := t.queryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&h.Seq, &h.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("audit head: %w", err)
	}
	t.head, t.auditRead = h, true
	return h, nil
}

// audit appends a record of the change t makes, chained to the head.
func (t *tx) audit(ctx context.Context, actor, kind, subject string, payload any) error {
	head, err := t.auditHead(ctx)
	if err != nil {
		return err
	}
	r, err := audit.New(head, t.s.now(), actor, kind, subject, payload)
	if err != nil {
		return err
	}
	return t.appendAudit(ctx, &r)
}

// appendAudit inserts a sealed record that follows the head and moves
// the head to it.
func (t *tx) appendAudit(ctx context.Context, r *audit.Record) error {
	if _, err := t.exec(ctx, "INSERT INTO audit_log ("+auditCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		r.Seq, r.Time.UnixMilli(), r.Actor, r.Kind, r.Subject, string(r.Payload), r.PrevHash, r.Hash); err != nil {
		return fmt.Errorf("append audit record %d: %w", r.Seq, err)
	}
	if _, err := t.exec(ctx, "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
		r.Seq, r.Hash); err != nil {
		return fmt.Errorf("move audit head to %d: %w", r.Seq, err)
	}
	t.head = r.Head()
	return nil
}

// AppendAudit appends a record in a transaction of its own, for a change
// the store does not make itself.
func (s *Store) AppendAudit(ctx context.Context, actor, kind, subject string, payload any) (audit.Record, error) {
	var rec audit.Record
	err := s.write(ctx, func(t *tx) error {
		head, err := t.auditHead(ctx)
		if err != nil {
			return err
		}
		if rec, err = audit.New(head, s.now(), actor, kind, subject, payload); err != nil {
			return err
		}
		return t.appendAudit(ctx, &rec)
	})
	if err != nil {
		return audit.Record{}, fmt.Errorf("append audit record: %w", err)
	}
	return rec, nil
}

// AppendAuditChange appends a record unless the newest record of the same
// kind and subject has the same payload (a configuration that did not
// change since it was last recorded); it tells whether it appended.
func (s *Store) AppendAuditChange(ctx context.Context, actor, kind, subject string, payload any) (bool, error) {
	p, err := audit.Normalize(payload)
	if err != nil {
		return false, err
	}
	appended := false
	err = s.write(ctx, func(t *tx) error {
		var last string
		err := t.queryRow(ctx, "SELECT payload FROM audit_log WHERE kind = ? AND subject = ? ORDER BY seq DESC LIMIT 1", kind, subject).Scan(&last)
		if err == nil && last == string(p) {
			return nil
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		appended = true
		return t.audit(ctx, actor, kind, subject, p)
	})
	if err != nil {
		return false, fmt.Errorf("append audit record: %w", err)
	}
	return appended, nil
}

// AuditCheckpoint appends a checkpoint signed with key, unless the log is
// empty or its head is a checkpoint already.
func (s *Store) AuditCheckpoint(ctx context.Context, key ed25519.PrivateKey, actor string) (audit.Record, bool, error) {
	var rec audit.Record
	made := false
	err := s.write(ctx, func(t *tx) error {
		head, err := t.auditHead(ctx)
		if err != nil || head.Seq == 0 {
			return err
		}
		var kind string
		if err := t.queryRow(ctx, "SELECT kind FROM audit_log WHERE seq = ?", head.Seq).Scan(&kind); err != nil {
			return fmt.Errorf("audit head record %d: %w", head.Seq, err)
		}
		if kind == audit.KindCheckpoint {
			return nil
		}
		if rec, err = audit.NewCheckpoint(head, s.now(), actor, key); err != nil {
			return err
		}
		made = true
		return t.appendAudit(ctx, &rec)
	})
	if err != nil {
		return audit.Record{}, false, fmt.Errorf("audit checkpoint: %w", err)
	}
	return rec, made, nil
}

// AuditHead is the log's last record (audit.EmptyHead for an empty log).
func (s *Store) AuditHead(ctx context.Context) (audit.Head, error) {
	h := audit.EmptyHead
	err := s.queryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&h.Seq, &h.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("audit head: %w", err)
	}
	return h, nil
}

// AuditRecords lists the records after seq, oldest first (at most limit,
// default 100, max 1000).
func (s *Store) AuditRecords(ctx context.Context, after int64, limit int) ([]audit.Record, error) {
	rows, err := s.query(ctx, "SELECT "+auditCols+" FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", after, Page{Limit: limit}.limit())
	if err != nil {
		return nil, fmt.Errorf("audit records: %w", err)
	}
	out, err := collect(rows, scanAudit)
	if err != nil {
		return nil, fmt.Errorf("audit records: %w", err)
	}
	return out, nil
}

// ExportAudit calls fn with every record whose time is in [from, to)
// (a zero bound is open), oldest first.
func (s *Store) ExportAudit(ctx context.Context, from, to time.Time, fn func(*audit.Record) error) error {
	var w where
	if !from.IsZero() {
		w.add("at >= ?", from.UnixMilli())
	}
	if !to.IsZero() {
		w.add("at < ?", to.UnixMilli())
	}
	rows, err := s.query(ctx, "SELECT "+auditCols+" FROM audit_log"+w.String()+" ORDER BY seq", w.args...)
	if err != nil {
		return fmt.Errorf("export audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return fmt.Errorf("export audit log: %w", err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export audit log: %w", err)
	}
	return nil
}

// VerifyAudit verifies the whole log, in one snapshot, against the head
// recorded beside it: the report names the first edited, removed,
// reordered or truncated record.
func (s *Store) VerifyAudit(ctx context.Context, v *audit.Verifier) (audit.Report, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.backend == BackendPostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	rtx, err := s.r.BeginTx(ctx, opts)
	if err != nil {
		return audit.Report{}, fmt.Errorf("verify audit log: %w", err)
	}
	defer rtx.Rollback()
	var end *audit.Head
	var h audit.Head
	switch err := rtx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&h.Seq, &h.Hash); {
	case err == nil:
		end = &h
	case errors.Is(err, sql.ErrNoRows):
		end = &audit.EmptyHead
	default:
		return audit.Report{}, fmt.Errorf("verify audit log: head: %w", err)
	}
	rows, err := rtx.QueryContext(ctx, "SELECT "+auditCols+" FROM audit_log ORDER BY seq")
	if err != nil {
		return audit.Report{}, fmt.Errorf("verify audit log: %w", err)
	}
	defer rows.Close()
	for n := 0; rows.Next(); n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return audit.Report{}, err
			}
		}
		r, err := scanAudit(rows)
		if err != nil {
			return audit.Report{}, fmt.Errorf("verify audit log: %w", err)
		}
		if v.Add(&r, 0) != nil {
			break // the report names it
		}
	}
	if err := rows.Err(); err != nil {
		return audit.Report{}, fmt.Errorf("verify audit log: %w", err)
	}
	return v.Finish(end), nil
}

// auditChange is a finding's state change as an audit record lists it.
type auditChange struct {
	FindingID int64  `json:"finding_id"`
	From      string `json:"from"`
	To        string `json:"to"`
	Reason    string `json:"reason,omitempty"`
}

// stateChanges lists the finding state changes among evs.
func stateChanges(evs []event) []auditChange {
	out := []auditChange{}
	for _, e := range evs {
		if e.kind == EventFindingState {
			out = append(out, auditChange{FindingID: e.findingID, From: e.from, To: e.to, Reason: e.reason})
		}
	}
	return out
}

// findingsDigest is a SHA-256 over the findings an ingest stored (kind,
// key, severity, fixed version; sorted by key): what the record says was
// decided without copying every finding into it.
func findingsDigest(fs []NewFinding) string {
	lines := make([]string, len(fs))
	for i := range fs {
		f := &fs[i]
		lines[i] = f.Kind + "\x00" + f.Key + "\x00" + strconv.Itoa(int(f.Severity)) + "\x00" + f.FixedVersion + "\n"
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func subject(kind string, id int64) string { return kind + ":" + strconv.FormatInt(id, 10) }

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Background work runs as leased jobs in the store (docs/decisions/jobs.md):
// a worker claims a ready job with a lease, extends the lease while it
// works, and completes or fails it. A claim on PostgreSQL takes the oldest
// ready row with FOR UPDATE SKIP LOCKED, so concurrent claims of several
// processes never take the same job and never wait for each other; on
// SQLite the single writer serialises them. A job whose lease ran out
// (its process died or hung) is ready again: another worker takes it and
// runs it from the start, so every job handler is idempotent.

// Job states.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed" // max_attempts reached
)

// ErrLeaseLost means the job's lease expired and another worker may have
// taken it: the caller must stop working on it.
var ErrLeaseLost = errors.New("job lease lost")

// ErrStaleDatabase means an ingest was matched with an older vulnerability
// database revision than the one the store's findings follow now.
var ErrStaleDatabase = errors.New("matched with an older vulnerability database revision")

// JobSpec is a job to queue.
type JobSpec struct {
	Kind string
	// Key, when set, makes the job unique: queuing a second job with the
	// same key does nothing (scheduled work of several processes).
	Key     string
	Payload []byte
	RunAt   time.Time // zero: now
	// MaxAttempts bounds the runs (0: no bound); a job that failed that
	// often is left failed.
	MaxAttempts int
	// Root is the job this one is part of (0: it is a root): WaitJob
	// waits for a root and every job under it.
	Root int64
}

// Job is a queued, running or finished job.
type Job struct {
	ID         int64
	Kind       string
	Key        string
	Root       int64
	Payload    []byte
	State      string
	Attempts   int
	RunAt      time.Time
	LeaseOwner string
	LeaseUntil time.Time
	LastError  string
	Result     []byte
}

// RootID is the root of the job tree j belongs to.
func (j *Job) RootID() int64 {
	if j.Root != 0 {
		return j.Root
	}
	return j.ID
}

// jobNow is the clock of job timing (run_at, leases): the wall clock,
// not the store's clock (a test clock that jumps must not expire leases).
func (s *Store) jobNow() time.Time {
	if s.jobClock != nil {
		return s.jobClock()
	}
	return time.Now()
}

// jobWrite runs fn in a write transaction for job bookkeeping. On
// PostgreSQL it takes neither the process's writer lock nor the portfolio
// write lock (row locks and SKIP LOCKED are enough, and a claim must not
// wait for a long reconcile); SQLite has one writer.
func (s *Store) jobWrite(ctx context.Context, fn func(t *tx) error) error {
	if s.backend != BackendPostgres {
		return s.write(ctx, fn)
	}
	sqltx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &tx{s: s, c: s.wc, tx: sqltx}
	if err := fn(t); err != nil {
		sqltx.Rollback()
		return err
	}
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// EnqueueJob queues a job; with a key already used it does nothing and
// returns the existing job's id with created false.
func (s *Store) EnqueueJob(ctx context.Context, j JobSpec) (id int64, created bool, err error) {
	err = s.jobWrite(ctx, func(t *tx) error {
		id, created, err = t.enqueue(ctx, j)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("enqueue %s job: %w", j.Kind, err)
	}
	return id, created, nil
}

func (t *tx) enqueue(ctx context.Context, j JobSpec) (int64, bool, error) {
	if j.Kind == "" {
		return 0, false, fmt.Errorf("%w: job without a kind", ErrInvalid)
	}
	now := t.s.jobNow()
	runAt := j.RunAt
	if runAt.IsZero() {
		runAt = now
	}
	payload := j.Payload
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	var key any
	if j.Key != "" {
		key = j.Key
	}
	var id int64
	err := t.queryRow(ctx, `INSERT INTO jobs (kind, dedupe_key, root_id, payload, run_at, max_attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
 ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`, j.Kind, key, nullID(j.Root), string(payload), runAt.UnixMilli(), j.MaxAttempts, now.UnixMilli()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = t.queryRow(ctx, "SELECT id FROM jobs WHERE dedupe_key = ?", j.Key).Scan(&id)
		return id, false, err
	}
	return id, err == nil, err
}

const jobCols = "id, kind, COALESCE(dedupe_key, ''), COALESCE(root_id, 0), payload, state, attempts, run_at, lease_owner, lease_until, last_error, result"

func scanJob(r scanner) (Job, error) {
	var j Job
	var payload string
	var result sql.NullString
	var runAt, leaseUntil int64
	err := r.Scan(&j.ID, &j.Kind, &j.Key, &j.Root, &payload, &j.State, &j.Attempts, &runAt, &j.LeaseOwner, &leaseUntil, &j.LastError, &result)
	j.Payload = []byte(payload)
	if result.Valid {
		j.Result = []byte(result.String)
	}
	j.RunAt = time.UnixMilli(runAt).UTC()
	if leaseUntil > 0 {
		j.LeaseUntil = time.UnixMilli(leaseUntil).UTC()
	}
	return j, err
}

// ClaimJob takes the oldest ready job of the kinds (queued and due, or
// running with an expired lease) for owner, leased for lease. It returns
// nil when there is none.
func (s *Store) ClaimJob(ctx context.Context, owner string, kinds []string, lease time.Duration) (*Job, error) {
	if owner == "" || len(kinds) == 0 || lease <= 0 {
		return nil, fmt.Errorf("%w: claim needs an owner, kinds and a lease", ErrInvalid)
	}
	var out *Job
	err := s.jobWrite(ctx, func(t *tx) error {
		now := t.s.jobNow().UnixMilli()
		args := []any{now, now}
		for _, k := range kinds {
			args = append(args, k)
		}
		lock := ""
		if s.backend == BackendPostgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		var id int64
		err := t.queryRow(ctx, `SELECT id FROM jobs WHERE state IN ('queued', 'running') AND run_at <= ?
 AND (state = 'queued' OR lease_until < ?) AND kind IN (`+placeholders(len(kinds))+`) ORDER BY run_at, id LIMIT 1`+lock, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		j, err := scanJob(t.queryRow(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?, lease_until = ?
 WHERE id = ? RETURNING `+jobCols, owner, now+lease.Milliseconds(), id))
		if err != nil {
			return err
		}
		out = &j
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim job: %w", err)
	}
	return out, nil
}

// leased runs q (an UPDATE of job id's row, with the id and owner as its
// last two arguments, guarded by them and by the lease not having run
// out) and returns ErrLeaseLost when it matched no row.
func (t *tx) leased(ctx context.Context, q string, args ...any) error {
	res, err := t.exec(ctx, q+" WHERE id = ? AND lease_owner = ? AND state = 'running'", args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// ExtendJob renews owner's lease of a running job; ErrLeaseLost when
// owner no longer holds it.
func (s *Store) ExtendJob(ctx context.Context, id int64, owner string, lease time.Duration) error {
	return s.jobWrite(ctx, func(t *tx) error {
		return t.leased(ctx, "UPDATE jobs SET lease_until = ?", t.s.jobNow().Add(lease).UnixMilli(), id, owner)
	})
}

// CompleteJob marks owner's job done with its result and queues the
// follow-up jobs, in one transaction: a job that finished has queued its
// work, and one that did not finish has queued nothing.
func (s *Store) CompleteJob(ctx context.Context, id int64, owner string, result []byte, next []JobSpec) error {
	return s.jobWrite(ctx, func(t *tx) error {
		return t.complete(ctx, id, owner, result, next)
	})
}

func (t *tx) complete(ctx context.Context, id int64, owner string, result []byte, next []JobSpec) error {
	var res any
	if result != nil {
		res = string(result)
	}
	if err := t.leased(ctx, "UPDATE jobs SET state = 'done', result = ?, finished_at = ?, lease_until = 0", res, t.s.jobNow().UnixMilli(), id, owner); err != nil {
		return err
	}
	for _, j := range next {
		if _, _, err := t.enqueue(ctx, j); err != nil {
			return err
		}
	}
	return nil
}

// FailJob records a failed run of owner's job: it is queued again at
// retryAt, or left failed once it ran max_attempts times.
func (s *Store) FailJob(ctx context.Context, id int64, owner, msg string, retryAt time.Time) error {
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	return s.jobWrite(ctx, func(t *tx) error {
		return t.leased(ctx, `UPDATE jobs SET state = CASE WHEN max_attempts > 0 AND attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
 last_error = ?, run_at = ?, lease_owner = '', lease_until = 0,
 finished_at = CASE WHEN max_attempts > 0 AND attempts >= max_attempts THEN CAST(? AS BIGINT) ELSE NULL END`, msg, retryAt.UnixMilli(), t.s.jobNow().UnixMilli(), id, owner)
	})
}

// GetJob reads one job.
func (s *Store) GetJob(ctx context.Context, id int64) (Job, error) {
	j, err := scanJob(s.queryRow(ctx, "SELECT "+jobCols+" FROM jobs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return j, ErrNotFound
	}
	return j, err
}

// JobTree is a root job and every job under it, in id order.
func (s *Store) JobTree(ctx context.Context, root int64) ([]Job, error) {
	rows, err := s.query(ctx, "SELECT "+jobCols+" FROM jobs WHERE id = ? OR root_id = ? ORDER BY id", root, root)
	if err != nil {
		return nil, fmt.Errorf("job tree: %w", err)
	}
	return collect(rows, scanJob)
}

// PendingRoots lists the roots of the job trees that have a queued or
// running job of the kinds.
func (s *Store) PendingRoots(ctx context.Context, kinds []string) ([]int64, error) {
	rows, err := s.query(ctx, "SELECT DISTINCT COALESCE(root_id, id) FROM jobs WHERE state IN ('queued', 'running') AND kind IN ("+placeholders(len(kinds))+") ORDER BY 1", anys(kinds)...)
	if err != nil {
		return nil, fmt.Errorf("pending jobs: %w", err)
	}
	return collect(rows, func(r scanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
}

// JobCounts counts jobs by kind and state (for metrics and tests).
func (s *Store) JobCounts(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := s.query(ctx, "SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state")
	if err != nil {
		return nil, fmt.Errorf("job counts: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var k, st string
		var n int
		if err := rows.Scan(&k, &st, &n); err != nil {
			return nil, err
		}
		if out[k] == nil {
			out[k] = map[string]int{}
		}
		out[k][st] = n
	}
	return out, rows.Err()
}

// VulnDBState is the vulnerability database revision the findings follow.
type VulnDBState struct {
	Revision    int64
	Fingerprint string
	UpdatedAt   time.Time
	UpdatedBy   string
}

// VulnDBState reads the current revision (zero when none was published).
func (s *Store) VulnDBState(ctx context.Context) (VulnDBState, error) {
	var st VulnDBState
	var at int64
	err := s.queryRow(ctx, "SELECT revision, fingerprint, updated_at, updated_by FROM vulndb_state WHERE id = 1").Scan(&st.Revision, &st.Fingerprint, &at, &st.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return VulnDBState{}, nil
	}
	if err != nil {
		return st, fmt.Errorf("vulndb state: %w", err)
	}
	st.UpdatedAt = time.UnixMilli(at).UTC()
	return st, nil
}

// PublishVulnDB records a new vulnerability database revision with its
// fingerprint and queues the jobs that bring the findings up to it, in
// one transaction under the portfolio write lock: every ingest committed
// before it is seen by those jobs, and every ingest after it must be
// matched with this revision (Ingest.DBRevision). next gives the jobs for
// the new revision.
func (s *Store) PublishVulnDB(ctx context.Context, fingerprint, by string, next func(rev int64) ([]JobSpec, error)) (int64, error) {
	var rev int64
	err := s.write(ctx, func(t *tx) error {
		now := t.s.jobNow().UnixMilli()
		err := t.queryRow(ctx, `INSERT INTO vulndb_state (id, revision, fingerprint, updated_at, updated_by) VALUES (1, 1, ?, ?, ?)
 ON CONFLICT (id) DO UPDATE SET revision = vulndb_state.revision + 1, fingerprint = excluded.fingerprint, updated_at = excluded.updated_at, updated_by = excluded.updated_by
 RETURNING revision`, fingerprint, now, by).Scan(&rev)
		if err != nil {
			return err
		}
		if err := t.audit(ctx, by, AuditVulnDB, "vulndb", map[string]any{"revision": rev, "fingerprint": fingerprint}); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		jobs, err := next(rev)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if _, _, err := t.enqueue(ctx, j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("publish vulnerability database revision: %w", err)
	}
	return rev, nil
}

// checkRevision fails an ingest matched with an older revision than the
// published one (read once per transaction).
func (t *tx) checkRevision(ctx context.Context, matched *int64) error {
	if matched == nil {
		return nil
	}
	if !t.revRead {
		if err := t.queryRow(ctx, "SELECT COALESCE(MAX(revision), 0) FROM vulndb_state").Scan(&t.rev); err != nil {
			return err
		}
		t.revRead = true
	}
	if t.rev > *matched {
		return fmt.Errorf("%w (matched with %d, current %d)", ErrStaleDatabase, *matched, t.rev)
	}
	return nil
}

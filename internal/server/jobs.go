package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

// Background work runs as jobs in the store (store/jobs.go,
// docs/decisions/jobs.md): any number of servers on one PostgreSQL take
// each job once, under a lease that a killed server's job outlives only
// until it expires; on SQLite the one server runs them through the same
// queue. A refresh job updates this server's vulnerability database and,
// when it changed, publishes a new revision with a re-match plan; the
// plan job splits the affected packages into re-match batches; each batch
// job re-matches its packages and reconciles their findings. Every
// handler is idempotent: a job taken again after a lost lease redoes its
// work from the start.

// Job kinds.
const (
	jobRefresh     = "refresh"
	jobRematchPlan = "rematch-plan"
	jobRematch     = "rematch"
)

var jobKinds = []string{jobRefresh, jobRematchPlan, jobRematch, jobMetricsSnapshot, jobRegistryPoll}

// Job defaults.
const (
	defaultJobLease     = time.Minute
	defaultJobPoll      = time.Second
	defaultJobWorkers   = 2
	defaultSyncInterval = 10 * time.Second
)

// planPayload is a re-match plan: the change to bring the findings up to,
// at the revision that published it.
type planPayload struct {
	Revision int64 `json:"revision"`
	All      bool  `json:"all,omitempty"`
	// Force reconciles every artifact of every selected package, its
	// recorded match hashes ignored (a repair: admin/rematch?force=true).
	Force      bool     `json:"force,omitempty"`
	Keys       []string `json:"keys,omitempty"`
	Ecosystems []string `json:"ecosystems,omitempty"`
	IDs        []string `json:"ids,omitempty"`
	Withdrawn  []string `json:"withdrawn,omitempty"`
}

// batchPayload is one re-match batch: whole (ecosystem, name) groups of
// stored packages.
type batchPayload struct {
	Revision  int64    `json:"revision"`
	Packages  []int64  `json:"packages"`
	Withdrawn []string `json:"withdrawn,omitempty"`
	Force     bool     `json:"force,omitempty"`
	// Only are the advisory ids a targeted change touched (nil: the
	// change is not known by id: every finding is compared).
	Only []string `json:"only,omitempty"`
}

func newReplicaID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// jobRunner is the server's share of the job queue.
type jobRunner struct {
	owner   string
	lease   time.Duration
	poll    time.Duration
	workers int

	// wake nudges this server's idle workers (a job was queued here).
	wake chan struct{}
	// doneMu guards done, which is closed and replaced whenever a job of
	// this server finishes (waiters look at the store again).
	doneMu sync.Mutex
	done   chan struct{}
	// running is set while Run's workers take jobs; otherwise a waiter
	// runs the jobs it waits for itself (a server used without Run).
	running bool
	runMu   sync.Mutex
	// started and ran count the jobs this server started and completed,
	// by kind (tests).
	ranMu   sync.Mutex
	started map[string]int
	ran     map[string]int
	hook    func(ctx context.Context, kind string) error
}

func newJobRunner(o Options) *jobRunner {
	r := &jobRunner{owner: o.Replica, lease: o.JobLease, poll: o.JobPoll, workers: o.JobWorkers,
		wake: make(chan struct{}, 1), done: make(chan struct{}), started: map[string]int{}, ran: map[string]int{}, hook: o.JobHook}
	if r.owner == "" {
		r.owner = newReplicaID()
	}
	if r.lease <= 0 {
		r.lease = defaultJobLease
	}
	if r.poll <= 0 {
		r.poll = defaultJobPoll
	}
	if r.workers <= 0 {
		r.workers = defaultJobWorkers
	}
	return r
}

func (r *jobRunner) nudge() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *jobRunner) finished() {
	r.doneMu.Lock()
	close(r.done)
	r.done = make(chan struct{})
	r.doneMu.Unlock()
}

func (r *jobRunner) doneChan() <-chan struct{} {
	r.doneMu.Lock()
	defer r.doneMu.Unlock()
	return r.done
}

// JobsRun counts the jobs this server started and completed, by kind.
func (s *Server) JobsRun() (started, completed map[string]int) {
	s.jobs.ranMu.Lock()
	defer s.jobs.ranMu.Unlock()
	return maps.Clone(s.jobs.started), maps.Clone(s.jobs.ran)
}

// Revision is the vulnerability database revision this server's
// database is at.
func (s *Server) Revision() int64 { return s.rev.Load() }

// work runs jobs until ctx ends: it claims the oldest ready job, runs it,
// and claims again at once; with none ready it waits for a nudge or the
// poll interval (jobs queued by other servers).
func (s *Server) work(ctx context.Context) {
	for ctx.Err() == nil {
		ran, err := s.runOne(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("job queue", "err", err)
		}
		if ran {
			continue
		}
		t := time.NewTimer(s.jobs.poll)
		select {
		case <-ctx.Done():
		case <-s.jobs.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// runOne claims and runs one job; it reports whether there was one.
func (s *Server) runOne(ctx context.Context) (bool, error) {
	j, err := s.store.ClaimJob(ctx, s.jobs.owner, jobKinds, s.jobs.lease)
	if err != nil || j == nil {
		return false, err
	}
	s.runJob(ctx, j)
	return true, nil
}

// runJob runs a claimed job, renewing its lease while it runs (a lost
// lease cancels it), and records its outcome.
func (s *Server) runJob(ctx context.Context, j *store.Job) {
	defer s.jobs.finished()
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var hb sync.WaitGroup
	hb.Go(func() {
		t := time.NewTicker(s.jobs.lease / 3)
		defer t.Stop()
		for {
			select {
			case <-jctx.Done():
				return
			case <-t.C:
				if err := s.store.ExtendJob(jctx, j.ID, s.jobs.owner, s.jobs.lease); err != nil {
					if jctx.Err() == nil {
						s.log.Warn("job lease lost; stopping it", "job", j.ID, "kind", j.Kind, "err", err)
						cancel()
					}
					return
				}
			}
		}
	})
	log := s.log.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	start := time.Now()
	result, next, err := s.handle(jctx, j)
	cancel()
	hb.Wait()
	bg := context.WithoutCancel(ctx)
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: the job is left to its lease (another server,
			// or this one after a restart, takes it again).
			log.Info("job interrupted by shutdown", "err", err)
			return
		}
		retry := time.Now().Add(backoff(j.Attempts))
		log.Error("job failed", "err", err, "retry_at", retry)
		if ferr := s.store.FailJob(bg, j.ID, s.jobs.owner, err.Error(), retry); ferr != nil && !errors.Is(ferr, store.ErrLeaseLost) {
			log.Error("record job failure", "err", ferr)
		}
		return
	}
	if err := s.store.CompleteJob(bg, j.ID, s.jobs.owner, result, next); err != nil {
		log.Error("complete job", "err", err)
		return
	}
	s.jobs.ranMu.Lock()
	s.jobs.ran[j.Kind]++
	s.jobs.ranMu.Unlock()
	if len(next) > 0 {
		s.jobs.nudge()
	}
	log.Debug("job done", "duration", time.Since(start).String(), "follow_ups", len(next))
}

// backoff is the wait before a failed job's next run: one second doubling
// up to five minutes.
func backoff(attempts int) time.Duration {
	d := time.Second << min(max(attempts-1, 0), 9)
	return min(d, 5*time.Minute)
}

// handle runs one job's work and returns its result and follow-up jobs.
func (s *Server) handle(ctx context.Context, j *store.Job) ([]byte, []store.JobSpec, error) {
	s.jobs.ranMu.Lock()
	s.jobs.started[j.Kind]++
	s.jobs.ranMu.Unlock()
	if s.jobs.hook != nil {
		if err := s.jobs.hook(ctx, j.Kind); err != nil {
			return nil, nil, err
		}
	}
	switch j.Kind {
	case jobRefresh:
		r, err := s.refreshDB(ctx, j.RootID())
		if err != nil {
			return nil, nil, err
		}
		b, err := json.Marshal(r)
		return b, nil, err
	case jobRematchPlan:
		var p planPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return nil, nil, fmt.Errorf("rematch plan payload: %w", err)
		}
		return s.plan(ctx, j, p)
	case jobRematch:
		var p batchPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return nil, nil, fmt.Errorf("rematch batch payload: %w", err)
		}
		if err := s.atRevision(ctx, p.Revision); err != nil {
			return nil, nil, err
		}
		pkgs, err := s.store.RematchPackages(ctx, store.RematchScope{PackageIDs: p.Packages})
		if err != nil {
			return nil, nil, err
		}
		var only map[string]bool
		if p.Only != nil {
			only = setOf(p.Only)
		}
		r, err := s.rematchChunk(ctx, pkgs, setOf(p.Withdrawn), only, p.Force)
		if err != nil {
			return nil, nil, err
		}
		r.Packages = len(pkgs)
		b, err := json.Marshal(r)
		return b, nil, err
	case jobMetricsSnapshot:
		b, err := s.snapshot(ctx, j)
		return b, nil, err
	case jobRegistryPoll:
		b, err := s.pollRegistry(ctx, j)
		return b, nil, err
	case jobTrackerSync, jobTrackerFull:
		return s.handleTracker(ctx, j)
	}
	return nil, nil, fmt.Errorf("unknown job kind %q", j.Kind)
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// plan lists the stored packages a change can affect and splits them
// into re-match batches of whole (ecosystem, name) groups.
func (s *Server) plan(ctx context.Context, j *store.Job, p planPayload) ([]byte, []store.JobSpec, error) {
	if err := s.atRevision(ctx, p.Revision); err != nil {
		return nil, nil, err
	}
	pkgs, err := s.store.RematchPackages(ctx, store.RematchScope{MatchKeys: p.Keys, Ecosystems: p.Ecosystems, VulnerabilityIDs: p.IDs, All: p.All})
	if err != nil {
		return nil, nil, err
	}
	// A change known by advisory id (not a first or whole-ecosystem
	// import, not a full or forced re-match) touches only the findings
	// linked to those ids.
	var only []string
	if !p.All && !p.Force && len(p.Ecosystems) == 0 {
		only = append([]string{}, p.IDs...)
	}
	var next []store.JobSpec
	for lo := 0; lo < len(pkgs); {
		hi := min(lo+rematchChunk, len(pkgs))
		for hi < len(pkgs) && sameName(&pkgs[hi-1], &pkgs[hi]) {
			hi++
		}
		ids := make([]int64, 0, hi-lo)
		for _, rp := range pkgs[lo:hi] {
			ids = append(ids, rp.ID)
		}
		b, err := json.Marshal(batchPayload{Revision: p.Revision, Packages: ids, Withdrawn: p.Withdrawn, Force: p.Force, Only: only})
		if err != nil {
			return nil, nil, err
		}
		next = append(next, store.JobSpec{Kind: jobRematch, Payload: b, Root: j.RootID()})
		lo = hi
	}
	b, err := json.Marshal(map[string]int{"packages": len(pkgs), "batches": len(next)})
	return b, next, err
}

// atRevision makes sure this server's vulnerability database is at least
// the revision a job was planned for, refreshing it when it is older.
func (s *Server) atRevision(ctx context.Context, rev int64) error {
	if s.rev.Load() >= rev {
		return nil
	}
	if _, err := s.refreshDB(ctx, 0); err != nil {
		return err
	}
	if got := s.rev.Load(); got < rev {
		return fmt.Errorf("vulnerability database revision %d is older than the job's %d", got, rev)
	}
	return nil
}

// enqueueRefresh queues a refresh job now (or returns the job that holds
// key already) and nudges the workers.
func (s *Server) enqueueRefresh(ctx context.Context, key string, attempts int) (int64, error) {
	id, _, err := s.store.EnqueueJob(ctx, store.JobSpec{Kind: jobRefresh, Key: key, MaxAttempts: attempts})
	if err != nil {
		return 0, err
	}
	s.jobs.nudge()
	return id, nil
}

// waitTree waits until a job and every job under it have finished, and
// returns them. Without running workers (a server used without Run) the
// waiter runs the ready jobs itself.
func (s *Server) waitTree(ctx context.Context, root int64) ([]store.Job, error) {
	for {
		done := s.jobs.doneChan()
		tree, err := s.store.JobTree(ctx, root)
		if err != nil {
			return nil, err
		}
		if len(tree) == 0 {
			return nil, fmt.Errorf("job %d: %w", root, store.ErrNotFound)
		}
		if !slices.ContainsFunc(tree, func(j store.Job) bool { return j.State == store.JobQueued || j.State == store.JobRunning }) {
			return tree, nil
		}
		if tree[0].State == store.JobQueued && tree[0].Attempts > 0 && tree[0].LastError != "" && tree[0].Kind == jobRefresh {
			// A failed refresh waiting for its retry: report it now.
			return tree, nil
		}
		s.jobs.runMu.Lock()
		running := s.jobs.running
		s.jobs.runMu.Unlock()
		if !running {
			ran, err := s.runOne(context.WithoutCancel(ctx))
			if err != nil {
				return nil, err
			}
			if ran {
				continue
			}
		}
		t := time.NewTimer(min(s.jobs.poll, 250*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-done:
		case <-t.C:
		}
		t.Stop()
	}
}

// syncLoop follows the revisions other servers publish: when the store's
// revision is newer than this server's database, it refreshes.
func (s *Server) syncLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := s.store.VulnDBState(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("read vulnerability database revision", "err", err)
			}
			continue
		}
		if st.Revision > s.rev.Load() {
			if _, err := s.refreshDB(ctx, 0); err != nil && ctx.Err() == nil {
				s.log.Error("follow vulnerability database revision", "revision", st.Revision, "err", err)
			}
		}
	}
}

// scheduleLoop queues a refresh every interval (each wait jittered by up
// to 10%). The job's key is the interval's slot, so that of several
// servers' schedules one job runs per slot; a failed one is retried with
// backoff.
func (s *Server) scheduleLoop(ctx context.Context, interval time.Duration) {
	for {
		wait := interval + jitter(interval/10)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		slot := time.Now().UnixMilli() / interval.Milliseconds()
		if _, err := s.enqueueRefresh(ctx, fmt.Sprintf("refresh:%d:%d", interval.Milliseconds(), slot), 5); err != nil && ctx.Err() == nil {
			s.log.Error("schedule refresh", "err", err)
		}
	}
}

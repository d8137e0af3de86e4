package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/tracker"
)

// Issue-tracker sinks (internal/tracker, docs/trackers.md). The server
// follows its own change log (the events table): every event of a project
// (an ingest, a re-match's created or resolved findings, a triage
// decision, a deployment) queues a tracker-sync job for that project,
// keyed by the debounce slot it falls in and run at the slot's end, so
// that a burst of thousands of events becomes one sync per project, and
// several replicas following the same log queue one job between them. A
// tracker-full job reconciles every project when the server starts and
// every FullReconcile (one per slot across replicas), as a safety net for
// anything the follower missed. Only servers with trackers configured
// claim these jobs.

// Tracker job kinds.
const (
	jobTrackerSync = "tracker-sync"
	jobTrackerFull = "tracker-full"
)

var trackerJobKinds = []string{jobTrackerSync, jobTrackerFull}

type trackerPayload struct {
	Project string `json:"project,omitempty"`
}

// trackerRunner is the server's share of the tracker work.
type trackerRunner struct {
	set *tracker.Set
	rc  *tracker.Reconciler
}

// newTrackers builds the reconciler when trackers are configured.
func newTrackers(s *Server) (*trackerRunner, error) {
	set := s.opts.Trackers
	if set == nil || len(set.Targets) == 0 {
		return nil, nil
	}
	rc, err := tracker.New(tracker.Options{
		Store: s.store, Set: set, SLA: s.opts.SLA, DueWithin: s.opts.DueWithin, Now: s.now,
		Owner: s.jobs.owner, Logger: s.log.With("component", "tracker"), Hook: set.Hook, KEV: s.kevListed,
	})
	if err != nil {
		return nil, err
	}
	return &trackerRunner{set: set, rc: rc}, nil
}

// trackerLoop follows the change log and queues syncs, queues the full
// reconciles, and runs the tracker jobs, until ctx ends.
func (s *Server) trackerLoop(ctx context.Context) {
	t := s.trackers
	if t == nil {
		return
	}
	var cursor int64
	if evs, err := s.store.LatestEvents(ctx, store.Scope{}, 1); err != nil {
		s.log.Error("tracker: read the change log", "err", err)
	} else if len(evs) > 0 {
		cursor = evs[len(evs)-1].Seq
	}
	// What changed while no server followed the log is in the full
	// reconcile at start.
	if _, _, err := s.store.EnqueueJob(ctx, store.JobSpec{Kind: jobTrackerFull, Key: "tracker-full:start:" + s.jobs.owner, MaxAttempts: 5}); err != nil && ctx.Err() == nil {
		s.log.Error("tracker: queue the start-up reconcile", "err", err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { s.trackerWork(ctx) })
	poll := min(t.set.Debounce, time.Second)
	tick := time.NewTicker(poll)
	defer tick.Stop()
	nextFull := time.Now().Add(t.set.FullReconcile)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var err error
		if cursor, err = s.followEvents(ctx, cursor); err != nil && ctx.Err() == nil {
			s.log.Error("tracker: follow the change log", "err", err)
		}
		if now := time.Now(); now.After(nextFull) {
			nextFull = now.Add(t.set.FullReconcile)
			slot := now.UnixMilli() / t.set.FullReconcile.Milliseconds()
			if _, _, err := s.store.EnqueueJob(ctx, store.JobSpec{Kind: jobTrackerFull, Key: fmt.Sprintf("tracker-full:%d:%d", t.set.FullReconcile.Milliseconds(), slot), MaxAttempts: 5}); err != nil && ctx.Err() == nil {
				s.log.Error("tracker: queue the periodic reconcile", "err", err)
			}
		}
	}
}

// followEvents reads the change log after cursor and queues a debounced
// sync of every project it touched; it returns the new cursor.
func (s *Server) followEvents(ctx context.Context, cursor int64) (int64, error) {
	projects := map[string]bool{}
	for {
		evs, err := s.store.Events(ctx, store.Scope{}, cursor, 1000)
		if err != nil {
			return cursor, err
		}
		for _, ev := range evs {
			if ev.Project != "" {
				projects[ev.Project] = true
			}
			cursor = ev.Seq
		}
		if len(evs) < 1000 {
			break
		}
	}
	d := s.trackers.set.Debounce
	now := time.Now()
	slot := now.UnixMilli() / d.Milliseconds()
	runAt := time.UnixMilli((slot + 1) * d.Milliseconds())
	queued := false
	for p := range projects {
		if !s.trackers.rc.Covers(p) {
			continue
		}
		b, err := json.Marshal(trackerPayload{Project: p})
		if err != nil {
			return cursor, err
		}
		if _, _, err := s.store.EnqueueJob(ctx, store.JobSpec{Kind: jobTrackerSync, Key: fmt.Sprintf("tracker-sync:%s:%d", p, slot), Payload: b, RunAt: runAt, MaxAttempts: 8}); err != nil {
			return cursor, err
		}
		queued = true
	}
	if queued {
		s.jobs.nudge()
	}
	return cursor, nil
}

// trackerWork runs tracker jobs (only servers with trackers take them).
func (s *Server) trackerWork(ctx context.Context) {
	for ctx.Err() == nil {
		j, err := s.store.ClaimJob(ctx, s.jobs.owner, trackerJobKinds, s.jobs.lease)
		if err != nil && ctx.Err() == nil {
			s.log.Error("tracker job queue", "err", err)
		}
		if j != nil {
			s.runJob(ctx, j)
			continue
		}
		t := time.NewTimer(min(s.jobs.poll, 500*time.Millisecond))
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

// handleTracker runs a tracker job.
func (s *Server) handleTracker(ctx context.Context, j *store.Job) ([]byte, []store.JobSpec, error) {
	if s.trackers == nil {
		return nil, nil, fmt.Errorf("%s job on a server without trackers", j.Kind)
	}
	var res tracker.Result
	var err error
	switch j.Kind {
	case jobTrackerSync:
		var p trackerPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil || p.Project == "" {
			return nil, nil, fmt.Errorf("tracker-sync payload %q: %v", j.Payload, err)
		}
		res, err = s.trackers.rc.SyncProject(ctx, p.Project)
	default:
		res, err = s.trackers.rc.SyncAll(ctx)
	}
	if err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(res)
	return b, nil, err
}

// TrackerReconcile is the answer of POST /api/v1/admin/trackers/reconcile.
type TrackerReconcile struct {
	Configured bool            `json:"configured" doc:"false: the server has no trackers section; nothing was queued"`
	JobID      int64           `json:"job_id,omitempty"`
	State      string          `json:"state,omitempty" doc:"the job's state when the answer was sent"`
	Result     *tracker.Result `json:"result,omitempty" doc:"what the reconcile did (once done)"`
	Error      string          `json:"error,omitempty"`
}

func (s *Server) registerTrackers() {
	add(s, Route{
		Op: huma.Operation{OperationID: "list-tracker-issues", Method: http.MethodGet, Path: "/api/v1/projects/{project}/tracker-issues",
			Summary: "List a project's issues in GitHub or GitLab (one per tracker rule and vulnerability group)", Tags: []string{"trackers"}},
		Rule:        Rule{Role: store.RoleReader, Scope: ScopePath},
		ExamplePath: map[string]string{"project": "matrix"},
	}, func(ctx context.Context, in *struct {
		Project string `path:"project" pattern:"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$"`
		Rule    string `query:"rule" maxLength:"64"`
		PageParams
	}) (*List[store.TrackerIssue], error) {
		items, next, err := s.store.TrackerIssues(ctx, store.TrackerIssueFilter{Scope: principal(ctx).Scope(), Project: in.Project, Rule: in.Rule, Page: in.page()})
		if err != nil {
			return nil, storeErr(err)
		}
		return list(items, next), nil
	})
	add(s, Route{
		Op: huma.Operation{OperationID: "reconcile-trackers", Method: http.MethodPost, Path: "/api/v1/admin/trackers/reconcile",
			Summary:     "Reconcile every project's tracker issues now (a leased job, run once across replicas)",
			Description: "Queues a full reconcile and, with wait=true, answers once it finished (or the request's deadline passed).",
			Tags:        []string{"admin", "trackers"}},
		Rule: Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
	}, func(ctx context.Context, in *struct {
		Wait bool `query:"wait" doc:"answer once the reconcile finished"`
	}) (*Item[TrackerReconcile], error) {
		if s.trackers == nil {
			return &Item[TrackerReconcile]{Body: TrackerReconcile{}}, nil
		}
		key := fmt.Sprintf("tracker-full:api:%s:%d", s.jobs.owner, time.Now().UnixNano())
		id, _, err := s.store.EnqueueJob(ctx, store.JobSpec{Kind: jobTrackerFull, Key: key, MaxAttempts: 1})
		if err != nil {
			return nil, storeErr(err)
		}
		if _, err := s.store.AppendAudit(ctx, principal(ctx).Actor(), store.AuditTrackerReconcile, fmt.Sprintf("job:%d", id), map[string]any{"job_id": id}); err != nil {
			return nil, storeErr(err)
		}
		out := TrackerReconcile{Configured: true, JobID: id, State: store.JobQueued}
		for in.Wait {
			s.jobs.runMu.Lock()
			running := s.jobs.running
			s.jobs.runMu.Unlock()
			if !running {
				// A server used without Run: the waiter runs the job.
				if j, err := s.store.ClaimJob(ctx, s.jobs.owner, trackerJobKinds, s.jobs.lease); err != nil {
					return nil, storeErr(err)
				} else if j != nil {
					s.runJob(context.WithoutCancel(ctx), j)
				}
			}
			j, err := s.store.GetJob(ctx, id)
			if err != nil {
				return nil, storeErr(err)
			}
			out.State = j.State
			if j.State == store.JobDone || j.State == store.JobFailed {
				out.Error = j.LastError
				if len(j.Result) > 0 {
					var r tracker.Result
					if json.Unmarshal(j.Result, &r) == nil {
						out.Result = &r
					}
				}
				break
			}
			t := time.NewTimer(100 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return &Item[TrackerReconcile]{Body: out}, nil
			case <-t.C:
			}
		}
		return &Item[TrackerReconcile]{Body: out}, nil
	})
}

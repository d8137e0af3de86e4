package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestJobsSQLite(t *testing.T)   { testJobs(t, openSQLite) }
func TestJobsPostgres(t *testing.T) { testJobs(t, openPostgres) }

// testJobs is the job queue's contract: dedupe, claim order, leases that
// run out and are taken again, a lost lease refused, retries and their
// bound, follow-ups queued with completion, and claims from two stores on
// one database that never take a job twice.
func testJobs(t *testing.T, open opener) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s, url := open(t, clock)
	s.jobClock = clock

	id1, created, err := s.EnqueueJob(ctx, JobSpec{Kind: "refresh", Key: "refresh:1"})
	if err != nil || !created {
		t.Fatalf("enqueue: %d %v %v", id1, created, err)
	}
	again, created, err := s.EnqueueJob(ctx, JobSpec{Kind: "refresh", Key: "refresh:1"})
	if err != nil || created || again != id1 {
		t.Fatalf("enqueue same key: %d %v %v, want %d false", again, created, err, id1)
	}
	later, _, err := s.EnqueueJob(ctx, JobSpec{Kind: "rematch", Payload: []byte(`{"n":1}`), RunAt: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if j, err := s.ClaimJob(ctx, "a", []string{"rematch"}, time.Minute); err != nil || j != nil {
		t.Fatalf("claim before run_at: %+v %v", j, err)
	}
	j, err := s.ClaimJob(ctx, "a", []string{"refresh", "rematch"}, 30*time.Second)
	if err != nil || j == nil || j.ID != id1 || j.State != JobRunning || j.Attempts != 1 || j.LeaseOwner != "a" {
		t.Fatalf("claim: %+v %v", j, err)
	}
	if j2, err := s.ClaimJob(ctx, "b", []string{"refresh"}, time.Minute); err != nil || j2 != nil {
		t.Fatalf("second claim of a leased job: %+v %v", j2, err)
	}
	// The lease runs out: b takes it; a's completion is refused.
	advance(31 * time.Second)
	jb, err := s.ClaimJob(ctx, "b", []string{"refresh"}, time.Minute)
	if err != nil || jb == nil || jb.ID != id1 || jb.Attempts != 2 {
		t.Fatalf("claim after lease expiry: %+v %v", jb, err)
	}
	if err := s.CompleteJob(ctx, id1, "a", nil, nil); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("complete with a lost lease: %v", err)
	}
	if err := s.ExtendJob(ctx, id1, "a", time.Minute); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("extend with a lost lease: %v", err)
	}
	if err := s.ExtendJob(ctx, id1, "b", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteJob(ctx, id1, "b", []byte(`{"ok":true}`), []JobSpec{{Kind: "rematch", Root: id1}, {Kind: "rematch", Root: id1}}); err != nil {
		t.Fatal(err)
	}
	tree, err := s.JobTree(ctx, id1)
	if err != nil || len(tree) != 3 || tree[0].State != JobDone || string(tree[0].Result) != `{"ok":true}` || tree[1].Root != id1 {
		t.Fatalf("tree: %+v %v", tree, err)
	}

	// Fail and retry, bounded.
	fid, _, _ := s.EnqueueJob(ctx, JobSpec{Kind: "flaky", MaxAttempts: 2})
	for attempt := 1; attempt <= 2; attempt++ {
		fj, err := s.ClaimJob(ctx, "a", []string{"flaky"}, time.Minute)
		if err != nil || fj == nil || fj.ID != fid {
			t.Fatalf("attempt %d: %+v %v", attempt, fj, err)
		}
		if err := s.FailJob(ctx, fid, "a", "boom", now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		advance(2 * time.Second)
	}
	if fj, _ := s.GetJob(ctx, fid); fj.State != JobFailed || fj.LastError != "boom" || fj.Attempts != 2 {
		t.Fatalf("after max attempts: %+v", fj)
	}
	if fj, err := s.ClaimJob(ctx, "a", []string{"flaky"}, time.Minute); err != nil || fj != nil {
		t.Fatalf("a failed job was claimed again: %+v %v", fj, err)
	}
	_ = later

	// Publishing a revision queues its jobs; an ingest matched with an
	// older revision is refused.
	st, err := s.VulnDBState(ctx)
	if err != nil || st.Revision != 0 {
		t.Fatalf("initial state: %+v %v", st, err)
	}
	rev, err := s.PublishVulnDB(ctx, "fp1", "a", func(rev int64) ([]JobSpec, error) {
		return []JobSpec{{Kind: "rematch-plan", Payload: []byte(fmt.Sprintf(`{"revision":%d}`, rev))}}, nil
	})
	if err != nil || rev != 1 {
		t.Fatalf("publish: %d %v", rev, err)
	}
	rev, err = s.PublishVulnDB(ctx, "fp2", "b", nil)
	if err != nil || rev != 2 {
		t.Fatalf("publish: %d %v", rev, err)
	}
	if c, _ := s.JobCounts(ctx); c["rematch-plan"][JobQueued] != 1 {
		t.Fatalf("published jobs: %v", c)
	}
	if st, _ := s.VulnDBState(ctx); st.Revision != 2 || st.Fingerprint != "fp2" || st.UpdatedBy != "b" {
		t.Fatalf("state: %+v", st)
	}
	old, cur := int64(1), int64(2)
	in := Ingest{Project: "p", Artifact: Artifact{Kind: "image", Digest: "sha256:aa", Name: "p"}, DBRevision: &old}
	if _, err := s.Ingest(ctx, in); !errors.Is(err, ErrStaleDatabase) {
		t.Fatalf("stale ingest: %v", err)
	}
	in.DBRevision = &cur
	if _, err := s.Ingest(ctx, in); err != nil {
		t.Fatalf("current ingest: %v", err)
	}

	// Two stores (two processes) claiming concurrently take each job once.
	s2 := mustOpen(t, url, clock)
	s2.jobClock = clock
	const n = 40
	for i := range n {
		if _, _, err := s.EnqueueJob(ctx, JobSpec{Kind: "work", Payload: []byte{'[', byte('0' + i%10), ']'}}); err != nil {
			t.Fatal(err)
		}
	}
	var taken sync.Map
	var count atomic.Int32
	var wg sync.WaitGroup
	for w, st := range []*Store{s, s2, s, s2} {
		wg.Go(func() {
			owner := string(rune('p' + w))
			for {
				j, err := st.ClaimJob(ctx, owner, []string{"work"}, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if j == nil {
					return
				}
				if _, dup := taken.LoadOrStore(j.ID, owner); dup {
					t.Errorf("job %d taken twice", j.ID)
				}
				count.Add(1)
				if err := st.CompleteJob(ctx, j.ID, owner, nil, nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if count.Load() != n {
		t.Fatalf("%d jobs run, want %d", count.Load(), n)
	}
	counts, err := s.JobCounts(ctx)
	if err != nil || counts["work"][JobDone] != n {
		t.Fatalf("counts: %v %v", counts, err)
	}
}

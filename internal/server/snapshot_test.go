package server

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

// TestSnapshotSchedule: two servers on one store queue one snapshot job
// per UTC day (yesterday's, by the server clock), and the job writes the
// day's snapshot that the trends read.
func TestSnapshotSchedule(t *testing.T) {
	clock := NewStoppedClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	st, err := store.Open(t.Context(), store.Options{URL: filepath.Join(dir, "vigil.db"), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.EnsureProject(t.Context(), "shop"); err != nil {
		t.Fatal(err)
	}
	var servers []*Server
	for i := range 2 {
		s, err := New(Options{Store: st, VulnDBDir: filepath.Join(dir, "vulndb", string(rune('a'+i))), Clock: clock, SnapshotCheck: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		servers = append(servers, s)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Go(func() { s.snapshotLoop(ctx) })
	}
	defer func() { cancel(); wg.Wait() }()

	waitJob := func(day string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			c, err := st.JobCounts(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if n := c[jobMetricsSnapshot][store.JobQueued] + c[jobMetricsSnapshot][store.JobDone]; n >= 1 {
				// Run it (no workers here).
				for {
					ran, err := servers[0].runOne(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					if !ran {
						break
					}
				}
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("no snapshot job for %s", day)
	}
	waitJob("2026-02-28")
	clock.Advance(store.Day)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := st.JobCounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if c[jobMetricsSnapshot][store.JobQueued] == 1 && c[jobMetricsSnapshot][store.JobDone] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs after a day: %v; want one done (2026-02-28) and one queued (2026-03-01)", c[jobMetricsSnapshot])
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Both servers' loops have looked many times: still one job per day.
	time.Sleep(50 * time.Millisecond)
	c, _ := st.JobCounts(t.Context())
	if got := c[jobMetricsSnapshot][store.JobQueued] + c[jobMetricsSnapshot][store.JobDone]; got != 2 {
		t.Errorf("%d snapshot jobs for two days, want 2", got)
	}
	j, err := st.ClaimJob(t.Context(), "test", []string{jobMetricsSnapshot}, time.Minute)
	if err != nil || j == nil || string(j.Payload) != `{"day":"2026-03-01"}` {
		t.Fatalf("queued snapshot job = %+v, %v", j, err)
	}
}

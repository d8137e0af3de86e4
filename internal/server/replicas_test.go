package server_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// replica is one `vigil serve` of several on one PostgreSQL, in process:
// its own data dir and vulnerability database, its own store pool, its
// own job workers.
type replica struct {
	name   string
	srv    *server.Server
	st     *store.Store
	url    string
	data   string
	cancel context.CancelFunc
	done   chan error
}

// TestReplicasPostgres runs two servers on one PostgreSQL: each job of
// the refreshes and re-matches runs once between them (counted), pushes
// to either are matched with the revision the store follows, and a
// server killed in the middle of a re-match batch loses nothing: the
// other takes the batch once its lease runs out, and verify-findings
// agrees. A third server joining later follows the published revision.
func TestReplicasPostgres(t *testing.T) {
	m := newFeedMirror(t)
	url := testutil.PostgresSchema(t)
	var armed, taken atomic.Bool
	victim := make(chan *replica, 1)
	var replicas []*replica
	start := func(name string) *replica {
		t.Helper()
		r := &replica{name: name, data: t.TempDir(), done: make(chan error, 1)}
		st, err := store.Open(t.Context(), store.Options{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		r.st = st
		r.srv, err = server.New(server.Options{
			Store: st, VulnDBDir: filepath.Join(r.data, "vulndb"), VulnDBFrom: m.url, Version: "test", Replica: name, Logger: testLogger(t, name),
			JobLease: time.Second, JobPoll: 50 * time.Millisecond, SyncInterval: 100 * time.Millisecond,
			JobHook: func(ctx context.Context, kind string) error {
				if kind != "rematch" || !armed.Load() || !taken.CompareAndSwap(false, true) {
					return nil
				}
				// This server took the batch: it is "killed" now, in the
				// middle of it (no completion, no failure recorded).
				victim <- r
				<-ctx.Done()
				return ctx.Err()
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		r.url = "http://" + l.Addr().String()
		ctx, cancel := context.WithCancel(context.Background())
		r.cancel = cancel
		go func() { r.done <- r.srv.Run(ctx, l, r.srv.HTTPServer(), time.Second) }()
		t.Cleanup(func() { r.kill(t) })
		replicas = append(replicas, r)
		return r
	}
	a, b := start("a"), start("b")
	_, admin, err := server.IssueToken(t.Context(), a.st, "test", "admin", store.RoleAdmin, nil, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// a refreshes (the first import publishes revision 1 with a full
	// re-match); b follows the revision.
	e := &env{t: t, url: a.url, admin: admin}
	var rr server.RefreshResult
	if code := e.do("POST", "/api/v1/admin/refresh", admin, nil, &rr); code != 200 || rr.Revision < 1 {
		t.Fatalf("first refresh: %d %+v", code, rr)
	}
	waitReady(t, b)

	bom := func(pkgs ...string) string {
		var cs []string
		for _, p := range pkgs {
			name, version, _ := strings.Cut(p, "@")
			cs = append(cs, fmt.Sprintf(`{"type":"library","name":%q,"version":%q,"purl":"pkg:npm/%s@%s"}`, name, version, name, version))
		}
		return `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[` + strings.Join(cs, ",") + `]}`
	}
	pushes := []struct {
		via     *replica
		project string
		doc     string
	}{
		{a, "web", bom("left-pad@1.3.0", "lodash@4.17.4")},
		{b, "api", bom("left-pad@1.3.0", "express@4.18.2")},
		{a, "cli", bom("left-pad@1.1.0", "lodash@4.17.4")},
		{b, "docs", bom("lodash@4.17.21", "minimist@1.2.6")},
	}
	for _, p := range pushes {
		pe := &env{t: t, url: p.via.url, admin: admin}
		if code := pe.do("POST", "/api/v1/projects/"+p.project+"/artifacts", admin, strings.NewReader(p.doc), nil); code != 201 {
			t.Fatalf("push %s via %s: %d", p.project, p.via.name, code)
		}
	}
	verify := func(step string, r *replica, wantArtifacts int) {
		t.Helper()
		db, err := vulndb.Open(filepath.Join(r.data, "vulndb"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		n, diffs, err := server.VerifyFindings(t.Context(), r.st, db)
		if err != nil {
			t.Fatal(err)
		}
		if n != wantArtifacts || len(diffs) != 0 {
			t.Errorf("%s: verify-findings over %d artifacts (want %d): %d differences %v", step, n, wantArtifacts, len(diffs), diffs)
		}
	}
	verify("pushed", a, 4)

	// Both servers' schedules queue the same slot: one job.
	id1, _, _ := a.st.EnqueueJob(t.Context(), store.JobSpec{Kind: "refresh", Key: "refresh:slot:1"})
	id2, created, _ := b.st.EnqueueJob(t.Context(), store.JobSpec{Kind: "refresh", Key: "refresh:slot:1"})
	if id1 != id2 || created {
		t.Fatalf("one slot, two jobs: %d %d", id1, id2)
	}
	waitIdle(t, a.st)

	// A new advisory; whichever server takes the re-match batch dies in
	// the middle of it.
	armed.Store(true)
	m.publish("VGL-TEST-9201", "2027-02-01T00:00:00Z", advisory("VGL-TEST-9201", "left-pad", "2027-02-01T00:00:00Z", "2.0.0", ""))
	root, _, err := a.st.EnqueueJob(t.Context(), store.JobSpec{Kind: "refresh", Key: "refresh:test:advisory"})
	if err != nil {
		t.Fatal(err)
	}
	var dead *replica
	select {
	case dead = <-victim:
	case <-time.After(30 * time.Second):
		t.Fatal("no server took the re-match batch")
	}
	killedAt := time.Now()
	dead.kill(t)
	survivor := a
	if dead == a {
		survivor = b
	}
	tree := waitTree(t, survivor.st, root)
	var batch store.Job
	for _, j := range tree {
		if j.State != store.JobDone {
			t.Errorf("job %d (%s) is %s: %s", j.ID, j.Kind, j.State, j.LastError)
		}
		if j.Kind == "rematch" {
			batch = j
		}
	}
	if batch.Attempts != 2 || batch.LeaseOwner != survivor.name {
		t.Errorf("the killed batch: %d attempts, last taken by %q; want 2, by %q", batch.Attempts, batch.LeaseOwner, survivor.name)
	}
	t.Logf("the killed server's batch was finished by %s %s after the kill", survivor.name, time.Since(killedAt).Round(time.Millisecond))
	se := &env{t: t, url: survivor.url, admin: admin}
	n := 0
	for _, f := range se.findings(admin, "state=open") {
		if f.VulnerabilityID == "VGL-TEST-9201" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("after the kill: %d open VGL-TEST-9201 findings, want 3", n)
	}
	verify("killed mid re-match", survivor, 4)

	// A third server joins (a fresh data dir): it follows the published
	// revision, and what is pushed through it is matched with it.
	armed.Store(false)
	c := start("c")
	waitReady(t, c)
	ce := &env{t: t, url: c.url, admin: admin}
	if code := ce.do("POST", "/api/v1/projects/edge/artifacts", admin, strings.NewReader(bom("left-pad@1.0.0")), nil); code != 201 {
		t.Fatalf("push via c: %d", code)
	}
	// The range moves, refreshed through c.
	m.publish("VGL-TEST-9201", "2027-02-02T00:00:00Z", advisory("VGL-TEST-9201", "left-pad", "2027-02-02T00:00:00Z", "1.2.0", ""))
	if code := ce.do("POST", "/api/v1/admin/refresh", admin, nil, &rr); code != 200 || rr.Resolved != 2 {
		t.Errorf("range moved via c: %d %+v, want 2 resolved", code, rr)
	}
	waitIdle(t, c.st)
	// The refresh job may have run on the survivor: c follows the
	// revision it published within its sync interval.
	waitRevision(t, survivor)
	waitRevision(t, c)
	verify("range moved", c, 5)
	verify("range moved (survivor's database)", survivor, 5)

	// Every job ran once: what the servers started is what the store
	// holds, plus the one batch started twice.
	counts, err := c.st.JobCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	started, completed := map[string]int{}, map[string]int{}
	for _, r := range replicas {
		s, d := r.srv.JobsRun()
		for k, v := range s {
			started[k] += v
		}
		for k, v := range d {
			completed[k] += v
		}
	}
	for kind, states := range counts {
		extra := 0
		if kind == "rematch" {
			extra = 1
		}
		if states[store.JobDone] != completed[kind] || started[kind] != completed[kind]+extra || len(states) != 1 {
			t.Errorf("%s jobs: store %v, started %d, completed %d", kind, states, started[kind], completed[kind])
		}
	}
	t.Logf("jobs: %v; started %v", counts, started)
}

func (r *replica) kill(t *testing.T) {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("%s: %v", r.name, err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("%s did not stop", r.name)
	}
	r.st.Close()
}

// waitRevision waits until r follows the store's revision.
func waitRevision(t *testing.T, r *replica) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		st, err := r.st.VulnDBState(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if r.srv.Revision() == st.Revision {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s does not follow the store's revision", r.name)
}

func waitReady(t *testing.T, r *replica) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(r.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not ready", r.name)
}

// waitTree waits until a job tree has finished.
func waitTree(t *testing.T, st *store.Store, root int64) []store.Job {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		tree, err := st.JobTree(t.Context(), root)
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		finished := len(tree) > 1
		for _, j := range tree {
			if j.State == store.JobQueued || j.State == store.JobRunning {
				finished = false
			}
		}
		if finished {
			return tree
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("job %d did not finish", root)
	return nil
}

// waitIdle waits until no job is queued or running.
func waitIdle(t *testing.T, st *store.Store) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		counts, err := st.JobCounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		busy := false
		for _, states := range counts {
			busy = busy || states[store.JobQueued] > 0 || states[store.JobRunning] > 0
		}
		if !busy {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("jobs still running")
}

func testLogger(t *testing.T, name string) *slog.Logger {
	if os.Getenv("VIGIL_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("replica", name)
}

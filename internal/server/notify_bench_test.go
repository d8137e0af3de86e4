package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
)

// TestNotifyRefreshBurstTiming is the notification benchmark
// through the whole server: one advisory affecting 5,000 artifacts across
// 50 projects lands on the loopback mirror; it measures the time from the
// refresh to the last delivery (target 5 s) to loopback webhook and Slack
// sinks. It is a measurement for a quiet machine, so it runs only with
// VIGIL_BENCH_NOTIFY=1 (VIGIL_BENCH_NOTIFY_ARTIFACTS changes the count):
//
//	VIGIL_BENCH_NOTIFY=1 go test ./internal/server -run NotifyRefreshBurstTiming -v
func TestNotifyRefreshBurstTiming(t *testing.T) {
	if os.Getenv("VIGIL_BENCH_NOTIFY") == "" {
		t.Skip("a measurement: set VIGIL_BENCH_NOTIFY=1")
	}
	artifacts, projects := 5000, 50
	if v, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_NOTIFY_ARTIFACTS")); err == nil && v >= projects {
		artifacts = v
	}
	var hits atomic.Int64
	var last atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		last.Store(time.Now().UnixNano())
		w.WriteHeader(204)
	}))
	t.Cleanup(recv.Close)
	cfg, err := notify.Parse([]byte(fmt.Sprintf(`
poll: 100ms
window: 1s
sinks:
  - {name: example, type: webhook, url: 'http://127.0.0.1:9/', secret: %[2]s}
  - {name: hook, type: webhook, url: %[1]q, secret: %[2]s}
  - {name: chat, type: slack, url: %[1]q}
rules:
  - {name: per-project, select: {kinds: [finding.new]}, sinks: [hook], digest: per_project}
  - {name: per-refresh, select: {kinds: [finding.new]}, sinks: [chat], digest: per_refresh}
`, recv.URL, hookSecret)), "bench.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m := newFeedMirror(t)
	e := startWith(t, startOptions{from: m.url, options: func(o *server.Options) { o.Notify = cfg }})
	runNotifier(t, e.srv)
	p := inventory.Package{Name: "left-pad", Version: "1.3.0", Ecosystem: "npm", PURL: "pkg:npm/left-pad@1.3.0"}
	for i := range artifacts {
		in := store.Ingest{Project: fmt.Sprint("p", i%projects), Actor: "bench", Packages: []inventory.Package{p},
			Artifact: store.Artifact{Kind: "image", Digest: fmt.Sprintf("sha256:%064x", i), Name: fmt.Sprint("app-", i), Format: "cyclonedx-json"}}
		if _, err := e.st.Ingest(t.Context(), in); err != nil {
			t.Fatal(err)
		}
	}
	m.publish("VGL-BENCH-9401", "2027-01-01T00:00:00Z", advisory("VGL-BENCH-9401", "left-pad", "2027-01-01T00:00:00Z", "2.0.0", ""))
	start := time.Now()
	if code := e.do("POST", "/api/v1/admin/refresh", e.admin, nil, nil); code != 200 {
		t.Fatalf("refresh: %d", code)
	}
	refreshed := time.Since(start)
	want := int64(projects + 1)
	for hits.Load() < want {
		if time.Since(start) > 5*time.Minute {
			t.Fatalf("%d of %d deliveries after 5 minutes", hits.Load(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	total := time.Unix(0, last.Load()).Sub(start)
	t.Logf("%d artifacts in %d projects: refresh (re-match committed) %v, refresh to last of %d deliveries %v (target 5 s; includes the 1 s digest window)",
		artifacts, projects, refreshed.Round(time.Millisecond), hits.Load(), total.Round(time.Millisecond))
}

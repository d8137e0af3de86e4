package notify

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
)

// BenchmarkAdvisoryBurst: one advisory affecting 5,000 artifacts across 50
// projects (the findings and their finding.created events are in the
// store, as a refresh's re-match leaves them), every notification
// delivered to loopback sinks (a webhook digest per project, a Slack
// digest per refresh, and a per-event webhook for critical findings of
// one project). It measures the time from the first notifier pass to the
// last delivery: the target is 5 s. Run it on a quiet machine:
//
//	go test ./internal/notify -run XXX -bench AdvisoryBurst -benchtime 1x
func BenchmarkAdvisoryBurst(b *testing.B) {
	const artifacts, projects = 5000, 50
	var hits atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(204)
	}))
	defer recv.Close()
	doc := fmt.Sprintf(`
poll: 20ms
window: 2s
sinks:
  - {name: hook, type: webhook, url: %[1]q, secret: %[2]s}
  - {name: chat, type: slack, url: %[1]q}
rules:
  - {name: per-project, select: {kinds: [finding.new]}, sinks: [hook], digest: per_project}
  - {name: per-refresh, select: {kinds: [finding.new]}, sinks: [chat], digest: per_refresh}
  - {name: p0-critical, select: {kinds: [finding.new], projects: [p0], min_severity: CRITICAL}, sinks: [hook], digest: per_event}
`, recv.URL, testSecret)
	for range b.N {
		b.StopTimer()
		c := &testClock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
		s := openStore(b, c)
		// The notifier exists before the refresh (its cursor starts at
		// the end of the events table).
		n := newNotifier(b, s, c, doc)
		p := inventory.Package{Name: "left-pad", Version: "1.3.0", Ecosystem: "npm", PURL: "pkg:npm/left-pad@1.3.0"}
		for i := range artifacts {
			in := store.Ingest{Project: fmt.Sprint("p", i%projects), Actor: "ci", Packages: []inventory.Package{p},
				Artifact: store.Artifact{Kind: "image", Digest: fmt.Sprintf("sha256:%064x", i), Name: fmt.Sprint("app-", i), Format: "cyclonedx-json"},
				Findings: []store.NewFinding{{Kind: store.KindVulnerability, Key: "VGL-BENCH-1", VulnerabilityID: "VGL-BENCH-1", Package: &p, Severity: severity.Critical, FixedVersion: "2.0.0"}}}
			if _, err := s.Ingest(b.Context(), in); err != nil {
				b.Fatal(err)
			}
		}
		hits.Store(0)
		b.StartTimer()
		start := time.Now()
		for {
			if _, err := n.Scan(b.Context()); err != nil {
				b.Fatal(err)
			}
			if _, err := n.Deliver(b.Context()); err != nil {
				b.Fatal(err)
			}
			pending, _, err := s.ListNotifyMessages(b.Context(), store.NotifyMessageFilter{State: store.NotifyPending, Page: store.Page{Limit: 1}})
			if err != nil {
				b.Fatal(err)
			}
			if len(pending) == 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/burst")
		b.ReportMetric(float64(hits.Load()), "deliveries/burst")
		// Nothing lost: the messages of each rule stand for every event
		// (50 per-project digests and 1 per-refresh digest per window,
		// 100 per-event messages).
		b.StopTimer()
		events := map[string]int{}
		for page := (store.Page{Limit: 1000}); ; {
			ms, next, err := s.ListNotifyMessages(b.Context(), store.NotifyMessageFilter{Page: page})
			if err != nil {
				b.Fatal(err)
			}
			for _, m := range ms {
				events[m.Rule] += m.Events
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
		if events["per-project"] != artifacts || events["per-refresh"] != artifacts || events["p0-critical"] != artifacts/projects {
			b.Fatalf("events by rule %v", events)
		}
		if got := hits.Load(); got < projects+1+artifacts/projects {
			b.Fatalf("%d deliveries, want at least %d", got, projects+1+artifacts/projects)
		}
	}
}

package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
)

// testClock is the server clock of the tests.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openStore(t testing.TB, c *testClock) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{URL: filepath.Join(t.TempDir(), "vigil.db"), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// ingest stores one artifact of project with one finding per severity
// given, deployed to env (when not empty).
func ingest(t testing.TB, s *store.Store, project string, i int, env string, sevs ...severity.Level) store.Artifact {
	t.Helper()
	in := store.Ingest{Project: project, Actor: "ci", Artifact: store.Artifact{Kind: "image", Digest: fmt.Sprintf("sha256:%064x", i), Name: fmt.Sprintf("app-%d", i), Format: "cyclonedx-json"}}
	for j, sev := range sevs {
		p := inventory.Package{Name: fmt.Sprintf("pkg-%d", j), Version: "1.0.0", Ecosystem: "npm", PURL: fmt.Sprintf("pkg:npm/pkg-%d@1.0.0", j)}
		in.Packages = append(in.Packages, p)
		fixed := ""
		if j%2 == 0 {
			fixed = "1.0.1"
		}
		in.Findings = append(in.Findings, store.NewFinding{Kind: store.KindVulnerability, Key: fmt.Sprintf("GHSA-%d-%d", i, j), VulnerabilityID: fmt.Sprintf("GHSA-%d-%d", i, j),
			Package: &in.Packages[len(in.Packages)-1], Severity: sev, Summary: "bad", FixedVersion: fixed})
	}
	res, err := s.Ingest(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if env != "" {
		if _, err := s.Deploy(t.Context(), store.Deploy{Project: project, Digest: in.Artifact.Digest, Environment: env, Service: in.Artifact.Name}); err != nil {
			t.Fatal(err)
		}
	}
	return res.Artifact
}

func newNotifier(t testing.TB, s *store.Store, c *testClock, doc string) *Notifier {
	t.Helper()
	cfg, err := Parse([]byte(doc), "test.yaml", goodEnv)
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(Options{Store: s, Config: cfg, Now: c.Now, Owner: "test", SLA: store.SLAPolicy{Default: store.DefaultSLADays}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func hookConfig(url, rules string) string {
	return fmt.Sprintf(`
backoff: 10ms
max_backoff: 20ms
max_attempts: 3
lease: 1s
timeout: 500ms
sinks:
  - {name: hook, type: webhook, url: %q, secret: %s}
rules:
%s`, url, testSecret, rules)
}

func payloads(t testing.TB, rs []received) []Payload {
	t.Helper()
	var out []Payload
	for _, r := range rs {
		var p Payload
		if err := json.Unmarshal(r.Body, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func mustScan(t testing.TB, n *Notifier) int {
	t.Helper()
	q, err := n.Scan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestNotifierPerEvent(t *testing.T) {
	c := &testClock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(t, c)
	r := newReceiver(t, verifyStandard(testSecret))
	n := newNotifier(t, s, c, hookConfig(r.srv.URL, `
  - name: high-prod
    select: {kinds: [finding.new], environments: [prod], min_severity: HIGH, fixable_only: true}
    sinks: [hook]
    digest: per_event
`))
	// Deployed after ingest: the finding.created event is read after the
	// deployment, so the finding is in prod when the notifier looks.
	ingest(t, s, "pay", 1, "prod", severity.Critical, severity.High, severity.Critical, severity.Low)
	ingest(t, s, "web", 2, "", severity.Critical) // not deployed: no environment
	if q := mustScan(t, n); q != 2 {
		t.Fatalf("queued %d, want 2 (critical + fixable + prod)", q)
	}
	if q := mustScan(t, n); q != 0 {
		t.Fatalf("second scan queued %d", q)
	}
	if _, err := n.Deliver(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := payloads(t, r.requests())
	if len(got) != 2 {
		t.Fatalf("received %d, want 2", len(got))
	}
	ids := map[string]bool{}
	for _, p := range got {
		e := p.Data.Events[0]
		if p.Type != KindFindingNew || p.Data.Count != 1 || e.Severity != severity.Critical || p.Data.Project != "pay" || e.FixedVersion == "" {
			t.Errorf("received %+v", p)
		}
		ids[e.VulnerabilityID] = true
	}
	if !ids["GHSA-1-0"] || !ids["GHSA-1-2"] {
		t.Errorf("vulnerabilities %v, want GHSA-1-0 and GHSA-1-2", ids)
	}
}

func TestNotifierDigestAndStates(t *testing.T) {
	c := &testClock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(t, c)
	r := newReceiver(t, verifyStandard(testSecret))
	n := newNotifier(t, s, c, hookConfig(r.srv.URL, `
  - name: all
    select: {kinds: [finding.new, finding.resolved, finding.reopened]}
    sinks: [hook]
    digest: per_project
    window: 2s
`))
	var arts []store.Artifact
	for i := range 30 {
		arts = append(arts, ingest(t, s, fmt.Sprint("p", i%2), i, "prod", severity.High))
	}
	mustScan(t, n)
	// A second burst inside the window joins the same digests.
	for i := 30; i < 40; i++ {
		ingest(t, s, fmt.Sprint("p", i%2), i, "prod", severity.Medium)
	}
	mustScan(t, n)
	ms, _, _ := s.ListNotifyMessages(t.Context(), store.NotifyMessageFilter{})
	if len(ms) != 2 {
		t.Fatalf("%d messages, want 2 digests (one per project)", len(ms))
	}
	time.Sleep(2100 * time.Millisecond)
	if _, err := n.Deliver(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := payloads(t, r.requests())
	if len(got) != 2 {
		t.Fatalf("received %d", len(got))
	}
	for _, p := range got {
		if p.Data.Count != 20 || len(p.Data.Events) != 20 || p.Data.Severities["HIGH"] != 15 || p.Data.Severities["MEDIUM"] != 5 || strings.Join(p.Data.Environments, ",") != "prod" {
			t.Errorf("digest %s: count %d, %d events, %v, %v", p.Data.Project, p.Data.Count, len(p.Data.Events), p.Data.Severities, p.Data.Environments)
		}
	}
	// Resolved and re-opened: a state change of one finding each way.
	fs, _, _ := s.ListFindings(t.Context(), store.FindingFilter{ArtifactID: arts[0].ID})
	if _, err := s.SetState(t.Context(), store.StateChange{FindingID: fs[0].ID, To: store.StateFixed, Reason: "patched", Actor: "bob"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetState(t.Context(), store.StateChange{FindingID: fs[0].ID, To: store.StateOpen, Reason: "still there", Actor: "bob"}); err != nil {
		t.Fatal(err)
	}
	mustScan(t, n)
	time.Sleep(2100 * time.Millisecond)
	n.Deliver(t.Context())
	got = payloads(t, r.requests())[2:]
	kinds := map[string]int{}
	for _, p := range got {
		kinds[p.Type] += p.Data.Count
	}
	if kinds[KindFindingResolved] != 1 || kinds[KindFindingReopened] != 1 || len(got) != 2 {
		t.Errorf("state messages %v", kinds)
	}
}

func TestNotifierRetryAndDeadLetter(t *testing.T) {
	c := &testClock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(t, c)
	// Two 500s then success; then three 500s (max_attempts 3): dead.
	r := newReceiver(t, verifyStandard(testSecret), 500, 500, 200, 500, 500, 500)
	var mu sync.Mutex
	outcomes := map[string]int{}
	cfg, _ := Parse([]byte(hookConfig(r.srv.URL, "  - {name: all, select: {kinds: [finding.new]}, sinks: [hook], digest: per_event}\n")), "t.yaml", goodEnv)
	n, _ := New(Options{Store: s, Config: cfg, Now: c.Now, Owner: "a", Outcome: func(typ, o string) {
		mu.Lock()
		outcomes[typ+"/"+o]++
		mu.Unlock()
	}})
	ingest(t, s, "pay", 1, "", severity.High)
	mustScan(t, n)
	deliverUntil(t, n, s, func(ms []store.NotifyMessage) bool { return ms[0].State == store.NotifyDone })
	ingest(t, s, "pay", 2, "", severity.High)
	mustScan(t, n)
	deliverUntil(t, n, s, func(ms []store.NotifyMessage) bool { return len(ms) == 2 && ms[1].State == store.NotifyDead })
	got := r.requests()
	if len(got) != 6 {
		t.Fatalf("%d requests, want 6", len(got))
	}
	for i := range 3 {
		if got[i].Header.Get("webhook-id") != got[0].Header.Get("webhook-id") || got[3+i].Header.Get("webhook-id") != got[3].Header.Get("webhook-id") {
			t.Errorf("retries carry different webhook-ids")
		}
	}
	if got[0].Header.Get("webhook-id") == got[3].Header.Get("webhook-id") {
		t.Error("two messages with one webhook-id")
	}
	ms, _, _ := s.ListNotifyMessages(t.Context(), store.NotifyMessageFilter{State: store.NotifyDead})
	ds, _, _ := s.ListNotifyDeliveries(t.Context(), ms[0].ID, store.Page{})
	if len(ds) != 3 || ds[2].Outcome != OutcomeDead || ds[0].Outcome != OutcomeRetry || ds[0].Status != 500 || !strings.Contains(ds[0].Error, "HTTP 500") {
		t.Errorf("delivery log %+v", ds)
	}
	mu.Lock()
	if outcomes["webhook/delivered"] != 1 || outcomes["webhook/retried"] != 4 || outcomes["webhook/dead_lettered"] != 1 {
		t.Errorf("outcomes %v", outcomes)
	}
	mu.Unlock()
	// Replayed, it is delivered (the receiver answers 200 now).
	if _, err := s.ReplayNotify(t.Context(), ms[0].ID, "alice"); err != nil {
		t.Fatal(err)
	}
	deliverUntil(t, n, s, func(ms []store.NotifyMessage) bool { return ms[1].State == store.NotifyDone })
	if got := r.requests(); len(got) != 7 || got[6].Header.Get("webhook-id") != got[3].Header.Get("webhook-id") {
		t.Errorf("replay: %d requests", len(got))
	}
}

// deliverUntil delivers until cond holds for the outbox (or 5 s).
func deliverUntil(t testing.TB, n *Notifier, s *store.Store, cond func([]store.NotifyMessage) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := n.Deliver(t.Context()); err != nil {
			t.Fatal(err)
		}
		ms, _, err := s.ListNotifyMessages(t.Context(), store.NotifyMessageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) > 0 && cond(ms) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	ms, _, _ := s.ListNotifyMessages(t.Context(), store.NotifyMessageFilter{})
	t.Fatalf("outbox never got there: %+v", ms)
}

// A replica that dies while delivering loses nothing: once its lease runs
// out another delivers the message with the same webhook-id.
func TestNotifierCrashRedelivers(t *testing.T) {
	c := &testClock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(t, c)
	r := newReceiver(t, verifyStandard(testSecret))
	r.block = make(chan struct{})
	doc := hookConfig(r.srv.URL, "  - {name: all, select: {kinds: [finding.new]}, sinks: [hook], digest: per_event}\n")
	a := newNotifier(t, s, c, doc)
	ingest(t, s, "pay", 1, "", severity.High)
	mustScan(t, a)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { a.Deliver(ctx); close(done) }()
	for start := time.Now(); len(r.requests()) == 0; {
		if time.Since(start) > 5*time.Second {
			t.Fatal("no request reached the receiver")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel() // the replica is gone mid-request: nothing recorded
	<-done
	r.mu.Lock()
	r.block = nil
	r.mu.Unlock()
	b := newNotifier(t, s, c, doc)
	b.o.Owner = "b"
	if n, _ := b.Deliver(t.Context()); n != 0 {
		t.Fatalf("b took a message under a's lease")
	}
	time.Sleep(1100 * time.Millisecond)
	deliverUntil(t, b, s, func(ms []store.NotifyMessage) bool { return ms[0].State == store.NotifyDone })
	got := r.requests()
	if len(got) != 2 || got[0].Header.Get("webhook-id") != got[1].Header.Get("webhook-id") || string(got[0].Body) != string(got[1].Body) {
		t.Fatalf("requests %d; the duplicate must carry the same webhook-id and body", len(got))
	}
}

func TestNotifierSLAOnce(t *testing.T) {
	c := &testClock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(t, c)
	r := newReceiver(t, verifyStandard(testSecret))
	n := newNotifier(t, s, c, hookConfig(r.srv.URL, `
  - {name: breach, select: {kinds: [sla.breach]}, sinks: [hook], digest: per_event}
  - {name: soon, select: {kinds: [sla.breach_soon]}, sinks: [hook], digest: per_event, sla_soon_days: 2}
`))
	ingest(t, s, "pay", 1, "prod", severity.Critical) // 7-day SLA
	check := func() int {
		q, err := n.Check(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	if q := check(); q != 0 {
		t.Fatalf("day 0: %d", q)
	}
	c.Advance(5*24*time.Hour + time.Hour)
	if q := check(); q != 1 {
		t.Fatalf("day 5: %d messages, want 1 (due soon)", q)
	}
	if q := check(); q != 0 {
		t.Fatalf("day 5 again: %d", q)
	}
	c.Advance(2 * 24 * time.Hour)
	if q := check(); q != 1 {
		t.Fatalf("day 7: %d messages, want 1 (breach)", q)
	}
	c.Advance(30 * 24 * time.Hour)
	if q := check(); q != 0 {
		t.Fatalf("day 37: %d, a breach is notified once", q)
	}
	n.Deliver(t.Context())
	got := payloads(t, r.requests())
	types := map[string]bool{}
	for _, p := range got {
		types[p.Type] = true
		if p.Data.Events[0].Due.IsZero() || p.Data.Events[0].FindingID == 0 {
			t.Errorf("event without its due time or finding: %+v", p.Data.Events[0])
		}
	}
	if len(got) != 2 || !types[KindSLABreachSoon] || !types[KindSLABreach] {
		t.Fatalf("received %+v", got)
	}
}

func TestNotifierImageTooOldAndPublish(t *testing.T) {
	c := &testClock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(t, c)
	r := newReceiver(t, verifyStandard(testSecret))
	n := newNotifier(t, s, c, hookConfig(r.srv.URL, `
  - {name: old, select: {kinds: [image.too_old]}, sinks: [hook], digest: per_event, max_image_age_days: 30}
  - {name: registry, select: {kinds: [registry.new_digest, refresh.failed]}, sinks: [hook], digest: per_event}
`))
	in := store.Ingest{Project: "pay", Actor: "ci", Artifact: store.Artifact{Kind: "image", Digest: "sha256:" + strings.Repeat("a", 64), Name: "api", Format: "cyclonedx-json",
		Image: &store.ImageMeta{Reference: "reg/api", Created: c.Now().Add(-20 * 24 * time.Hour)}}}
	if _, err := s.Ingest(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deploy(t.Context(), store.Deploy{Project: "pay", Digest: in.Artifact.Digest, Environment: "prod"}); err != nil {
		t.Fatal(err)
	}
	if q, _ := n.Check(t.Context()); q != 0 {
		t.Fatalf("20-day-old image: %d messages", q)
	}
	c.Advance(11 * 24 * time.Hour)
	if q, _ := n.Check(t.Context()); q != 1 {
		t.Fatalf("31-day-old image: %d messages, want 1", q)
	}
	if q, _ := n.Check(t.Context()); q != 0 {
		t.Fatalf("again: %d", q)
	}
	e := Event{Kind: KindRegistryDigest, Key: "registry:reg/api@sha256:bb", Project: "pay", Repository: "reg/api", Digest: "sha256:bb"}
	for range 2 { // publishing twice is idempotent
		if err := n.Publish(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Publish(t.Context(), Event{Kind: KindRegistryDigest}); err == nil {
		t.Error("Publish without a key accepted")
	}
	n.Deliver(t.Context())
	got := payloads(t, r.requests())
	byType := map[string]Event{}
	for _, p := range got {
		byType[p.Type] = p.Data.Events[0]
	}
	if len(got) != 2 || byType[KindImageTooOld].ImageCreated.IsZero() || byType[KindRegistryDigest].Digest != "sha256:bb" {
		t.Fatalf("received %+v", got)
	}
}

// TestNotifierKEVOnly: a kev_only rule selects the findings the server's
// KEV catalog lists (Options.KEV), and only those.
func TestNotifierKEVOnly(t *testing.T) {
	c := &testClock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(t, c)
	r := newReceiver(t, verifyStandard(testSecret))
	cfg, err := Parse([]byte(hookConfig(r.srv.URL, `
  - name: kev
    select: {kinds: [finding.new], kev_only: true}
    sinks: [hook]
    digest: per_event
`)), "test.yaml", goodEnv)
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(Options{Store: s, Config: cfg, Now: c.Now, Owner: "test", SLA: store.SLAPolicy{Default: store.DefaultSLADays},
		KEV: func(id string, _ []string) bool { return id == "GHSA-1-1" }})
	if err != nil {
		t.Fatal(err)
	}
	ingest(t, s, "pay", 1, "prod", severity.Critical, severity.High, severity.Critical)
	if q := mustScan(t, n); q != 1 {
		t.Fatalf("queued %d, want 1 (the KEV-listed finding)", q)
	}
	if _, err := n.Deliver(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := payloads(t, r.requests())
	if len(got) != 1 || got[0].Data.Events[0].VulnerabilityID != "GHSA-1-1" || !got[0].Data.Events[0].KEV {
		t.Fatalf("received %+v, want GHSA-1-1 marked kev", got)
	}
}

// TestNotifierImageAgeFromServer: a rule without its own
// max_image_age_days uses the server's (Options.MaxImageAgeDays, the
// freshness section); a rule's own overrides it; a rule listing
// image.too_old with neither is refused, from the config and the API.
func TestNotifierImageAgeFromServer(t *testing.T) {
	c := &testClock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(t, c)
	r := newReceiver(t, verifyStandard(testSecret))
	cfg, err := Parse([]byte(hookConfig(r.srv.URL, `
  - {name: server-age, select: {kinds: [image.too_old]}, sinks: [hook], digest: per_event}
  - {name: own-age, select: {kinds: [image.too_old]}, sinks: [hook], digest: per_event, max_image_age_days: 40}
`)), "test.yaml", goodEnv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Store: s, Config: cfg, Now: c.Now}); err == nil || !strings.Contains(err.Error(), "freshness.max_image_age_days") {
		t.Fatalf("image.too_old rule without any limit: %v", err)
	}
	n, err := New(Options{Store: s, Config: cfg, Now: c.Now, Owner: "test", MaxImageAgeDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.ParseRule([]byte(`{"name": "api", "select": {"kinds": ["image.too_old"]}, "sinks": ["hook"]}`)); err != nil {
		t.Errorf("API rule using the server's limit: %v", err)
	}
	in := store.Ingest{Project: "pay", Actor: "ci", Artifact: store.Artifact{Kind: "image", Digest: "sha256:" + strings.Repeat("c", 64), Name: "api", Format: "cyclonedx-json",
		Image: &store.ImageMeta{Reference: "reg/api", Created: c.Now().Add(-29 * store.Day)}}}
	if _, err := s.Ingest(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deploy(t.Context(), store.Deploy{Project: "pay", Digest: in.Artifact.Digest, Environment: "prod"}); err != nil {
		t.Fatal(err)
	}
	if q, _ := n.Check(t.Context()); q != 0 {
		t.Fatalf("29-day-old image: %d messages", q)
	}
	c.Advance(2 * store.Day) // 31 days: the server's 30 fires, the rule's own 40 does not
	if q, _ := n.Check(t.Context()); q != 1 {
		t.Fatalf("31-day-old image: %d messages, want 1 (server-age)", q)
	}
	c.Advance(10 * store.Day)
	if q, _ := n.Check(t.Context()); q != 1 {
		t.Fatalf("41-day-old image: %d messages, want 1 (own-age)", q)
	}
	n.Deliver(t.Context())
	rules := map[string]bool{}
	for _, p := range payloads(t, r.requests()) {
		rules[p.Data.Rule] = true
	}
	if len(rules) != 2 || !rules["server-age"] || !rules["own-age"] {
		t.Fatalf("rules delivered %v", rules)
	}
}

package server_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
)

const hookSecret = "whsec_dGhpcyBpcyBhIHRlc3Qgc2VjcmV0IG9mIHRoZSBzZXJ2ZXI="

// exampleNotify is the notifications section of every test server: one
// sink (the route table's examples name it) and no rules, so it sends
// nothing.
func exampleNotify(t testing.TB) *notify.Config {
	c, err := notify.Parse([]byte("sinks:\n  - {name: example, type: webhook, url: 'http://127.0.0.1:9/', secret: "+hookSecret+"}\n"), "test", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hook is a loopback webhook receiver that verifies the Standard
// Webhooks signature (from the specification) and answers status().
type hook struct {
	t      testing.TB
	mu     sync.Mutex
	got    []hookReq
	status int
	srv    *httptest.Server
}

type hookReq struct {
	ID, Signature string
	Payload       notify.Payload
}

func newHook(t testing.TB) *hook {
	h := &hook{t: t, status: 200}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id, ts, sig := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(hookSecret, "whsec_"))
		m := hmac.New(sha256.New, key)
		m.Write([]byte(id + "." + ts + "." + string(body)))
		if sig != "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)) {
			t.Errorf("webhook %s: bad signature %q", id, sig)
			w.WriteHeader(401)
			return
		}
		var p notify.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		h.mu.Lock()
		h.got = append(h.got, hookReq{ID: id, Signature: sig, Payload: p})
		st := h.status
		h.mu.Unlock()
		w.WriteHeader(st)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) setStatus(s int) { h.mu.Lock(); h.status = s; h.mu.Unlock() }

func (h *hook) requests() []hookReq {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookReq(nil), h.got...)
}

// notifyWait polls cond for up to 10 s.
func notifyWait(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// runNotifier runs the server's notifier (the test servers are served
// without Run's background loops).
func runNotifier(t testing.TB, srv *server.Server) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Notifier().Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestNotifyEndToEnd: through a real server with a loopback OSV mirror
// the test edits: an advisory lands and a signed webhook arrives for each
// affected artifact; a sink that keeps failing dead-letters its message,
// which the API lists and replays; an SLA breach comes with the test
// clock; rules are managed through the API, audited.
func TestNotifyEndToEnd(t *testing.T) {
	good, flaky := newHook(t), newHook(t)
	flaky.setStatus(500)
	cfg, err := notify.Parse([]byte(fmt.Sprintf(`
poll: 50ms
check: 50ms
backoff: 10ms
max_backoff: 20ms
max_attempts: 2
lease: 2s
timeout: 1s
sinks:
  - {name: example, type: webhook, url: 'http://127.0.0.1:9/', secret: %[3]s}
  - {name: good, type: webhook, url: %[1]q, secret: %[3]s}
  - {name: flaky, type: webhook, url: %[2]q, secret: %[3]s}
rules:
  - {name: new-web, select: {kinds: [finding.new], projects: ["we*"]}, sinks: [good], digest: per_event}
  - {name: to-flaky, select: {kinds: [finding.new], projects: [api]}, sinks: [flaky], digest: per_project, window: 50ms}
`, good.srv.URL, flaky.srv.URL, hookSecret)), "test.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m := newFeedMirror(t)
	e := startWith(t, startOptions{from: m.url, options: func(o *server.Options) { o.Notify = cfg }})
	runNotifier(t, e.srv)
	push := func(project, doc string) {
		if code := e.do("POST", "/api/v1/projects/"+project+"/artifacts", e.admin, strings.NewReader(doc), nil); code != 201 {
			t.Fatalf("push %s: %d", project, code)
		}
	}
	bom := func(version string) string {
		return fmt.Sprintf(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"left-pad","version":%q,"purl":"pkg:npm/left-pad@%s"}]}`, version, version)
	}
	push("web", bom("1.3.0"))
	push("web", bom("1.1.0"))
	push("api", bom("1.3.0"))
	push("docs", bom("1.3.0")) // no rule selects docs

	m.publish("VGL-TEST-9201", "2027-01-01T00:00:00Z", advisory("VGL-TEST-9201", "left-pad", "2027-01-01T00:00:00Z", "2.0.0", ""))
	if code := e.do("POST", "/api/v1/admin/refresh", e.admin, nil, nil); code != 200 {
		t.Fatalf("refresh: %d", code)
	}
	advisoryHooks := func() []hookReq {
		var out []hookReq
		for _, r := range good.requests() {
			if r.Payload.Type == notify.KindFindingNew && r.Payload.Data.Events[0].VulnerabilityID == "VGL-TEST-9201" {
				out = append(out, r)
			}
		}
		return out
	}
	notifyWait(t, "the advisory's webhooks", func() bool { return len(advisoryHooks()) == 2 })
	for _, r := range advisoryHooks() {
		if r.Payload.Data.Project != "web" || r.Payload.Data.Events[0].FixedVersion != "2.0.0" || r.Payload.Data.Events[0].Severity.String() != "HIGH" {
			t.Errorf("webhook %+v", r.Payload.Data)
		}
	}

	// The api project's digest goes to the failing sink: two attempts,
	// then a dead letter.
	var dead struct {
		Items []store.NotifyMessage `json:"items"`
	}
	notifyWait(t, "a dead letter", func() bool {
		e.do("GET", "/api/v1/notifications/dead-letters", e.admin, nil, &dead)
		return len(dead.Items) > 0
	})
	d := dead.Items[len(dead.Items)-1]
	if d.Sink != "flaky" || d.Attempts != 2 || !strings.Contains(d.LastError, "HTTP 500") {
		t.Errorf("dead letter %+v", d)
	}
	var log struct {
		Items []store.NotifyDelivery `json:"items"`
	}
	e.do("GET", fmt.Sprintf("/api/v1/notifications/deliveries?message_id=%d", d.ID), e.admin, nil, &log)
	if len(log.Items) != 2 || log.Items[0].Status != 500 || log.Items[1].Outcome != notify.OutcomeDead {
		t.Errorf("delivery log %+v", log.Items)
	}
	// The outcomes are in /metrics.
	fams := scrape(t, e, e.token(store.RoleMetrics))
	outcomes := map[string]float64{}
	if f := fams["vigil_notification_deliveries_total"]; f != nil {
		for _, m := range f.GetMetric() {
			key := ""
			for _, l := range m.GetLabel() {
				key += l.GetName() + "=" + l.GetValue() + ","
			}
			outcomes[key] = m.GetCounter().GetValue()
		}
	}
	if outcomes["outcome=dead_lettered,sink=webhook,"] < 1 || outcomes["outcome=retried,sink=webhook,"] < 1 || outcomes["outcome=delivered,sink=webhook,"] < 2 {
		t.Errorf("vigil_notification_deliveries_total = %v", outcomes)
	}
	before := len(flaky.requests())
	flaky.setStatus(200)
	reader := e.token(store.RoleReader)
	if code := e.do("POST", "/api/v1/notifications/dead-letters/replay", reader, strings.NewReader(fmt.Sprintf(`{"ids":[%d]}`, d.ID)), nil); code != 403 {
		t.Errorf("replay as a reader: %d, want 403", code)
	}
	var rep struct {
		Replayed    []store.NotifyMessage `json:"replayed"`
		NotReplayed []struct{ ID int64 }  `json:"not_replayed"`
	}
	if code := e.do("POST", "/api/v1/notifications/dead-letters/replay", e.admin, strings.NewReader(fmt.Sprintf(`{"ids":[%d, 999999]}`, d.ID)), &rep); code != 200 || len(rep.Replayed) != 1 || len(rep.NotReplayed) != 1 {
		t.Fatalf("replay: %d %+v", code, rep)
	}
	notifyWait(t, "the replayed delivery", func() bool { return len(flaky.requests()) > before })
	reqs := flaky.requests()
	if reqs[len(reqs)-1].ID != d.MsgID || reqs[0].ID != d.MsgID {
		t.Errorf("replayed with webhook-id %s, want %s (the dead letter's)", reqs[len(reqs)-1].ID, d.MsgID)
	}

	// Rules through the API: one for SLA breaches; config rules are not
	// the API's to change.
	if code := e.do("PUT", "/api/v1/notifications/rules/new-web", e.admin, strings.NewReader(`{"sinks":["good"]}`), nil); code != 409 {
		t.Errorf("PUT a config rule: %d, want 409", code)
	}
	if code := e.do("PUT", "/api/v1/notifications/rules/bad", e.admin, strings.NewReader(`{"sinks":["nowhere"]}`), nil); code != 422 {
		t.Errorf("PUT a rule with an unknown sink: %d, want 422", code)
	}
	if code := e.do("PUT", "/api/v1/notifications/rules/breaches", e.admin, strings.NewReader(`{"select":{"kinds":["sla.breach"],"projects":["web"]},"sinks":["good"],"digest":"per_refresh","window":"50ms"}`), nil); code != 201 {
		t.Fatalf("PUT rule: %d", code)
	}
	var rules struct {
		Items []notify.Rule `json:"items"`
	}
	e.do("GET", "/api/v1/notifications/rules", e.admin, nil, &rules)
	if len(rules.Items) != 3 || rules.Items[2].Name != "breaches" || rules.Items[2].Source != "api" {
		t.Errorf("rules %+v", rules.Items)
	}
	recs, err := e.st.AuditRecords(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, r := range recs {
		kinds[r.Kind] = true
	}
	if !kinds[store.AuditNotifyRulePut] || !kinds[store.AuditNotifyReplay] {
		t.Errorf("audit kinds %v, want the rule and the replay", kinds)
	}

	// HIGH: a 30-day SLA. 31 days later, one digest of the breaches.
	if code := e.do("POST", "/api/v1/admin/clock", e.admin, strings.NewReader(`{"advance":"744h"}`), nil); code != 200 {
		t.Fatalf("advance clock: %d", code)
	}
	breaches := func() []hookReq {
		var out []hookReq
		for _, r := range good.requests() {
			if r.Payload.Type == notify.KindSLABreach {
				out = append(out, r)
			}
		}
		return out
	}
	notifyWait(t, "the SLA breach digest", func() bool { return len(breaches()) > 0 })
	time.Sleep(300 * time.Millisecond) // a second message would be a bug
	b := breaches()
	if len(b) != 1 || b[0].Payload.Data.Count < 2 || b[0].Payload.Data.Events[0].Due.IsZero() {
		t.Fatalf("breach messages %+v", b)
	}
	for _, ev := range b[0].Payload.Data.Events {
		if ev.Project != "web" {
			t.Errorf("breach of project %s selected by a web rule", ev.Project)
		}
	}
}

// TestNotifyKill9: the real `vigil serve` with a notifications section
// in its config file is killed (-9) while a webhook is being delivered;
// restarted on the same data directory it delivers that webhook again
// with the same webhook-id, and every message is delivered. The audit
// record of the configuration holds no secret.
func TestNotifyKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the server")
	}
	bin := vigilBinary(t)
	data := t.TempDir()
	var mu sync.Mutex
	var got []string
	blocked := ""
	release := make(chan struct{})
	first := make(chan struct{})
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		id := r.Header.Get("webhook-id")
		mu.Lock()
		got = append(got, id)
		block := blocked == ""
		if block {
			blocked = id
			close(first)
		}
		mu.Unlock()
		if block {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(204)
	}))
	t.Cleanup(func() { close(release); recv.Close() })
	conf := filepath.Join(data, "vigil.yaml")
	doc := fmt.Sprintf(`notifications:
  poll: 50ms
  lease: 2s
  timeout: 1s
  sinks:
    - {name: hook, type: webhook, url: %q, secret_env: VIGIL_TEST_HOOK_SECRET}
  rules:
    - {name: all-new, select: {kinds: [finding.new]}, sinks: [hook], digest: per_event}
`, recv.URL)
	if err := os.WriteFile(conf, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VIGIL_TEST_HOOK_SECRET", hookSecret)
	tok := strings.TrimSpace(runVigil(t, bin, "token", "create", "--role", "admin", "--data-dir", data))
	args := []string{"--data-dir", data, "--config", conf, "--vulndb-from", vulndbURL(t, "npm"), "--shutdown-grace", "1s"}
	p := startServe(t, bin, args...)
	req, _ := http.NewRequest("POST", p.url+"/api/v1/projects/k9/artifacts", strings.NewReader(lodashSBOM))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("push: %v %v", resp, err)
	}
	resp.Body.Close()
	select {
	case <-first:
	case <-time.After(30 * time.Second):
		t.Fatalf("no webhook arrived:\n%s", p.log())
	}
	p.kill()

	p2 := startServe(t, bin, args...)
	get := func(path string, out any) {
		t.Helper()
		req, _ := http.NewRequest("GET", p2.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: %v %s", path, err, b)
		}
	}
	var all struct {
		Items []store.NotifyMessage `json:"items"`
	}
	notifyWait(t, "every message delivered after the restart", func() bool {
		get("/api/v1/notifications/messages", &all)
		if len(all.Items) == 0 {
			return false
		}
		for _, m := range all.Items {
			if m.State != store.NotifyDone {
				return false
			}
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for _, m := range all.Items {
		if seen[m.MsgID] == 0 {
			t.Errorf("message %s never reached the receiver", m.MsgID)
		}
	}
	if seen[blocked] < 2 {
		t.Errorf("the webhook in flight at the kill (%s) arrived %d times, want a re-delivery with the same id", blocked, seen[blocked])
	}
	if len(seen) != len(all.Items) {
		t.Errorf("%d distinct webhook-ids for %d messages", len(seen), len(all.Items))
	}
	var audit struct {
		Items []struct {
			Kind    string          `json:"kind"`
			Payload json.RawMessage `json:"payload"`
		} `json:"items"`
	}
	get("/api/v1/audit?limit=1000", &audit)
	found := false
	for _, r := range audit.Items {
		if strings.Contains(string(r.Payload), hookSecret) || strings.Contains(string(r.Payload), strings.TrimPrefix(hookSecret, "whsec_")) {
			t.Errorf("audit record %s holds the webhook secret", r.Kind)
		}
		if r.Kind == store.AuditConfig && strings.Contains(string(r.Payload), `"all-new"`) {
			found = true
		}
	}
	if !found {
		t.Error("no audit record of the configuration with the notifications section")
	}
	if strings.Contains(p.log()+p2.log(), strings.TrimPrefix(hookSecret, "whsec_")) {
		t.Error("the webhook secret is in the server's log")
	}
}

// TestNotifyRefreshFailed: a failed refresh of the vulnerability database
// is notified.
func TestNotifyRefreshFailed(t *testing.T) {
	good := newHook(t)
	var broken atomic.Bool
	files := http.FileServer(http.Dir(filepath.Join(testutil.Shared(t), "vulndb", "osv")))
	mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			http.Error(w, "mirror down", http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path == "/ecosystems.txt" {
			w.Write([]byte("npm\n"))
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(mirror.Close)
	cfg, err := notify.Parse([]byte(fmt.Sprintf(`
poll: 50ms
sinks:
  - {name: example, type: webhook, url: 'http://127.0.0.1:9/', secret: %[2]s}
  - {name: good, type: webhook, url: %[1]q, secret: %[2]s}
rules:
  - {name: ops, select: {kinds: [refresh.failed]}, sinks: [good], digest: per_event}
`, good.srv.URL, hookSecret)), "test.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	e := startWith(t, startOptions{from: mirror.URL, options: func(o *server.Options) { o.Notify = cfg }})
	runNotifier(t, e.srv)
	broken.Store(true)
	if code := e.do("POST", "/api/v1/admin/refresh", e.admin, nil, nil); code/100 == 2 {
		t.Fatalf("refresh from a broken mirror: %d", code)
	}
	notifyWait(t, "the refresh.failed webhook", func() bool { return len(good.requests()) > 0 })
	r := good.requests()[0]
	if r.Payload.Type != notify.KindRefreshFailed || r.Payload.Data.Events[0].Error == "" {
		t.Errorf("webhook %+v", r.Payload)
	}
}

// TestNotifyTwoReplicas: two servers on one PostgreSQL both read the
// events and deliver; every message is queued once and delivered once.
func TestNotifyTwoReplicas(t *testing.T) {
	url := testutil.PostgresSchema(t)
	h := newHook(t)
	cfg, err := notify.Parse([]byte(fmt.Sprintf(`
poll: 20ms
sinks:
  - {name: example, type: webhook, url: 'http://127.0.0.1:9/', secret: %[2]s}
  - {name: good, type: webhook, url: %[1]q, secret: %[2]s}
rules:
  - {name: each, select: {kinds: [finding.new]}, sinks: [good], digest: per_event}
`, h.srv.URL, hookSecret)), "test.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m := newFeedMirror(t)
	e1 := startWith(t, startOptions{storeURL: url, from: m.url, options: func(o *server.Options) { o.Notify = cfg; o.Replica = "one" }})
	e2 := startWith(t, startOptions{storeURL: url, from: m.url, options: func(o *server.Options) { o.Notify = cfg; o.Replica = "two" }})
	runNotifier(t, e1.srv)
	runNotifier(t, e2.srv)
	const n = 40
	for i := range n {
		doc := fmt.Sprintf(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"left-pad","version":"1.0.%d","purl":"pkg:npm/left-pad@1.0.%d"}]}`, i, i)
		if code := e1.do("POST", fmt.Sprintf("/api/v1/projects/p%d/artifacts", i%4), e1.admin, strings.NewReader(doc), nil); code != 201 {
			t.Fatalf("push %d: %d", i, code)
		}
	}
	m.publish("VGL-TEST-9301", "2027-01-01T00:00:00Z", advisory("VGL-TEST-9301", "left-pad", "2027-01-01T00:00:00Z", "2.0.0", ""))
	if code := e1.do("POST", "/api/v1/admin/refresh", e1.admin, nil, nil); code != 200 {
		t.Fatalf("refresh: %d", code)
	}
	ours := func() map[string]int {
		ids := map[string]int{}
		for _, r := range h.requests() {
			if r.Payload.Data.Events[0].VulnerabilityID == "VGL-TEST-9301" {
				ids[r.ID]++
			}
		}
		return ids
	}
	notifyWait(t, "40 webhooks", func() bool { return len(ours()) == n })
	time.Sleep(300 * time.Millisecond)
	for id, c := range ours() {
		if c != 1 {
			t.Errorf("%s delivered %d times by two healthy replicas", id, c)
		}
	}
	var all struct {
		Items []store.NotifyMessage `json:"items"`
	}
	e2.do("GET", "/api/v1/notifications/messages?limit=1000", e2.admin, nil, &all)
	queued := 0
	for _, msg := range all.Items {
		if strings.Contains(string(msg.Payload), "VGL-TEST-9301") {
			queued++
		}
	}
	if queued != n {
		t.Errorf("%d messages queued for the advisory, want %d (one per finding)", queued, n)
	}
}

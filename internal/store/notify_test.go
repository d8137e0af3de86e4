package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/severity"
)

// The notifications' part of the storage contract, on both backends.
func TestContractNotifySQLite(t *testing.T)   { runNotifyContract(t, openSQLite) }
func TestContractNotifyPostgres(t *testing.T) { runNotifyContract(t, openPostgres) }

func runNotifyContract(t *testing.T, open opener) {
	for name, fn := range map[string]func(*testing.T, *Store, *clock){
		"CursorAndQueue": testNotifyCursor,
		"Digest":         testNotifyDigest,
		"LeaseAndFinish": testNotifyLease,
		"Once":           testNotifyOnce,
		"SLADue":         testNotifySLA,
		"AgedImages":     testNotifyImages,
		"Rules":          testNotifyRules,
	} {
		t.Run(name, func(t *testing.T) {
			c := newClock()
			s, _ := open(t, c.Now)
			fn(t, s, c)
		})
	}
}

// wallClock is a settable job clock (leases, windows, retries).
type wallClock struct {
	mu sync.Mutex
	t  time.Time
}

func (w *wallClock) now() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.t }
func (w *wallClock) add(d time.Duration) {
	w.mu.Lock()
	w.t = w.t.Add(d)
	w.mu.Unlock()
}

func setWall(s *Store) *wallClock {
	w := &wallClock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	s.jobClock = w.now
	return w
}

func msg(id string) NotifyMessage {
	return NotifyMessage{MsgID: id, Rule: "r", Sink: "hook", Kind: "finding.new", Project: "p", Payload: json.RawMessage(`{"n":1}`), MaxAttempts: 3}
}

func testNotifyCursor(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	setWall(s)
	if seq, err := s.NotifyCursor(ctx, "events"); err != nil || seq != 0 {
		t.Fatalf("new cursor = %d, %v", seq, err)
	}
	res, err := s.CommitNotify(ctx, NotifyBatch{Cursor: "events", From: 0, To: 5, Messages: []NotifyMessage{msg("m1"), msg("m2")}})
	if err != nil || res.Queued != 2 {
		t.Fatalf("commit = %+v, %v", res, err)
	}
	// A second replica that read from 0 too loses the compare and set:
	// nothing of its batch is written.
	if _, err := s.CommitNotify(ctx, NotifyBatch{Cursor: "events", From: 0, To: 5, Messages: []NotifyMessage{msg("m3")}}); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale commit: %v, want ErrConflict", err)
	}
	if seq, _ := s.NotifyCursor(ctx, "events"); seq != 5 {
		t.Errorf("cursor = %d, want 5", seq)
	}
	// The same message id again (a retried pass) is skipped.
	res, err = s.CommitNotify(ctx, NotifyBatch{Cursor: "events", From: 5, To: 9, Messages: []NotifyMessage{msg("m2"), msg("m4")}})
	if err != nil || res.Queued != 1 || res.Skipped != 1 {
		t.Fatalf("commit with a known id = %+v, %v", res, err)
	}
	ms, _, err := s.ListNotifyMessages(ctx, NotifyMessageFilter{})
	if err != nil || len(ms) != 3 || ms[0].MsgID != "m1" || ms[2].MsgID != "m4" || ms[0].State != NotifyPending {
		t.Fatalf("messages = %+v, %v", ms, err)
	}
	if _, err := s.CommitNotify(ctx, NotifyBatch{Messages: []NotifyMessage{{MsgID: "x"}}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("incomplete message: %v, want ErrInvalid", err)
	}
	// Paging.
	p1, next, err := s.ListNotifyMessages(ctx, NotifyMessageFilter{Page: Page{Limit: 2}})
	if err != nil || len(p1) != 2 || next == "" {
		t.Fatalf("page 1 = %d, %q, %v", len(p1), next, err)
	}
	p2, _, _ := s.ListNotifyMessages(ctx, NotifyMessageFilter{Page: Page{Limit: 2, Cursor: next}})
	if len(p2) != 1 || p2[0].MsgID != "m4" {
		t.Errorf("page 2 = %+v", p2)
	}
}

func testNotifyDigest(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	w := setWall(s)
	merge := func(old, add []byte) ([]byte, error) {
		var o, a []int
		if err := json.Unmarshal(old, &o); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(add, &a); err != nil {
			return nil, err
		}
		return json.Marshal(append(o, a...))
	}
	d := func(id string, ev int) NotifyMessage {
		m := msg(id)
		m.DigestKey, m.Events, m.NextAt = "rule|hook|p", 1, w.now().Add(time.Minute)
		m.Payload = json.RawMessage(fmt.Sprintf("[%d]", ev))
		return m
	}
	for i := range 3 {
		if _, err := s.CommitNotify(ctx, NotifyBatch{Messages: []NotifyMessage{d(fmt.Sprint("d", i), i)}, Merge: merge}); err != nil {
			t.Fatal(err)
		}
	}
	ms, _, _ := s.ListNotifyMessages(ctx, NotifyMessageFilter{})
	if len(ms) != 1 || string(ms[0].Payload) != "[0,1,2]" || ms[0].Events != 3 {
		t.Fatalf("digest = %+v", ms)
	}
	// Not ready before its window closes.
	if got, _ := s.ClaimNotify(ctx, "a", time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed an open digest: %+v", got)
	}
	w.add(61 * time.Second)
	got, err := s.ClaimNotify(ctx, "a", time.Minute, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("claim closed digest = %+v, %v", got, err)
	}
	// A digest being delivered takes no more events: they start another.
	m := d("d9", 9)
	m.NextAt = w.now().Add(time.Minute)
	if res, err := s.CommitNotify(ctx, NotifyBatch{Messages: []NotifyMessage{m}, Merge: merge}); err != nil || res.Queued != 1 || res.Merged != 0 {
		t.Fatalf("commit after claim = %+v, %v", res, err)
	}
}

func testNotifyLease(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	w := setWall(s)
	if _, err := s.CommitNotify(ctx, NotifyBatch{Messages: []NotifyMessage{msg("m1")}}); err != nil {
		t.Fatal(err)
	}
	a, err := s.ClaimNotify(ctx, "a", time.Minute, 10)
	if err != nil || len(a) != 1 || a[0].Attempts != 1 {
		t.Fatalf("claim a = %+v, %v", a, err)
	}
	if b, _ := s.ClaimNotify(ctx, "b", time.Minute, 10); len(b) != 0 {
		t.Fatalf("b claimed a leased message: %+v", b)
	}
	// a dies; its lease runs out and b takes the message (same msg_id).
	w.add(61 * time.Second)
	b, err := s.ClaimNotify(ctx, "b", time.Minute, 10)
	if err != nil || len(b) != 1 || b[0].MsgID != "m1" || b[0].Attempts != 2 {
		t.Fatalf("claim b after expiry = %+v, %v", b, err)
	}
	// a's late result is logged but does not move the message.
	if err := s.FinishNotify(ctx, NotifyResult{ID: a[0].ID, Owner: "a", State: NotifyDone, Status: 200, Outcome: "delivered"}); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("a's finish: %v, want ErrLeaseLost", err)
	}
	// b fails: retry later.
	if err := s.FinishNotify(ctx, NotifyResult{ID: b[0].ID, Owner: "b", State: NotifyPending, NextAt: w.now().Add(10 * time.Second), Status: 500, Latency: 12 * time.Millisecond, Outcome: "retried", Error: "HTTP 500"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimNotify(ctx, "b", time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed before its retry time: %+v", got)
	}
	w.add(11 * time.Second)
	c, _ := s.ClaimNotify(ctx, "b", time.Minute, 10)
	if len(c) != 1 || c[0].Attempts != 3 || c[0].LastError != "HTTP 500" {
		t.Fatalf("retry claim = %+v", c)
	}
	if err := s.FinishNotify(ctx, NotifyResult{ID: c[0].ID, Owner: "b", State: NotifyDead, Status: 500, Outcome: "dead_lettered", Error: "HTTP 500 again"}); err != nil {
		t.Fatal(err)
	}
	dead, _, _ := s.ListNotifyMessages(ctx, NotifyMessageFilter{State: NotifyDead})
	if len(dead) != 1 || dead[0].FinishedAt.IsZero() {
		t.Fatalf("dead letters = %+v", dead)
	}
	ds, _, err := s.ListNotifyDeliveries(ctx, dead[0].ID, Page{})
	if err != nil || len(ds) != 3 {
		t.Fatalf("deliveries = %+v, %v", ds, err)
	}
	if ds[1].Status != 500 || ds[1].Latency != 12*time.Millisecond || ds[1].Attempt != 2 || ds[1].MsgID != "m1" || ds[1].Sink != "hook" {
		t.Errorf("delivery 2 = %+v", ds[1])
	}
	// Replay: pending again with fresh attempts, audited.
	head, _ := s.AuditHead(ctx)
	r, err := s.ReplayNotify(ctx, dead[0].ID, "alice")
	if err != nil || r.State != NotifyPending || r.Attempts != 0 || r.MsgID != "m1" {
		t.Fatalf("replay = %+v, %v", r, err)
	}
	recs, _ := s.AuditRecords(ctx, head.Seq, 10)
	if len(recs) != 1 || recs[0].Kind != AuditNotifyReplay || recs[0].Actor != "alice" {
		t.Fatalf("audit after replay = %+v", recs)
	}
	if _, err := s.ReplayNotify(ctx, dead[0].ID, "alice"); !errors.Is(err, ErrInvalid) {
		t.Errorf("replay of a pending message: %v, want ErrInvalid", err)
	}
	if _, err := s.ReplayNotify(ctx, 999, "alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("replay of nothing: %v, want ErrNotFound", err)
	}
	again, _ := s.ClaimNotify(ctx, "b", time.Minute, 10)
	if len(again) != 1 || again[0].Attempts != 1 {
		t.Fatalf("claim after replay = %+v", again)
	}
	if err := s.FinishNotify(ctx, NotifyResult{ID: again[0].ID, Owner: "b", State: NotifyDone, Status: 204, Outcome: "delivered"}); err != nil {
		t.Fatal(err)
	}
	if done, _, _ := s.ListNotifyMessages(ctx, NotifyMessageFilter{State: NotifyDone}); len(done) != 1 {
		t.Errorf("done = %+v", done)
	}
}

// Two replicas claiming at once never get the same message.
func TestNotifyClaimConcurrent(t *testing.T) {
	for name, open := range map[string]opener{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			s, _ := open(t, newClock().Now)
			ctx := t.Context()
			var ms []NotifyMessage
			for i := range 200 {
				ms = append(ms, msg(fmt.Sprint("m", i)))
			}
			if _, err := s.CommitNotify(ctx, NotifyBatch{Messages: ms}); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := map[string]string{}
			var wg sync.WaitGroup
			for _, owner := range []string{"a", "b", "c", "d"} {
				wg.Go(func() {
					for {
						got, err := s.ClaimNotify(ctx, owner, time.Minute, 7)
						if err != nil {
							t.Error(err)
							return
						}
						if len(got) == 0 {
							return
						}
						mu.Lock()
						for _, m := range got {
							if o, ok := seen[m.MsgID]; ok {
								t.Errorf("%s claimed by %s and %s", m.MsgID, o, owner)
							}
							seen[m.MsgID] = owner
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(seen) != 200 {
				t.Errorf("%d of 200 claimed", len(seen))
			}
		})
	}
}

func testNotifyOnce(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	o := NotifyOnce{Kind: "sla.breach", Subject: 7}
	if _, err := s.CommitNotify(ctx, NotifyBatch{Messages: []NotifyMessage{msg("a")}, Once: []NotifyOnce{o}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CommitNotify(ctx, NotifyBatch{Messages: []NotifyMessage{msg("b")}, Once: []NotifyOnce{{Kind: "sla.breach", Subject: 8}, o}}); !errors.Is(err, ErrConflict) {
		t.Fatalf("second mark: %v, want ErrConflict", err)
	}
	if ms, _, _ := s.ListNotifyMessages(ctx, NotifyMessageFilter{}); len(ms) != 1 {
		t.Errorf("a conflicting batch wrote messages: %+v", ms)
	}
	// Another threshold is another mark.
	if _, err := s.CommitNotify(ctx, NotifyBatch{Once: []NotifyOnce{{Kind: "sla.breach", Subject: 7, Threshold: 3}}}); err != nil {
		t.Errorf("other threshold: %v", err)
	}
}

func testNotifySLA(t *testing.T, s *Store, c *clock) {
	ctx := t.Context()
	in := fixture("pay", 1, 4, 0, 4) // severities LOW, MEDIUM, HIGH, CRITICAL
	if _, err := s.Ingest(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deploy(ctx, Deploy{Project: "pay", Digest: in.Artifact.Digest, Environment: "prod"}); err != nil {
		t.Fatal(err)
	}
	other := fixture("web", 2, 4, 0, 4)
	if _, err := s.Ingest(ctx, other); err != nil {
		t.Fatal(err)
	}
	sla := SLAPolicy{Default: DefaultSLADays, Projects: map[string]SLADays{"web": {severity.Critical: 2}}}
	q := SLADueQuery{SLA: sla, Kind: "sla.breach"}
	due := func(q SLADueQuery) []string {
		t.Helper()
		fs, err := s.SLADue(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fs {
			out = append(out, f.Project+"/"+f.Severity.String())
		}
		slices.Sort(out)
		return out
	}
	if got := due(q); len(got) != 0 {
		t.Fatalf("due at once: %v", got)
	}
	c.Advance(3 * Day)
	if got := due(q); !slices.Equal(got, []string{"web/CRITICAL"}) {
		t.Errorf("after 3 days: %v, want web/CRITICAL (2-day SLA)", got)
	}
	// Within 5 days: pay's critical (7 days) is due soon.
	if got := due(SLADueQuery{SLA: sla, Kind: "sla.breach_soon", Threshold: 5, Within: 5 * Day}); !slices.Equal(got, []string{"pay/CRITICAL", "web/CRITICAL"}) {
		t.Errorf("due within 5 days: %v", got)
	}
	c.Advance(28 * Day)
	fs, err := s.SLADue(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if got := due(q); !slices.Equal(got, []string{"pay/CRITICAL", "pay/HIGH", "web/CRITICAL"}) {
		t.Errorf("after 31 days: %v", got)
	}
	for _, f := range fs {
		if f.Project == "pay" && (!slices.Equal(f.Environments, []string{"prod"}) || f.Due.Sub(f.FirstSeen) != time.Duration(sla.Days("pay", f.Severity))*Day) {
			t.Errorf("finding %+v", f)
		}
	}
	// Marked ones are left out.
	var once []NotifyOnce
	for _, f := range fs {
		once = append(once, NotifyOnce{Kind: "sla.breach", Subject: f.FindingID})
	}
	if _, err := s.CommitNotify(ctx, NotifyBatch{Once: once}); err != nil {
		t.Fatal(err)
	}
	if got := due(q); len(got) != 0 {
		t.Errorf("after marking: %v", got)
	}
	// The finding data the notifier reads.
	nf, err := s.NotifyFindings(ctx, []int64{fs[0].FindingID, 12345})
	if err != nil || len(nf) != 1 || nf[fs[0].FindingID].ArtifactName != "app" || !strings.HasPrefix(nf[fs[0].FindingID].VulnerabilityID, "GHSA-") {
		t.Errorf("NotifyFindings = %+v, %v", nf, err)
	}
}

func testNotifyImages(t *testing.T, s *Store, c *clock) {
	ctx := t.Context()
	old := fixture("pay", 1, 2, 0, 0)
	old.Artifact.Image.Created = c.Now().Add(-100 * Day)
	young := fixture("pay", 2, 2, 0, 0)
	young.Artifact.Image.Created = c.Now().Add(-10 * Day)
	idle := fixture("pay", 3, 2, 0, 0) // old, but not deployed
	idle.Artifact.Image.Created = c.Now().Add(-300 * Day)
	for _, in := range []Ingest{old, young, idle} {
		if _, err := s.Ingest(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	for _, in := range []Ingest{old, young} {
		if _, err := s.Deploy(ctx, Deploy{Project: "pay", Digest: in.Artifact.Digest, Environment: "prod", Service: in.Artifact.Version}); err != nil {
			t.Fatal(err)
		}
	}
	imgs, err := s.AgedImages(ctx, AgedImageQuery{Before: c.Now().Add(-90 * Day), Kind: "image.too_old", Threshold: 90})
	if err != nil || len(imgs) != 1 || imgs[0].Digest != old.Artifact.Digest || !imgs[0].Created.Equal(old.Artifact.Image.Created.Truncate(time.Second)) && !imgs[0].Created.Equal(old.Artifact.Image.Created) {
		t.Fatalf("aged images = %+v, %v", imgs, err)
	}
	if !slices.Equal(imgs[0].Environments, []string{"prod"}) {
		t.Errorf("environments %v", imgs[0].Environments)
	}
	if _, err := s.CommitNotify(ctx, NotifyBatch{Once: []NotifyOnce{{Kind: "image.too_old", Subject: imgs[0].ArtifactID, Threshold: 90}}}); err != nil {
		t.Fatal(err)
	}
	if imgs, _ := s.AgedImages(ctx, AgedImageQuery{Before: c.Now().Add(-90 * Day), Kind: "image.too_old", Threshold: 90}); len(imgs) != 0 {
		t.Errorf("after marking: %+v", imgs)
	}
	if imgs, _ := s.AgedImages(ctx, AgedImageQuery{Before: c.Now().Add(-5 * Day), Kind: "image.too_old", Threshold: 5}); len(imgs) != 2 {
		t.Errorf("threshold 5 days: %d images, want 2", len(imgs))
	}
}

func testNotifyRules(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	head, _ := s.AuditHead(ctx)
	r, created, err := s.PutNotifyRule(ctx, NotifyRule{Name: "crit", Spec: json.RawMessage(`{"sinks":["hook"]}`)}, "alice", map[string]any{"masked": true})
	if err != nil || !created || r.UpdatedBy != "alice" {
		t.Fatalf("put = %+v, %v, %v", r, created, err)
	}
	if _, created, err := s.PutNotifyRule(ctx, NotifyRule{Name: "crit", Spec: json.RawMessage(`{"sinks":["mail"]}`)}, "bob", nil); err != nil || created {
		t.Fatalf("replace: %v, %v", created, err)
	}
	rs, err := s.ListNotifyRules(ctx)
	if err != nil || len(rs) != 1 || string(rs[0].Spec) != `{"sinks":["mail"]}` || rs[0].UpdatedBy != "bob" {
		t.Fatalf("rules = %+v, %v", rs, err)
	}
	if _, _, err := s.PutNotifyRule(ctx, NotifyRule{Name: "bad", Spec: json.RawMessage(`{`)}, "bob", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad spec: %v", err)
	}
	if err := s.DeleteNotifyRule(ctx, "crit", "carol"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteNotifyRule(ctx, "crit", "carol"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	recs, _ := s.AuditRecords(ctx, head.Seq, 10)
	var kinds []string
	for _, r := range recs {
		kinds = append(kinds, r.Kind+"/"+r.Actor)
	}
	if !slices.Equal(kinds, []string{AuditNotifyRulePut + "/alice", AuditNotifyRulePut + "/bob", AuditNotifyRuleDelete + "/carol"}) {
		t.Errorf("audit = %v", kinds)
	}
	if !strings.Contains(string(recs[0].Payload), `"masked":true`) {
		t.Errorf("audit payload %s does not hold the given (masked) rule", recs[0].Payload)
	}
}

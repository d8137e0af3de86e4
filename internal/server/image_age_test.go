package server_test

import (
	"fmt"
	"testing"

	"github.com/vigil-sec/vigil/internal/gate"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
)

// TestImageAgeOneThreshold: with only the freshness section's limit set
// (Options.MaxImageAge), an image.too_old rule without a threshold of its
// own notifies the image older than it, which the freshness API marks too
// old and the gate answer fails on; the younger image does neither.
func TestImageAgeOneThreshold(t *testing.T) {
	h := newHook(t)
	cfg, err := notify.Parse(fmt.Appendf(nil, `
sinks:
  - {name: example, type: webhook, url: %q, secret: %s}
rules:
  - {name: old-images, select: {kinds: [image.too_old]}, sinks: [example], digest: per_event}
`, h.srv.URL, hookSecret), "test", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	clock := server.NewStoppedClock(gateNow)
	e := startWith(t, startOptions{ecosystems: []string{"npm"}, clock: clock, options: func(o *server.Options) {
		o.MaxImageAge = 30 * store.Day
		o.Notify = cfg
	}})
	pushImage(t, e, "shop", "sha256:0ld00001", gateNow.AddDate(0, 0, -31), "sha256:l1")
	pushImage(t, e, "shop", "sha256:y0un0001", gateNow.AddDate(0, 0, -29), "sha256:l2")
	deploy(t, e, "shop", "sha256:0ld00001", "prod")
	deploy(t, e, "shop", "sha256:y0un0001", "staging")

	var fr server.FreshnessReport
	if code := e.do("GET", "/api/v1/freshness", e.admin, nil, &fr); code != 200 || len(fr.Deployments) != 2 || fr.MaxImageAgeDays != 30 {
		t.Fatalf("freshness: %d %+v", code, fr)
	}
	tooOld := map[string]bool{}
	for _, d := range fr.Deployments {
		tooOld[d.Digest] = d.TooOld
	}
	if !tooOld["sha256:0ld00001"] || tooOld["sha256:y0un0001"] {
		t.Errorf("too_old in /api/v1/freshness = %v, want only the 31-day-old image", tooOld)
	}

	n := e.srv.Notifier()
	if q, err := n.Check(t.Context()); err != nil || q != 1 {
		t.Fatalf("image age check queued %d (%v), want 1", q, err)
	}
	if _, err := n.Deliver(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := h.requests()
	if len(got) != 1 || got[0].Payload.Type != notify.KindImageTooOld || got[0].Payload.Data.Events[0].Digest != "sha256:0ld00001" {
		t.Fatalf("notified %+v, want one image.too_old for the 31-day-old image", got)
	}

	// The gate answer carries the same limit; the gate applies it unless
	// its own gate.max_image_age_days is set.
	st, err := e.srv.GateState(t.Context(), store.Scope{}, "shop", "", false)
	if err != nil || st.MaxImageAgeDays != 30 {
		t.Fatalf("gate state: %v %+v", err, st.MaxImageAgeDays)
	}
	out, err := gate.EvaluateServer(t.Context(), &st, gate.Options{})
	if err != nil || len(out.Reasons) != 1 || !out.Failed {
		t.Errorf("gate with the server's limit: %+v, want the old image only", out.Reasons)
	}
	if out, err := gate.EvaluateServer(t.Context(), &st, gate.Options{MaxImageAge: 60 * store.Day}); err != nil || out.Failed {
		t.Errorf("gate with its own 60 days: %+v, want a pass (the gate's value overrides)", out.Reasons)
	}
}

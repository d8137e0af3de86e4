package server_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestPushedSuppressions: what vigil.yaml and VEX suppress in `vigil scan`
// arrives on the server as accepted and false_positive findings, so the
// open findings on the server are exactly the ones the CLI's gate counts.
func TestPushedSuppressions(t *testing.T) {
	e := start(t)
	writer := e.token(store.RoleWriter, "shop")
	t.Setenv("VIGIL_TOKEN", writer)
	dbDir := filepath.Join(e.data, "vulndb")
	src := filepath.Join(testutil.ModuleRoot(t), "internal", "scan", "testdata", "realistic", "goapp")
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	type vuln struct {
		ID         string
		Aliases    []string
		Package    struct{ PURL string }
		Suppressed *struct{ Kind string }
	}
	scanJSON := func(args ...string) []vuln {
		t.Helper()
		out := filepath.Join(t.TempDir(), "r.json")
		code, _, stderr := vigil(t, append([]string{"scan", dir, "--offline", "--db-dir", dbDir, "--scanners", "vuln", "-f", "json", "-o", out}, args...)...)
		if code != 0 {
			t.Fatalf("scan: exit %d %s", code, stderr)
		}
		var r struct{ Vulnerabilities []vuln }
		b, _ := os.ReadFile(out)
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r.Vulnerabilities
	}
	all := scanJSON()
	if len(all) < 3 {
		t.Fatalf("goapp has %d findings, the test needs 3", len(all))
	}
	ignored, vexed := all[0], all[1]
	cfg := fmt.Sprintf("ignore:\n  - id: %s\n    reason: only used in tests\n    expires: 2999-12-31\n", ignored.ID)
	if err := os.WriteFile(filepath.Join(dir, "vigil.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	vexDoc := fmt.Sprintf(`{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"sec","timestamp":"2026-10-01T00:00:00Z","version":1,
"statements":[{"vulnerability":{"name":%q},"products":[{"@id":%q}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}`, vexed.ID, vexed.Package.PURL)
	vexFile := filepath.Join(t.TempDir(), "vex.json")
	os.WriteFile(vexFile, []byte(vexDoc), 0o644)

	local := scanJSON("--vex", vexFile, "--push", e.url, "--project", "shop")
	counted := 0
	for _, v := range local {
		if v.Suppressed == nil {
			counted++
		}
	}
	if counted != len(all)-2 {
		t.Fatalf("the CLI suppressed %d of %d, want 2", len(all)-counted, len(all))
	}
	got := e.findings(writer, "project=shop")
	if len(got) != len(all) {
		t.Fatalf("server has %d findings, the CLI %d", len(got), len(all))
	}
	open := 0
	for _, f := range got {
		switch f.VulnerabilityID {
		case ignored.ID:
			if f.State != store.StateAccepted || !strings.Contains(lastReason(t, e, writer, f.ID), "vigil.yaml: only used in tests") {
				t.Errorf("ignored %s: state %s, want accepted with the vigil.yaml reason", f.VulnerabilityID, f.State)
			}
		case vexed.ID:
			if f.State != store.StateFalsePositive || !strings.Contains(lastReason(t, e, writer, f.ID), "vulnerable_code_not_in_execute_path") {
				t.Errorf("VEX'd %s: state %s, want false_positive with the VEX justification", f.VulnerabilityID, f.State)
			}
		default:
			if f.State != store.StateOpen {
				t.Errorf("%s: state %s, want open", f.VulnerabilityID, f.State)
			}
			open++
		}
	}
	if open != counted {
		t.Errorf("server has %d open findings, the CLI's gate counts %d", open, counted)
	}
}

func lastReason(t *testing.T, e *env, tok string, id int64) string {
	t.Helper()
	var f finding
	if code := e.do("GET", fmt.Sprintf("/api/v1/findings/%d", id), tok, nil, &f); code != 200 {
		t.Fatalf("get finding %d: %d", id, code)
	}
	if len(f.History) == 0 {
		return ""
	}
	h := f.History[len(f.History)-1]
	return h.Actor + " " + h.Reason
}

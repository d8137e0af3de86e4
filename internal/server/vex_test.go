package server_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestVEXExportRoundTrip: triage on the server, export VEX, and `vigil
// scan --vex` of the same input suppresses exactly the decisions VEX can
// carry, and no other finding, in both formats.
func TestVEXExportRoundTrip(t *testing.T) {
	e := startWith(t, startOptions{ecosystems: []string{"Go"}})
	writer := e.token(store.RoleWriter, "shop")
	reader := e.token(store.RoleReader, "shop")
	dbDir := filepath.Join(e.data, "vulndb")
	src := filepath.Join(testutil.ModuleRoot(t), "internal", "scan", "testdata", "realistic", "goapp")
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	type vuln struct {
		ID         string
		Package    struct{ PURL string }
		Suppressed *struct{ Kind, Reason string }
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
	t.Setenv("VIGIL_TOKEN", writer)
	all := scanJSON("--push", e.url, "--project", "shop")
	fs := e.findings(writer, "project=shop&kind=vulnerability")
	if len(fs) < 4 || len(fs) != len(all) {
		t.Fatalf("goapp: %d findings on the server, %d in the CLI; the test needs 4", len(fs), len(all))
	}
	slices.SortFunc(fs, func(a, b finding) int {
		return strings.Compare(a.VulnerabilityID+a.Package.PURL, b.VulnerabilityID+b.Package.PURL)
	})
	triage := []struct {
		state, reason string
		exported      bool
	}{
		{store.StateFalsePositive, "vulnerable_code_not_in_execute_path: only a test helper imports it", true},
		{store.StateAccepted, "not reachable from main", true},
		{store.StateFixed, "patched in our vendored copy", true},
		{store.StateAccepted, "upgrade planned in PLAT-1234", false}, // a risk taken: no VEX statement
	}
	var want []string
	for i, tr := range triage {
		body := fmt.Sprintf(`{"state":%q,"reason":%q}`, tr.state, tr.reason)
		if tr.state == store.StateAccepted {
			body = fmt.Sprintf(`{"state":%q,"reason":%q,"expires":"2999-01-01T00:00:00Z"}`, tr.state, tr.reason)
		}
		if code := e.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", fs[i].ID), writer, strings.NewReader(body), nil); code != 200 {
			t.Fatalf("triage %d: %d", fs[i].ID, code)
		}
		if tr.exported {
			want = append(want, fs[i].VulnerabilityID+" "+fs[i].Package.PURL)
		}
	}
	slices.Sort(want)
	t.Setenv("VIGIL_TOKEN", reader)
	for _, tt := range []struct{ format, schema string }{{"openvex", testutil.SchemaOpenVEX}, {"cyclonedx", testutil.SchemaCycloneDX16}} {
		t.Run(tt.format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "shop.vex.json")
			code, _, stderr := vigil(t, "vex", "export", "--server", e.url, "--project", "shop", "--format", tt.format, "-o", file)
			if code != 0 {
				t.Fatalf("vex export: exit %d: %s", code, stderr)
			}
			if !strings.Contains(stderr, "1 triage decision(s) left out") {
				t.Errorf("vex export stderr %q, want the acceptance without a justification counted", stderr)
			}
			doc, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			testutil.Validate(t, tt.schema, doc)
			var got []string
			for _, v := range scanJSON("--vex", file) {
				if v.Suppressed != nil {
					if v.Suppressed.Kind != "vex" {
						t.Errorf("%s suppressed by %s", v.ID, v.Suppressed.Kind)
					}
					got = append(got, v.ID+" "+v.Package.PURL)
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("suppressed by the exported VEX (-want +got):\n%s", diff)
			}
		})
	}
	// Another project's reader may not export this one's.
	other := e.token(store.RoleReader, "other")
	if code := e.do("GET", "/api/v1/projects/shop/vex", other, nil, nil); code != 403 {
		t.Errorf("other project's reader: %d, want 403", code)
	}
	if code := e.do("GET", "/api/v1/projects/shop/vex?format=spdx", reader, nil, nil); code != 422 {
		t.Errorf("unknown format: %d, want 422", code)
	}
}

package gate

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/severity"
)

func serverState() *ServerState {
	return &ServerState{
		Project: "shop",
		Now:     now,
		Findings: []ServerFinding{
			{ID: 1, Kind: "vulnerability", VulnerabilityID: "CVE-2026-1", Package: "lodash@4.17.20", Severity: "HIGH", FixedVersion: "4.17.21", Artifact: "sha256:aa", Environments: []string{"prod"}, FirstSeen: now.AddDate(0, 0, -3)},
			{ID: 2, Kind: "vulnerability", VulnerabilityID: "CVE-2026-2", Severity: "LOW", Artifact: "sha256:bb", Environments: []string{}, FirstSeen: now.AddDate(0, 0, -200), SLADue: now.AddDate(0, 0, -20), SLABreached: true},
			{ID: 3, Kind: "secret", VulnerabilityID: "aws-access-key", Severity: "CRITICAL", Artifact: "sha256:bb", Environments: []string{}, FirstSeen: now},
			{ID: 4, Kind: "vulnerability", VulnerabilityID: "GO-2026-3", Severity: "UNKNOWN", Artifact: "sha256:aa", Environments: []string{"prod"}, FirstSeen: now, Published: now.Add(-time.Hour)},
		},
		Images: []ServerImage{
			{Artifact: "sha256:aa", Name: "registry/shop:1", Built: now.AddDate(0, 0, -100), Environments: []string{"prod"}},
			{Artifact: "sha256:cc", Name: "registry/shop:0", Environments: []string{}},
		},
	}
}

func TestEvaluateServer(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want []string
	}{
		{"sla only", Options{}, []string{"LOW CVE-2026-2 on sha256:bb (not deployed) is past its SLA (due 2026-05-12)"}},
		{"sla ignored", Options{IgnoreSLABreach: true}, nil},
		{"fail on high", Options{FailOn: severity.High, IgnoreSLABreach: true}, []string{
			"HIGH CVE-2026-1 in lodash@4.17.20 on sha256:aa (deployed in prod)",
			"GO-2026-3 of unknown severity on sha256:aa (deployed in prod; gate.ignore_unknown_severity lets it pass)",
			"CRITICAL secret aws-access-key on sha256:bb (not deployed)",
		}},
		{"min age hides the fresh advisory", Options{FailOn: severity.Critical, IgnoreSLABreach: true, MinAdvisoryAge: 24 * time.Hour}, []string{
			"CRITICAL secret aws-access-key on sha256:bb (not deployed)",
		}},
		{"only fixable", Options{FailOn: severity.High, OnlyFixable: true, IgnoreSLABreach: true, IgnoreUnknownSeverity: true}, []string{
			"HIGH CVE-2026-1 in lodash@4.17.20 on sha256:aa (deployed in prod)",
			"CRITICAL secret aws-access-key on sha256:bb (not deployed)",
		}},
		{"image age", Options{MaxImageAge: 90 * 24 * time.Hour, IgnoreSLABreach: true}, []string{
			"image registry/shop:1 was built 100 days ago (2026-02-21), more than max_image_age_days 90 (deployed in prod)",
		}},
		{"image young enough", Options{MaxImageAge: 100 * 24 * time.Hour, IgnoreSLABreach: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := serverState()
			if err := st.Validate("shop"); err != nil {
				t.Fatal(err)
			}
			out, err := EvaluateServer(t.Context(), st, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(out.Reasons, tt.want) || out.Failed != (len(tt.want) > 0) {
				t.Errorf("EvaluateServer reasons:\n%s\nwant:\n%s", strings.Join(out.Reasons, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestEvaluateServerTruncatedFailsClosed(t *testing.T) {
	st := &ServerState{Project: "p", Now: now, Findings: []ServerFinding{}, Images: []ServerImage{}, Truncated: true}
	if out, err := EvaluateServer(t.Context(), st, Options{}); err != nil || !out.Failed {
		t.Errorf("truncated answer passed: %+v", out)
	}
}

func TestServerStateValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*ServerState)
		want string
	}{
		{"other project", func(s *ServerState) { s.Project = "other" }, `not "shop"`},
		{"no time", func(s *ServerState) { s.Now = time.Time{} }, "no server time"},
		{"no lists", func(s *ServerState) { s.Findings = nil }, "no findings"},
		{"bad kind", func(s *ServerState) { s.Findings[0].Kind = "bug" }, "unknown kind"},
		{"bad severity", func(s *ServerState) { s.Findings[0].Severity = "SEVERE" }, "unknown severity"},
		{"empty severity", func(s *ServerState) { s.Findings[0].Severity = "" }, "empty severity"},
		{"no artifact", func(s *ServerState) { s.Findings[0].Artifact = "" }, "no id or artifact"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := serverState()
			tt.edit(st)
			err := st.Validate("shop")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMaxImageAgeLocal(t *testing.T) {
	r := &scan.Result{Image: &scan.Image{Reference: "shop:1", Created: now.AddDate(0, 0, -31)}}
	o := Options{MaxImageAge: 30 * 24 * time.Hour, Now: func() time.Time { return now }}
	out, err := Evaluate(t.Context(), r, o)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"image shop:1 was built 31 days ago (2026-05-01), more than max_image_age_days 30"}
	if !slices.Equal(out.Reasons, want) || !out.Failed {
		t.Errorf("Evaluate = %+v, want %q", out, want)
	}
	r.Image.Created = now.AddDate(0, 0, -30)
	if out, _ := Evaluate(t.Context(), r, o); out.Failed {
		t.Errorf("image of exactly 30 days failed: %+v", out)
	}
	r.Image.Created = time.Time{}
	if out, _ := Evaluate(t.Context(), r, o); out.Failed {
		t.Errorf("image without a build time failed: %+v", out)
	}
}

// TestServerPolicies: one policy, written against the local JSON report,
// judges the server's findings per artifact: its deny names the finding,
// and the gate adds the artifact and where it runs; input.server says
// which; an allow-all policy passes; a broken one is an error.
func TestServerPolicies(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("gate.rego", `package vigil

deny contains msg if {
	some v in input.vulnerabilities
	v.package.name == "lodash"
	msg := sprintf("%s in %s@%s is banned", [v.id, v.package.name, v.package.version])
}

deny contains msg if {
	input.server.deployed
	some s in input.secrets
	msg := sprintf("secret %s in production", [s.rule_id])
}

warn contains sprintf("%s is an image of %s", [input.target.name, input.server.project]) if input.image
`)
	st := serverState()
	st.Findings[0].Ecosystem, st.Findings[0].PURL = "npm", "pkg:npm/lodash@4.17.20"
	out, err := EvaluateServer(t.Context(), st, Options{PolicyDirs: []string{dir}, IgnoreSLABreach: true})
	if err != nil {
		t.Fatal(err)
	}
	wantDeny := []string{"CVE-2026-1 in lodash@4.17.20 is banned (on registry/shop:1 sha256:aa, deployed in prod)"}
	if !out.Failed || !slices.Equal(out.Denies, wantDeny) || !slices.Equal(out.Reasons, []string{"policy: " + wantDeny[0]}) {
		t.Errorf("server policy outcome = %+v", out)
	}
	if !slices.Equal(out.Warnings, []string{"registry/shop:0 is an image of shop (on registry/shop:0 sha256:cc, not deployed)", "registry/shop:1 is an image of shop (on registry/shop:1 sha256:aa, deployed in prod)"}) {
		t.Errorf("warnings = %q", out.Warnings)
	}
	// The same policy on a local report of the same finding.
	local := result()
	local.Vulnerabilities = []scan.Vulnerability{{ID: "CVE-2026-1", Package: scan.PackageRef{Name: "lodash", Version: "4.17.20", Ecosystem: "npm"}, Severity: severity.High}}
	lo, err := Evaluate(t.Context(), local, Options{PolicyDirs: []string{dir}})
	if err != nil || !slices.Equal(lo.Denies, []string{"CVE-2026-1 in lodash@4.17.20 is banned"}) {
		t.Errorf("local outcome = %+v, %v", lo, err)
	}

	allow := t.TempDir()
	if err := os.WriteFile(filepath.Join(allow, "allow.rego"), []byte("package vigil\n\ndeny contains msg if {\n\tfalse\n\tmsg := \"never\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := EvaluateServer(t.Context(), serverState(), Options{PolicyDirs: []string{allow}, IgnoreSLABreach: true}); err != nil || out.Failed {
		t.Errorf("allow-all policy: %+v, %v", out, err)
	}

	write("broken.rego", "package vigil\ndeny contains x if {\n")
	if _, err := EvaluateServer(t.Context(), serverState(), Options{PolicyDirs: []string{dir}}); err == nil || !strings.Contains(err.Error(), "broken.rego:") {
		t.Errorf("broken policy: %v, want the file's syntax error", err)
	}
	// A policy that fails at evaluation (strict built-in errors) is an
	// error too, not a pass.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "bad.rego"), []byte("package vigil\n\ndeny contains msg if {\n\tmsg := sprintf(\"%d\", [to_number(\"x\")])\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := EvaluateServer(t.Context(), serverState(), Options{PolicyDirs: []string{bad}}); err == nil || !strings.Contains(err.Error(), "evaluate policies") {
		t.Errorf("policy failing at evaluation: %v", err)
	}
}

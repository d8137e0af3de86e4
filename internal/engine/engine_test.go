package engine

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/vex"
)

const vigilYAML = `ignore:
  - id: GHSA-aaaa-bbbb-cccc
    reason: not reachable from our code
    expires: 2099-01-01
gate:
  fail_on: high
`

// TestConfigPath: a scheme prefix must not hide the target's vigil.yaml
// (it did: "dir:X" was looked up literally, the ignore list and the gate
// settings were lost and the gate failed open).
func TestConfigPath(t *testing.T) {
	dir := t.TempDir()
	proj := filepath.Join(dir, "proj")
	os.MkdirAll(proj, 0o755)
	cfg := filepath.Join(proj, "vigil.yaml")
	os.WriteFile(cfg, []byte(vigilYAML), 0o644)
	lock := filepath.Join(proj, "package-lock.json")
	os.WriteFile(lock, []byte(`{"lockfileVersion":3,"packages":{}}`), 0o644)
	t.Chdir(proj)
	for _, tc := range []struct{ flag, target, want string }{
		{"", proj, cfg},
		{"", "dir:" + proj, cfg},
		{"", "rootfs:" + proj, cfg},
		{"", lock, cfg},
		{"", "file:" + lock, cfg},
		{"", "sbom:" + lock, cfg},
		{"", "registry:example.com/app:1", "vigil.yaml"}, // the current directory
		{"", "example.com/app:1", "vigil.yaml"},
		{"", dir, ""},
		{"", "dir:" + dir, ""},
		{"/x/y.yaml", "dir:" + proj, "/x/y.yaml"},
	} {
		if got := ConfigPath(tc.flag, tc.target); got != tc.want {
			t.Errorf("ConfigPath(%q, %q) = %q, want %q", tc.flag, tc.target, got, tc.want)
		}
	}
	c, err := LoadConfig("", "dir:"+proj)
	if err != nil || c == nil || len(c.Ignore) != 1 || c.Gate.FailOn != "high" {
		t.Fatalf("LoadConfig(dir:) = %+v, %v", c, err)
	}
	os.WriteFile(cfg, []byte("gate: {fail_on: nonsense}\n"), 0o644)
	if _, err := LoadConfig("", "dir:"+proj); err == nil {
		t.Error("an invalid vigil.yaml loaded without error")
	}
}

func result() *scan.Result {
	pkg := inventory.Package{Name: "lodash", Version: "4.17.4", Ecosystem: "npm", PURL: "pkg:npm/lodash@4.17.4"}
	return &scan.Result{Packages: []inventory.Package{pkg}, Vulnerabilities: []scan.Vulnerability{
		{ID: "GHSA-aaaa-bbbb-cccc", Severity: severity.Critical, Package: scan.PackageRef{Name: pkg.Name, Version: pkg.Version, Ecosystem: pkg.Ecosystem, PURL: pkg.PURL}},
		{ID: "GHSA-dddd-eeee-ffff", Aliases: []string{"CVE-2020-0001"}, Severity: severity.High, Package: scan.PackageRef{Name: pkg.Name, Version: pkg.Version, Ecosystem: pkg.Ecosystem, PURL: pkg.PURL}},
		{ID: "GHSA-gggg-hhhh-iiii", Severity: severity.Low, Package: scan.PackageRef{Name: pkg.Name, Version: pkg.Version, Ecosystem: pkg.Ecosystem, PURL: pkg.PURL}},
	}}
}

// TestPipeline runs the whole policy the way `vigil scan` does and checks
// that suppressions reach the gate and the server's decisions alike.
func TestPipeline(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "vigil.yaml"), []byte(vigilYAML), 0o644)
	cfg, err := LoadConfig("", "dir:"+dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	// The config's fail_on: high; the CRITICAL one is ignored, the HIGH one fails.
	r := result()
	p := Policy{Config: cfg}
	p.Suppress(r, now)
	out, err := p.Gate(t.Context(), r, clock)
	if err != nil || !out.Failed || len(out.Reasons) != 1 || out.Reasons[0] != "1 finding(s) at or above HIGH" {
		t.Fatalf("gate with config = %+v, %v", out, err)
	}
	// A VEX statement on the HIGH one's alias: the gate passes.
	r = result()
	p.VEX = []vex.Statement{{IDs: []string{"CVE-2020-0001"}, Status: vex.StatusNotAffected, Justification: "vulnerable_code_not_present"}}
	p.Suppress(r, now)
	if out, _ := p.Gate(t.Context(), r, clock); out.Failed {
		t.Fatalf("gate with config and VEX = %+v, want passed", out)
	}
	sups := Suppressions(r)
	if len(sups) != 2 {
		t.Fatalf("Suppressions = %v, want 2", sups)
	}
	d, ok := DecisionOf(sups[VulnKey(r.Vulnerabilities[0])], now)
	if !ok || d.State != "accepted" || !d.Until.Equal(time.Date(2099, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("decision of a config ignore = %+v, %v", d, ok)
	}
	d, ok = DecisionOf(sups[VulnKey(r.Vulnerabilities[1])], now)
	if !ok || d.State != "false_positive" || d.Reason != "vex: not_affected: vulnerable_code_not_present" {
		t.Errorf("decision of a VEX statement = %+v, %v", d, ok)
	}
	if _, ok := DecisionOf(scan.Suppression{Kind: "config", Expires: "2026-11-30"}, now); ok {
		t.Error("an expired ignore entry became a decision")
	}
	// --fail-on wins over the config; the severity filter hides LOW from
	// the gate as from the report.
	r = result()
	p = Policy{Config: cfg, FailOn: severity.Low, MinSeverity: severity.Medium}
	p.Suppress(r, now)
	p.Filter(r)
	if len(r.Vulnerabilities) != 2 {
		t.Fatalf("filter kept %d, want 2", len(r.Vulnerabilities))
	}
	if out, _ := p.Gate(t.Context(), r, clock); !out.Failed || out.Reasons[0] != "1 finding(s) at or above LOW" {
		t.Errorf("gate --fail-on low = %+v", out)
	}
}

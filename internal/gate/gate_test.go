package gate

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/severity"
)

var now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func result() *scan.Result {
	return &scan.Result{
		Packages: []inventory.Package{
			{Name: "event-stream", Version: "3.3.6", Ecosystem: "npm", PURL: "pkg:npm/event-stream@3.3.6"},
			{Name: "gpl-thing", Version: "1.0.0", Ecosystem: "npm", PURL: "pkg:npm/gpl-thing@1.0.0", Licenses: []string{"(MIT OR AGPL-3.0-only)"}},
		},
		Vulnerabilities: []scan.Vulnerability{
			{ID: "A", Severity: severity.Critical, FixedVersion: "", Published: now.AddDate(0, -1, 0)},
			{ID: "B", Severity: severity.High, FixedVersion: "2.0.0", Published: now.Add(-24 * time.Hour)},
			{ID: "C", Severity: severity.Critical, FixedVersion: "1.0.1", Suppressed: &scan.Suppression{Kind: "config"}},
		},
	}
}

func TestThresholds(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want []string
	}{
		{"none", Options{}, nil},
		{"fail on high", Options{FailOn: severity.High}, []string{"2 finding(s) at or above HIGH"}},
		{"fail on critical", Options{FailOn: severity.Critical}, []string{"1 finding(s) at or above CRITICAL"}},
		{"only fixable", Options{FailOn: severity.High, OnlyFixable: true}, []string{"1 finding(s) at or above HIGH"}},
		{"min age", Options{FailOn: severity.High, MinAdvisoryAge: 7 * 24 * time.Hour}, []string{"1 finding(s) at or above HIGH"}},
		{"fixable and old", Options{FailOn: severity.High, OnlyFixable: true, MinAdvisoryAge: 7 * 24 * time.Hour}, nil},
		{"deny package", Options{DenyPackages: []string{"pkg:npm/event-stream"}}, []string{"package event-stream 3.3.6 is denied (pkg:npm/event-stream)"}},
		{"deny package other version", Options{DenyPackages: []string{"pkg:npm/event-stream@3.3.5"}}, nil},
		{"deny licence in expression", Options{DenyLicenses: []string{"agpl-3.0-only"}}, []string{"package gpl-thing 1.0.0 has denied licence agpl-3.0-only"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Now = func() time.Time { return now }
			out, err := Evaluate(t.Context(), result(), tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(out.Reasons, tt.want) || out.Failed != (len(tt.want) > 0) {
				t.Errorf("Evaluate = %+v, want reasons %q", out, tt.want)
			}
		})
	}
}

func TestRegoPolicies(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("gate.rego", `package vigil

deny contains msg if {
	some v in input.vulnerabilities
	v.severity == "CRITICAL"
	not v.suppressed
	msg := sprintf("critical %s must be fixed", [v.id])
}

warn contains {"msg": sprintf("%d packages", [count(input.packages)])} if true
`)
	write("gate_test.rego", `package vigil
test_nothing if { true }
`)
	// An IaC check in the same directory must not break the gate.
	write("check.rego", `package vigil.checks.kubernetes.custom
import data.vigil.lib.kubernetes
deny contains "x" if kubernetes.undefined_function(input)
`)
	out, err := Evaluate(t.Context(), result(), Options{PolicyDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Failed || !slices.Equal(out.Denies, []string{"critical A must be fixed"}) || !slices.Equal(out.Warnings, []string{"2 packages"}) {
		t.Errorf("Evaluate = %+v", out)
	}

	write("broken.rego", "package vigil\ndeny contains x if {\n")
	_, err = Evaluate(t.Context(), result(), Options{PolicyDirs: []string{dir}})
	if err == nil || !strings.Contains(err.Error(), "broken.rego:") {
		t.Errorf("err = %v, want the file and line of the syntax error", err)
	}
}

// TestPolicyCombinations: deny and warn are read independently, so an
// undefined rule never cancels the other (a deny-only policy once passed
// the gate); a directory that defines neither fails closed.
func TestPolicyCombinations(t *testing.T) {
	const (
		denyOnly = "package vigil\n\ndeny contains \"release freeze: nothing ships today\" if { true }\n"
		warnOnly = "package vigil\n\nwarn contains \"heads up\" if true\n"
		both     = "package vigil\n\ndeny contains \"no\" if true\n\nwarn contains \"careful\" if true\n"
		objects  = "package vigil\n\ndeny contains {\"msg\": sprintf(\"%d packages\", [count(input.packages)]), \"id\": \"P1\"} if true\n\nwarn contains {\"id\": \"W1\"} if true\n"
		// A complete rule whose body fails is undefined, not empty.
		undefinedDeny = "package vigil\n\ndeny := {\"x\"} if false\n\nwarn contains \"still read\" if true\n"
		undefinedWarn = "package vigil\n\nwarn := {\"x\"} if false\n\ndeny contains \"still read\" if true\n"
		noMatch       = "package vigil\n\ndeny contains \"never\" if false\n"
		helper        = "package vigil.lib.mine\n\nbig(pkgs) if count(pkgs) > 1\n"
		usesHelper    = "package vigil\n\nimport data.vigil.lib.mine\n\ndeny contains \"too many packages\" if mine.big(input.packages)\n"
		check         = "# METADATA\n# title: t\n# custom:\n#   id: USR-1\n#   severity: LOW\n#   input: dockerfile\npackage vigil.checks.dockerfile.mine\n\ndeny contains \"x\" if false\n"
	)
	tests := []struct {
		name    string
		files   map[string]string
		failed  bool
		denies  []string
		warns   []string
		wantErr string // substring; the directory is always named
	}{
		{name: "deny only", files: map[string]string{"p.rego": denyOnly}, failed: true, denies: []string{"release freeze: nothing ships today"}},
		{name: "warn only", files: map[string]string{"p.rego": warnOnly}, warns: []string{"heads up"}},
		{name: "both", files: map[string]string{"p.rego": both}, failed: true, denies: []string{"no"}, warns: []string{"careful"}},
		{name: "objects with msg", files: map[string]string{"p.rego": objects}, failed: true, denies: []string{"2 packages"}, warns: []string{`{"id":"W1"}`}},
		{name: "undefined deny keeps warn", files: map[string]string{"p.rego": undefinedDeny}, warns: []string{"still read"}},
		{name: "undefined warn keeps deny", files: map[string]string{"p.rego": undefinedWarn}, failed: true, denies: []string{"still read"}},
		{name: "deny that does not match", files: map[string]string{"p.rego": noMatch}},
		{name: "several files", files: map[string]string{"a.rego": denyOnly, "sub/b.rego": warnOnly, "lib.rego": helper, "c.rego": usesHelper}, failed: true,
			denies: []string{"release freeze: nothing ships today", "too many packages"}, warns: []string{"heads up"}},
		{name: "checks only", files: map[string]string{"check.rego": check}},
		{name: "neither", files: map[string]string{"lib.rego": helper}, wantErr: "found package vigil.lib.mine"},
		{name: "other package", files: map[string]string{"p.rego": "package main\n\ndeny contains \"x\" if true\n"}, wantErr: "found package main"},
		{name: "empty directory", files: map[string]string{"README.md": "policies go here\n"}, wantErr: "no .rego files"},
		{name: "tests only", files: map[string]string{"p_test.rego": "package vigil\n\ntest_x if true\n"}, wantErr: "no .rego files"},
		{name: "parse error", files: map[string]string{"ok.rego": denyOnly, "broken.rego": "package vigil\ndeny contains x if {\n"}, wantErr: "broken.rego:"},
		{name: "compile error", files: map[string]string{"p.rego": "package vigil\n\ndeny contains x if true\n"}, wantErr: "p.rego:3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range tt.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out, err := Evaluate(t.Context(), result(), Options{PolicyDirs: []string{dir}})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), dir) {
					t.Fatalf("Evaluate = %+v, %v; want an error naming %q and containing %q", out, err, dir, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Failed != tt.failed || !slices.Equal(out.Denies, tt.denies) || !slices.Equal(out.Warnings, tt.warns) {
				t.Errorf("Evaluate = %+v, want failed=%v denies %q warnings %q", out, tt.failed, tt.denies, tt.warns)
			}
		})
	}
}

// TestPolicyNoRuleIsErrNoPolicy: every directory must define something,
// even beside one that does.
func TestPolicyNoRuleIsErrNoPolicy(t *testing.T) {
	good, empty := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(good, "p.rego"), []byte("package vigil\n\ndeny contains \"x\" if true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPolicies(t.Context(), []string{good, empty})
	if !errors.Is(err, ErrNoPolicy) || !strings.Contains(err.Error(), empty) {
		t.Errorf("LoadPolicies = %v, want ErrNoPolicy naming %q", err, empty)
	}
}

// TestUnknownSeverity: a vulnerability no advisory scores (most Go
// advisories) must fail the gate at every threshold unless the config lets
// it pass; it used to pass even --fail-on low.
func TestUnknownSeverity(t *testing.T) {
	r := &scan.Result{Vulnerabilities: []scan.Vulnerability{{ID: "GO-2026-0001", Severity: severity.Unknown, FixedVersion: "1.2.3"}}}
	for _, lvl := range []severity.Level{severity.Low, severity.Critical} {
		out, err := Evaluate(t.Context(), r, Options{FailOn: lvl})
		if err != nil || !out.Failed {
			t.Errorf("--fail-on %s with an unscored vulnerability: %+v, %v; want failed", lvl, out, err)
		}
	}
	if out, _ := Evaluate(t.Context(), r, Options{FailOn: severity.Low, IgnoreUnknownSeverity: true}); out.Failed {
		t.Errorf("IgnoreUnknownSeverity: %+v, want passed", out)
	}
	if out, _ := Evaluate(t.Context(), r, Options{}); out.Failed {
		t.Errorf("no threshold: %+v, want passed", out)
	}
	r.Vulnerabilities[0].FixedVersion = ""
	if out, _ := Evaluate(t.Context(), r, Options{FailOn: severity.Low, OnlyFixable: true}); out.Failed {
		t.Errorf("only fixable, no fix: %+v, want passed", out)
	}
	r.Vulnerabilities[0].Suppressed = &scan.Suppression{Kind: "vex"}
	if out, _ := Evaluate(t.Context(), r, Options{FailOn: severity.Low}); out.Failed {
		t.Errorf("suppressed: %+v, want passed", out)
	}
}

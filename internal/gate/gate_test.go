package gate

import (
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

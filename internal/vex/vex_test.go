package vex

import (
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/testutil"
	"os"
)

func result() *scan.Result {
	return &scan.Result{Vulnerabilities: []scan.Vulnerability{
		{ID: "VGL-TEST-0001", Aliases: []string{"CVE-2099-0001"}, Package: scan.PackageRef{Name: "demo-merge", Version: "1.0.0", PURL: "pkg:npm/demo-merge@1.0.0"}},
		{ID: "VGL-TEST-0001", Aliases: []string{"CVE-2099-0001"}, Package: scan.PackageRef{Name: "demo-merge", Version: "2.0.1", PURL: "pkg:npm/demo-merge@2.0.1"}},
		{ID: "VGL-TEST-0003", Package: scan.PackageRef{Name: "demo-parse", Version: "3.0.0", PURL: "pkg:npm/demo-parse@3.0.0"}},
	}}
}

func TestOpenVEX(t *testing.T) {
	data, err := os.ReadFile("testdata/openvex.json")
	if err != nil {
		t.Fatal(err)
	}
	testutil.Validate(t, testutil.SchemaOpenVEX, data)
	stmts, err := Load("testdata/openvex.json")
	if err != nil {
		t.Fatal(err)
	}
	r := result()
	if n := Apply(r, stmts); n != 1 {
		t.Errorf("Apply suppressed %d, want 1", n)
	}
	s := r.Vulnerabilities[0].Suppressed
	if s == nil || s.Kind != "vex" || !strings.Contains(s.Reason, "not_affected: vulnerable_code_not_in_execute_path") {
		t.Errorf("alias match on the subcomponent: %+v", s)
	}
	if r.Vulnerabilities[1].Suppressed != nil {
		t.Error("other version of the package suppressed")
	}
	if r.Vulnerabilities[2].Suppressed != nil {
		t.Error("an affected statement suppressed a finding")
	}
}

func TestCycloneDXVEX(t *testing.T) {
	data, err := os.ReadFile("testdata/cyclonedx-vex.json")
	if err != nil {
		t.Fatal(err)
	}
	testutil.Validate(t, testutil.SchemaCycloneDX16, data)
	stmts, err := Load("testdata/cyclonedx-vex.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 2 {
		t.Fatalf("got %d statements, want 2 (an entry without analysis says nothing)", len(stmts))
	}
	r := result()
	Apply(r, stmts)
	if s := r.Vulnerabilities[0].Suppressed; s == nil || !strings.HasPrefix(s.Reason, "fixed") {
		t.Errorf("bom-ref resolved to purl: %+v", s)
	}
	if s := r.Vulnerabilities[2].Suppressed; s == nil || !strings.HasPrefix(s.Reason, "not_affected: code_not_reachable") {
		t.Errorf("false_positive: %+v", s)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"syntax", "{\n  \"statements\": [\n  }", "line 3"},
		{"unknown", `{"hello": 1}`, "not an OpenVEX or CycloneDX"},
		{"status", `{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"X"},"status":"maybe"}]}`, "unknown status"},
		{"state", `{"bomFormat":"CycloneDX","vulnerabilities":[{"id":"X","analysis":{"state":"meh"}}]}`, "unknown analysis state"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc), "v.json")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/openvex.json", "testdata/cyclonedx-vex.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		stmts, err := Parse(b, "f.json")
		if err == nil {
			Apply(result(), stmts)
		}
	})
}

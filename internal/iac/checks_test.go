package iac

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/iac/checks"
	"github.com/vigil-sec/vigil/internal/iac/input"
	"github.com/vigil-sec/vigil/internal/iac/policy"
)

// TestEmbeddedRegoTests runs the Rego unit tests (*_test.rego) shipped
// with the built-in checks through OPA's tester.
func TestEmbeddedRegoTests(t *testing.T) {
	mods, err := policy.LoadFS(checks.FS, false, true, func(p string) string { return p })
	if err != nil {
		t.Fatalf("load embedded checks: %v", err)
	}
	hasTests := false
	for _, m := range mods {
		hasTests = hasTests || m.Test
	}
	if !hasTests {
		t.Skip("no embedded *_test.rego yet")
	}
	var out bytes.Buffer
	res, err := policy.RunTests(t.Context(), mods, &out)
	if err != nil {
		for _, r := range res {
			if !r.Pass && !r.Skip {
				t.Errorf("%s.%s (%s:%d) failed %s", r.Package, r.Name, r.File, r.Line, r.Err)
			}
		}
		t.Fatalf("RunTests: %v", err)
	}
	t.Logf("%d Rego tests passed", len(res))
}

// TestEmbeddedMetadata checks that every built-in check has complete
// metadata and a unique id, and that the set compiles.
func TestEmbeddedMetadata(t *testing.T) {
	mods, err := policy.LoadFS(checks.FS, false, false, func(p string) string { return p })
	if err != nil {
		t.Fatalf("load embedded checks: %v", err)
	}
	seen := map[string]string{}
	n := 0
	for _, m := range mods {
		c, ok, err := policy.Metadata(m)
		if err != nil {
			t.Errorf("%s: %v", m.File, err)
			continue
		}
		if !ok {
			if !strings.HasPrefix(m.Module.Package.Path.String(), "data.vigil.lib.") {
				t.Errorf("%s: package %s has no custom.id and is not under vigil.lib", m.File, m.Module.Package.Path)
			}
			continue
		}
		n++
		for field, v := range map[string]string{
			"title": c.Title, "description": c.Description, "remediation": c.Remediation,
			"severity": c.Severity, "input": string(c.Input),
		} {
			if strings.TrimSpace(v) == "" || (field == "title" && v == c.ID) {
				t.Errorf("%s (%s): missing %s", c.ID, m.File, field)
			}
		}
		want := "data.vigil.checks." + string(c.Input) + "."
		if !strings.HasPrefix(c.Package, want) {
			t.Errorf("%s (%s): package %s is not under %s", c.ID, m.File, c.Package, want)
		}
		if prev, dup := seen[c.ID]; dup {
			t.Errorf("%s: id used by %s and %s", c.ID, prev, m.File)
		}
		seen[c.ID] = m.File
	}
	if n == 0 {
		t.Skip("no embedded checks yet")
	}
	if got := len(Checks()); got != n {
		t.Errorf("Checks() returned %d checks, want %d", got, n)
	}
	s, err := New(t.Context(), Options{})
	if err != nil {
		t.Fatalf("New with embedded checks: %v", err)
	}
	compiled, err := s.Checks()
	if err != nil {
		t.Fatalf("compile embedded checks: %v", err)
	}
	for _, c := range compiled {
		if !strings.Contains(strings.Join(kindsOf(), ","), string(c.Input)) {
			t.Errorf("%s: unknown input %q", c.ID, c.Input)
		}
	}
}

func kindsOf() []string {
	var out []string
	for _, k := range input.Kinds {
		out = append(out, string(k))
	}
	return out
}

// TestEmbeddedChecksOnFixtures runs the built-in checks over the scan
// fixtures: they must evaluate without errors.
func TestEmbeddedChecksOnFixtures(t *testing.T) {
	s, err := New(t.Context(), Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	res, err := s.ScanFS(t.Context(), osDirFS("testdata/scan"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		if strings.Contains(e.Error(), "evaluate") {
			t.Errorf("evaluation error: %v", e)
		}
	}
	if len(Checks()) > 0 && len(res.Findings) == 0 {
		t.Errorf("built-in checks found nothing in the fixtures")
	}
}

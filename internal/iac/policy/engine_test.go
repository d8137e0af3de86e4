package policy

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/iac/input"
)

const meta = `# METADATA
# title: %s
# custom:
#   id: %s
#   severity: LOW
#   input: kubernetes
`

func check(id, body string) []byte {
	return []byte(strings.Replace(strings.Replace(meta, "%s", id, 1), "%s", id, 1) + body)
}

// TestEvalIsolatesBrokenCheck: a check that fails at evaluation time (a
// conflict) is reported as an error and does not hide the others.
func TestEvalIsolatesBrokenCheck(t *testing.T) {
	fsys := fstest.MapFS{
		"ok.rego": {Data: check("T-1", `package t.ok
import rego.v1
deny contains {"msg": "kind", "path": ["kind"]} if input.kind == "Pod"
deny contains "plain" if input.kind == "Pod"
`)},
		"broken.rego": {Data: check("T-2", `package t.broken
import rego.v1
x := v if some v in input.vals
deny contains "never" if x == 0
`)},
	}
	e, err := New(t.Context(), Options{Builtin: fsys})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	res, err := e.Eval(t.Context(), input.Kubernetes, map[string]any{"kind": "Pod", "vals": []any{1, 2}})
	if err == nil || !strings.Contains(err.Error(), "T-2") {
		t.Errorf("err = %v, want an error naming T-2", err)
	}
	type r struct {
		ID, Msg string
		Path    []any
	}
	var got []r
	for _, x := range res {
		got = append(got, r{x.Check.ID, x.Msg, x.Path})
	}
	want := []r{{"T-1", "plain", nil}, {"T-1", "kind", []any{"kind"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results mismatch (-want +got):\n%s", diff)
	}
	// without the conflict the batch query answers
	res, err = e.Eval(t.Context(), input.Kubernetes, map[string]any{"kind": "Pod", "vals": []any{1}})
	if err != nil || len(res) != 2 {
		t.Errorf("Eval = %v, %v; want 2 results", res, err)
	}
	// no checks for the kind
	if res, err := e.Eval(t.Context(), input.Terraform, map[string]any{}); res != nil || err != nil {
		t.Errorf("Eval(terraform) = %v, %v", res, err)
	}
}

func TestDisabled(t *testing.T) {
	fsys := fstest.MapFS{"ok.rego": {Data: check("T-1", "package t.ok\nimport rego.v1\ndeny contains \"x\" if true\n")}}
	e, err := New(t.Context(), Options{Builtin: fsys, Disabled: []string{"t-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := e.Eval(t.Context(), input.Kubernetes, map[string]any{}); len(res) != 0 || err != nil {
		t.Errorf("disabled check ran: %v, %v", res, err)
	}
	if len(e.Checks()) != 1 {
		t.Errorf("Checks() should still list disabled checks")
	}
}

// TestUndefinedDenyCancelsNothing: a check whose deny is undefined (a
// complete rule whose body fails) counts as no result; it once made the
// batch query undefined and so cancelled every other check of its kind.
func TestUndefinedDenyCancelsNothing(t *testing.T) {
	fsys := fstest.MapFS{
		"a.rego":   {Data: check("T-1", "package t.a\nimport rego.v1\ndeny contains \"a\" if true\n")},
		"b.rego":   {Data: check("T-2", "package t.b\nimport rego.v1\ndeny := {\"b\"} if input.kind == \"Job\"\n")},
		"c.rego":   {Data: check("T-3", "package t.c\nimport rego.v1\ndeny := \"c\" if true\n")},
		"d.rego":   {Data: check("T-4", "package t.d\nimport rego.v1\ndeny if input.kind == \"Job\"\n")},
		"lib.rego": {Data: []byte("package vigil.lib.mine\nimport rego.v1\nx := 1\n")},
	}
	e, err := New(t.Context(), Options{Builtin: fsys})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind string
		want []string
	}{
		{"Pod", []string{"T-1 a", "T-3 c"}},
		{"Job", []string{"T-1 a", "T-2 b", "T-3 c", "T-4 T-4"}},
	}
	for _, tt := range tests {
		res, err := e.Eval(t.Context(), input.Kubernetes, map[string]any{"kind": tt.kind})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range res {
			got = append(got, r.Check.ID+" "+r.Msg)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Eval(kind %s) mismatch (-want +got):\n%s", tt.kind, diff)
		}
	}
}

// TestCheckWithoutMetadata: a module in package vigil.checks.* that
// defines deny but no custom.id would silently never run; it is an error
// naming the file.
func TestCheckWithoutMetadata(t *testing.T) {
	fsys := fstest.MapFS{"mine.rego": {Data: []byte("package vigil.checks.kubernetes.mine\nimport rego.v1\ndeny contains \"x\" if true\n")}}
	_, err := New(t.Context(), Options{Builtin: fsys})
	if err == nil || !strings.Contains(err.Error(), `"mine.rego"`) || !strings.Contains(err.Error(), "custom.id") {
		t.Errorf("New = %v, want an error naming mine.rego and custom.id", err)
	}
	// Helpers in such a package (no deny) stay libraries.
	fsys = fstest.MapFS{"helper.rego": {Data: []byte("package vigil.checks.kubernetes.helpers\nimport rego.v1\nx := 1\n")}}
	if _, err := New(t.Context(), Options{Builtin: fsys}); err != nil {
		t.Errorf("New with a helper module: %v", err)
	}
}

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

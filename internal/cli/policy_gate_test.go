package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestScanPolicyExitCodes checks the exact exit code of `vigil scan DIR
// --policy P` for every combination in testdata/script/policy_gate.txtar
// (whose files it reuses): 1 when a deny matches, 0 when none does, 2
// when a policy defines nothing to evaluate or does not compile.
func TestScanPolicyExitCodes(t *testing.T) {
	ar, err := txtar.ParseFile("testdata/script/policy_gate.txtar")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range ar.Files {
		p := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	t.Setenv("VIGIL_DB_DIR", filepath.Join(dir, "db"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, ".cache"))
	t.Setenv("VIGIL_DB_SOURCE", "http://127.0.0.1:1/") // never reached: no ecosystem in app
	tests := []struct {
		policies []string
		want     int
		stderr   string
	}{
		{[]string{"deny-only"}, ExitGate, "policy deny: release freeze: nothing ships today"},
		{[]string{"warn-only"}, ExitOK, "policy warn: heads up"},
		{[]string{"both"}, ExitGate, "policy deny: 1 files"},
		{[]string{"no-match"}, ExitOK, ""},
		{[]string{"checks-only"}, ExitOK, ""},
		{[]string{"warn-only", "deny-only"}, ExitGate, "policy deny: release freeze"},
		{[]string{"helpers-only"}, ExitError, `policy "helpers-only": no deny or warn rule in package vigil`},
		{[]string{"conftest"}, ExitError, `policy "conftest": no deny or warn rule in package vigil`},
		{[]string{"empty"}, ExitError, `policy "empty"`},
		{[]string{"deny-only", "empty"}, ExitError, `policy "empty"`},
		{[]string{"broken"}, ExitError, "broken/p.rego:3"},
		{[]string{"missing"}, ExitError, `"missing"`},
	}
	for _, tt := range tests {
		name := strings.Join(tt.policies, "+")
		t.Run(name, func(t *testing.T) {
			args := []string{"scan", "app"}
			for _, p := range tt.policies {
				args = append(args, "--policy", p)
			}
			var stdout, stderr bytes.Buffer
			got := Run(t.Context(), args, nil, &stdout, &stderr)
			if got != tt.want || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("vigil %s: exit %d, want %d with %q on stderr; stderr:\n%s", strings.Join(args, " "), got, tt.want, tt.stderr, stderr.String())
			}
		})
	}
}

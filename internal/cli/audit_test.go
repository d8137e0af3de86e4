package cli

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestAuditLocalTamper: a local log of four scans verifies; an edited,
// removed, reordered or cut record makes verify exit 1 naming it.
func TestAuditLocalTamper(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "app")
	os.MkdirAll(app, 0o755)
	os.WriteFile(filepath.Join(app, "go.mod"), []byte("module example.com/app\n\ngo 1.22\n"), 0o644)
	log := filepath.Join(dir, "audit.jsonl")
	var head string
	for range 4 {
		code, _, stderr := runCLI(t, "scan", "--scanners", "secret", "--audit-log", log, app)
		if code != 0 {
			t.Fatalf("scan: exit %d: %s", code, stderr)
		}
		head = strings.Fields(strings.TrimPrefix(stderr[strings.LastIndex(stderr, "audit: record "):], "audit: record "))[0]
	}
	data, _ := os.ReadFile(log)
	lines := strings.SplitAfter(string(data), "\n")[:4]
	tests := []struct {
		name    string
		content string
		args    []string
		want    string
	}{
		{"untouched", string(data), nil, ""},
		{"edit", strings.Join(lines[:2], "") + strings.Replace(lines[2], `"passed":true`, `"passed":false`, 1) + lines[3], nil, "record 3 (line 3): its hash does not match"},
		{"delete", lines[0] + lines[2] + lines[3], nil, "record 2 (line 2): missing"},
		{"reorder", lines[0] + lines[1] + lines[3] + lines[2], nil, "record 3 (line 3): missing"},
		{"cut", string(data[:len(data)-5]), nil, "record 4 (line 4): the last line has no newline"},
		{"truncate", strings.Join(lines[:3], ""), []string{"--expect-head", head}, "record 4: missing: the log ends at record 3 but record 4 is anchored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "audit.jsonl")
			os.WriteFile(p, []byte(tt.content), 0o644)
			code, stdout, stderr := runCLI(t, append([]string{"audit", "verify", "--file", p}, tt.args...)...)
			if tt.want == "" {
				if code != 0 || !strings.Contains(stdout, "4 records") {
					t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
				}
				return
			}
			if code != ExitGate || !strings.Contains(stderr, tt.want) {
				t.Errorf("verify: exit %d, stderr %q; want exit 1 and %q", code, stderr, tt.want)
			}
		})
	}
}

// TestAuditVerifyServerDatabase: vigil audit verify --data-dir reads the
// server's SQLite database and names a record deleted from it.
func TestAuditVerifyServerDatabase(t *testing.T) {
	data := t.TempDir()
	t.Setenv("VIGIL_ACTOR", "ops")
	for _, name := range []string{"a", "b", "c"} {
		if code, _, stderr := runCLI(t, "token", "create", "--data-dir", data, "--role", "reader", "--name", name); code != 0 {
			t.Fatalf("token create: %s", stderr)
		}
	}
	if code, _, stderr := runCLI(t, "token", "revoke", "--data-dir", data, "2"); code != 0 {
		t.Fatalf("token revoke: %s", stderr)
	}
	code, stdout, stderr := runCLI(t, "audit", "verify", "--data-dir", data)
	if code != 0 || !strings.Contains(stdout, "4 records") {
		t.Fatalf("verify: exit %d %s %s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "audit", "export", "--data-dir", data)
	if code != 0 || strings.Count(stdout, "\n") != 4 || !strings.Contains(stdout, `"actor":"ops","kind":"token.revoke","subject":"token:2"`) {
		t.Fatalf("export: exit %d\n%s", code, stdout)
	}
	db, err := sql.Open("sqlite", filepath.Join(data, "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE seq = 2"} {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	code, _, stderr = runCLI(t, "audit", "verify", "--data-dir", data)
	if code != ExitGate || !strings.Contains(stderr, "record 2: missing") {
		t.Errorf("verify after a delete: exit %d %s", code, stderr)
	}
}

package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestServeAuditKey: vigil serve --audit-key records its configuration and
// signs a checkpoint at shutdown; verify with the public key counts it, and
// fails with another key.
func TestServeAuditKey(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	_, priv, _ := ed25519.GenerateKey(nil)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	keyFile := filepath.Join(dir, "audit.key")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	pubDER, _ := x509.MarshalPKIXPublicKey(priv.Public())
	pubFile := filepath.Join(dir, "audit.pub")
	os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)
	other := filepath.Join(dir, "other.pub")
	os.WriteFile(other, bytes.Repeat([]byte{1}, 32), 0o644)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"serve", "--data-dir", data, "--listen", "127.0.0.1:0", "--vulndb-from", t.TempDir(), "--refresh-interval", "0",
			"--audit-key", keyFile}, strings.NewReader(""), io.Discard, io.Discard)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, out, _ := runCLI(t, "audit", "export", "--data-dir", data)
		if strings.Contains(out, `"kind":"server.config"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no server.config record")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve: exit %d", code)
	}
	code, stdout, stderr := runCLI(t, "audit", "verify", "--data-dir", data, "--public-key", pubFile)
	if code != 0 || !strings.Contains(stdout, "1 checkpoints signed by the trusted key, the last at record 2") {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "audit", "verify", "--data-dir", data, "--public-key", other); code != ExitGate || !strings.Contains(stderr, "record 2: the checkpoint is signed with another key") {
		t.Errorf("verify with another key: exit %d %s", code, stderr)
	}
}

func TestMaskURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://vigil:s3cret@db:5432/vigil":     "postgres://vigil:xxxxx@db:5432/vigil",
		"postgres://db/vigil?password=s3cret&x=1":   "postgres://db/vigil?password=xxxxx&x=1",
		"postgres://vigil@db/vigil?sslmode=disable": "postgres://vigil@db/vigil?sslmode=disable",
		"127.0.0.1:8080": "127.0.0.1:8080",
		"/var/lib/vigil": "/var/lib/vigil",
	} {
		if got := maskURL(in); got != want {
			t.Errorf("maskURL(%q) = %q, want %q", in, got, want)
		}
	}
}

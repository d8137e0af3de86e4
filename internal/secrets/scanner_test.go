package secrets

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Test tokens are assembled at run time so that no credential-shaped
// literal is committed.
func ghToken30(prefix, body string) string {
	sum := base62CRC32([]byte(body))
	return prefix + body + string(sum[:])
}

var (
	testGHP     = ghToken30("ghp_", "Zq8mR2vK9xWc4TnL7pYb3HdJ6sFgA1")
	testAWSID   = "AKIA" + "QX7RZ4T2MB5KJW3N"
	testAWSKey  = "k7Rz9Q2mXw" + "P4vT8nB3yL6cJ1hF5dS0gA2eUoIqZx"
	testStripe  = "sk_live_" + "51HxQ2eKq8Zr7Tm4Vb9Np3Ld"
	testPassURL = "postgres://orders:" + "Vq7-Lm2xR9zT" + "@db.internal:5432/orders"
)

func newScanner(t testing.TB, opts Options) *Scanner {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGitHubChecksum(t *testing.T) {
	tests := []struct {
		name string
		tok  string
		want bool
	}{
		{"valid", testGHP, true},
		{"valid oauth", ghToken30("gho_", "aaaaBBBBccccDDDDeeeeFFFFgggg12"), true},
		{"flipped checksum char", testGHP[:len(testGHP)-1] + "x", false},
		{"flipped body char", "ghp_Y" + testGHP[5:], false},
		{"documented example", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", false},
		{"too short", "ghp_abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validGitHubChecksum([]byte(tt.tok)); got != tt.want {
				t.Errorf("validGitHubChecksum(%q) = %v, want %v", tt.tok, got, tt.want)
			}
		})
	}
}

type hitSummary struct {
	RuleID string
	Line   int
	Column int
}

func summarize(fs []Finding) []hitSummary {
	var out []hitSummary
	for _, f := range fs {
		out = append(out, hitSummary{f.RuleID, f.Line, f.Column})
	}
	return out
}

func TestScanReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []hitSummary
	}{
		{"github pat", "token: " + testGHP + "\n", []hitSummary{{"github-pat", 1, 8}}},
		{"bad checksum", "token: " + testGHP[:len(testGHP)-1] + "Q\n", nil},
		{"aws pair", "aws_access_key_id = " + testAWSID + "\naws_secret_access_key = " + testAWSKey + "\n",
			[]hitSummary{{"aws-access-key-id", 1, 21}, {"aws-secret-access-key", 2, 25}}},
		{"aws documented example", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", nil},
		{"inline allow", "key = \"" + testStripe + "\" # vigil:allow\n", nil},
		{"stripe", "\n\nkey = \"" + testStripe + "\"\n", []hitSummary{{"stripe-secret-key", 3, 8}}},
		{"stripe publishable", "key = \"pk_live_51HxQ2eKq8Zr7Tm4Vb9Np3Ld\"\n", nil},
		{"database url", "url: " + testPassURL, []hitSummary{{"database-url-password", 1, 24}}},
		{"database url placeholder", "url: postgres://user:password@localhost/db", nil},
		{"template", "password: ${DB_PASSWORD}\n", nil},
		{"generic password", `DB_PASSWORD = "Tq9!vR2#mLx7"` + "\n", []hitSummary{{"generic-password", 1, 16}}},
		{"password hash", `password_hash = "$2b$12$KIXQJbY7fN1cV0r9o5b0ye2YwG3gqgGZbWm3yS8o5m0X6aQk1lY3W"` + "\n", nil},
		{"integrity", `"integrity": "sha512-` + testAWSKey + testAWSKey + `=="`, nil},
		{"uuid token", `request_token = "3f1c2b4a-9d8e-4f7a-8b6c-5d4e3f2a1b0c"`, nil},
		{"specific beats generic", `api_token = "` + testGHP + `"`, []hitSummary{{"github-pat", 1, 14}}},
		{"crlf", "a\r\ntoken: " + testGHP + "\r\n", []hitSummary{{"github-pat", 2, 8}}},
	}
	s := newScanner(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ScanReader(t.Context(), "f.txt", strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summarize(got)); diff != "" {
				t.Errorf("ScanReader(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestPrivateKeyMultiline(t *testing.T) {
	body := strings.Repeat("MIIEpAIBAAKCAQEA3q9Xv7Lk2Rz8Tm4Wb6Nc1Pd5Qf0Hs2Jg7Ka3Yt9Ue8Io6Op1", 4)
	var b strings.Builder
	b.WriteString("# key\n-----BEGIN RSA PRIVATE KEY-----\n")
	for i := 0; i < len(body); i += 64 {
		b.WriteString(body[i:min(len(body), i+64)] + "\n")
	}
	b.WriteString("-----END RSA PRIVATE KEY-----\n")
	s := newScanner(t, Options{})
	got, err := s.ScanReader(t.Context(), "id_rsa", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].RuleID != "private-key-rsa" || got[0].Line != 2 || got[0].EndLine != 7 {
		t.Fatalf("got %+v, want one private-key-rsa finding on lines 2-7", got)
	}
	// The same key JSON-escaped on one line has the same fingerprint.
	esc := strings.ReplaceAll(b.String()[len("# key\n"):], "\n", `\n`)
	got2, err := s.ScanReader(t.Context(), "k.json", strings.NewReader(`{"key": "`+esc+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got2) != 1 || got2[0].Fingerprint != got[0].Fingerprint {
		t.Errorf("escaped key: got %+v, want fingerprint %s", got2, got[0].Fingerprint)
	}
	// Placeholder bodies are not keys.
	ph := "-----BEGIN RSA PRIVATE KEY-----\n...your key here...\n-----END RSA PRIVATE KEY-----\n"
	got3, _ := s.ScanReader(t.Context(), "README", strings.NewReader(ph))
	if len(got3) != 0 {
		t.Errorf("placeholder key: got %+v, want none", got3)
	}
}

func TestFingerprintStable(t *testing.T) {
	s := newScanner(t, Options{})
	a, _ := s.ScanReader(t.Context(), "a.env", strings.NewReader("GH="+testGHP+"\n"))
	b, _ := s.ScanReader(t.Context(), "dir/b.yaml", strings.NewReader("\n\n  token: '"+testGHP+"'\n"))
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("got %d and %d findings, want 1 and 1", len(a), len(b))
	}
	if a[0].Fingerprint != b[0].Fingerprint {
		t.Errorf("fingerprints differ across files: %s vs %s", a[0].Fingerprint, b[0].Fingerprint)
	}
	if want := Fingerprint("github-pat", []byte(testGHP)); a[0].Fingerprint != want {
		t.Errorf("fingerprint = %s, want %s", a[0].Fingerprint, want)
	}
	if a[0].Match != "ghp_…" {
		t.Errorf("Match = %q, want %q", a[0].Match, "ghp_…")
	}
}

func TestScanFSSkips(t *testing.T) {
	fsys := fstest.MapFS{
		"app/config.env":   {Data: []byte("GITHUB_TOKEN=" + testGHP + "\n")},
		".git/config":      {Data: []byte("token=" + testGHP + "\n")},
		"bin/tool":         {Data: append([]byte("\x7fELF\x00\x00"), []byte("token="+testGHP+"\n")...)},
		"big/dump.sql":     {Data: []byte(strings.Repeat("x", 2000) + testGHP)},
		"web/app.min.js":   {Data: []byte(`var a={token:"Zq8mR2vK9xWc4TnL7pYb3HdJ6sFgA1Zq8"};`)},
		"lock/yarn.lock":   {Data: []byte("secret-handshake@^1.1.0:\n  integrity sha512-" + testAWSKey + testAWSKey + "\n")},
		"docs/example.env": {Data: []byte("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nTOKEN=<token>\nPASSWORD=xxxx\nKEY=${VAR}\n")},
	}
	s := newScanner(t, Options{MaxFileSize: 1024})
	got, ferrs, err := s.ScanFS(t.Context(), fsys)
	if err != nil || len(ferrs) > 0 {
		t.Fatalf("ScanFS: %v %v", err, ferrs)
	}
	want := []Finding{{RuleID: "github-pat", Path: "app/config.env", Line: 1, Column: 14}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Finding{}, "Title", "Severity", "EndLine", "EndColumn", "Match", "Fingerprint")); diff != "" {
		t.Errorf("ScanFS mismatch (-want +got):\n%s", diff)
	}
}

func TestScanTar(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name, body string) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	add("./app/.env", "STRIPE_KEY="+testStripe+"\n")
	add("etc/.wh.secret", "")
	add("usr/share/doc/readme", "nothing here\n")
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	s := newScanner(t, Options{})
	archive := bytes.Clone(buf.Bytes())
	got, err := s.ScanTar(t.Context(), bytes.NewReader(archive), "sha256:abc")
	if err != nil {
		t.Fatal(err)
	}
	want := []hitSummary{{"stripe-secret-key", 1, 12}}
	if diff := cmp.Diff(want, summarize(got)); diff != "" {
		t.Errorf("ScanTar mismatch (-want +got):\n%s", diff)
	}
	if len(got) == 1 && (got[0].Layer != "sha256:abc" || got[0].Path != "app/.env") {
		t.Errorf("got layer %q path %q", got[0].Layer, got[0].Path)
	}
	// A truncated archive is an error naming the layer, not a panic.
	if _, err := s.ScanTar(t.Context(), bytes.NewReader(archive[:530]), "sha256:trunc"); err == nil || !strings.Contains(err.Error(), "sha256:trunc") {
		t.Errorf("truncated tar: err = %v, want error naming the layer", err)
	}
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Dev One", "GIT_AUTHOR_EMAIL=dev@example.com", "GIT_AUTHOR_DATE=2024-03-01T10:00:00Z",
		"GIT_COMMITTER_NAME=Dev One", "GIT_COMMITTER_EMAIL=dev@example.com", "GIT_COMMITTER_DATE=2024-03-01T10:00:00Z",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestGitHistory(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write := func(name, body string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("README.md", "# demo\n")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "init")
	write("config/app.env", "LOG_LEVEL=info\nREGION=eu\nGITHUB_TOKEN="+testGHP+"\n")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "add config")
	write("config/app.env", "LOG_LEVEL=info\nREGION=eu\nGITHUB_TOKEN=${GITHUB_TOKEN}\n")
	git(t, dir, "commit", "-q", "-am", "remove token")
	// A secret only on another branch is found too.
	git(t, dir, "checkout", "-q", "-b", "feature")
	write("db.txt", "url: "+testPassURL+"\n")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "db")
	git(t, dir, "checkout", "-q", "main")

	s := newScanner(t, Options{})
	hist, err := s.ScanGitHistory(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	type h struct {
		RuleID, Path string
		Line         int
		Author, Date string
	}
	var got []h
	for _, f := range hist {
		if len(f.Commit) != 40 {
			t.Errorf("finding %+v has no commit", f)
		}
		got = append(got, h{f.RuleID, f.Path, f.Line, f.Author, f.Date})
	}
	want := []h{
		{"github-pat", "config/app.env", 3, "Dev One <dev@example.com>", "2024-03-01T10:00:00Z"},
		{"database-url-password", "db.txt", 1, "Dev One <dev@example.com>", "2024-03-01T10:00:00Z"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ScanGitHistory mismatch (-want +got):\n%s", diff)
	}
	// The working tree (main) no longer holds either secret.
	tree, _, err := s.ScanFS(t.Context(), os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(tree) != 0 {
		t.Errorf("ScanFS found %+v, want nothing in the working tree", tree)
	}
	if _, err := s.ScanGitHistory(t.Context(), t.TempDir()); err == nil {
		t.Error("ScanGitHistory on a non-repository: want error")
	}
}

func TestBaseline(t *testing.T) {
	findings := []Finding{{RuleID: "a", Fingerprint: "sha256:1111111111111111"}, {RuleID: "b", Fingerprint: "sha256:2222222222222222"}}
	tests := []struct {
		name    string
		file    string
		wantFPs []string
		wantErr bool
	}{
		{"list", `["sha256:1111111111111111"]`, []string{"sha256:1111111111111111"}, false},
		{"report", `{"results":[{"secrets":[{"ruleID":"a","Fingerprint":"sha256:2222222222222222"}]}]}`, []string{"sha256:2222222222222222"}, false},
		{"findings array", `[{"fingerprint":"sha256:1111111111111111"},{"fingerprint":"sha256:2222222222222222"}]`, []string{"sha256:1111111111111111", "sha256:2222222222222222"}, false},
		{"empty", `[]`, []string{}, false},
		{"malformed", `{"a":`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "baseline.json")
			if err := os.WriteFile(p, []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			b, err := LoadBaseline(p)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), p) {
					t.Fatalf("LoadBaseline: err = %v, want error naming the file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantFPs, b.Fingerprints(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("fingerprints mismatch (-want +got):\n%s", diff)
			}
			kept, n := b.Filter(findings)
			if n+len(kept) != len(findings) || n != len(tt.wantFPs) {
				t.Errorf("Filter kept %d suppressed %d", len(kept), n)
			}
		})
	}
}

func TestRulesMetadata(t *testing.T) {
	rules := Rules()
	if len(rules) < 60 {
		t.Errorf("%d rules, want at least 60", len(rules))
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.ID] {
			t.Errorf("duplicate rule id %q", r.ID)
		}
		seen[r.ID] = true
		if r.Title == "" || r.Description == "" || r.Severity.String() == "UNKNOWN" {
			t.Errorf("rule %q lacks metadata: %+v", r.ID, r)
		}
	}
	if _, err := New(Options{DisabledRules: []string{"no-such-rule"}}); err == nil {
		t.Error("New with unknown disabled rule: want error")
	}
	s := newScanner(t, Options{DisabledRules: []string{"github-pat"}})
	got, _ := s.ScanReader(t.Context(), "f", strings.NewReader(testGHP))
	if len(got) != 0 {
		t.Errorf("disabled rule still reports: %+v", got)
	}
}

func TestOversizeReader(t *testing.T) {
	s := newScanner(t, Options{MaxFileSize: 10})
	if _, err := s.ScanReader(t.Context(), "big", strings.NewReader(strings.Repeat("a", 11))); err == nil || !strings.Contains(err.Error(), "big") {
		t.Errorf("err = %v, want ErrTooLarge naming the file", err)
	}
}

func TestDocsListEveryRule(t *testing.T) {
	doc, err := os.ReadFile("../../docs/secrets.md")
	if err != nil {
		t.Skip("docs not present:", err)
	}
	for _, r := range Rules() {
		if !strings.Contains(string(doc), "| `"+r.ID+"` |") {
			t.Errorf("docs/secrets.md does not list rule %q", r.ID)
		}
	}
}

// TestChunkBoundaries scans a file several chunks long with secrets on
// both sides of, and across, chunk boundaries.
func TestChunkBoundaries(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	body := strings.Repeat("MIIEpAIBAAKCAQEA3q9Xv7Lk2Rz8Tm4Wb6Nc1Pd5Qf0Hs2Jg7Ka3Yt9Ue8Io6Op1", 4)
	key := "-----BEGIN RSA PRIVATE KEY-----\n" + body[:128] + "\n" + body[128:] + "\n-----END RSA PRIVATE KEY-----\n"
	var b strings.Builder
	var want []hitSummary
	line := 1
	for b.Len() < 3*chunkSize {
		switch {
		case line%40000 == 0:
			b.WriteString("GITHUB_TOKEN=" + testGHP + "\n")
			want = append(want, hitSummary{"github-pat", line, 14})
			line++
		case line%40000 == 20000:
			b.WriteString(key)
			want = append(want, hitSummary{"private-key-rsa", line, 1})
			line += strings.Count(key, "\n")
		default:
			fmt.Fprintf(&b, "filler line %08d with some words in it\n", line)
			line++
		}
	}
	s := newScanner(t, Options{MaxFileSize: -1})
	got, err := s.ScanReader(t.Context(), "big.txt", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, summarize(got)); diff != "" {
		t.Errorf("chunked scan mismatch (-want +got):\n%s", diff)
	}
}

package tracker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/severity"
)

func TestParse(t *testing.T) {
	good, err := os.ReadFile("testdata/trackers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("vigil.yaml", good)
	if err != nil {
		t.Fatalf("Parse(testdata/trackers.yaml): %v", err)
	}
	if c.Debounce != 2*time.Second || c.FullReconcile != 30*time.Minute || len(c.Rules) != 2 {
		t.Fatalf("Parse = %+v", c)
	}
	r := c.Rules[0]
	if r.GitHub == nil || r.GitHub.Repo != "acme/payments" || r.GitHub.TokenEnv != "GITHUB_TOKEN" || r.Select.MinSeverity != severity.High || !r.Select.FixableOnly || len(r.Labels) != 2 {
		t.Errorf("rule 1 = %+v", r)
	}
	if g := c.Rules[1].GitLab; g == nil || g.Project != "acme/platform/security" || g.TokenFile == "" {
		t.Errorf("rule 2 = %+v", c.Rules[1])
	}

	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "rules:\n  - name: a\n    github: {repo: o/r, token_env: T, tokne: x}\n", "tokne"},
		{"no target", "rules:\n  - name: a\n", "needs a github or a gitlab target"},
		{"both targets", "rules:\n  - name: a\n    github: {repo: o/r, token_env: T}\n    gitlab: {project: g/p, token_env: T}\n", "both"},
		{"bad repo", "rules:\n  - name: a\n    github: {repo: nope, token_env: T}\n", "want owner/name"},
		{"no token", "rules:\n  - name: a\n    github: {repo: o/r}\n", "needs token_env or token_file"},
		{"two tokens", "rules:\n  - name: a\n    github: {repo: o/r, token_env: T, token_file: /f}\n", "exclusive"},
		{"bad env name", "rules:\n  - name: a\n    github: {repo: o/r, token_env: 'A B'}\n", "not a variable name"},
		{"credentials in url", "rules:\n  - name: a\n    gitlab: {project: g/p, token_env: T, base_url: 'https://u:p@h'}\n", "without credentials"},
		{"duplicate name", "rules:\n  - {name: a, github: {repo: o/r, token_env: T}}\n  - {name: a, github: {repo: o/s, token_env: T}}\n", "used twice"},
		{"bad name", "rules:\n  - {name: 'A!', github: {repo: o/r, token_env: T}}\n", "name"},
		{"kinds", "rules:\n  - {name: a, select: {kinds: [finding.new]}, github: {repo: o/r, token_env: T}}\n", "kinds do not apply"},
		{"bad glob", "rules:\n  - {name: a, select: {projects: ['[']}, github: {repo: o/r, token_env: T}}\n", "glob"},
		{"bad severity", "rules:\n  - {name: a, select: {min_severity: huge}, github: {repo: o/r, token_env: T}}\n", "severity"},
		{"short full reconcile", "full_reconcile: 1s\n", "full_reconcile"},
		{"alias", "a: &x [1]\nrules: *x\n", "aliases"},
		{"deep", strings.Repeat("[", 40) + strings.Repeat("]", 40), "nested deeper"},
		{"too big", "rules: []\n" + strings.Repeat("#", MaxConfigBytes), "bytes"},
		{"not a mapping", "- 1\n", "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("vigil.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "vigil.yaml: trackers: ") {
				t.Errorf("Parse: %v, want an error naming the file and %q", err, tt.want)
			}
		})
	}
}

func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("glpat-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	twoLines := filepath.Join(dir, "two")
	os.WriteFile(twoLines, []byte("a\nb\n"), 0o600)
	env := map[string]string{"GH": "ghp_x"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name string
		rule Rule
		want string // "" = loads
	}{
		{"env", Rule{Name: "a", GitHub: &GitHub{Repo: "o/r", Credentials: Credentials{TokenEnv: "GH"}}}, ""},
		{"file", Rule{Name: "a", GitLab: &GitLab{Project: "g/p", Credentials: Credentials{TokenFile: tokenFile}}}, ""},
		{"unset env", Rule{Name: "a", GitHub: &GitHub{Repo: "o/r", Credentials: Credentials{TokenEnv: "NOPE"}}}, "token_env NOPE is not set"},
		{"missing file", Rule{Name: "a", GitLab: &GitLab{Project: "g/p", Credentials: Credentials{TokenFile: filepath.Join(dir, "none")}}}, "token_file"},
		{"two lines", Rule{Name: "a", GitLab: &GitLab{Project: "g/p", Credentials: Credentials{TokenFile: twoLines}}}, "one non-empty line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(Config{Rules: []Rule{tt.rule}}, LoadOptions{Getenv: getenv})
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Load: %v, want %q", err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "ghp_x") || strings.Contains(err.Error(), "glpat-from-file")) {
				t.Errorf("the error shows a token: %v", err)
			}
		})
	}
}

// FuzzParse: no panic, bounded work, and what parses validates.
func FuzzParse(f *testing.F) {
	good, err := os.ReadFile("testdata/trackers.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("rules:\n  - {name: a, github: {repo: o/r, token_env: T}}\n"))
	f.Add([]byte("a: &x [1]\nrules: *x\n"))
	f.Add([]byte(strings.Repeat("[", 100)))
	f.Add([]byte("debounce: 99999h\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse("f.yaml", b)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a config that does not validate: %v", err)
		}
	})
}

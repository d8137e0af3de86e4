package registrywatch

import (
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParse(t *testing.T) {
	b, err := os.ReadFile("testdata/registries.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(b, env(map[string]string{"VIGIL_TEST_REGISTRY_PASSWORD": "s3cret"}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(c.Repositories) != 2 || c.MaxTags != 500 || c.MaxNewPerPoll != DefaultMaxNewPerPoll || c.Retries != DefaultRetries {
		t.Fatalf("Parse = %+v", c)
	}
	app, base := c.Repositories[0], c.Repositories[1]
	if app.Tags != "v*" || app.Interval != 5*time.Minute || app.Project != "app" || app.Password() != "" {
		t.Errorf("app = %+v", app)
	}
	if base.Tags != "*" || base.Interval != 30*time.Second || !base.Insecure || base.Password() != "s3cret" {
		t.Errorf("base = %+v", base)
	}
	red := c.Redacted()
	if s := strings.Join(strings.Fields(strings.ReplaceAll(fmtAny(red), "\n", " ")), " "); strings.Contains(s, "s3cret") || !strings.Contains(s, "VIGIL_TEST_REGISTRY_PASSWORD") {
		t.Errorf("Redacted = %s: want the variable's name, never the password", s)
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown key", "repositories: []\nrepos: []\n", "field repos not found"},
		{"unknown repository key", "repositories:\n  - repository: r.example/a\n    project: a\n    tag: v*\n", "field tag not found"},
		{"no repository", "repositories:\n  - project: a\n", "repository is required"},
		{"bad repository", "repositories:\n  - repository: 'r.example/A B'\n    project: a\n", "repositories[0] (r.example/A B): repository"},
		{"tagged repository", "repositories:\n  - repository: r.example/a:v1\n    project: a\n", "(r.example/a:v1): repository: "},
		{"bad glob", "repositories:\n  - repository: r.example/a\n    project: a\n    tags: '[v'\n", "not a valid glob"},
		{"bad project", "repositories:\n  - repository: r.example/a\n    project: '-x'\n", "project \"-x\""},
		{"interval too short", "repositories:\n  - repository: r.example/a\n    project: a\n    interval: 10ms\n", "interval 10ms out of range"},
		{"duplicate", "repositories:\n  - repository: r.example/a\n    project: a\n  - repository: r.example/a\n    project: b\n", "the same repository as repositories[0]"},
		{"user without password", "repositories:\n  - repository: r.example/a\n    project: a\n    username: bot\n", "username and password_env go together"},
		{"password unset", "repositories:\n  - repository: r.example/a\n    project: a\n    username: bot\n    password_env: NOPE\n", "password_env NOPE is not set"},
		{"bad env name", "repositories:\n  - repository: r.example/a\n    project: a\n    username: bot\n    password_env: 'A-B'\n", "not an environment variable name"},
		{"bad platform", "repositories:\n  - repository: r.example/a\n    project: a\n    platform: 'a/b/c/d'\n", "platform"},
		{"max tags", "max_tags: -1\nrepositories: []\n", "max_tags -1"},
		{"not a mapping", "- a\n", "cannot unmarshal"},
		{"too large", strings.Repeat("#", MaxConfigSize+1), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse([]byte("repositories:\n  - repository: r.example/a\n    project: '-'\n    tags: '['\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "glob") || !strings.Contains(err.Error(), "project") {
		t.Fatalf("Parse = %v, want both problems", err)
	}
}

func TestParseEmpty(t *testing.T) {
	c, err := Parse(nil, env(nil))
	if err != nil || len(c.Repositories) != 0 {
		t.Fatalf("Parse(empty) = %+v, %v", c, err)
	}
}

// TestShared: the shared list holds no password and no local path, reads
// back the same, marks a repository whose password variable this replica
// lacks, and Diff names what differs.
func TestShared(t *testing.T) {
	pw := env(map[string]string{"PW": "s3cret"})
	a, err := Parse([]byte(`docker_config: /etc/vigil/docker.json
repositories:
  - {repository: r.example/b, project: b, username: bot, password_env: PW}
  - {repository: r.example/a, project: a, tags: "v*"}
`), pw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.Shared()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cret") || strings.Contains(string(b), "docker") || !strings.Contains(string(b), `"password_env":"PW"`) {
		t.Errorf("shared list %s: want no secret or local path, the variable's name", b)
	}
	here, err := FromShared(b, "/local/docker.json", pw)
	if err != nil || len(Diff(a, here, "a", "b")) != 0 || here.DockerConfig != "/local/docker.json" {
		t.Fatalf("FromShared: %v %v", err, Diff(a, here, "a", "b"))
	}
	for _, r := range here.Repositories {
		if r.Repository == "r.example/b" && (r.Password() != "s3cret" || r.MissingCredentials()) {
			t.Errorf("password not read from this replica's environment: %+v", r)
		}
	}
	elsewhere, err := FromShared(b, "", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range elsewhere.Repositories {
		if (r.Repository == "r.example/b") != r.MissingCredentials() {
			t.Errorf("%s: MissingCredentials = %v", r.Repository, r.MissingCredentials())
		}
	}
	other, err := Parse([]byte("repositories:\n  - {repository: r.example/a, project: a}\n  - {repository: r.example/c, project: c}\n"), pw)
	if err != nil {
		t.Fatal(err)
	}
	d := strings.Join(Diff(a, other, "the database", "this section"), "\n")
	for _, want := range []string{"repository r.example/a: the database", `"tags":"v*"`, "repository r.example/c: only in this section", "repository r.example/b: only in the database"} {
		if !strings.Contains(d, want) {
			t.Errorf("Diff lacks %q:\n%s", want, d)
		}
	}
}

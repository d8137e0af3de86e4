package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeServeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "serve.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRegistriesSection: the registries section of the serve config file
// is decoded strictly with its passwords from the environment.
func TestRegistriesSection(t *testing.T) {
	t.Setenv("VIGIL_TEST_REG_PW", "s3cret")
	p := writeServeConfig(t, `listen: 127.0.0.1:0
registries:
  max_tags: 50
  repositories:
    - repository: registry.example.com/team/app
      tags: "v*"
      project: app
      interval: 1m
      username: bot
      password_env: VIGIL_TEST_REG_PW
`)
	cmd := newServeCmd(&env{})
	if err := cmd.ParseFlags([]string{"--config", p}); err != nil {
		t.Fatal(err)
	}
	f := &serveFlags{configFile: p}
	if err := applyFlagSources(cmd, p, &f.sections); err != nil {
		t.Fatal(err)
	}
	cfg, err := registriesConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg == nil || cfg.MaxTags != 50 || len(cfg.Repositories) != 1 {
		t.Fatalf("registries = %+v", cfg)
	}
	r := cfg.Repositories[0]
	if r.Tags != "v*" || r.Interval != time.Minute || r.Password() != "s3cret" {
		t.Errorf("repository = %+v", r)
	}
	if none, err := registriesConfig(&serveFlags{}); none != nil || err != nil {
		t.Errorf("without a section = %+v, %v", none, err)
	}
}

// TestServeRefusesBadRegistries: a registries section that cannot be
// parsed or validated stops `vigil serve` before it starts, with an error
// naming the file and the problem.
func TestServeRefusesBadRegistries(t *testing.T) {
	tests := []struct {
		name, section, want string
	}{
		{"unknown key", "registries:\n  repositories: []\n  poll: 1m\n", "field poll not found"},
		{"bad glob", "registries:\n  repositories:\n    - repository: r.example/a\n      project: a\n      tags: '[v'\n", "not a valid glob"},
		{"password unset", "registries:\n  repositories:\n    - repository: r.example/a\n      project: a\n      username: u\n      password_env: VIGIL_TEST_UNSET_PW\n", "password_env VIGIL_TEST_UNSET_PW is not set"},
		{"not a mapping", "registries: [1, 2]\n", "registries: yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeServeConfig(t, "listen: 127.0.0.1:0\n"+tt.section)
			var stdout, stderr bytes.Buffer
			code := Run(t.Context(), []string{"serve", "--config", p, "--data-dir", t.TempDir()}, strings.NewReader(""), &stdout, &stderr)
			if code != ExitError || !strings.Contains(stderr.String(), p) || !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("vigil serve = %d, stderr %q; want exit %d naming %s and %q", code, stderr.String(), ExitError, p, tt.want)
			}
		})
	}
}

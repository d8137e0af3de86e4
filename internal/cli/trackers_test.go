package cli

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrackersSection: the trackers section of the serve config file is
// handed to the tracker package and fails closed, naming the file.
func TestTrackersSection(t *testing.T) {
	t.Setenv("VIGIL_TEST_TRACKER_TOKEN", "ghp_value")
	tests := []struct {
		name    string
		config  string
		rules   int
		wantErr string
	}{
		{name: "none", config: "listen: 127.0.0.1:0\n"},
		{name: "one rule", config: "trackers:\n  rules:\n    - name: web\n      select: {projects: [web], min_severity: high}\n      github: {repo: acme/web, token_env: VIGIL_TEST_TRACKER_TOKEN}\n", rules: 1},
		{name: "unknown key", config: "trackers:\n  rulez: []\n", wantErr: "rulez"},
		{name: "unset token", config: "trackers:\n  rules:\n    - name: web\n      gitlab: {project: acme/web, token_env: VIGIL_TEST_NO_SUCH_TOKEN}\n", wantErr: "token_env VIGIL_TEST_NO_SUCH_TOKEN is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "serve.yaml")
			if err := os.WriteFile(p, []byte(tt.config), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := newServeCmd(&env{})
			var f serveFlags
			if err := cmd.ParseFlags([]string{"--config", p}); err != nil {
				t.Fatal(err)
			}
			f.configFile = p
			if err := applyFlagSources(cmd, p, &f.sections); err != nil {
				t.Fatal(err)
			}
			set, desc, err := f.trackers(slog.New(slog.DiscardHandler))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), p) {
					t.Fatalf("trackers: %v, want an error naming %s and %q", err, p, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.rules == 0 {
				if set != nil {
					t.Errorf("no section, got %+v", set)
				}
				return
			}
			if set == nil || len(set.Targets) != tt.rules {
				t.Fatalf("set = %+v", set)
			}
			if s := strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(fmtAny(desc), "\n", " ")), " ")); strings.Contains(s, "ghp_value") || !strings.Contains(s, "vigil_test_tracker_token") {
				t.Errorf("audited description %s: want the variable's name and not the token", s)
			}
		})
	}
}

func fmtAny(v any) string { return fmt.Sprint(v) }

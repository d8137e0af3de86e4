package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFreshnessSection(t *testing.T) {
	tests := []struct {
		name, config string
		want         time.Duration
		wantErr      string
	}{
		{name: "absent", config: "listen: 127.0.0.1:0\n"},
		{name: "set", config: "freshness:\n  max_image_age_days: 90\n", want: 90 * 24 * time.Hour},
		{name: "unknown key", config: "freshness:\n  max_age: 90\n", wantErr: "field max_age not found"},
		{name: "negative", config: "freshness:\n  max_image_age_days: -1\n", wantErr: "out of range"},
		{name: "not a number", config: "freshness:\n  max_image_age_days: soon\n", wantErr: "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f serveFlags
			cmd := newServeCmd(&env{})
			p := filepath.Join(t.TempDir(), "serve.yaml")
			if err := os.WriteFile(p, []byte(tt.config), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := cmd.ParseFlags([]string{"--config", p}); err != nil {
				t.Fatal(err)
			}
			if err := applyFlagSources(cmd, p, &f.sections); err != nil {
				t.Fatal(err)
			}
			f.configFile = p
			c, err := f.freshnessSection()
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), p) {
					t.Errorf("freshnessSection = %v, want an error naming %s and %q", err, p, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case c.maxAge() != tt.want:
				t.Errorf("maxAge = %v, want %v", c.maxAge(), tt.want)
			}
		})
	}
}

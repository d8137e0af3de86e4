package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
)

func TestSLAFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		config  string
		want    store.SLAPolicy
		wantErr bool
	}{
		{name: "defaults", want: store.SLAPolicy{Default: store.DefaultSLADays}},
		{
			name: "flags", args: []string{"--sla", "critical=5,high=20,unknown=60", "--project-sla", "pay:critical=2", "--project-sla", "old:low=0"},
			want: store.SLAPolicy{
				Default: store.SLADays{severity.Unknown: 60, severity.Low: 180, severity.Medium: 90, severity.High: 20, severity.Critical: 5},
				Projects: map[string]store.SLADays{
					"pay": {severity.Unknown: 60, severity.Low: 180, severity.Medium: 90, severity.High: 20, severity.Critical: 2},
					"old": {severity.Unknown: 60, severity.Low: 0, severity.Medium: 90, severity.High: 20, severity.Critical: 5},
				},
			},
		},
		{
			name: "config file list", config: "project-sla:\n  - pay:critical=3,high=14\n  - shop:medium=45\n",
			want: store.SLAPolicy{Default: store.DefaultSLADays, Projects: map[string]store.SLADays{
				"pay":  {severity.Low: 180, severity.Medium: 90, severity.High: 14, severity.Critical: 3},
				"shop": {severity.Low: 180, severity.Medium: 45, severity.High: 30, severity.Critical: 7},
			}},
		},
		{name: "bad severity", args: []string{"--sla", "urgent=1"}, wantErr: true},
		{name: "bad days", args: []string{"--sla", "high=-1"}, wantErr: true},
		{name: "no project", args: []string{"--project-sla", "critical=1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := newServeCmd(&env{})
			args := tt.args
			if tt.config != "" {
				p := filepath.Join(t.TempDir(), "serve.yaml")
				if err := os.WriteFile(p, []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--config", p)
			}
			if err := cmd.ParseFlags(args); err != nil {
				t.Fatal(err)
			}
			cfg, _ := cmd.Flags().GetString("config")
			if err := applyFlagSources(cmd, cfg, nil); err != nil {
				t.Fatal(err)
			}
			var f serveFlags
			f.sla, _ = cmd.Flags().GetString("sla")
			f.projectSLA, _ = cmd.Flags().GetStringArray("project-sla")
			got, err := f.slaPolicy()
			if (err != nil) != tt.wantErr {
				t.Fatalf("slaPolicy() error %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("slaPolicy() mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

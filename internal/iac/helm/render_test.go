package helm

import (
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/iac/input"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name    string
		values  []map[string]any
		want    []string // path:line resource
		replica any
		hostNet any
	}{
		{
			name:    "chart defaults",
			want:    []string{"mychart/charts/sub/templates/cm.yaml ConfigMap/default/sub-config", "mychart/templates/deploy.yaml Deployment/default/release-name-mychart", "mychart/templates/deploy.yaml Service/default/release-name-mychart"},
			replica: int64(2),
			hostNet: false,
		},
		{
			name:    "user values override and disable subchart",
			values:  []map[string]any{{"replicas": 5}, {"hostNetwork": true, "sub": map[string]any{"enabled": false}}},
			want:    []string{"mychart/templates/deploy.yaml Deployment/default/release-name-mychart", "mychart/templates/deploy.yaml Service/default/release-name-mychart"},
			replica: int64(5),
			hostNet: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := Render(t.Context(), os.DirFS("testdata"), "mychart", tt.values...)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			var got []string
			var deploy *input.Document
			for i, d := range docs {
				got = append(got, d.Path+" "+d.Resource)
				if d.Value.(map[string]any)["kind"] == "Deployment" {
					deploy = &docs[i]
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("docs mismatch (-want +got):\n%s", diff)
			}
			spec := deploy.Value.(map[string]any)["spec"].(map[string]any)
			if spec["replicas"] != tt.replica {
				t.Errorf("replicas = %#v, want %#v", spec["replicas"], tt.replica)
			}
			path := []any{"spec", "template", "spec", "hostNetwork"}
			if got := deploy.Locate(path); got.Line != 10 || got.File != "mychart/templates/deploy.yaml" {
				t.Errorf("Locate(hostNetwork) = %+v, want mychart/templates/deploy.yaml:10", got)
			}
			if _, ok := deploy.Ignores[deploy.Path].Match("VGL-K8S-009", 10); !ok {
				t.Errorf("inline ignore in template lost")
			}
		})
	}
}

func TestRenderError(t *testing.T) {
	_, err := Render(t.Context(), os.DirFS("testdata"), "badtemplate")
	var pe *input.ParseError
	if !errors.As(err, &pe) || pe.Path != "badtemplate/templates/cm.yaml" || pe.Line != 4 {
		t.Errorf("err = %v, want ParseError at badtemplate/templates/cm.yaml:4", err)
	}
	_, err = Render(t.Context(), os.DirFS("testdata"), "missing")
	if !errors.As(err, &pe) {
		t.Errorf("missing chart: err = %v, want ParseError", err)
	}
}

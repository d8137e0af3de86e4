package kubernetes

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/iac/input"
)

func load(t *testing.T, name string) ([]input.Document, error) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return Load(t.Context(), name, src)
}

func TestLoadResources(t *testing.T) {
	docs, err := load(t, "multi.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var got []string
	for _, d := range docs {
		got = append(got, d.Resource)
	}
	want := []string{"Deployment/shop/web", "Service/default/web", "ConfigMap/default/one", "ClusterRole/reader"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resources mismatch (-want +got):\n%s", diff)
	}
}

func TestLocate(t *testing.T) {
	docs, err := load(t, "multi.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	tests := []struct {
		name string
		doc  int
		path []any
		want int
	}{
		{"root", 0, nil, 2},
		{"offending field", 0, []any{"spec", "template", "spec", "containers", 0, "securityContext", "privileged"}, 14},
		{"missing field points to parent", 0, []any{"spec", "template", "spec", "containers", 0, "securityContext", "runAsNonRoot"}, 13},
		{"missing container field", 0, []any{"spec", "template", "spec", "containers", 0, "resources", "limits"}, 11},
		{"float index", 0, []any{"spec", "template", "spec", "containers", 0.0, "image"}, 12},
		{"out of range index", 0, []any{"spec", "template", "spec", "containers", 3}, 10},
		{"second doc", 1, []any{"spec", "ports", 0, "port"}, 22},
		{"list item root", 3, nil, 34},
		{"list item field", 3, []any{"rules", 0, "verbs"}, 39},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := docs[tt.doc].Locate(tt.path)
			if got.Line != tt.want || got.File != "multi.yaml" {
				t.Errorf("Locate(%v) = %+v, want line %d", tt.path, got, tt.want)
			}
		})
	}
}

func TestIgnoreComment(t *testing.T) {
	docs, err := load(t, "multi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ig := docs[0].Ignores["multi.yaml"]
	got, ok := ig.Match("VGL-TEST-001", 14)
	if !ok || got.Reason != "needed for the demo" {
		t.Errorf("Match line 14 = %+v, %v", got, ok)
	}
	if _, ok := ig.Match("VGL-TEST-002", 14); ok {
		t.Errorf("other check id suppressed")
	}
	if _, ok := ig.Match("VGL-TEST-001", 12); ok {
		t.Errorf("suppression leaked to another line")
	}
}

func TestAnchorsAndMerge(t *testing.T) {
	docs, err := load(t, "anchors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Fatalf("got %d docs", len(docs))
	}
	spec := docs[0].Value.(map[string]any)["spec"].(map[string]any)
	want := []any{
		map[string]any{"name": "a", "image": "busybox", "resources": map[string]any{"limits": map[string]any{"cpu": "1"}}},
		map[string]any{"name": "b", "image": "busybox", "resources": map[string]any{"limits": map[string]any{"cpu": "1"}}},
	}
	if diff := cmp.Diff(want, spec["containers"]); diff != "" {
		t.Errorf("containers mismatch (-want +got):\n%s", diff)
	}
}

func TestMalformed(t *testing.T) {
	tests := []struct {
		file      string
		wantDocs  []string
		wantLine  int
		wantError error
	}{
		{"malformed/broken-middle.yaml", []string{"ConfigMap/default/before", "ConfigMap/default/after"}, 8, nil},
		{"malformed/bomb.yaml", nil, 1, input.ErrTooManyNodes},
		{"malformed/deep.yaml", nil, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			start := time.Now()
			docs, err := load(t, tt.file)
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			var got []string
			for _, d := range docs {
				got = append(got, d.Resource)
			}
			if diff := cmp.Diff(tt.wantDocs, got); diff != "" {
				t.Errorf("docs mismatch (-want +got):\n%s", diff)
			}
			var pe *input.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *input.ParseError", err)
			}
			if pe.Path != tt.file || pe.Line < tt.wantLine {
				t.Errorf("err = %v, want %s:%d", err, tt.file, tt.wantLine)
			}
			if tt.wantError != nil && !errors.Is(err, tt.wantError) {
				t.Errorf("err = %v, want %v", err, tt.wantError)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	_, err := Load(t.Context(), "big.yaml", make([]byte, MaxFileSize+1))
	if !errors.Is(err, input.ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

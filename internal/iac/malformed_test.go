package iac

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestMalformedCorpus scans hostile files beside a good one: each bad file
// is an error naming it, the good file is still reported, and nothing takes
// long.
func TestMalformedCorpus(t *testing.T) {
	bomb, err := os.ReadFile("kubernetes/testdata/malformed/bomb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile("testdata/scan/k8s/deploy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"good/deploy.yaml":           {Data: good},
		"bad/bomb.yaml":              {Data: bomb},
		"bad/deep.yaml":              {Data: []byte("apiVersion: v1\nkind: ConfigMap\ndata: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n")},
		"bad/truncated.yaml":         {Data: []byte("apiVersion: v1\nkind: ConfigMap\ndata: {a: \"b")},
		"bad/deep/main.tf":           {Data: []byte("locals {\n x = " + strings.Repeat("[", 100_000) + "\n}\n")},
		"bad/truncated/main.tf":      {Data: []byte("resource \"a\" \"b\" {\n  x = \"")},
		"bad/plan.json":              {Data: []byte("{\"format_version\": \"1.2\",\n\"planned_values\": {\"root_module\": {\"resources\": [")},
		"bad/huge.yaml":              {Data: []byte("apiVersion: v1\nkind: ConfigMap\n" + strings.Repeat("# pad\n", 1_500_000))},
		"bad/binary.Dockerfile":      {Data: []byte{0xff, 0xfe, 0, '\n', 'F', 'R', 'O', 'M', '\\'}},
		"bad/chart/Chart.yaml":       {Data: []byte("name: [")},
		"bad/chart/templates/x.yaml": {Data: []byte("{{ .Values.x.y }}")},
	}
	s := newTestScanner(t, Options{})
	start := time.Now()
	res, err := s.ScanFS(t.Context(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("scan took %v", d)
	}
	var got []string
	for _, f := range res.Findings {
		if !strings.HasPrefix(f.Path, "good/") {
			t.Errorf("finding in a bad file: %+v", f)
		}
		got = append(got, f.Path)
	}
	if len(got) == 0 {
		t.Error("good file not reported")
	}
	var bad []string
	for _, e := range res.Errors {
		bad = append(bad, e.Path)
	}
	want := []string{
		"bad/bomb.yaml", "bad/chart/Chart.yaml", "bad/deep.yaml", "bad/deep/main.tf", "bad/huge.yaml",
		"bad/plan.json", "bad/truncated.yaml", "bad/truncated/main.tf",
	}
	if diff := cmp.Diff(want, bad); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s\n%v", diff, res.Errors)
	}
}

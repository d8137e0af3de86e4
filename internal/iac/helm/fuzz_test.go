package helm

import (
	"os"
	"testing"
)

// FuzzRenderValues renders the test chart with fuzzed values files (the
// user-controlled part of a chart scan; templates are code and are not
// fuzzed).
func FuzzRenderValues(f *testing.F) {
	src, err := os.ReadFile("testdata/mychart/values.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(src)
	f.Add([]byte("replicas: &a [*a]\nsub: {enabled: false}\n"))
	f.Add([]byte("hostNetwork: {a: [1, 2, {b: c}]}\n"))
	fsys := os.DirFS("testdata")
	f.Fuzz(func(t *testing.T, data []byte) {
		vals, err := ParseValues(data)
		if err != nil {
			return
		}
		docs, _ := Render(t.Context(), fsys, "mychart", vals)
		for _, d := range docs {
			_ = d.Locate([]any{"spec", "replicas"})
		}
	})
}

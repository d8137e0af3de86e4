package terraform

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzLoadModule(f *testing.F) {
	for _, g := range []string{"testdata/module/*.tf", "testdata/malformed/*.tf"} {
		files, _ := filepath.Glob(g)
		for _, p := range files {
			src, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		doc, _ := LoadModule(t.Context(), ".", []File{{Path: "main.tf", Src: src}})
		if doc != nil {
			_ = doc.Locate([]any{"resources", 0, "config", "ingress", 0})
		}
	})
}

func FuzzLoadPlan(f *testing.F) {
	src, err := os.ReadFile("testdata/plan.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(src)
	f.Add([]byte(`{"format_version":"1","resource_changes":[{"address":"a.b","change":{"after":{"x":1}}}]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		doc, _ := LoadPlan(t.Context(), "plan.json", src)
		if doc != nil {
			_ = doc.Locate([]any{"resources", 0, "config", "x"})
		}
	})
}

package kubernetes

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzLoad(f *testing.F) {
	for _, g := range []string{"testdata/*.yaml", "testdata/malformed/*.yaml"} {
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
		docs, _ := Load(t.Context(), "f.yaml", src)
		for _, d := range docs {
			_ = d.Locate([]any{"spec", "containers", 0, "image"})
		}
	})
}

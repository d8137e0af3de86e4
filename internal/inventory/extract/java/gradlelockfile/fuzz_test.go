package gradlelockfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.lockfile")
	malformed, _ := filepath.Glob("testdata/malformed/*.lockfile")
	files = append(files, malformed...)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, _ := Parse(bytes.NewReader(b), "gradle.lockfile") // partial results on error
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || len(p.Locations) != 1 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}

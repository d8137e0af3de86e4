package gomod

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.mod")
	more, _ := filepath.Glob("testdata/*/go.*")
	for _, name := range append(files, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, _, err := Parse("go.mod", bytes.NewReader(b))
		if err != nil && pkgs != nil {
			t.Errorf("Parse returned packages and error %v", err)
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" {
				t.Errorf("Parse returned empty name or version: %+v", p)
			}
		}
		_, _ = ParseSum("go.sum", bytes.NewReader(b))
	})
}

package packageslock

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	malformed, _ := filepath.Glob("testdata/malformed/*.json")
	files = append(files, malformed...)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, err := Parse(bytes.NewReader(b), "packages.lock.json")
		if err != nil && pkgs != nil {
			t.Errorf("Parse returned packages and an error")
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || len(p.Locations) != 1 {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}

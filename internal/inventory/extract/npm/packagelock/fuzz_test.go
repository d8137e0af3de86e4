package packagelock

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") || strings.Contains(p, "deep-") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f.Add(b)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, err := Parse("package-lock.json", bytes.NewReader(b))
		if err != nil && pkgs != nil {
			t.Errorf("Parse returned packages and error %v", err)
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || len(p.Locations) == 0 {
				t.Errorf("Parse returned incomplete package %+v", p)
			}
		}
	})
}

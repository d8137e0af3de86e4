package poetrylock

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.lock")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, err := Parse("poetry.lock", bytes.NewReader(b))
		if err != nil && pkgs != nil {
			t.Errorf("Parse returned packages and error %v", err)
		}
	})
}

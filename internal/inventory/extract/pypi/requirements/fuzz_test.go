package requirements

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/requirements*/*.txt")
	files = append(files, "testdata/requirements.txt")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse("requirements.txt", bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, p := range file.Packages("requirements.txt") {
			if p.Name == "" || p.Version == "" || p.Locations[0].Line < 1 {
				t.Errorf("incomplete package %+v", p)
			}
		}
	})
}

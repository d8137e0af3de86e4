package gemspec

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/specifications/*.gemspec", "testdata/specifications/default/*.gemspec", "testdata/malformed/*.gemspec"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(bytes.NewReader(b))
		if err != nil {
			return
		}
		if !plausible(s.Name) || !plausible(s.Version) || s.Platform == "" || s.Line == 0 || len(s.Licenses) > MaxLicenses {
			t.Errorf("bad spec %+v", s)
		}
	})
}

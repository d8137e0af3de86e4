package gemspec

import (
	"bytes"
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

func FuzzParse(f *testing.F) {
	testutil.AddFuzzFiles(f, "testdata/specifications/*.gemspec", "testdata/specifications/default/*.gemspec", "testdata/malformed/*.gemspec")
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

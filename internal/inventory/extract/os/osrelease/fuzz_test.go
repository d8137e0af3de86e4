package osrelease

import (
	"bytes"
	"os"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/debian12", "testdata/rocky9"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := Parse(bytes.NewReader(b)); err != nil {
			return
		}
		for _, name := range Candidates {
			if _, err := FromFiles(map[string][]byte{name: b}); err != nil && err != ErrUnknown {
				return
			}
		}
	})
}

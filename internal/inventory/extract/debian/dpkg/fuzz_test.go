package dpkg

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func asParseError(err error, pe **inventory.ParseError) bool { return errors.As(err, pe) }

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/rootfs/var/lib/dpkg/status", "testdata/distroless/var/lib/dpkg/status.d/base-files", "testdata/malformed/nocolon"} {
		b, err := os.ReadFile(filepath.FromSlash(p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := Parse(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.Package == "" || e.Version == "" || e.Source == "" {
				t.Fatalf("incomplete entry %+v", e)
			}
		}
	})
}

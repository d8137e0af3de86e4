package apkdb

import (
	"bytes"
	"os"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/rootfs/lib/apk/db/installed", "testdata/malformed/installed"} {
		b, err := os.ReadFile(p)
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
			if e.Name == "" || e.Version == "" || e.Origin == "" {
				t.Fatalf("incomplete entry %+v", e)
			}
		}
	})
}

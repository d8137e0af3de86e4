package source

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/vigil-sec/vigil/internal/source/imagetest"
)

// BenchmarkWalkLayer streams a gzip layer of n files (one dpkg database,
// the rest unwanted) through the walker.
func BenchmarkWalkLayer(b *testing.B) {
	for _, n := range []int{1_000, 20_000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			entries := []imagetest.Entry{{Name: "var/lib/dpkg/status", Body: dpkgStatus("a@1", "b@2")}}
			body := string(bytes.Repeat([]byte("x"), 4096))
			for i := range n {
				entries = append(entries, imagetest.Entry{Name: fmt.Sprintf("usr/share/doc/p%d/copyright", i), Body: body})
			}
			var tb bytes.Buffer
			if err := imagetest.TarEntries(&tb, entries); err != nil {
				b.Fatal(err)
			}
			layer := gz(b, tb.Bytes())
			exs := osAndInstalled()
			b.SetBytes(int64(tb.Len()))
			b.ReportAllocs()
			for b.Loop() {
				lr, err := walkLayer(b.Context(), "x", bytes.NewReader(layer), exs, 1<<20, nil)
				if err != nil || len(lr.Files) != 1 {
					b.Fatal(err, len(lr.Files))
				}
			}
		})
	}
}

package source

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestCompressedBomb: an archive that inflates past the limit is an error,
// not a full disk.
func TestCompressedBomb(t *testing.T) {
	old := MaxInflatedArchive
	MaxInflatedArchive = 1 << 20
	t.Cleanup(func() { MaxInflatedArchive = old })
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(make([]byte, 8<<20))
	zw.Close()
	p := filepath.Join(t.TempDir(), "bomb.tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := openArchive(p); !errors.Is(err, errInflateLimit) {
		t.Errorf("openArchive: %v, want the inflate limit", err)
	}
	if _, err := Detect(p); err == nil {
		t.Error("Detect of a bomb succeeded")
	}
}

func FuzzDecompressor(f *testing.F) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("hello"))
	zw.Close()
	f.Add(buf.Bytes())
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0})
	f.Add([]byte("plain"))
	f.Fuzz(func(t *testing.T, b []byte) {
		old := MaxInflatedArchive
		MaxInflatedArchive = 1 << 20
		defer func() { MaxInflatedArchive = old }()
		r, done, err := decompressor(bytes.NewReader(b))
		if err != nil {
			return
		}
		defer done()
		_, _ = io.Copy(io.Discard, r)
	})
}

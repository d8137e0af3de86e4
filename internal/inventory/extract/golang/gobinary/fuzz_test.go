package gobinary

import (
	"bytes"
	"os"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// FuzzExtract feeds arbitrary bytes as a binary: no panic, no hang, and
// either packages or an error. Seeds: an ELF and a Mach-O header, and the
// test binary itself when it is small enough.
func FuzzExtract(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01\x00"))
	f.Add([]byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01"))
	f.Add([]byte("MZ\x90\x00"))
	if exe, err := os.Executable(); err == nil {
		if b, err := os.ReadFile(exe); err == nil && len(b) < 64<<20 {
			f.Add(b[:min(len(b), 1<<20)])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = inventory.Run(t.Context(), New(), &inventory.Input{Path: "bin/app", Reader: bytes.NewReader(b)})
	})
}

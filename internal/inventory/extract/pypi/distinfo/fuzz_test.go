package distinfo

import (
	"bytes"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte("Metadata-Version: 2.1\nName: a\nVersion: 1\n\nbody"))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = Parse(bytes.NewReader(b)) })
}

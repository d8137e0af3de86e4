package nodemodules

import (
	"bytes"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"name":"@a/b","version":"1.0.0","license":{"type":"MIT"}}`))
	f.Add([]byte(`{"name":"x","version":"1","license":["a"]}`))
	f.Fuzz(func(t *testing.T, b []byte) { _, _, _, _ = Parse(bytes.NewReader(b)) })
}

package cargoauditable

import (
	"os"
	"testing"
)

func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/dep-v0.bin")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = Parse(b) })
}

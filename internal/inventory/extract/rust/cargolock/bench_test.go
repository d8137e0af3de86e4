package cargolock

import (
	"bytes"
	"fmt"
	"testing"
)

func synthetic(n int) []byte {
	var b bytes.Buffer
	b.WriteString("version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n")
	for i := range n {
		fmt.Fprintf(&b, " \"crate%d\",\n", i)
	}
	b.WriteString("]\n")
	for i := range n {
		fmt.Fprintf(&b, "\n[[package]]\nname = \"crate%d\"\nversion = \"1.%d.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"%064x\"\ndependencies = [\n \"crate%d\",\n]\n", i, i, i, (i+1)%n)
	}
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("packages=%d", n), func(b *testing.B) {
			in := synthetic(n)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bytes.NewReader(in), "Cargo.lock"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

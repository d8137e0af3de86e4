package gemfilelock

import (
	"bytes"
	"fmt"
	"testing"
)

func synthetic(n int) []byte {
	var b bytes.Buffer
	b.WriteString("GEM\n  remote: https://rubygems.org/\n  specs:\n")
	for i := range n {
		fmt.Fprintf(&b, "    gem%d (1.%d.0)\n      gem%d (~> 1.0)\n", i, i, (i+1)%n)
	}
	b.WriteString("\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n")
	for i := 0; i < n; i += 10 {
		fmt.Fprintf(&b, "  gem%d\n", i)
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
				if _, err := Parse(bytes.NewReader(in), "Gemfile.lock"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package composerlock

import (
	"bytes"
	"fmt"
	"testing"
)

func synthetic(n int) []byte {
	var b bytes.Buffer
	b.WriteString("{\n    \"content-hash\": \"x\",\n    \"packages\": [\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "        {\n            \"name\": \"vendor%d/pkg%d\",\n            \"version\": \"1.%d.0\",\n            \"dist\": {\"type\": \"zip\", \"shasum\": \"%040x\"},\n            \"require\": {\"php\": \">=8.1\", \"vendor%d/pkg%d\": \"^1.0\"},\n            \"type\": \"library\"\n        }", i, i, i, i, (i+1)%n, (i+1)%n)
	}
	b.WriteString("\n    ],\n    \"packages-dev\": []\n}\n")
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("packages=%d", n), func(b *testing.B) {
			in := synthetic(n)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bytes.NewReader(in), "composer.lock"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

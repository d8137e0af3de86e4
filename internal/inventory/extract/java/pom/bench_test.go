package pom

import (
	"bytes"
	"fmt"
	"testing"
)

func synthetic(n int) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.example</groupId>\n  <artifactId>big</artifactId>\n  <version>1.0.0</version>\n  <properties>\n")
	for i := range n {
		fmt.Fprintf(&b, "    <lib%d.version>1.%d.0</lib%d.version>\n", i, i, i)
	}
	b.WriteString("  </properties>\n  <dependencies>\n")
	for i := range n {
		fmt.Fprintf(&b, "    <dependency>\n      <groupId>com.example.g%d</groupId>\n      <artifactId>lib%d</artifactId>\n      <version>${lib%d.version}</version>\n    </dependency>\n", i, i, i)
	}
	b.WriteString("  </dependencies>\n</project>\n")
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("dependencies=%d", n), func(b *testing.B) {
			in := synthetic(n)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bytes.NewReader(in), "pom.xml", nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

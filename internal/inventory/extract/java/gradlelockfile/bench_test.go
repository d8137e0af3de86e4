package gradlelockfile

import (
	"bytes"
	"fmt"
	"testing"
)

func synthetic(n int) []byte {
	var b bytes.Buffer
	b.WriteString("# This is a Gradle generated file for dependency locking.\n")
	for i := range n {
		fmt.Fprintf(&b, "com.example.group%d:artifact-%d:1.%d.0=compileClasspath,runtimeClasspath,testCompileClasspath,testRuntimeClasspath\n", i, i, i)
	}
	b.WriteString("empty=annotationProcessor\n")
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("packages=%d", n), func(b *testing.B) {
			in := synthetic(n)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bytes.NewReader(in), "gradle.lockfile"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package sarif

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParse: a CodeQL-sized upload.
func BenchmarkParse(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("results=%d", n), func(b *testing.B) {
			var sb strings.Builder
			sb.WriteString(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"bench","rules":[{"id":"r","properties":{"security-severity":"7.5"}}]}},"results":[`)
			for i := range n {
				if i > 0 {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, `{"ruleId":"r","ruleIndex":0,"message":{"text":"problem %d"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"pkg/f%d.go"},"region":{"startLine":%d,"snippet":{"text":"x := call(%d)"}}}}]}`, i, i%100, i%500+1, i)
			}
			sb.WriteString(`]}]}`)
			data := []byte(sb.String())
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseBytes(data, "bench.sarif"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

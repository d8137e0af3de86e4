package packageslock

import (
	"bytes"
	"fmt"
	"testing"
)

func synthetic(n int) []byte {
	var b bytes.Buffer
	b.WriteString("{\n  \"version\": 1,\n  \"dependencies\": {\n    \"net8.0\": {\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "      \"Pkg%d\": {\n        \"type\": \"Transitive\",\n        \"resolved\": \"1.%d.0\",\n        \"contentHash\": \"HrC5BXdl00IP9zeV+0Z848QWPAoCr9P3bDEZguI+gkLcBKAOxix/tLEAAHC+UvDNPv4a2d18lOReHMOagPa+zQ==\",\n        \"dependencies\": {\n          \"Pkg%d\": \"1.0.0\"\n        }\n      }", i, i, (i+1)%n)
	}
	b.WriteString("\n    }\n  }\n}\n")
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("packages=%d", n), func(b *testing.B) {
			in := synthetic(n)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bytes.NewReader(in), "packages.lock.json"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

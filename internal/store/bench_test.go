package store

import (
	"context"
	"testing"
)

// BenchmarkIngest ingests real-shaped artifacts: 500 packages, 400 of
// them shared with other artifacts (a pool of 5000), 20 findings.
func BenchmarkIngest(b *testing.B) {
	for _, bk := range []struct {
		name string
		open opener
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		b.Run(bk.name, func(b *testing.B) {
			s, _ := bk.open(b, nil)
			ctx := context.Background()
			// Warm the portfolio so most packages exist, as on a server.
			for i := range 20 {
				if _, err := s.Ingest(ctx, fixture("bench", 1_000_000+i, 500, 400, 20)); err != nil {
					b.Fatal(err)
				}
			}
			ins := make([]Ingest, 0, 1024)
			for i := range cap(ins) {
				ins = append(ins, fixture("bench", i, 500, 400, 20))
			}
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				in := ins[i%len(ins)]
				in.Artifact.Digest = fixture("bench", 2_000_000+i, 0, 0, 0).Artifact.Digest
				if _, err := s.Ingest(ctx, in); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sboms/s")
		})
	}
}

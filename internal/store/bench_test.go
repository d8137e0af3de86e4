package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIngest ingests real-shaped artifacts: 500 packages, 400 of
// them shared with other artifacts (a pool of 5000), 20 findings; from one
// client, and from 8 concurrent ones as a server sees them (their ingests
// share group commits).
func BenchmarkIngest(b *testing.B) {
	for _, bk := range []struct {
		name string
		open opener
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		for _, clients := range []int{1, 8} {
			name := bk.name
			if clients > 1 {
				name = fmt.Sprintf("%s/clients=%d", bk.name, clients)
			}
			b.Run(name, func(b *testing.B) {
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
				b.SetParallelism((clients + 1) / 2) // GOMAXPROCS is 2 on the reference machine
				b.ResetTimer()
				cpu0 := cpuTime()
				var n atomic.Int64
				push := func() {
					i := int(n.Add(1))
					in := ins[i%len(ins)]
					in.Artifact.Digest = fixture("bench", 2_000_000+i, 0, 0, 0).Artifact.Digest
					if _, err := s.Ingest(ctx, in); err != nil {
						b.Error(err)
					}
				}
				if clients == 1 {
					for b.Loop() {
						push()
					}
				} else {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							push()
						}
					})
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sboms/s")
				// CPU per SBOM says more than time on a shared machine.
				b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

package score

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkCompute(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	in := Input{OldestImageDays: 120}
	for range 10_000 {
		in.Findings = append(in.Findings, randomFinding(r))
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Compute(in)
	}
}

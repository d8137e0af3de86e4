package pnpmlock

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkParse parses the lockfile named by VIGIL_BENCH_PNPM_LOCK (for
// example one made from bench/fixtures/make-npm-lockfile.sh's package.json);
// it is skipped when unset.
func BenchmarkParse(b *testing.B) {
	path := os.Getenv("VIGIL_BENCH_PNPM_LOCK")
	if path == "" {
		b.Skip("VIGIL_BENCH_PNPM_LOCK not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		pkgs, err := Parse("lockfile", bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n = len(pkgs)
	}
	b.ReportMetric(float64(n), "packages")
}

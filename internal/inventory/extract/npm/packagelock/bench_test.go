package packagelock

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkParse parses the Create React App lockfile made by
// bench/fixtures/make-npm-lockfile.sh (about 1,600 packages). Set
// VIGIL_BENCH_NPM_LOCK to use another file; the benchmark is skipped when
// the file is missing.
func BenchmarkParse(b *testing.B) {
	path := os.Getenv("VIGIL_BENCH_NPM_LOCK")
	if path == "" {
		path = "/work/bench-data/cra/package-lock.json"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skipf("no lockfile (run bench/fixtures/make-npm-lockfile.sh): %v", err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		pkgs, err := parse("package-lock.json", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		n = len(pkgs)
	}
	b.ReportMetric(float64(n), "packages")
}

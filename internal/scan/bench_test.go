package scan_test

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/scan"
)

// BenchmarkScanNPM is the in-process part of `vigil scan --scanners vuln
// --format json` on a real lockfile directory against a real database:
// inventory, matching and the JSON report. It needs VIGIL_BENCH_DB (a
// database made by `vigil db update`) and VIGIL_BENCH_TARGET (default
// /work/bench-data/real/npm-cra, made by bench/fixtures/make-real-inputs.sh),
// and is skipped without them. Whole-process numbers are in bench/scan.sh.
func BenchmarkScanNPM(b *testing.B) {
	db := os.Getenv("VIGIL_BENCH_DB")
	target := os.Getenv("VIGIL_BENCH_TARGET")
	if target == "" {
		target = "/work/bench-data/real/npm-cra"
	}
	if db == "" {
		b.Skip("VIGIL_BENCH_DB not set")
	}
	if _, err := os.Stat(target); err != nil {
		b.Skipf("no target: %v", err)
	}
	b.ReportAllocs()
	var pkgs int
	for b.Loop() {
		res, err := scan.Run(context.Background(), scan.Options{
			Target:   target,
			Scanners: []string{scan.ScannerVuln},
			DB:       scan.DBOptions{Dir: db, Offline: true},
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := report.JSON(io.Discard, res, report.Options{}); err != nil {
			b.Fatal(err)
		}
		pkgs = len(res.Packages)
	}
	b.ReportMetric(float64(pkgs), "packages")
}

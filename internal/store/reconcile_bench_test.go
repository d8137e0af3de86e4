package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/vigil-sec/vigil/internal/severity"
)

// BenchmarkReconcileNewAdvisory is the write half of a re-match after one
// new advisory: a window of 5,000 artifacts (the re-match's window, see
// docs/decisions/rematch.md) that all hold the package it names gets one
// new finding each, in one ReconcilePackages transaction. ns/op is per
// window; cpu-us/finding is what bounds "one advisory on 20,000 artifacts
// in under a second" on one core.
func BenchmarkReconcileNewAdvisory(b *testing.B) {
	const window = 5000
	s, _ := openSQLite(b, nil)
	ctx := context.Background()
	hot := pkg("npm", "hot", "1.0.0")
	var arts []int64
	for i := range window {
		in := fixture("bench", i, 20, 10, 2)
		in.Packages = append(in.Packages, hot)
		res, err := s.Ingest(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		arts = append(arts, res.Artifact.ID)
	}
	var hotID int64
	if err := s.r.QueryRow("SELECT id FROM packages WHERE name = 'hot'").Scan(&hotID); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	n := 0
	for b.Loop() {
		// A new advisory each round: the previous one's findings are
		// resolved ("withdrawn") and the new one's created, as a re-match
		// that replaces one advisory with another does.
		id := fmt.Sprintf("GHSA-bench-%04d", n)
		r := ReconcilePackages{Scope: []int64{hotID}, Actor: "rematch", Withdrawn: map[string]bool{fmt.Sprintf("GHSA-bench-%04d", n-1): true}}
		for _, a := range arts {
			r.Artifacts = append(r.Artifacts, ArtifactMatch{ArtifactID: a, Findings: []NewFinding{vuln(id, hot, severity.High, "1.0.1", "CVE-2027-"+fmt.Sprint(n))}})
		}
		res, err := s.ReconcilePackages(ctx, r)
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != window {
			b.Fatalf("created %d findings, want %d", res.Created, window)
		}
		n++
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/1e3/float64(b.N*window), "cpu-us/finding")
}

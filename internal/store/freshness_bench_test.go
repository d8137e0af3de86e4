package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkFreshness measures the portfolio freshness (every running
// deployment, bases found by layer prefix) with n image artifacts, a tenth
// of them deployed. Run it on a quiet machine:
//
//	go test ./internal/store -run '^$' -bench Freshness -count 10
func BenchmarkFreshness(b *testing.B) {
	for _, bk := range []struct {
		name string
		open opener
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		for _, n := range []int{100, 2000} {
			b.Run(fmt.Sprintf("%s/images=%d", bk.name, n), func(b *testing.B) {
				s, _ := bk.open(b, nil)
				ctx := context.Background()
				built := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
				for i := range n {
					// Ten base images; every other image is built on one.
					layers := []string{fmt.Sprintf("sha256:base%d", i%10)}
					if i >= 10 {
						layers = append(layers, fmt.Sprintf("sha256:app%d-a", i), fmt.Sprintf("sha256:app%d-b", i))
					}
					in := imageIngest(fmt.Sprintf("p%d", i%50), fmt.Sprintf("sha256:img%06d", i), built.Add(time.Duration(i)*time.Hour), layers, "", "")
					if _, err := s.Ingest(ctx, in); err != nil {
						b.Fatal(err)
					}
					if i%10 == 0 {
						if _, err := s.Deploy(ctx, Deploy{Project: in.Project, Digest: in.Artifact.Digest, Environment: "prod", Service: in.Artifact.Digest}); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.Freshness(ctx, FreshnessFilter{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

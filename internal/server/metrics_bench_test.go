package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
)

// BenchmarkMetricsScrape is the cost of a scrape of /metrics once the
// aggregate is cached: gather, scope filter, encode. The aggregate's size
// depends on the labels, not on the artifacts: 200 projects is the
// 100,000-artifact portfolio of bench/serve-rematch.sh (3 environments, 3
// services each, every kind and severity present).
func BenchmarkMetricsScrape(b *testing.B) {
	for _, projects := range []int{200, 1000} {
		b.Run(fmt.Sprintf("projects=%d", projects), func(b *testing.B) {
			s := &Server{clock: &Clock{}, opts: Options{MetricsInterval: time.Hour, SLA: store.SLAPolicy{Default: store.DefaultSLADays}}}
			s.metrics = newMetrics(s)
			st := &portfolioStats{at: time.Now(), wall: time.Now(), jobs: map[string]map[string]int{"rematch": {"done": 10}}}
			row := func(p, env, kind string, l severity.Level) store.RemediationRow {
				return store.RemediationRow{Project: p, Team: "team-" + p[len(p)-1:], Environment: env, Kind: kind, Severity: l,
					Open: 40, Breached: 3, DueSoon: 2, OpenAge: []int{10, 10, 10, 5, 3, 2}, OpenAgeSum: 1000 * time.Hour,
					Remediated: 90, RemediatedLate: 4, RemediationSum: 9000 * time.Hour, RemediationHist: []int{10, 10, 10, 10, 10, 10, 10, 10, 5, 5}}
			}
			for i := range projects {
				p := fmt.Sprintf("project-%04d", i)
				for _, kind := range []string{store.KindVulnerability, store.KindMisconfiguration, store.KindSecret} {
					for l := severity.Unknown; l <= severity.Critical; l++ {
						st.rows = append(st.rows, row(p, "", kind, l))
						for _, env := range []string{"dev", "staging", "prod"} {
							st.envRows = append(st.envRows, row(p, env, kind, l))
						}
					}
				}
				for _, env := range []string{"dev", "staging", "prod"} {
					for k := range 3 {
						st.images = append(st.images, store.DeployedImage{Project: p, Environment: env, Service: fmt.Sprintf("svc-%d", k), Created: time.Now().Add(-time.Duration(k) * 24 * time.Hour)})
					}
				}
			}
			s.metrics.agg.Store(st)
			ctx := b.Context()
			// A scrape: the server's own metrics gathered now, the
			// portfolio's encoded once per aggregate (the background loop
			// does it after each aggregate).
			b.Run("scrape", func(b *testing.B) {
				if _, _, err := s.exposition(ctx, store.Scope{}, ""); err != nil { // as the background loop
					b.Fatal(err)
				}
				b.ReportAllocs()
				var size int
				for b.Loop() {
					out, _, err := s.exposition(ctx, store.Scope{}, "")
					if err != nil {
						b.Fatal(err)
					}
					size = len(out)
				}
				b.ReportMetric(float64(size), "bytes/scrape")
			})
			// Encoding a new aggregate (off the scrape path).
			b.Run("encode", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					s.metrics.encFor = nil
					if _, err := s.portfolioBytes(st, store.Scope{}, expfmt.NewFormat(expfmt.TypeTextPlain)); err != nil {
						b.Fatal(err)
					}
				}
			})
			// A token of one project: its samples only, encoded once per
			// aggregate too.
			b.Run("scoped", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := s.exposition(ctx, store.Scope{Projects: []string{"project-0001"}}, ""); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

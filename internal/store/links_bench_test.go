package store

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkPackageLinks reads the links of a popular package (in every
// artifact, 4 versions) one re-match window of 5,000 artifacts at a time:
// ns/op is per window.
func BenchmarkPackageLinks(b *testing.B) {
	const window = 5000
	s, _ := openSQLite(b, nil)
	ctx := context.Background()
	for i := range window {
		in := fixture("bench", i, 20, 10, 2)
		in.Packages = append(in.Packages, pkg("npm", "hot", fmt.Sprintf("1.0.%d", i%4)))
		if _, err := s.Ingest(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	var ids []int64
	rows, err := s.r.Query("SELECT id FROM packages WHERE name = 'hot'")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	plan, _ := s.r.Query("EXPLAIN QUERY PLAN "+packageLinksQuery(len(ids)), append([]any{bucketSize, bucketSize, 0, window, 0, (window - 1) / bucketSize}, anys(ids)...)...)
	for plan.Next() {
		var a, c, d int
		var detail string
		plan.Scan(&a, &c, &d, &detail)
		b.Log(detail)
	}
	plan.Close()
	for _, w := range []struct {
		name     string
		from, to int64
		write    bool
	}{{"full", 0, window, false}, {"tail", window - 100, 2 * window, false}, {"full-after-write", 0, window, true}, {"tail-after-write", window - 100, 2 * window, true}} {
		n := 0
		b.Run(w.name, func(b *testing.B) {
			for b.Loop() {
				if w.write {
					b.StopTimer()
					n++
					if _, err := s.Ingest(ctx, fixture("other", 100000+n, 2, 0, 0)); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				ls, err := s.PackageLinks(ctx, ids, w.from, w.to)
				if err != nil || len(ls) == 0 {
					b.Fatal(len(ls), err)
				}
			}
		})
	}
}

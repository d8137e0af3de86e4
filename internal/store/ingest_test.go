package store

import (
	"context"
	"fmt"
	"testing"
)

// TestBatches checks that batches covers [0, n) in order with windows of
// few distinct sizes.
func TestBatches(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 99, 100, 399, 400, 401, 799, 800, 1001} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			next := 0
			sizes := map[int]bool{}
			err := batches(n, 400, func(lo, hi int) error {
				if lo != next || hi <= lo || hi-lo > 400 {
					t.Errorf("window [%d, %d) after %d", lo, hi, next)
				}
				sizes[hi-lo] = true
				next = hi
				return nil
			})
			if err != nil || next != n {
				t.Errorf("batches(%d) ended at %d, err %v", n, next, err)
			}
			for sz := range sizes {
				if sz != 400 && sz&(sz-1) != 0 {
					t.Errorf("window of %d rows: neither the batch size nor a power of two", sz)
				}
			}
		})
	}
}

// Packages stored before the store opened (its cache empty) keep their
// ids when a later ingest holds them beside new ones: SQLite's inserts
// with ids the writer assigns fall back to reading ids by identity when a
// batch meets stored rows.
func TestIngestKnownPackagesAfterReopen(t *testing.T) {
	ctx := context.Background()
	s, url := openSQLite(t, nil)
	ids := func(s *Store, artifactID int64) map[string]int64 {
		t.Helper()
		ps, _, err := s.ArtifactPackages(ctx, artifactID, Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, p := range ps {
			out[p.Name] = p.ID
		}
		return out
	}
	a, err := s.Ingest(ctx, fixture("p", 1, 30, 20, 2))
	if err != nil {
		t.Fatal(err)
	}
	before := ids(s, a.Artifact.ID)
	s.Close()
	s = mustOpen(t, url, nil)
	// Artifact 2 holds 20 of artifact 1's packages and 10 of its own.
	in := fixture("p", 2, 30, 20, 0)
	in.Packages = append(fixture("p", 1, 30, 20, 0).Packages[:20], in.Packages[20:]...)
	b, err := s.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	after := ids(s, b.Artifact.ID)
	seen := map[int64]string{}
	shared := 0
	for name, id := range after {
		if old, ok := before[name]; ok {
			shared++
			if old != id {
				t.Errorf("%s: id %d after the reopen, %d before", name, id, old)
			}
		}
		if other, dup := seen[id]; dup {
			t.Errorf("%s and %s share id %d", name, other, id)
		}
		seen[id] = name
	}
	if shared == 0 || len(after) != 30 {
		t.Fatalf("%d packages, %d shared with artifact 1: the fixture does not exercise the fallback", len(after), shared)
	}
	// A third ingest, with the cache warm again, goes on past the largest id.
	c, err := s.Ingest(ctx, fixture("p", 3, 30, 20, 2))
	if err != nil {
		t.Fatal(err)
	}
	for name, id := range ids(s, c.Artifact.ID) {
		if other, ok := seen[id]; ok && other != name {
			t.Errorf("%s reuses %s's id %d", name, other, id)
		}
	}
}

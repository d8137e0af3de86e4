package vulndb

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkImportSharedCorpus imports all of ../shared/vulndb/osv (25k
// records, 8 ecosystems) from a directory into an empty database.
func BenchmarkImportSharedCorpus(b *testing.B) {
	src := filepath.Join(sharedCorpus(b), "osv")
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		rep, err := Update(b.Context(), UpdateOptions{Dir: dir, From: src})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Failed() != 0 {
			b.Fatalf("failed: %+v", rep)
		}
	}
}

// BenchmarkImport imports one synthetic archive of n small records.
func BenchmarkImport(b *testing.B) {
	for _, n := range []int{1_000, 20_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			src := b.TempDir()
			writeSource(b, src, map[string][]member{"npm": synthetic(n)})
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				b.StartTimer()
				if _, err := Update(b.Context(), UpdateOptions{Dir: dir, From: src}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// synthetic returns n records over n/4 packages.
func synthetic(n int) []member {
	ms := make([]member, n)
	for i := range n {
		ms[i] = rec(fmt.Sprintf("GHSA-%07d", i), "npm", fmt.Sprintf("pkg-%d", i%(n/4)), "2024-01-01T00:00:00Z")
	}
	return ms
}

// BenchmarkQuery measures Query on databases of different sizes: its cost
// must not grow with the size (a B+tree seek plus the matching records).
// VIGIL_BENCH_DB names a database directory built beforehand (e.g. from the
// 500k synthetic corpus of bench/gen) to add as a third size; the first
// package of its npm index is queried.
func BenchmarkQuery(b *testing.B) {
	type target struct {
		name, dir, eco, pkg string
	}
	var targets []target
	for _, n := range []int{1_000, 100_000} {
		src, dir := b.TempDir(), b.TempDir()
		writeSource(b, src, map[string][]member{"npm": synthetic(n)})
		if _, err := Update(b.Context(), UpdateOptions{Dir: dir, From: src}); err != nil {
			b.Fatal(err)
		}
		targets = append(targets, target{fmt.Sprintf("records=%d", n), dir, "npm", "pkg-7"})
	}
	if dir := os.Getenv("VIGIL_BENCH_DB"); dir != "" {
		db := mustOpen(b, dir)
		f, err := db.file("npm")
		if err != nil {
			b.Fatal(err)
		}
		var eco, pkg string
		k, _ := f.idx.Cursor().First()
		parts := bytes.Split(k, []byte{0})
		eco, pkg = string(parts[0]), string(parts[1])
		st := db.Status()
		targets = append(targets, target{fmt.Sprintf("records=%d", st.Records()), dir, eco, pkg})
	}
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			db := mustOpen(b, tg.dir)
			vs, err := db.Query(b.Context(), tg.eco, tg.pkg)
			if err != nil || len(vs) == 0 {
				b.Fatalf("Query(%q, %q) = %d records, %v", tg.eco, tg.pkg, len(vs), err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := db.Query(b.Context(), tg.eco, tg.pkg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(vs)), "records/op")
		})
	}
}

// BenchmarkOpen measures Open plus the first Query: it must not depend on
// the size of the database.
func BenchmarkOpen(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			src, dir := b.TempDir(), b.TempDir()
			writeSource(b, src, map[string][]member{"npm": synthetic(n)})
			if _, err := Update(b.Context(), UpdateOptions{Dir: dir, From: src}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				db, err := Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.Query(b.Context(), "npm", "pkg-7"); err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
		})
	}
}

package store

import (
	"errors"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// testIngestMatchHashes (contract): an ingest's match hashes become the
// match_hash of the packages it stores first; a package stored before
// keeps its own (its other artifacts' findings were made with that one);
// hashes that do not pair with the packages are refused.
func testIngestMatchHashes(t *testing.T, s *Store, _ *clock, _ string) {
	ctx := t.Context()
	a, b, c := pkg("npm", "a", "1.0.0"), pkg("npm", "b", "1.0.0"), pkg("npm", "c", "1.0.0")
	in := fixture("hashes", 1, 0, 0, 0)
	in.Packages, in.MatchHashes = []inventory.Package{a, b}, []string{"ha", ""}
	if _, err := s.Ingest(ctx, in); err != nil {
		t.Fatal(err)
	}
	in = fixture("hashes", 2, 0, 0, 0)
	in.Packages, in.MatchHashes = []inventory.Package{a, b, c}, []string{"ha2", "hb2", "hc2"}
	if _, err := s.Ingest(ctx, in); err != nil {
		t.Fatal(err)
	}
	ps, err := s.RematchPackages(ctx, RematchScope{All: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range ps {
		got[p.Package.Name] = p.MatchHash
	}
	if want := map[string]string{"a": "ha", "b": "", "c": "hc2"}; len(got) != len(want) || got["a"] != want["a"] || got["b"] != want["b"] || got["c"] != want["c"] {
		t.Errorf("match hashes %v, want %v (the first store's; none when unknown)", got, want)
	}
	in = fixture("hashes", 3, 0, 0, 0)
	in.Packages, in.MatchHashes = []inventory.Package{a, b}, []string{"x"}
	if _, err := s.Ingest(ctx, in); !errors.Is(err, ErrInvalid) {
		t.Errorf("1 hash for 2 packages: %v, want ErrInvalid", err)
	}
}

package scan

import "testing"

func TestMatchHash(t *testing.T) {
	a := Vulnerability{ID: "GHSA-a", Summary: "a", Locations: []Location{{Path: "x/package-lock.json", Line: 3}}}
	b := Vulnerability{ID: "GHSA-b", Summary: "b"}
	h := func(vs ...Vulnerability) string {
		t.Helper()
		s, err := MatchHash(vs)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := h(a, b)
	if got := h(b, a); got != base {
		t.Errorf("order changed the hash: %s, %s", got, base)
	}
	moved := a
	moved.Locations = []Location{{Path: "other/package-lock.json"}}
	if got := h(moved, b); got != base {
		t.Errorf("locations changed the hash")
	}
	changed := b
	changed.Summary = "b, revised"
	if h(a, changed) == base || h(a) == base || h() == base {
		t.Errorf("a different match set hashes the same")
	}
	if h() != h(nil...) {
		t.Errorf("no matches: two hashes")
	}
}

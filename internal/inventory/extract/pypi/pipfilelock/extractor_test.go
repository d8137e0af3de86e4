package pipfilelock

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testutil"
)

func TestExtract(t *testing.T) {
	const p = "Pipfile.lock"
	loc := func(line int) []inventory.Location { return []inventory.Location{{Path: p, Line: line}} }
	want := []inventory.Package{
		{Name: "Django", Version: "4.2.7", PURL: "pkg:pypi/django@4.2.7", Locations: loc(9), Hashes: map[string]string{"sha256": "8e0f1c2d"}},
		{Name: "pytest", Version: "7.4.3", PURL: "pkg:pypi/pytest@7.4.3", Locations: loc(27), Dev: true},
		{Name: "six", Version: "1.16.0", PURL: "pkg:pypi/six@1.16.0", Locations: []inventory.Location{{Path: p, Line: 22}, {Path: p, Line: 30}}},
	}
	testutil.CheckExtract(t, New(), "PyPI", []testutil.ExtractCase{{Name: p, Path: p, Want: want}})
}

func TestExtractMalformed(t *testing.T) {
	testutil.CheckParseErrorLines(t, New(), map[string]int{
		"malformed/truncated.lock":  2,
		"malformed/not-object.lock": 1,
		"malformed/deep.lock":       1,
	})
}

func TestMatch(t *testing.T) {
	tests := map[string]bool{"Pipfile.lock": true, "a/Pipfile.lock": true, "Pipfile": false, "pipfile.lock": false}
	for p, want := range tests {
		if got := New().Match(p, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

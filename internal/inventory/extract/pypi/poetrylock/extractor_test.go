package poetrylock

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testutil"
)

func pkg(name, version, purl, path string, line int, dev bool) inventory.Package {
	return inventory.Package{
		Name: name, Version: version, Ecosystem: "PyPI", PURL: purl,
		Locations: []inventory.Location{{Path: path, Line: line}},
		Dev:       dev, Extractor: Name,
	}
}

func TestExtract(t *testing.T) {
	const v1, v2 = "v1-category.lock", "v2-groups.lock"
	testutil.CheckExtract(t, New(), "PyPI", []testutil.ExtractCase{
		{
			Name: "category dev, directory source skipped",
			Path: v1,
			Want: []inventory.Package{
				pkg("Django", "4.2.7", "pkg:pypi/django@4.2.7", v1, 1, false),
				pkg("pytest", "7.4.3", "pkg:pypi/pytest@7.4.3", v1, 12, true),
			},
		},
		{
			Name: "groups, git source kept",
			Path: v2,
			Want: []inventory.Package{
				pkg("requests", "2.31.0", "pkg:pypi/requests@2.31.0", v2, 22, false),
				pkg("ruff", "0.1.6", "pkg:pypi/ruff@0.1.6", v2, 14, true),
				pkg("typing_extensions", "4.8.0", "pkg:pypi/typing-extensions@4.8.0", v2, 3, false),
			},
		},
	})
}

func TestExtractMalformed(t *testing.T) {
	testutil.CheckParseErrorLines(t, New(), map[string]int{
		"malformed/missing-value.lock": 3,
		"malformed/deep.lock":          3,
		"malformed/wrong-type.lock":    0,
	})
}

func TestMatch(t *testing.T) {
	tests := map[string]bool{"poetry.lock": true, "a/poetry.lock": true, "poetry.lock.bak": false, "xpoetry.lock": false}
	for p, want := range tests {
		if got := New().Match(p, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

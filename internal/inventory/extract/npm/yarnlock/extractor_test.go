package yarnlock

import (
	"errors"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testutil"
)

func loc(path string, lines ...int) []inventory.Location {
	var out []inventory.Location
	for _, l := range lines {
		out = append(out, inventory.Location{Path: path, Line: l})
	}
	return out
}

func TestExtract(t *testing.T) {
	const v1, v2 = "v1-classic.lock", "v2-berry.lock"
	testutil.CheckExtract(t, New(), "npm", []testutil.ExtractCase{
		{
			Name: "classic: scoped, alias, file: skipped, integrity, edges",
			Path: v1,
			Want: []inventory.Package{
				{Name: "@babel/code-frame", Version: "7.12.13", PURL: "pkg:npm/%40babel/code-frame@7.12.13", Locations: loc(v1, 5),
					Hashes:    map[string]string{"sha1": "000102030405060708090a0b0c0d0e0f10111213"},
					DependsOn: []string{"pkg:npm/%40babel/highlight@7.13.10"}},
				{Name: "@babel/highlight", Version: "7.13.10", PURL: "pkg:npm/%40babel/highlight@7.13.10", Locations: loc(v1, 12),
					DependsOn: []string{"pkg:npm/js-tokens@4.0.0"}},
				{Name: "js-tokens", Version: "4.0.0", PURL: "pkg:npm/js-tokens@4.0.0", Locations: loc(v1, 18)},
				{Name: "left-pad", Version: "1.3.0", PURL: "pkg:npm/left-pad@1.3.0", Locations: loc(v1, 21)},
			},
		},
		{
			Name: "berry: metadata, patch merged, workspaces skipped",
			Path: v2,
			Want: []inventory.Package{
				{Name: "@babel/code-frame", Version: "7.12.13", PURL: "pkg:npm/%40babel/code-frame@7.12.13", Locations: loc(v2, 8),
					DependsOn: []string{"pkg:npm/%40babel/highlight@7.13.10"}},
				{Name: "@babel/highlight", Version: "7.13.10", PURL: "pkg:npm/%40babel/highlight@7.13.10", Locations: loc(v2, 17),
					DependsOn: []string{"pkg:npm/js-tokens@4.0.0"}},
				{Name: "js-tokens", Version: "4.0.0", PURL: "pkg:npm/js-tokens@4.0.0", Locations: loc(v2, 25)},
				{Name: "left-pad", Version: "1.3.0", PURL: "pkg:npm/left-pad@1.3.0", Locations: loc(v2, 43)},
				{Name: "resolve", Version: "1.22.8", PURL: "pkg:npm/resolve@1.22.8", Locations: loc(v2, 31, 37)},
			},
		},
	})
}

func TestExtractMalformed(t *testing.T) {
	testutil.CheckParseErrorLines(t, New(), map[string]int{
		"malformed/orphan-field.lock": 1,
		"malformed/bad-header.lock":   3,
	})
}

func TestParseLongLine(t *testing.T) {
	in := "a@1:\n  version \"" + strings.Repeat("x", MaxLineLen+1) + "\"\n"
	_, err := Parse("yarn.lock", strings.NewReader(in))
	var pe *inventory.ParseError
	if !errors.As(err, &pe) || pe.Line != 2 {
		t.Errorf("Parse(long line) error = %v, want *ParseError at line 2", err)
	}
}

func TestMatch(t *testing.T) {
	tests := map[string]bool{
		"yarn.lock":                  true,
		"web/yarn.lock":              true,
		"node_modules/x/yarn.lock":   false,
		"a/node_modules/x/yarn.lock": false,
		"yarn.lock.orig":             false,
		"package-lock.json":          false,
	}
	for path, want := range tests {
		if got := New().Match(path, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", path, got, want)
		}
	}
}

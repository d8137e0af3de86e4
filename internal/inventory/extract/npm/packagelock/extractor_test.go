package packagelock

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testutil"
)

type p = inventory.Package

func loc(path string, line int) []inventory.Location {
	return []inventory.Location{{Path: path, Line: line}}
}

func TestExtract(t *testing.T) {
	const ws = "v3-workspaces.json"
	const v1 = "v1-nested.json"
	const hidden = "hidden/node_modules/.package-lock.json"
	testutil.CheckExtract(t, New(), "npm", []testutil.ExtractCase{
		{
			Name: "v3 with workspaces, alias, link, nested, dev",
			Path: ws,
			Want: []inventory.Package{
				{Name: "@scope/x", Version: "1.0.1", PURL: "pkg:npm/%40scope/x@1.0.1", Locations: loc(ws, 19), Relationship: inventory.RelDirect,
					Licenses: []string{"MIT"}, Hashes: map[string]string{"sha1": "000102030405060708090a0b0c0d0e0f10111213"},
					DependsOn: []string{"pkg:npm/dep-a@1.5.0"}},
				{Name: "dep-a", Version: "1.5.0", PURL: "pkg:npm/dep-a@1.5.0", Locations: loc(ws, 32), Relationship: inventory.RelTransitive},
				{Name: "dep-a", Version: "2.0.0", PURL: "pkg:npm/dep-a@2.0.0", Locations: loc(ws, 42), Relationship: inventory.RelTransitive, Dev: true},
				{Name: "jest-ish", Version: "3.0.0", PURL: "pkg:npm/jest-ish@3.0.0", Locations: loc(ws, 35), Relationship: inventory.RelDirect, Dev: true,
					DependsOn: []string{"pkg:npm/dep-a@2.0.0"}},
				{Name: "left-pad", Version: "1.3.0", PURL: "pkg:npm/left-pad@1.3.0", Locations: loc(ws, 57), Relationship: inventory.RelDirect},
				{Name: "real-pkg", Version: "2.1.0", PURL: "pkg:npm/real-pkg@2.1.0", Locations: loc(ws, 28), Relationship: inventory.RelDirect},
			},
		},
		{
			Name: "v1 nested, alias, file: skipped",
			Path: v1,
			Want: []inventory.Package{
				{Name: "@s/c", Version: "3.0.0", PURL: "pkg:npm/%40s/c@3.0.0", Locations: loc(v1, 20)},
				{Name: "a", Version: "1.0.0", PURL: "pkg:npm/a@1.0.0", Locations: loc(v1, 7)},
				{Name: "b", Version: "2.0.0", PURL: "pkg:npm/b@2.0.0", Locations: loc(v1, 14), Relationship: inventory.RelTransitive, Dev: true},
				{Name: "real", Version: "4.0.0", PURL: "pkg:npm/real@4.0.0", Locations: loc(v1, 23)},
			},
		},
		{
			Name: "hidden lockfile has no root entry",
			Path: hidden,
			Want: []inventory.Package{
				{Name: "a", Version: "1.0.0", PURL: "pkg:npm/a@1.0.0", Locations: loc(hidden, 6), DependsOn: []string{"pkg:npm/b@2.0.0"}},
				{Name: "b", Version: "2.0.0", PURL: "pkg:npm/b@2.0.0", Locations: loc(hidden, 10), Relationship: inventory.RelTransitive},
			},
		},
		{
			Name: "package-lock.json beside npm-shrinkwrap.json is ignored",
			Path: "shrinkwrap/package-lock.json",
		},
		{
			Name: "npm-shrinkwrap.json",
			Path: "shrinkwrap/npm-shrinkwrap.json",
			Want: []inventory.Package{
				{Name: "a", Version: "1.0.0", PURL: "pkg:npm/a@1.0.0", Locations: loc("shrinkwrap/npm-shrinkwrap.json", 1)},
			},
		},
	})
}

func TestExtractMalformed(t *testing.T) {
	testutil.CheckParseErrorLines(t, New(), map[string]int{
		"malformed/wrong-type.json": 3,
		"malformed/truncated.json":  3,
		"malformed/deep-v1.json":    1,
		"malformed/deep-array.json": 1,
		"malformed/not-object.json": 1,
	})
}

func TestMatch(t *testing.T) {
	tests := map[string]bool{
		"package-lock.json":                              true,
		"web/package-lock.json":                          true,
		"npm-shrinkwrap.json":                            true,
		"node_modules/.package-lock.json":                true,
		"web/node_modules/.package-lock.json":            true,
		"node_modules/x/package-lock.json":               false,
		"node_modules/x/node_modules/.package-lock.json": false,
		"package.json":                                   false,
		".package-lock.json":                             false,
		"package-lock.json.bak":                          false,
	}
	for path, want := range tests {
		if got := New().Match(path, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", path, got, want)
		}
	}
}

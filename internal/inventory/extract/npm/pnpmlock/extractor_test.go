package pnpmlock

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testutil"
)

func loc(path string, line int) []inventory.Location {
	return []inventory.Location{{Path: path, Line: line}}
}

const (
	sha1Hex    = "000102030405060708090a0b0c0d0e0f10111213"
	direct     = inventory.RelDirect
	transitive = inventory.RelTransitive
)

func TestExtract(t *testing.T) {
	sha1 := map[string]string{"sha1": sha1Hex}
	testutil.CheckExtract(t, New(), "npm", []testutil.ExtractCase{
		{
			Name: "v5: slash keys, peer suffix, dev, git kept, file skipped",
			Path: "v5.yaml",
			Want: []inventory.Package{
				{Name: "@babel/core", Version: "7.12.3", PURL: "pkg:npm/%40babel/core@7.12.3", Locations: loc("v5.yaml", 15),
					Relationship: direct, Dev: true, Hashes: sha1, DependsOn: []string{"pkg:npm/js-tokens@4.0.0"}},
				{Name: "from-git", Version: "1.0.0", PURL: "pkg:npm/from-git@1.0.0", Locations: loc("v5.yaml", 33), Relationship: transitive},
				{Name: "js-tokens", Version: "4.0.0", PURL: "pkg:npm/js-tokens@4.0.0", Locations: loc("v5.yaml", 22), Relationship: transitive,
					Hashes: map[string]string{"sha512": "7c8bcd055df2e8405157f89b1c78cb0434a945b761b4a5dfeb50d2cce579d312293e07db5bfe65c430d5466c787d9c111dfefb40c55fc28ac779ad92918c4e50"}},
				{Name: "react", Version: "17.0.2", PURL: "pkg:npm/react@17.0.2", Locations: loc("v5.yaml", 26), Relationship: direct,
					Hashes:    map[string]string{"sha512": "b3a903c87f6e74d470d2963950e2a0068fbcad76d91c31b73873a6b376e32dbaa1593a23297aea1a7de966256776f21db6b58e101b4ee6f2df030cbd6a2d8f62"},
					DependsOn: []string{"pkg:npm/js-tokens@4.0.0"}},
			},
		},
		{
			Name: "v6: importers, alias, workspace link skipped",
			Path: "v6.yaml",
			Want: []inventory.Package{
				{Name: "@scope/x", Version: "1.0.1", PURL: "pkg:npm/%40scope/x@1.0.1", Locations: loc("v6.yaml", 29), Relationship: direct, Hashes: sha1},
				{Name: "left-pad", Version: "1.3.0", PURL: "pkg:npm/left-pad@1.3.0", Locations: loc("v6.yaml", 33), Relationship: direct},
				{Name: "react", Version: "17.0.2", PURL: "pkg:npm/react@17.0.2", Locations: loc("v6.yaml", 45), Relationship: transitive},
				{Name: "react-dom", Version: "17.0.2", PURL: "pkg:npm/react-dom@17.0.2", Locations: loc("v6.yaml", 37), Relationship: direct,
					DependsOn: []string{"pkg:npm/react@17.0.2"}},
			},
		},
		{
			Name: "v9: packages plus snapshots",
			Path: "v9.yaml",
			Want: []inventory.Package{
				{Name: "@babel/core", Version: "7.12.3", PURL: "pkg:npm/%40babel/core@7.12.3", Locations: loc("v9.yaml", 21), Relationship: direct, Hashes: sha1},
				{Name: "react", Version: "17.0.2", PURL: "pkg:npm/react@17.0.2", Locations: loc("v9.yaml", 30), Relationship: transitive},
				{Name: "react-dom", Version: "17.0.2", PURL: "pkg:npm/react-dom@17.0.2", Locations: loc("v9.yaml", 25), Relationship: direct,
					DependsOn: []string{"pkg:npm/react@17.0.2"}},
			},
		},
	})
}

func TestExtractMalformed(t *testing.T) {
	testutil.CheckParseErrorLines(t, New(), map[string]int{
		"malformed/unclosed.yaml": 3,
		"malformed/list.yaml":     1,
	})
}

// An alias bomb must not be expanded: aliases are not followed, so the
// aliased entry is read from its key alone.
func TestAliasBomb(t *testing.T) {
	pkgs, err := testutil.ExtractTestdata(t, New(), "malformed/alias-bomb.yaml")
	if err != nil || len(pkgs) != 1 || pkgs[0].Name != "x" || pkgs[0].Version != "1.0.0" {
		t.Errorf("Extract(alias bomb) = %+v, %v; want x@1.0.0", pkgs, err)
	}
}

func TestNameVersion(t *testing.T) {
	tests := []struct {
		key        string
		lock       float64
		name, vers string
	}{
		{"/a/1.0.0", 5.4, "a", "1.0.0"},
		{"/@s/a/1.0.0_b@2.0.0", 5.4, "@s/a", "1.0.0"},
		{"registry.example.com/a/1.0.0", 5.4, "a", "1.0.0"},
		{"/a@1.0.0(b@2.0.0)(c@3)", 6.0, "a", "1.0.0"},
		{"/@s/a@1.0.0", 6.0, "@s/a", "1.0.0"},
		{"'@s/a@1.0.0'", 9.0, "@s/a", "1.0.0"},
		{"a@1.0.0(b@2)", 9.0, "a", "1.0.0"},
		{"file:../x", 9.0, "", ""},
		{"@s", 9.0, "", ""},
		{"", 9.0, "", ""},
	}
	for _, tt := range tests {
		n, v := nameVersion(tt.key, tt.lock)
		if n != tt.name || v != tt.vers {
			t.Errorf("nameVersion(%q, %v) = %q, %q; want %q, %q", tt.key, tt.lock, n, v, tt.name, tt.vers)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := map[string]bool{
		"pnpm-lock.yaml":                true,
		"a/pnpm-lock.yaml":              true,
		"node_modules/x/pnpm-lock.yaml": false,
		"pnpm-lock.yml":                 false,
	}
	for path, want := range tests {
		if got := New().Match(path, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", path, got, want)
		}
	}
}

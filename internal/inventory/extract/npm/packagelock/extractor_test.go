package packagelock

import (
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

type p = inventory.Package

func loc(path string, line int) []inventory.Location {
	return []inventory.Location{{Path: path, Line: line}}
}

func TestExtract(t *testing.T) {
	const ws = "v3-workspaces.json"
	const v1 = "v1-nested.json"
	const hidden = "hidden/node_modules/.package-lock.json"
	tests := []struct {
		name string
		path string
		want []inventory.Package
	}{
		{
			name: "v3 with workspaces, alias, link, nested, dev",
			path: ws,
			want: []inventory.Package{
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
			name: "v1 nested, alias, file: skipped",
			path: v1,
			want: []inventory.Package{
				{Name: "@s/c", Version: "3.0.0", PURL: "pkg:npm/%40s/c@3.0.0", Locations: loc(v1, 20)},
				{Name: "a", Version: "1.0.0", PURL: "pkg:npm/a@1.0.0", Locations: loc(v1, 7)},
				{Name: "b", Version: "2.0.0", PURL: "pkg:npm/b@2.0.0", Locations: loc(v1, 14), Relationship: inventory.RelTransitive, Dev: true},
				{Name: "real", Version: "4.0.0", PURL: "pkg:npm/real@4.0.0", Locations: loc(v1, 23)},
			},
		},
		{
			name: "hidden lockfile has no root entry",
			path: hidden,
			want: []inventory.Package{
				{Name: "a", Version: "1.0.0", PURL: "pkg:npm/a@1.0.0", Locations: loc(hidden, 6), DependsOn: []string{"pkg:npm/b@2.0.0"}},
				{Name: "b", Version: "2.0.0", PURL: "pkg:npm/b@2.0.0", Locations: loc(hidden, 10), Relationship: inventory.RelTransitive},
			},
		},
		{
			name: "package-lock.json beside npm-shrinkwrap.json is ignored",
			path: "shrinkwrap/package-lock.json",
		},
		{
			name: "npm-shrinkwrap.json",
			path: "shrinkwrap/npm-shrinkwrap.json",
			want: []inventory.Package{
				{Name: "a", Version: "1.0.0", PURL: "pkg:npm/a@1.0.0", Locations: loc("shrinkwrap/npm-shrinkwrap.json", 1)},
			},
		},
	}
	fsys := os.DirFS("testdata")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extract(t, fsys, tt.path)
			if err != nil {
				t.Fatalf("Extract(%q): %v", tt.path, err)
			}
			for i := range tt.want {
				tt.want[i].Ecosystem, tt.want[i].Extractor = "npm", Name
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Extract(%q) mismatch (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

func TestExtractMalformed(t *testing.T) {
	tests := []struct {
		path     string
		wantLine int
	}{
		{"malformed/wrong-type.json", 3},
		{"malformed/truncated.json", 3},
		{"malformed/deep-v1.json", 1},
		{"malformed/deep-array.json", 1},
		{"malformed/not-object.json", 1},
	}
	fsys := os.DirFS("testdata")
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			pkgs, err := extract(t, fsys, tt.path)
			var pe *inventory.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Extract(%q) = %d packages, error %v; want *ParseError", tt.path, len(pkgs), err)
			}
			if pe.Path != tt.path || pe.Line != tt.wantLine {
				t.Errorf("Extract(%q) error %q at line %d, want line %d", tt.path, err, pe.Line, tt.wantLine)
			}
		})
	}
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

func extract(t *testing.T, fsys fs.FS, path string) ([]inventory.Package, error) {
	t.Helper()
	return inventory.ExtractFile(t.Context(), fsys, path, nil, New(), inventory.DefaultMaxFileSize)
}

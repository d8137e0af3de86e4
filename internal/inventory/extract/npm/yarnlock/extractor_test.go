package yarnlock

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
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
	tests := []struct {
		name string
		path string
		want []inventory.Package
	}{
		{
			name: "classic: scoped, alias, file: skipped, integrity, edges",
			path: v1,
			want: []inventory.Package{
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
			name: "berry: metadata, patch merged, workspaces skipped",
			path: v2,
			want: []inventory.Package{
				{Name: "@babel/code-frame", Version: "7.12.13", PURL: "pkg:npm/%40babel/code-frame@7.12.13", Locations: loc(v2, 8),
					DependsOn: []string{"pkg:npm/%40babel/highlight@7.13.10"}},
				{Name: "@babel/highlight", Version: "7.13.10", PURL: "pkg:npm/%40babel/highlight@7.13.10", Locations: loc(v2, 17),
					DependsOn: []string{"pkg:npm/js-tokens@4.0.0"}},
				{Name: "js-tokens", Version: "4.0.0", PURL: "pkg:npm/js-tokens@4.0.0", Locations: loc(v2, 25)},
				{Name: "left-pad", Version: "1.3.0", PURL: "pkg:npm/left-pad@1.3.0", Locations: loc(v2, 43)},
				{Name: "resolve", Version: "1.22.8", PURL: "pkg:npm/resolve@1.22.8", Locations: loc(v2, 31, 37)},
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
		{"malformed/orphan-field.lock", 1},
		{"malformed/bad-header.lock", 3},
	}
	fsys := os.DirFS("testdata")
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := extract(t, fsys, tt.path)
			var pe *inventory.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Extract(%q) error = %v, want *ParseError", tt.path, err)
			}
			if pe.Path != tt.path || pe.Line != tt.wantLine {
				t.Errorf("Extract(%q) error %q at line %d, want line %d", tt.path, err, pe.Line, tt.wantLine)
			}
		})
	}
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

func extract(t *testing.T, fsys fs.FS, path string) ([]inventory.Package, error) {
	t.Helper()
	return inventory.ExtractFile(t.Context(), fsys, path, nil, New(), inventory.DefaultMaxFileSize)
}

package gemfilelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func gem(file string, line int, name, version string, rel inventory.Relationship, deps ...string) inventory.Package {
	p := inventory.Package{
		Name: name, Version: version, Ecosystem: Ecosystem,
		PURL:         "pkg:gem/" + name + "@" + version,
		Locations:    []inventory.Location{{Path: "testdata/" + file, Line: line}},
		Relationship: rel,
	}
	for _, d := range deps {
		p.DependsOn = append(p.DependsOn, "pkg:gem/"+d)
	}
	return p
}

func TestParse(t *testing.T) {
	const d, tr = inventory.RelDirect, inventory.RelTransitive
	const rails, sums = "bundler2-rails.lock", "bundler25-checksums.lock"
	withHash := func(p inventory.Package, h string) inventory.Package {
		p.Hashes = map[string]string{"sha256": h}
		return p
	}
	tests := []struct {
		file string
		want []inventory.Package
	}{
		{
			file: rails,
			want: []inventory.Package{
				gem(rails, 6, "activesupport", "7.1.3", d, "concurrent-ruby@1.2.3", "i18n@1.14.1"),
				gem(rails, 19, "concurrent-ruby", "1.2.3", tr),
				gem(rails, 20, "i18n", "1.14.1", tr, "concurrent-ruby@1.2.3"),
				gem(rails, 22, "mini_portile2", "2.8.5", tr),
				gem(rails, 13, "myapp", "0.1.0", d, "activesupport@7.1.3"),
				gem(rails, 23, "nokogiri", "1.16.2", d, "mini_portile2@2.8.5", "racc@1.7.3"),
				gem(rails, 30, "racc", "1.7.3", tr),
				gem(rails, 31, "rake", "13.1.0", d),
				gem(rails, 32, "rspec-core", "3.13.0", d, "rspec-support@3.13.1"),
				gem(rails, 34, "rspec-support", "3.13.1", tr),
			},
		},
		{
			file: sums,
			want: []inventory.Package{
				withHash(gem(sums, 4, "rack", "3.0.9.1", tr), "51f1f9ed32f5cbd0ef4dcf7e0f0f1b1ec0a5ad3c8c6b3e5f1b6b5c1e2d3a4b5c"),
				withHash(gem(sums, 5, "rack-session", "2.0.0", d, "rack@3.0.9.1"), "db04b2063e180369192a9046b4559af311990af38c6a93d4c600cee4eb6d4e81"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Parse(f, "testdata/"+tt.file)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.file, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		file     string
		wantLine int
		wantPkgs []string // name@version still reported from the good lines
	}{
		{file: "malformed-spec.lock", wantLine: 4},
		{file: "no-section.lock", wantLine: 1},
		{file: "bad-indent.lock", wantLine: 3},
		{file: "long-line.lock", wantLine: 3},
		{file: "orphan-dependency.lock", wantLine: 4},
		{file: "partial.lock", wantLine: 5, wantPkgs: []string{"rack@3.0.9.1", "rake@13.1.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "malformed", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			pkgs, err := Parse(f, tt.file)
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name+"@"+p.Version)
			}
			if diff := cmp.Diff(tt.wantPkgs, got); diff != "" {
				t.Errorf("Parse(%q) packages mismatch (-want +got):\n%s", tt.file, diff)
			}
			var pe *inventory.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error = %v, want *inventory.ParseError", tt.file, err)
			}
			if pe.Path != tt.file || pe.Line != tt.wantLine {
				t.Errorf("Parse(%q) error at %s:%d, want %s:%d (%v)", tt.file, pe.Path, pe.Line, tt.file, tt.wantLine, err)
			}
		})
	}
}

func TestExtractorMatch(t *testing.T) {
	e := New()
	for path, want := range map[string]bool{
		"Gemfile.lock": true, "a/Gemfile.lock": true, "gems.locked": true, "Gemfile": false, "gemfile.lock": false,
	} {
		if got := e.Match(path, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", path, got, want)
		}
	}
}

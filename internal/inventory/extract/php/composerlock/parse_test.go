package composerlock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func pkg(file string, line int, name, version string, dev bool, deps ...string) inventory.Package {
	p := inventory.Package{
		Name: name, Version: version, Ecosystem: Ecosystem,
		PURL:      "pkg:composer/" + name + "@" + version,
		Locations: []inventory.Location{{Path: file, Line: line}},
		Dev:       dev,
	}
	for _, d := range deps {
		p.DependsOn = append(p.DependsOn, "pkg:composer/"+d)
	}
	return p
}

func laravel(file string) []inventory.Package {
	psr7 := pkg(file, 34, "guzzlehttp/psr7", "2.6.2", false)
	psr7.Hashes = map[string]string{"sha1": "1f0c3a3f9e2d1b4a5c6d7e8f9a0b1c2d3e4f5a6b"}
	return []inventory.Package{
		pkg(file, 10, "guzzlehttp/guzzle", "7.8.1", false, "guzzlehttp/psr7@2.6.2"),
		psr7,
		pkg(file, 58, "phpunit/phpunit", "10.5.10", true, "symfony/http-foundation@v6.4.3"),
		pkg(file, 48, "symfony/http-foundation", "v6.4.3", false),
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		file string
		want []inventory.Package
	}{
		{file: "testdata/v2-laravel.json", want: laravel("testdata/v2-laravel.json")},
		{file: "testdata/empty.json", want: []inventory.Package{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Parse(f, tt.file)
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
	}{
		{"wrong-type.json", 4},
		{"truncated.json", 4},
		{"missing-version.json", 3},
		{"not-array.json", 2},
		{"deep.json", 2},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "malformed", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = Parse(f, tt.file)
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

func TestExtractWithManifest(t *testing.T) {
	fsys := os.DirFS("testdata")
	const p = "project/composer.lock"
	f, err := fsys.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := New().Extract(t.Context(), &inventory.Input{FS: fsys, Path: p, Reader: f})
	if err != nil {
		t.Fatal(err)
	}
	want := laravel(p)
	for i := range want {
		want[i].Extractor = Name
		want[i].Relationship = inventory.RelTransitive
	}
	want[0].Relationship = inventory.RelDirect // guzzle
	want[2].Relationship = inventory.RelDirect // phpunit
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Extract(%q) mismatch (-want +got):\n%s", p, diff)
	}
}

func TestExtractorMatch(t *testing.T) {
	e := New()
	for path, want := range map[string]bool{
		"composer.lock": true, "a/composer.lock": true, "composer.json": false,
	} {
		if got := e.Match(path, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", path, got, want)
		}
	}
}

package packageslock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestParse(t *testing.T) {
	// sha512 of "nj", "ssc", "s": the fixture's base64 contentHash values.
	const (
		hNJ  = "a1e5d5a77e6ad2d405c899597f5485859f2d88bf549c4a17b513a49c52a4616e28fa7a48ef6496d42ce6ba2cb09a3cab3eb73514e2ec1bb84f65cf48d780e5a2"
		hSSC = "5d8813e1ae5b8095f2f5767d57d6c65a1126d88d69e2aafecb908f4e538ce302cde0b3bbd3ce30372c2d6791a71d4b1ea08cc6662d78014621c920a265142bcb"
		hS   = "2c1ee68372215b1ce064426b5cdbd4ef2581ace0dd3b21fa2be27f364827242e83f68b68be03f5b3e24be5d1b4315f98a0a96d19713fb3a19dc455fb6adc3431"
	)
	pkg := func(file string, line int, name, version string, rel inventory.Relationship, hash string, deps ...string) inventory.Package {
		p := inventory.Package{
			Name: name, Version: version, Ecosystem: Ecosystem,
			PURL:         "pkg:nuget/" + name + "@" + version,
			Locations:    []inventory.Location{{Path: file, Line: line}},
			Relationship: rel,
			DependsOn:    deps,
		}
		if hash != "" {
			p.Hashes = map[string]string{"sha512": hash}
		}
		return p
	}
	const multi = "testdata/v1-multi-target.json"
	tests := []struct {
		file string
		want []inventory.Package
	}{
		{
			file: multi,
			want: []inventory.Package{
				pkg(multi, 5, "Newtonsoft.Json", "13.0.3", inventory.RelDirect, hNJ),
				pkg(multi, 20, "Serilog", "3.1.1", inventory.RelDirect, hS),
				pkg(multi, 11, "Serilog.Sinks.Console", "5.0.1", inventory.RelDirect, hSSC, "pkg:nuget/Serilog@3.1.1"),
				pkg(multi, 45, "System.Text.Json", "8.0.4", inventory.RelTransitive, ""),
			},
		},
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
		{"missing-resolved.json", 5},
		{"wrong-type.json", 5},
		{"not-object.json", 4},
		{"truncated.json", 4},
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

func TestExtractorMatch(t *testing.T) {
	e := New()
	for path, want := range map[string]bool{
		"packages.lock.json": true, "src/App/packages.lock.json": true, "package-lock.json": false, "packages.config": false,
	} {
		if got := e.Match(path, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", path, got, want)
		}
	}
}

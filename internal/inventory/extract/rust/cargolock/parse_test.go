package cargolock

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func loc(file string, line int) []inventory.Location {
	return []inventory.Location{{Path: "testdata/" + file, Line: line}}
}

func TestParse(t *testing.T) {
	const reg = "pkg:cargo/"
	tests := []struct {
		file string
		want []inventory.Package
	}{
		{
			file: "v4-workspace.lock",
			want: []inventory.Package{
				{Name: "app", Version: "0.1.0", Ecosystem: Ecosystem, PURL: reg + "app@0.1.0", Locations: loc("v4-workspace.lock", 5),
					DependsOn: []string{reg + "core-lib@0.1.0", reg + "serde@1.0.203", reg + "time@0.3.36"}},
				{Name: "core-lib", Version: "0.1.0", Ecosystem: Ecosystem, PURL: reg + "core-lib@0.1.0", Locations: loc("v4-workspace.lock", 14), Relationship: inventory.RelDirect,
					DependsOn: []string{reg + "time@0.1.45"}},
				{Name: "libc", Version: "0.2.155", Ecosystem: Ecosystem, PURL: reg + "libc@0.2.155", Locations: loc("v4-workspace.lock", 21), Relationship: inventory.RelTransitive,
					Hashes: map[string]string{"sha256": "97b3888a4aecf77e811145cadf6eef5901f4782c53886b7f8e9b7a2ef0e9e1a4"}},
				{Name: "serde", Version: "1.0.203", Ecosystem: Ecosystem, PURL: reg + "serde@1.0.203", Locations: loc("v4-workspace.lock", 27), Relationship: inventory.RelDirect,
					Hashes:    map[string]string{"sha256": "7253ab4de971e72fb7be983802300c30b5a7f0c2e56fab8abfc6a214307c0094"},
					DependsOn: []string{reg + "serde_derive@1.0.203"}},
				{Name: "serde_derive", Version: "1.0.203", Ecosystem: Ecosystem, PURL: reg + "serde_derive@1.0.203", Locations: loc("v4-workspace.lock", 36), Relationship: inventory.RelTransitive,
					Hashes: map[string]string{"sha256": "500cbc0ebeb6f46627f50f3f5811ccf6bf00643be300b4c3eabc0ef55dc5b5ba"}},
				{Name: "time", Version: "0.1.45", Ecosystem: Ecosystem, PURL: reg + "time@0.1.45", Locations: loc("v4-workspace.lock", 42), Relationship: inventory.RelDirect,
					Hashes:    map[string]string{"sha256": "1b797afad3f312d1c66a56d11d0316f916356d11bd158fbc6ca6389ff6bf805a"},
					DependsOn: []string{reg + "libc@0.2.155"}},
				{Name: "time", Version: "0.3.36", Ecosystem: Ecosystem, PURL: reg + "time@0.3.36", Locations: loc("v4-workspace.lock", 51), Relationship: inventory.RelDirect,
					Hashes: map[string]string{"sha256": "5dfd88e563464686c916c7e46e623e520ddc6d79fa6641390f2e3fa86e83e885"}},
				{Name: "tokio-util", Version: "0.7.11", Ecosystem: Ecosystem, PURL: reg + "tokio-util@0.7.11", Locations: loc("v4-workspace.lock", 57), Relationship: inventory.RelTransitive},
			},
		},
		{
			file: "v1-root.lock",
			want: []inventory.Package{
				{Name: "bitflags", Version: "1.0.1", Ecosystem: Ecosystem, PURL: reg + "bitflags@1.0.1", Locations: loc("v1-root.lock", 8), Relationship: inventory.RelDirect,
					Hashes: map[string]string{"sha256": "b3c30d3802dfb7281680d6285f2ccdaa8c2d8fee41f93805dba5c4cf50dc23cf"}},
				{Name: "smallvec", Version: "0.6.0", Ecosystem: Ecosystem, PURL: reg + "smallvec@0.6.0", Locations: loc("v1-root.lock", 13), Relationship: inventory.RelTransitive,
					Hashes: map[string]string{"sha256": "44db0ecb22921ef790d17ae13a3f6d15784183ff5f2a01aa32098c7498d2b4b9"}},
			},
		},
		{file: "empty.lock", want: []inventory.Package{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := filepath.Join("testdata", tt.file)
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Parse(f, "testdata/"+tt.file)
			if err != nil {
				t.Fatalf("Parse(%q): %v", p, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", p, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		file     string
		wantLine int
	}{
		{"malformed-value.lock", 5},
		{"missing-version.lock", 3},
		{"deep.lock", 1},
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
		"Cargo.lock": true, "a/b/Cargo.lock": true, "Cargo.toml": false, "cargo.lock": false, "Cargo.lock.bak": false,
	} {
		if got := e.Match(path, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestExtract(t *testing.T) {
	f, err := os.Open("testdata/v1-root.lock")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := New().Extract(t.Context(), &inventory.Input{Path: "x/Cargo.lock", Reader: f})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Extractor != Name || got[0].Locations[0].Path != "x/Cargo.lock" {
		t.Errorf("Extract = %+v, want 2 packages from %s at x/Cargo.lock", got, Name)
	}
}

func TestParseTooLarge(t *testing.T) {
	const limit = 1 << 10
	in := strings.NewReader("# " + strings.Repeat("x", limit) + "\nversion = 3\n")
	_, err := parse(in, "Cargo.lock", limit)
	if !errors.Is(err, inventory.ErrTooLarge) {
		t.Errorf("Parse(%d bytes) error = %v, want %v", in.Size(), err, inventory.ErrTooLarge)
	}
}

package pipfilelock

import (
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestExtract(t *testing.T) {
	const p = "Pipfile.lock"
	loc := func(line int) []inventory.Location { return []inventory.Location{{Path: p, Line: line}} }
	want := []inventory.Package{
		{Name: "Django", Version: "4.2.7", PURL: "pkg:pypi/django@4.2.7", Locations: loc(9), Hashes: map[string]string{"sha256": "8e0f1c2d"}},
		{Name: "pytest", Version: "7.4.3", PURL: "pkg:pypi/pytest@7.4.3", Locations: loc(27), Dev: true},
		{Name: "six", Version: "1.16.0", PURL: "pkg:pypi/six@1.16.0", Locations: []inventory.Location{{Path: p, Line: 22}, {Path: p, Line: 30}}},
	}
	for i := range want {
		want[i].Ecosystem, want[i].Extractor = "PyPI", Name
	}
	got, err := extract(t, os.DirFS("testdata"), p)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Extract mismatch (-want +got):\n%s", diff)
	}
}

func TestExtractMalformed(t *testing.T) {
	tests := []struct {
		path     string
		wantLine int
	}{
		{"malformed/truncated.lock", 2},
		{"malformed/not-object.lock", 1},
		{"malformed/deep.lock", 1},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := extract(t, os.DirFS("testdata"), tt.path)
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

func TestMatch(t *testing.T) {
	tests := map[string]bool{"Pipfile.lock": true, "a/Pipfile.lock": true, "Pipfile": false, "pipfile.lock": false}
	for p, want := range tests {
		if got := New().Match(p, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

func extract(t *testing.T, fsys fs.FS, path string) ([]inventory.Package, error) {
	t.Helper()
	return inventory.ExtractFile(t.Context(), fsys, path, nil, New(), inventory.DefaultMaxFileSize)
}

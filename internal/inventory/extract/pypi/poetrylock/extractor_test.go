package poetrylock

import (
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func pkg(name, version, purl, path string, line int, dev bool) inventory.Package {
	return inventory.Package{
		Name: name, Version: version, Ecosystem: "PyPI", PURL: purl,
		Locations: []inventory.Location{{Path: path, Line: line}},
		Dev:       dev, Extractor: Name,
	}
}

func TestExtract(t *testing.T) {
	const v1, v2 = "v1-category.lock", "v2-groups.lock"
	tests := []struct {
		name string
		path string
		want []inventory.Package
	}{
		{
			name: "category dev, directory source skipped",
			path: v1,
			want: []inventory.Package{
				pkg("Django", "4.2.7", "pkg:pypi/django@4.2.7", v1, 1, false),
				pkg("pytest", "7.4.3", "pkg:pypi/pytest@7.4.3", v1, 12, true),
			},
		},
		{
			name: "groups, git source kept",
			path: v2,
			want: []inventory.Package{
				pkg("requests", "2.31.0", "pkg:pypi/requests@2.31.0", v2, 22, false),
				pkg("ruff", "0.1.6", "pkg:pypi/ruff@0.1.6", v2, 14, true),
				pkg("typing_extensions", "4.8.0", "pkg:pypi/typing-extensions@4.8.0", v2, 3, false),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extract(t, os.DirFS("testdata"), tt.path)
			if err != nil {
				t.Fatalf("Extract(%q): %v", tt.path, err)
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
		{"malformed/missing-value.lock", 3},
		{"malformed/deep.lock", 3},
		{"malformed/wrong-type.lock", 0},
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
	tests := map[string]bool{"poetry.lock": true, "a/poetry.lock": true, "poetry.lock.bak": false, "xpoetry.lock": false}
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

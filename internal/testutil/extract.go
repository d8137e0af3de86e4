package testutil

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// ExtractTestdata runs ex on testdata/p of the calling package as the
// walker does (size limit, panics turned into errors).
func ExtractTestdata(t testing.TB, ex inventory.Extractor, p string) ([]inventory.Package, error) {
	t.Helper()
	return inventory.ExtractFile(t.Context(), os.DirFS("testdata"), p, nil, ex, inventory.DefaultMaxFileSize)
}

// ExtractCase is one testdata file and the packages it must give, without
// their Ecosystem and Extractor (CheckExtract fills those in).
type ExtractCase struct {
	Name, Path string
	Want       []inventory.Package
}

// CheckExtract extracts each case's file with ex and compares the packages.
func CheckExtract(t *testing.T, ex inventory.Extractor, ecosystem string, cases []ExtractCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			got, err := ExtractTestdata(t, ex, tc.Path)
			if err != nil {
				t.Fatalf("Extract(%q): %v", tc.Path, err)
			}
			for i := range tc.Want {
				tc.Want[i].Ecosystem, tc.Want[i].Extractor = ecosystem, ex.Name()
			}
			if diff := cmp.Diff(tc.Want, got); diff != "" {
				t.Errorf("Extract(%q) mismatch (-want +got):\n%s", tc.Path, diff)
			}
		})
	}
}

// CheckParseErrorLines extracts each testdata file (path -> line) with ex:
// each must fail with an *inventory.ParseError naming the file and line.
func CheckParseErrorLines(t *testing.T, ex inventory.Extractor, lines map[string]int) {
	t.Helper()
	paths := make([]string, 0, len(lines))
	for p := range lines {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			pkgs, err := ExtractTestdata(t, ex, p)
			var pe *inventory.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Extract(%q) = %d packages, error %v; want *ParseError", p, len(pkgs), err)
			}
			if pe.Path != p || pe.Line != lines[p] {
				t.Errorf("Extract(%q) error %q at %s:%d, want line %d", p, err, pe.Path, pe.Line, lines[p])
			}
		})
	}
}

// AddFuzzFiles seeds f with every file matching the glob patterns
// (relative to the calling package).
func AddFuzzFiles(f *testing.F, patterns ...string) {
	f.Helper()
	for _, pattern := range patterns {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

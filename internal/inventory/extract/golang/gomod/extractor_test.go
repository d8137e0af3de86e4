package gomod

import (
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func pkg(name, version, purl, path string, line int, rel inventory.Relationship) inventory.Package {
	return inventory.Package{
		Name: name, Version: version, Ecosystem: "Go", PURL: purl,
		Locations:    []inventory.Location{{Path: path, Line: line}},
		Relationship: rel, Extractor: Name,
	}
}

const (
	direct   = inventory.RelDirect
	indirect = inventory.RelTransitive
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		path string
		want []inventory.Package
	}{
		{
			name: "direct and indirect, exclude ignored",
			path: "direct-indirect.mod",
			want: []inventory.Package{
				pkg("github.com/google/uuid", "1.6.0", "pkg:golang/github.com/google/uuid@v1.6.0", "direct-indirect.mod", 6, direct),
				pkg("github.com/spf13/cobra", "1.8.0", "pkg:golang/github.com/spf13/cobra@v1.8.0", "direct-indirect.mod", 10, direct),
				pkg("golang.org/x/text", "0.14.0", "pkg:golang/golang.org/x/text@v0.14.0", "direct-indirect.mod", 7, indirect),
				pkg("stdlib", "1.22", "pkg:golang/stdlib@1.22", "direct-indirect.mod", 3, direct),
			},
		},
		{
			name: "toolchain wins over go",
			path: "toolchain.mod",
			want: []inventory.Package{
				pkg("github.com/google/uuid", "1.6.0", "pkg:golang/github.com/google/uuid@v1.6.0", "toolchain.mod", 7, direct),
				pkg("stdlib", "1.22.3", "pkg:golang/stdlib@1.22.3", "toolchain.mod", 5, direct),
			},
		},
		{
			name: "replace: any version, exact version, local path",
			path: "replace.mod",
			want: []inventory.Package{
				pkg("github.com/fork/mod", "2.1.0+incompatible", "pkg:golang/github.com/fork/mod@v2.1.0%2Bincompatible", "replace.mod", 17, direct),
				pkg("github.com/new/mod", "1.5.0", "pkg:golang/github.com/new/mod@v1.5.0", "replace.mod", 12, direct),
				pkg("github.com/pinned/mod", "1.1.0", "pkg:golang/github.com/pinned/mod@v1.1.0", "replace.mod", 7, direct),
				pkg("stdlib", "1.22.1", "pkg:golang/stdlib@1.22.1", "replace.mod", 3, direct),
			},
		},
		{
			name: "no go directive: no stdlib, no go.sum beside it",
			path: "no-go.mod",
			want: []inventory.Package{
				pkg("github.com/pkg/errors", "0.9.1", "pkg:golang/github.com/pkg/errors@v0.9.1", "no-go.mod", 3, direct),
			},
		},
		{
			name: "go 1.16 reads go.sum",
			path: "pre117/go.mod",
			want: []inventory.Package{
				pkg("github.com/pkg/errors", "0.9.1", "pkg:golang/github.com/pkg/errors@v0.9.1", "pre117/go.mod", 5, direct),
				pkg("golang.org/x/sys", "0.1.0", "pkg:golang/golang.org/x/sys@v0.1.0", "pre117/go.sum", 3, indirect),
				pkg("stdlib", "1.16", "pkg:golang/stdlib@1.16", "pre117/go.mod", 3, direct),
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
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Extract(%q) mismatch (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

func TestExtractErrors(t *testing.T) {
	tests := []struct {
		path     string
		wantLine int
	}{
		{"bad-directive.mod", 6},
		{"truncated.mod", 5},
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
				t.Errorf("Extract(%q) error at %s:%d, want %s:%d", tt.path, pe.Path, pe.Line, tt.path, tt.wantLine)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := map[string]bool{
		"go.mod":      true,
		"a/b/go.mod":  true,
		"a/notgo.mod": false,
		"go.sum":      false,
		"go.mod.bak":  false,
	}
	for p, want := range tests {
		if got := New().Match(p, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

func extract(t *testing.T, fsys fs.FS, p string) ([]inventory.Package, error) {
	t.Helper()
	return inventory.ExtractFile(t.Context(), fsys, p, nil, New(), inventory.DefaultMaxFileSize)
}

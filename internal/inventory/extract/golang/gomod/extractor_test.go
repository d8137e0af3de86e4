package gomod

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testutil"
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
	testutil.CheckExtract(t, New(), "Go", []testutil.ExtractCase{
		{
			Name: "direct and indirect, exclude ignored",
			Path: "direct-indirect.mod",
			Want: []inventory.Package{
				pkg("github.com/google/uuid", "1.6.0", "pkg:golang/github.com/google/uuid@v1.6.0", "direct-indirect.mod", 6, direct),
				pkg("github.com/spf13/cobra", "1.8.0", "pkg:golang/github.com/spf13/cobra@v1.8.0", "direct-indirect.mod", 10, direct),
				pkg("golang.org/x/text", "0.14.0", "pkg:golang/golang.org/x/text@v0.14.0", "direct-indirect.mod", 7, indirect),
				pkg("stdlib", "1.22", "pkg:golang/stdlib@1.22", "direct-indirect.mod", 3, direct),
			},
		},
		{
			Name: "toolchain wins over go",
			Path: "toolchain.mod",
			Want: []inventory.Package{
				pkg("github.com/google/uuid", "1.6.0", "pkg:golang/github.com/google/uuid@v1.6.0", "toolchain.mod", 7, direct),
				pkg("stdlib", "1.22.3", "pkg:golang/stdlib@1.22.3", "toolchain.mod", 5, direct),
			},
		},
		{
			Name: "replace: any version, exact version, local path",
			Path: "replace.mod",
			Want: []inventory.Package{
				pkg("github.com/fork/mod", "2.1.0+incompatible", "pkg:golang/github.com/fork/mod@v2.1.0%2Bincompatible", "replace.mod", 17, direct),
				pkg("github.com/new/mod", "1.5.0", "pkg:golang/github.com/new/mod@v1.5.0", "replace.mod", 12, direct),
				pkg("github.com/pinned/mod", "1.1.0", "pkg:golang/github.com/pinned/mod@v1.1.0", "replace.mod", 7, direct),
				pkg("stdlib", "1.22.1", "pkg:golang/stdlib@1.22.1", "replace.mod", 3, direct),
			},
		},
		{
			Name: "no go directive: no stdlib, no go.sum beside it",
			Path: "no-go.mod",
			Want: []inventory.Package{
				pkg("github.com/pkg/errors", "0.9.1", "pkg:golang/github.com/pkg/errors@v0.9.1", "no-go.mod", 3, direct),
			},
		},
		{
			Name: "go 1.16 reads go.sum",
			Path: "pre117/go.mod",
			Want: []inventory.Package{
				pkg("github.com/pkg/errors", "0.9.1", "pkg:golang/github.com/pkg/errors@v0.9.1", "pre117/go.mod", 5, direct),
				pkg("golang.org/x/sys", "0.1.0", "pkg:golang/golang.org/x/sys@v0.1.0", "pre117/go.sum", 3, indirect),
				pkg("stdlib", "1.16", "pkg:golang/stdlib@1.16", "pre117/go.mod", 3, direct),
			},
		},
	})
}

func TestExtractErrors(t *testing.T) {
	testutil.CheckParseErrorLines(t, New(), map[string]int{
		"bad-directive.mod": 6,
		"truncated.mod":     5,
	})
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

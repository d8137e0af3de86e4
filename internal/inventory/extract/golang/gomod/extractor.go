package gomod

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Name is the extractor's name.
const Name = "golang/gomod"

// Extractor reads go.mod files.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns a go.mod extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor.
func (*Extractor) Match(p string, _ fs.DirEntry) bool {
	return p == "go.mod" || strings.HasSuffix(p, "/go.mod")
}

// Extract implements inventory.Extractor. For a go.mod older than Go 1.17
// the sibling go.sum (when present) adds the modules go.mod leaves out.
func (*Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	pkgs, goVersion, err := Parse(in.Path, in.Reader)
	if err != nil {
		return nil, err
	}
	if !NeedsSum(goVersion) || in.FS == nil {
		return pkgs, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sumPath := path.Join(path.Dir(in.Path), "go.sum")
	f, err := in.FS.Open(sumPath)
	if err != nil {
		if inventory.IsNotExist(err) {
			return pkgs, nil
		}
		return nil, fmt.Errorf("open %q: %w", sumPath, err)
	}
	defer f.Close()
	sum, err := ParseSum(sumPath, f)
	if err != nil {
		return nil, err
	}
	// go.mod's entries win: they carry the relationship and line.
	have := make(map[string]bool, len(pkgs))
	for i := range pkgs {
		have[pkgs[i].Key()] = true
	}
	for _, p := range sum {
		if !have[p.Key()] {
			pkgs = append(pkgs, p)
		}
	}
	inventory.Sort(pkgs)
	return pkgs, nil
}

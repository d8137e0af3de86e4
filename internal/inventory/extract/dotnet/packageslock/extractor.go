package packageslock

import (
	"context"
	"io/fs"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Name is the extractor's stable name.
const Name = "dotnet/packageslock"

// Extractor reads packages.lock.json files.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns the packages.lock.json extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor.
func (*Extractor) Match(p string, _ fs.DirEntry) bool {
	return inventory.Base(p) == "packages.lock.json"
}

// Extract implements inventory.Extractor.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pkgs, err := Parse(in.Reader, in.Path)
	for i := range pkgs {
		pkgs[i].Extractor = Name
	}
	return pkgs, err
}

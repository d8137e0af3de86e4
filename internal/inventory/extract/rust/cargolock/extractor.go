package cargolock

import (
	"context"
	"io/fs"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Name is the extractor's stable name.
const Name = "rust/cargolock"

// Extractor reads Cargo.lock files.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns the Cargo.lock extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor.
func (*Extractor) Match(path string, _ fs.DirEntry) bool {
	return inventory.Base(path) == "Cargo.lock"
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

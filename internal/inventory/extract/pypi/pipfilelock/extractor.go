package pipfilelock

import (
	"context"
	"io/fs"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Name is the extractor's name.
const Name = "pypi/pipfilelock"

// Extractor reads Pipfile.lock files.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns a Pipfile.lock extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor.
func (*Extractor) Match(p string, _ fs.DirEntry) bool {
	return p == "Pipfile.lock" || strings.HasSuffix(p, "/Pipfile.lock")
}

// Extract implements inventory.Extractor.
func (*Extractor) Extract(_ context.Context, in *inventory.Input) ([]inventory.Package, error) {
	return Parse(in.Path, in.Reader)
}

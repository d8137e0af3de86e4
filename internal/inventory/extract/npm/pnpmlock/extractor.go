package pnpmlock

import (
	"context"
	"io/fs"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Name is the extractor's name.
const Name = "npm/pnpmlock"

// Extractor reads pnpm-lock.yaml files.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns a pnpm-lock.yaml extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor: pnpm-lock.yaml outside
// node_modules.
func (*Extractor) Match(p string, _ fs.DirEntry) bool {
	return (p == "pnpm-lock.yaml" || strings.HasSuffix(p, "/pnpm-lock.yaml")) &&
		!strings.HasPrefix(p, "node_modules/") && !strings.Contains(p, "/node_modules/")
}

// Extract implements inventory.Extractor.
func (*Extractor) Extract(_ context.Context, in *inventory.Input) ([]inventory.Package, error) {
	return Parse(in.Path, in.Reader)
}

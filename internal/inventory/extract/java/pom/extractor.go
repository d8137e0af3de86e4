package pom

import (
	"context"
	"io/fs"
	"log/slog"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Name is the extractor's stable name.
const Name = "java/pom"

// Options configures the extractor.
type Options struct {
	// Logger receives Debug records for skipped dependencies (nil: discard).
	Logger *slog.Logger
}

// Extractor reads pom.xml files.
type Extractor struct{ log *slog.Logger }

var _ inventory.Extractor = (*Extractor)(nil)

// New returns the pom.xml extractor.
func New(opts Options) *Extractor { return &Extractor{log: opts.Logger} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor.
func (*Extractor) Match(path string, _ fs.DirEntry) bool {
	return inventory.Base(path) == "pom.xml"
}

// Extract implements inventory.Extractor.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pkgs, err := Parse(in.Reader, in.Path, e.log)
	for i := range pkgs {
		pkgs[i].Extractor = Name
	}
	return pkgs, err
}

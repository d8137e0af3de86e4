package composerlock

import (
	"context"
	"io/fs"
	"path"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Name is the extractor's stable name.
const Name = "php/composerlock"

// maxManifestSize bounds the sibling composer.json read for direct
// dependencies.
const maxManifestSize = 4 << 20

// Extractor reads composer.lock files. When a composer.json sits beside
// the lockfile, its require and require-dev lists mark packages direct.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns the composer.lock extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor.
func (*Extractor) Match(p string, _ fs.DirEntry) bool {
	return inventory.Base(p) == "composer.lock"
}

// Extract implements inventory.Extractor.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pkgs, err := Parse(in.Reader, in.Path)
	if err != nil {
		return nil, err
	}
	if direct, ok := manifest(in); ok {
		MarkDirect(pkgs, direct)
	}
	for i := range pkgs {
		pkgs[i].Extractor = Name
	}
	return pkgs, nil
}

// manifest reads the sibling composer.json; a missing or unreadable one
// only means relationships stay unknown.
func manifest(in *inventory.Input) (map[string]bool, bool) {
	if in.FS == nil {
		return nil, false
	}
	p := path.Join(path.Dir(in.Path), "composer.json")
	if info, err := fs.Stat(in.FS, p); err != nil || !info.Mode().IsRegular() || info.Size() > maxManifestSize {
		return nil, false
	}
	f, err := in.FS.Open(p)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	direct, err := ParseManifest(f)
	return direct, err == nil
}

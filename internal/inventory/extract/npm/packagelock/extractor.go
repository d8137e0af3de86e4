package packagelock

import (
	"context"
	"io/fs"
	"path"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Name is the extractor's name.
const Name = "npm/packagelock"

// Extractor reads npm lockfiles.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns a package-lock.json extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor: package-lock.json and
// npm-shrinkwrap.json outside node_modules, and the hidden lockfile
// node_modules/.package-lock.json of a project.
func (*Extractor) Match(p string, _ fs.DirEntry) bool {
	base := p[strings.LastIndexByte(p, '/')+1:]
	switch base {
	case "package-lock.json", "npm-shrinkwrap.json":
		return !strings.HasPrefix(p, "node_modules/") && !strings.Contains(p, "/node_modules/")
	case ".package-lock.json":
		dir := strings.TrimSuffix(p, "/.package-lock.json")
		return (dir == "node_modules" || strings.HasSuffix(dir, "/node_modules")) &&
			strings.Count(dir, "node_modules") == 1
	}
	return false
}

// Extract implements inventory.Extractor. A package-lock.json beside an
// npm-shrinkwrap.json is ignored, as npm ignores it.
func (*Extractor) Extract(_ context.Context, in *inventory.Input) ([]inventory.Package, error) {
	if in.FS != nil && path.Base(in.Path) == "package-lock.json" {
		if f, err := in.FS.Open(path.Join(path.Dir(in.Path), "npm-shrinkwrap.json")); err == nil {
			f.Close()
			return nil, nil
		}
	}
	var size int64
	if in.Info != nil {
		size = in.Info.Size()
	}
	return parse(in.Path, in.Reader, size)
}

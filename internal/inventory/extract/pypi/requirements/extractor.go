package requirements

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Name is the extractor's name.
const Name = "pypi/requirements"

// Limits on includes.
const (
	MaxIncludeDepth = 16
	MaxIncludeFiles = 256
)

// Options configures the extractor.
type Options struct {
	// Logger receives Debug records for lines that yield no package and
	// Warn records for includes that cannot be read. Nil discards.
	Logger *slog.Logger
}

// Extractor reads pip requirements files.
type Extractor struct {
	log *slog.Logger
}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns a requirements extractor.
func New(opts Options) *Extractor {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Extractor{log: log}
}

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor: *.txt files whose name contains
// "requirements" (requirements.txt, requirements-dev.txt,
// dev-requirements.txt) and any *.txt in a directory named
// "requirements".
func (*Extractor) Match(p string, _ fs.DirEntry) bool {
	if !strings.HasSuffix(p, ".txt") {
		return false
	}
	dir, base := "", p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		dir, base = p[:i], p[i+1:]
	}
	if strings.Contains(base, "requirements") {
		return true
	}
	return dir == "requirements" || strings.HasSuffix(dir, "/requirements")
}

// Extract implements inventory.Extractor. "-r" includes are read from
// in.FS relative to the including file, each file once; their packages
// are located in the included file. "-c" constraints files are ignored.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	f, err := Parse(in.Path, in.Reader)
	if err != nil {
		return nil, err
	}
	e.logSkipped(in.Path, f)
	pkgs := f.Packages(in.Path)

	type pending struct {
		path  string
		from  string
		line  int
		depth int
	}
	seen := map[string]bool{path.Clean(in.Path): true}
	var queue []pending
	enqueue := func(from string, f *File, depth int) {
		for _, inc := range f.Includes {
			p := path.Join(path.Dir(from), inc.Path)
			queue = append(queue, pending{p, from, inc.Line, depth + 1})
		}
	}
	enqueue(in.Path, f, 0)
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		inc := queue[0]
		queue = queue[1:]
		if seen[inc.path] {
			continue // cycle or diamond
		}
		seen[inc.path] = true
		if inc.depth > MaxIncludeDepth || len(seen) > MaxIncludeFiles {
			e.log.Warn("skip include", "path", inc.from, "line", inc.line, "include", inc.path, "err", "too many nested includes")
			continue
		}
		sub, err := readInclude(in.FS, inc.path)
		if err != nil {
			e.log.Warn("skip include", "path", inc.from, "line", inc.line, "include", inc.path, "err", err)
			continue
		}
		e.logSkipped(inc.path, sub)
		pkgs = append(pkgs, sub.Packages(inc.path)...)
		enqueue(inc.path, sub, inc.depth)
	}
	return inventory.Merge(pkgs), nil
}

func readInclude(fsys fs.FS, p string) (*File, error) {
	if fsys == nil {
		return nil, fmt.Errorf("no filesystem to read include %q", p)
	}
	if !fs.ValidPath(p) {
		return nil, fmt.Errorf("include %q is outside the scanned tree", p)
	}
	r, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return Parse(p, r)
}

func (e *Extractor) logSkipped(p string, f *File) {
	for _, s := range f.Skipped {
		e.log.Debug("skip requirement", "path", p, "line", s.Line, "reason", s.Reason, "text", s.Text)
	}
}

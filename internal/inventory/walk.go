package inventory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"runtime"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"
)

// DefaultMaxFileSize bounds how much of one file an extractor may read.
const DefaultMaxFileSize = 64 << 20

// MaxRandomAccessSize bounds the files handed to a RandomAccess extractor:
// large binaries (kubelet, terraform providers, Vigil itself) are what
// needs scanning, and such an extractor reads only the sections it needs.
const MaxRandomAccessSize = 4 << 30

// RandomAccess is implemented by extractors that read a file on disk
// through io.ReaderAt (only the parts they need, never the whole file into
// memory), so the walker may hand them files up to MaxRandomAccessSize
// instead of MaxFileSize. A stream without random access still gets only
// MaxFileSize.
type RandomAccess interface {
	RandomAccess() bool
}

// LimitFor is the size limit for ex when files are limited to limit.
func LimitFor(ex Extractor, limit int64) int64 {
	if ra, ok := ex.(RandomAccess); ok && ra.RandomAccess() && limit < MaxRandomAccessSize {
		return MaxRandomAccessSize
	}
	return limit
}

// WalkOptions configures Walk.
type WalkOptions struct {
	// Extractors to run (see extract/list). Required.
	Extractors []Extractor
	// MaxFileSize is the largest file handed to an extractor
	// (DefaultMaxFileSize when 0).
	MaxFileSize int64
	// SkipDirs are directory base names not descended into. ".git" is
	// always skipped.
	SkipDirs []string
	// Prune skips more directories (--skip-dirs globs; pseudo-filesystems
	// and other mounts of a root filesystem). Nil prunes nothing more.
	Prune interface {
		SkipDir(p string, d fs.DirEntry) bool
	}
	// Workers bounds parallel extraction (GOMAXPROCS when 0).
	Workers int
	Logger  *slog.Logger
}

// Result is what a walk found.
type Result struct {
	Packages []Package
	Issues   []Issue
	// Files is the number of files handed to extractors.
	Files int
}

// Walk visits every regular file of fsys, runs the matching extractors and
// returns the merged, sorted inventory. Symbolic links are never followed
// (callers should pass an os.Root-backed FS so nothing can escape the
// root). A file that fails is recorded as an Issue and the walk goes on;
// only cancellation stops it.
func Walk(ctx context.Context, fsys fs.FS, opts WalkOptions) (*Result, error) {
	exs := opts.Extractors
	limit := opts.MaxFileSize
	if limit <= 0 {
		limit = DefaultMaxFileSize
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	type job struct {
		path string
		d    fs.DirEntry
		ex   []Extractor
	}
	var jobs []job
	var issues []Issue
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			issues = append(issues, IssueFromError(p, "", err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != "." && (d.Name() == ".git" || slices.Contains(opts.SkipDirs, d.Name())) {
				return fs.SkipDir
			}
			if opts.Prune != nil && opts.Prune.SkipDir(p, d) {
				log.Debug("skip dir", "path", p)
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // symlinks, devices, sockets
		}
		var matched []Extractor
		for _, ex := range exs {
			if ex.Match(p, d) {
				matched = append(matched, ex)
			}
		}
		if len(matched) > 0 {
			jobs = append(jobs, job{p, d, matched})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk: %w", err)
	}

	var mu sync.Mutex
	var found [][]Package
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, j := range jobs {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			for _, ex := range j.ex {
				pkgs, err := ExtractFile(gctx, fsys, j.path, j.d, ex, LimitFor(ex, limit))
				mu.Lock()
				if err != nil {
					if ctxErr := gctx.Err(); ctxErr != nil {
						mu.Unlock()
						return ctxErr
					}
					log.Warn("skip file", "path", j.path, "extractor", ex.Name(), "err", err)
					issues = append(issues, IssueFromError(j.path, ex.Name(), err))
				}
				if len(pkgs) > 0 {
					found = append(found, pkgs)
				}
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(issues, func(a, b Issue) int {
		if a.Path != b.Path {
			if a.Path < b.Path {
				return -1
			}
			return 1
		}
		return a.Line - b.Line
	})
	var pkgs []Package
	if len(found) == 1 {
		pkgs = found[0] // no copy: Merge returns it as it is when it is merged already
	} else {
		pkgs = slices.Concat(found...)
	}
	return &Result{Packages: Merge(pkgs), Issues: issues, Files: len(jobs)}, nil
}

// ExtractFile opens one file of fsys and runs ex on it, with the size limit
// applied and panics in the extractor turned into errors.
func ExtractFile(ctx context.Context, fsys fs.FS, p string, d fs.DirEntry, ex Extractor, limit int64) (pkgs []Package, err error) {
	var info fs.FileInfo
	if d != nil {
		if info, err = d.Info(); err != nil {
			return nil, err
		}
		if info.Size() > limit {
			return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, info.Size(), limit)
		}
	}
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Run(ctx, ex, &Input{FS: fsys, Path: p, Info: info, Reader: &limitedReader{r: f, n: limit}})
}

// Run calls ex.Extract, converting a panic into an error so one hostile
// file cannot crash a scan.
func Run(ctx context.Context, ex Extractor, in *Input) (pkgs []Package, err error) {
	defer func() {
		if r := recover(); r != nil {
			pkgs, err = nil, fmt.Errorf("extract %s: internal error: %v", ex.Name(), r)
		}
	}()
	pkgs, err = ex.Extract(ctx, in)
	for i := range pkgs {
		if pkgs[i].Extractor == "" {
			pkgs[i].Extractor = ex.Name()
		}
	}
	return pkgs, err
}

// limitedReader fails (rather than truncating silently) past n bytes.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Probe: a file exactly at the limit is fine.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// Merge de-duplicates packages by Key, merging their locations, and returns
// them sorted. A package is direct if any declaration says so, and
// confident (Package.Confident) if any declaration is.
func Merge(pkgs []Package) []Package {
	if sortedUnique(pkgs) {
		// One extractor's output is merged and sorted already.
		return pkgs
	}
	type key struct{ ecosystem, name, version string }
	idx := make(map[key]int, len(pkgs))
	out := make([]Package, 0, len(pkgs))
	for _, p := range pkgs {
		k := key{p.Ecosystem, p.Name, p.Version}
		if i, ok := idx[k]; ok {
			q := &out[i]
			for _, l := range p.Locations {
				if !slices.Contains(q.Locations, l) {
					q.Locations = append(q.Locations, l)
				}
			}
			if p.Relationship == RelDirect || q.Relationship == RelUnknown {
				q.Relationship = p.Relationship
			}
			q.Dev = q.Dev && p.Dev
			if !q.Confident() && p.Confident() {
				// One confident declaration makes the package matchable.
				q.Evidence = p.Evidence
			}
			for _, dep := range p.DependsOn {
				if !slices.Contains(q.DependsOn, dep) {
					q.DependsOn = append(q.DependsOn, dep)
				}
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, p)
	}
	Sort(out)
	return out
}

// sortedUnique reports whether pkgs are in Sort's order, with sorted
// locations and no two packages with the same Key: what Merge returns.
func sortedUnique(pkgs []Package) bool {
	for i := range pkgs {
		if !slices.IsSortedFunc(pkgs[i].Locations, compareLocation) {
			return false
		}
		if i == 0 {
			continue
		}
		a, b := &pkgs[i-1], &pkgs[i]
		if Compare(a, b) >= 0 || a.Ecosystem == b.Ecosystem && a.Name == b.Name && a.Version == b.Version {
			return false
		}
	}
	return true
}

// IsNotExist reports whether err means a missing file.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// Base is path.Base for slash paths, kept here so extractors' Match
// functions share one cheap helper.
func Base(p string) string { return path.Base(p) }

package secrets

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// skipDirs are directory names never descended into.
var skipDirs = map[string]bool{".git": true, ".hg": true, ".svn": true}

// ScanFS walks fsys and scans every regular file, skipping VCS metadata,
// symlinks, binary files and files over MaxFileSize. Files that cannot be
// read are returned as FileErrors; the error result is only for
// cancellation or a failed walk of the root. Findings are sorted.
func (s *Scanner) ScanFS(ctx context.Context, fsys fs.FS) ([]Finding, []FileError, error) {
	type job struct {
		path string
		size int64
	}
	var (
		mu       sync.Mutex
		findings []Finding
		ferrs    []FileError
	)
	fail := func(p string, err error) {
		s.log.Warn("skip file", "path", p, "err", err)
		mu.Lock()
		ferrs = append(ferrs, FileError{Path: p, Err: err})
		mu.Unlock()
	}
	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan job, 256)
	g.Go(func() error {
		defer close(jobs)
		return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == "." {
					return err
				}
				fail(p, err)
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if p != "." && (skipDirs[d.Name()] || (s.skipDir != nil && s.skipDir(p, d))) {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				fail(p, err)
				return nil
			}
			if s.maxSize >= 0 && info.Size() > s.maxSize {
				s.log.Debug("skip oversize file", "path", p, "size", info.Size())
				return nil
			}
			if info.Size() == 0 {
				return nil
			}
			select {
			case jobs <- job{p, info.Size()}:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	for range s.workers {
		g.Go(func() error {
			st := s.pool.Get().(*scratch)
			defer s.put(st)
			var local []Finding
			for j := range jobs {
				if err := gctx.Err(); err != nil {
					return err
				}
				var err error
				local, err = s.scanFile(st, fsys, j.path, local)
				if err != nil {
					fail(j.path, err)
				}
			}
			mu.Lock()
			findings = append(findings, local...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, fmt.Errorf("scan secrets: %w", err)
	}
	sortFindings(findings)
	sortFileErrors(ferrs)
	return findings, ferrs, nil
}

// scanFile streams one file through the scanner.
func (s *Scanner) scanFile(st *scratch, fsys fs.FS, p string, out []Finding) ([]Finding, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return out, err
	}
	defer f.Close()
	return s.scanStream(st, p, f, Finding{}, out)
}

func sortFileErrors(es []FileError) {
	slices.SortFunc(es, func(a, b FileError) int { return strings.Compare(a.Path, b.Path) })
}

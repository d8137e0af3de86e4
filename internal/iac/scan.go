package iac

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/vigil-sec/vigil/internal/iac/dockerfile"
	"github.com/vigil-sec/vigil/internal/iac/helm"
	"github.com/vigil-sec/vigil/internal/iac/input"
	"github.com/vigil-sec/vigil/internal/iac/kubernetes"
	"github.com/vigil-sec/vigil/internal/iac/policy"
	"github.com/vigil-sec/vigil/internal/iac/terraform"
)

// skipDirs are never descended into.
var skipDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, "node_modules": true, ".terraform": true,
}

type unitKind int

const (
	unitFile unitKind = iota // YAML / JSON: Kubernetes or plan
	unitDockerfile
	unitModule
	unitChart
)

type unit struct {
	kind  unitKind
	path  string   // file, module dir or chart dir
	files []string // module files
}

// ScanFS walks fsys, loads every recognised file and evaluates the checks.
// Files that cannot be read or parsed are recorded in Result.Errors and the
// scan goes on; only context cancellation (or a failing walk of the root)
// is returned as an error.
func (s *Scanner) ScanFS(ctx context.Context, fsys fs.FS) (Result, error) {
	units, walkErrs, err := s.collect(ctx, fsys)
	if err != nil {
		return Result{}, err
	}

	var (
		mu  sync.Mutex
		res = Result{Errors: walkErrs}
	)
	n := s.parallel
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	// A fixed set of workers rather than a goroutine per file: OPA's
	// evaluation recurses deeply, and a long-lived goroutine keeps its grown
	// stack instead of growing a fresh one for every file.
	work := make(chan unit)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(work)
		for _, u := range units {
			select {
			case work <- u:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for range n {
		g.Go(func() error {
			for u := range work {
				findings, errs, err := s.scanUnit(gctx, fsys, u)
				if err != nil {
					return err
				}
				mu.Lock()
				res.Findings = append(res.Findings, findings...)
				res.Errors = append(res.Errors, errs...)
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	res.Findings = sortFindings(res.Findings)
	res.Errors = sortErrors(res.Errors)
	return res, nil
}

// scanUnit loads and evaluates one unit. Only cancellation and checks that
// do not compile are errors.
func (s *Scanner) scanUnit(ctx context.Context, fsys fs.FS, u unit) ([]Finding, []FileError, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	docs, err := s.load(ctx, fsys, u)
	s.log.Debug("load iac input", "path", u.path, "documents", len(docs))
	var findings []Finding
	var errs []FileError
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		errs = append(errs, s.fileErrors(u.path, err)...)
	}
	if len(docs) == 0 {
		return nil, errs, nil
	}
	// The first document compiles the checks; a tree whose JSON and YAML
	// files are no infrastructure as code never does.
	eng, err := s.engine()
	if err != nil {
		return nil, nil, fmt.Errorf("compile checks: %w", err)
	}
	for i := range docs {
		f, err := evaluate(ctx, eng, &docs[i])
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			errs = append(errs, s.fileErrors(docs[i].Path, fmt.Errorf("evaluate: %w", err))...)
		}
		findings = append(findings, f...)
	}
	return findings, errs, nil
}

func (s *Scanner) fileErrors(p string, err error) []FileError {
	var out []FileError
	for _, e := range input.Errors(err) {
		fe := FileError{Path: p, Err: e}
		var pe *input.ParseError
		if errors.As(e, &pe) {
			fe = FileError{Path: pe.Path, Line: pe.Line, Err: pe.Err}
		}
		s.log.Warn("skip iac input", "path", fe.Path, "line", fe.Line, "err", fe.Err)
		out = append(out, fe)
	}
	return out
}

// collect walks the tree and groups files into units of work.
func (s *Scanner) collect(ctx context.Context, fsys fs.FS) ([]unit, []FileError, error) {
	var units []unit
	var errs []FileError
	modules := map[string][]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			errs = append(errs, s.fileErrors(p, err)...)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && skipDirs[d.Name()] {
				return fs.SkipDir
			}
			if st, err := fs.Stat(fsys, path.Join(p, "Chart.yaml")); err == nil && st.Mode().IsRegular() {
				units = append(units, unit{kind: unitChart, path: p})
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		name := d.Name()
		switch {
		case terraform.Match(name):
			dir := path.Dir(p)
			modules[dir] = append(modules[dir], p)
		case dockerfile.Match(name):
			units = append(units, unit{kind: unitDockerfile, path: p})
		default:
			switch strings.ToLower(path.Ext(name)) {
			case ".yaml", ".yml", ".json":
				units = append(units, unit{kind: unitFile, path: p})
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	dirs := make([]string, 0, len(modules))
	for d := range modules {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	for _, d := range dirs {
		units = append(units, unit{kind: unitModule, path: d, files: modules[d]})
	}
	return units, errs, nil
}

// readLimited reads a file refusing anything over limit bytes.
func readLimited(fsys fs.FS, p string, limit int64) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > limit {
		return nil, &input.ParseError{Path: p, Err: fmt.Errorf("%w: %d bytes (limit %d)", input.ErrTooLarge, st.Size(), limit)}
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, &input.ParseError{Path: p, Err: fmt.Errorf("%w: more than %d bytes", input.ErrTooLarge, limit)}
	}
	return buf.Bytes(), nil
}

func (s *Scanner) load(ctx context.Context, fsys fs.FS, u unit) ([]input.Document, error) {
	switch u.kind {
	case unitDockerfile:
		src, err := readLimited(fsys, u.path, dockerfile.MaxFileSize)
		if err != nil {
			return nil, err
		}
		sc, err := s.secrets()
		if err != nil {
			return nil, err
		}
		return dockerfile.Load(ctx, u.path, src, dockerfile.Options{Secrets: sc})
	case unitChart:
		return helm.Render(ctx, fsys, u.path, s.helmValues...)
	case unitModule:
		var files []terraform.File
		var errs []error
		for _, p := range u.files {
			src, err := readLimited(fsys, p, terraform.MaxFileSize)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			files = append(files, terraform.File{Path: p, Src: src})
		}
		doc, err := terraform.LoadModule(ctx, u.path, files)
		errs = append(errs, err)
		if doc == nil {
			return nil, errors.Join(errs...)
		}
		return []input.Document{*doc}, errors.Join(errs...)
	default:
		src, err := readLimited(fsys, u.path, terraform.MaxPlanSize)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(path.Ext(u.path), ".json") && terraform.LooksLikePlan(src) {
			doc, err := terraform.LoadPlan(ctx, u.path, src)
			if doc != nil || err != nil {
				if doc == nil {
					return nil, err
				}
				return []input.Document{*doc}, err
			}
		}
		if !kubernetes.Looks(src) {
			return nil, nil
		}
		return kubernetes.Load(ctx, u.path, src)
	}
}

// evaluate runs the checks on one document and maps results to findings.
func evaluate(ctx context.Context, eng *policy.Engine, doc *input.Document) ([]Finding, error) {
	results, err := eng.Eval(ctx, doc.Kind, doc.Value)
	out := make([]Finding, 0, len(results))
	for _, r := range results {
		c := r.Check
		pos := doc.Locate(r.Path)
		resource := ""
		if doc.ResourceAt != nil {
			resource = doc.ResourceAt(r.Path)
		}
		if resource == "" {
			resource = doc.Resource
		}
		f := Finding{
			CheckID:     c.ID,
			Title:       c.Title,
			Description: c.Description,
			Severity:    c.Severity,
			Remediation: c.Remediation,
			References:  c.References,
			Controls:    c.Controls,
			InputKind:   string(doc.Kind),
			Path:        pos.File,
			Line:        pos.Line,
			Resource:    resource,
			Message:     r.Msg,
		}
		if ig, ok := doc.Ignores[pos.File].Match(c.ID, pos.Line, pos.Start); ok {
			f.Suppressed, f.SuppressReason = true, ig.Reason
		}
		out = append(out, f)
	}
	return out, err
}

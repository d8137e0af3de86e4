// Package scan orchestrates a scan for the CLI and the server:
// target -> inventory -> match, plus the misconfiguration and secret
// scanners, into one Result.
package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/list"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/prune"
	"github.com/vigil-sec/vigil/internal/sbom"
	"github.com/vigil-sec/vigil/internal/sbom/codec"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Scanner names.
const (
	ScannerVuln      = "vuln"
	ScannerMisconfig = "misconfig"
	ScannerSecret    = "secret"
)

// AllScanners lists the scanners in their canonical order.
var AllScanners = []string{ScannerVuln, ScannerMisconfig, ScannerSecret}

// ErrInput marks an unusable target (missing path, unknown kind).
var ErrInput = errors.New("input error")

// Options configure one scan.
type Options struct {
	// Target is a directory or a single file.
	Target   string
	Scanners []string
	DB       DBOptions
	Logger   *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// ToolVersion is recorded in the result.
	ToolVersion string
	// InventoryOnly lists the packages without matching them (for SBOMs):
	// the database is not opened.
	InventoryOnly bool
	// SkipDirs are doublestar globs of directories not entered
	// (--skip-dirs), relative to the scanned root.
	SkipDirs  []string
	Misconfig MisconfigOptions
	Secret    SecretOptions
	Image     ImageOptions
}

// Run scans the target.
func Run(ctx context.Context, opts Options) (*Result, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	scanners := opts.Scanners
	if len(scanners) == 0 {
		scanners = AllScanners
	}
	for _, s := range scanners {
		if !slices.Contains(AllScanners, s) {
			return nil, fmt.Errorf("%w: unknown scanner %q (want %s)", ErrInput, s, strings.Join(AllScanners, ", "))
		}
	}
	res := &Result{
		SchemaVersion:     SchemaVersion,
		Tool:              Tool{Name: "vigil", Version: opts.ToolVersion},
		CreatedAt:         now().UTC(),
		Scanners:          scanners,
		Packages:          []inventory.Package{},
		Vulnerabilities:   []Vulnerability{},
		Misconfigurations: []Misconfiguration{},
		Secrets:           []Secret{},
		Issues:            []inventory.Issue{},
		Warnings:          []string{},
	}

	if st, ok, err := resolveSource(opts.Target, opts.Image); err != nil {
		return nil, err
	} else if ok {
		res.Target = Target{Kind: st.Kind, Name: opts.Target}
		// Images and root filesystems carry no IaC files of their own;
		// SBOMs need the inventory only.
		scanners = slices.DeleteFunc(slices.Clone(scanners), func(s string) bool {
			return s == ScannerMisconfig || opts.InventoryOnly
		})
		res.Scanners = scanners
		if err := scanSource(ctx, res, st, opts, scanners, log, now); err != nil {
			return nil, err
		}
		sortResult(res)
		res.Summarise()
		return res, nil
	}
	path, wantSBOM := opts.Target, false
	if t, err := source.Detect(opts.Target); err == nil && t.Explicit {
		// dir:, file: and sbom: name a path; the prefix only says what it is.
		path, wantSBOM = t.Ref, t.Kind == source.KindSBOM
	}
	tgt, err := openTarget(path)
	if err != nil {
		return nil, notAPathHint(opts.Target, err)
	}
	if wantSBOM && tgt.files == nil {
		tgt.close()
		return nil, fmt.Errorf("%w: sbom:%s is a directory, not an SBOM file", ErrInput, path)
	}
	defer tgt.close()
	res.Target = Target{Kind: tgt.kind, Name: opts.Target}

	if slices.Contains(scanners, ScannerVuln) || opts.InventoryOnly {
		inv, err := tgt.inventory(ctx, log, opts.SkipDirs)
		if err != nil {
			return nil, err
		}
		if wantSBOM && tgt.sbom == "" {
			return nil, fmt.Errorf("%w: sbom:%s is not a CycloneDX or SPDX document", ErrInput, path)
		}
		res.Packages = inv.Packages
		res.Issues = append(res.Issues, inv.Issues...)
		if tgt.sbom != "" {
			res.Target.Kind = "sbom"
			// An SBOM is an inventory: only the vulnerability scanner applies.
			res.Scanners = slices.DeleteFunc(slices.Clone(res.Scanners), func(s string) bool { return s != ScannerVuln })
		}
		if !opts.InventoryOnly {
			if err := matchVulns(ctx, res, inv.Packages, opts.DB, log, now); err != nil {
				return nil, err
			}
		}
	}
	if opts.InventoryOnly || tgt.sbom != "" {
		sortResult(res)
		res.Summarise()
		return res, nil
	}
	var fsys fs.FS = tgt.fsys
	repoDir := ""
	if tgt.files != nil {
		fsys = singleFile{FS: tgt.fsys, name: tgt.files[0]}
	} else {
		repoDir = opts.Target
	}
	if slices.Contains(scanners, ScannerMisconfig) {
		if err := scanMisconfig(ctx, res, fsys, opts.Misconfig, log); err != nil {
			return nil, err
		}
	}
	if slices.Contains(scanners, ScannerSecret) {
		if err := scanSecrets(ctx, res, fsys, repoDir, opts.Secret, prune.Options{SkipGlobs: opts.SkipDirs}, log); err != nil {
			return nil, err
		}
	} else if opts.Secret.GitHistory {
		return nil, fmt.Errorf("%w: --git-history needs the secret scanner", ErrInput)
	}
	sortResult(res)
	res.Summarise()
	return res, nil
}

// target is an opened scan target.
type target struct {
	kind  string
	root  *os.Root
	fsys  fs.FS
	files []string // single-file target: the one file (relative to root)
	sbom  string   // set when the single file was read as an SBOM
}

func (t *target) close() {
	if t.root != nil {
		t.root.Close()
	}
}

// notAPathHint explains a target that is no path but parses as an image
// reference: the user most likely meant the image.
func notAPathHint(arg string, err error) error {
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if t, derr := source.Detect(arg); derr == nil && t.Kind == source.KindRegistry {
		return fmt.Errorf("%w: %q is not a file or directory; it looks like an image reference: use the image subcommand ('vigil scan image %s', 'vigil sbom image %s') or the target registry:%s", ErrInput, arg, arg, arg, arg)
	}
	return err
}

func openTarget(p string) (*target, error) {
	if p == "" {
		p = "."
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if fi.IsDir() {
		root, err := os.OpenRoot(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		return &target{kind: "dir", root: root, fsys: root.FS()}, nil
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %q is not a regular file or directory", ErrInput, p)
	}
	root, err := os.OpenRoot(filepath.Dir(p))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return &target{kind: "file", root: root, fsys: root.FS(), files: []string{filepath.Base(p)}}, nil
}

func (t *target) inventory(ctx context.Context, log *slog.Logger, skip []string) (*inventory.Result, error) {
	exs := append(list.SourceTree(log), codec.Extractor{})
	if t.files != nil {
		// A single file may also be a binary (Go, cargo-auditable Rust) or
		// an archive (jar) given directly.
		exs = append(exs, list.OSAndInstalled()...)
	}
	if t.files == nil {
		rules, err := prune.New(t.fsys, prune.Options{SkipGlobs: skip})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		return inventory.Walk(ctx, t.fsys, inventory.WalkOptions{Extractors: exs, Logger: log, Prune: rules})
	}
	res := &inventory.Result{}
	var pkgs []inventory.Package
	for _, f := range t.files {
		entries, err := fs.ReadDir(t.fsys, ".")
		if err != nil {
			return nil, err
		}
		var d fs.DirEntry
		for _, e := range entries {
			if e.Name() == f {
				d = e
			}
		}
		matched := false
		for _, ex := range exs {
			if !ex.Match(f, d) && !(ex.Name() == codec.Name && !anyMatch(exs, f, d) && looksLikeSBOM(t.fsys, f)) {
				continue
			}
			if ex.Name() == codec.Name {
				t.sbom = f
			}
			matched = true
			found, err := inventory.ExtractFile(ctx, t.fsys, f, d, ex, inventory.LimitFor(ex, inventory.DefaultMaxFileSize))
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				log.Warn("skip file", "path", f, "extractor", ex.Name(), "err", err)
				res.Issues = append(res.Issues, inventory.IssueFromError(f, ex.Name(), err))
			}
			pkgs = append(pkgs, found...)
		}
		if matched {
			res.Files++
		} else {
			log.Info("no extractor for file", "path", f)
		}
	}
	res.Packages = inventory.Merge(pkgs)
	return res, nil
}

func anyMatch(exs []inventory.Extractor, f string, d fs.DirEntry) bool {
	for _, ex := range exs {
		if ex.Name() != codec.Name && ex.Match(f, d) {
			return true
		}
	}
	return false
}

// looksLikeSBOM sniffs a file given as the scan target whose name no
// extractor knows.
func looksLikeSBOM(fsys fs.FS, name string) bool {
	f, err := fsys.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	return sbom.Sniff(head[:n]) != ""
}

func matchVulns(ctx context.Context, res *Result, pkgs []inventory.Package, dbo DBOptions, log *slog.Logger, now func() time.Time) error {
	if len(pkgs) == 0 {
		return nil
	}
	db, info, warnings, err := openDB(ctx, dbo, ecosystemsOf(pkgs), log, now)
	if err != nil {
		return err
	}
	defer db.Close()
	res.Database = info
	res.Warnings = append(res.Warnings, warnings...)
	vulns, warnings, err := Match(ctx, db, pkgs)
	if err != nil {
		return err
	}
	res.Warnings = append(res.Warnings, warnings...)
	res.Vulnerabilities = append(res.Vulnerabilities, vulns...)
	return nil
}

// Match finds the vulnerabilities of pkgs in db exactly as a scan does (the
// server calls it for pushed inventories, so that a finding means the same
// in both). The warnings name ecosystems the database does not cover.
func Match(ctx context.Context, db *vulndb.DB, pkgs []inventory.Package) ([]Vulnerability, []string, error) {
	cov := newCoverage(db)
	found, err := match.Find(ctx, matchable(pkgs), cov)
	if err != nil {
		return nil, nil, fmt.Errorf("match: %w", err)
	}
	counts := map[string]int{}
	for _, p := range pkgs {
		counts[p.Ecosystem]++
	}
	vulns := make([]Vulnerability, 0, len(found))
	for _, f := range found {
		vulns = append(vulns, fromMatch(f))
	}
	return vulns, cov.warnings(counts), nil
}

// matchable leaves out packages whose version says nothing about what runs:
// the Go "stdlib" of a go.mod is its `go` directive, the minimum language
// version, not the toolchain that builds the module, and matching it gives
// false positives (OSV-Scanner drops it for the same reason). The package
// stays in the inventory and SBOMs; a Go binary's stdlib is matched.
func matchable(pkgs []inventory.Package) []inventory.Package {
	if !slices.ContainsFunc(pkgs, isGoModStdlib) {
		return pkgs
	}
	out := make([]inventory.Package, 0, len(pkgs))
	for _, p := range pkgs {
		if !isGoModStdlib(p) {
			out = append(out, p)
		}
	}
	return out
}

func isGoModStdlib(p inventory.Package) bool {
	return p.Ecosystem == "Go" && p.Name == "stdlib" && p.Extractor == "golang/gomod"
}

func fromMatch(f match.Finding) Vulnerability {
	v := Vulnerability{
		ID:             f.ID,
		Aliases:        f.Aliases,
		Package:        PackageRef{Name: f.Package.Name, Version: f.Package.Version, Ecosystem: f.Package.Ecosystem, PURL: f.Package.PURL},
		Severity:       f.Severity,
		SeveritySource: f.SeveritySource,
		Summary:        f.Summary,
		FixedVersion:   f.FixedVersion,
		Published:      f.Published,
		Modified:       f.Modified,
		References:     f.References,
	}
	if v.Aliases == nil {
		v.Aliases = []string{}
	}
	if f.CVSS != nil {
		v.CVSS = &CVSS{Version: f.CVSS.Version, Vector: f.CVSS.Vector, Score: f.CVSS.Score}
	}
	for _, l := range f.Package.Locations {
		v.Locations = append(v.Locations, Location{Path: l.Path, Line: l.Line, Layer: l.Layer})
	}
	if v.Locations == nil {
		v.Locations = []Location{}
	}
	return v
}

func ecosystemsOf(pkgs []inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		eco, _, _ := strings.Cut(p.Ecosystem, ":")
		if !slices.Contains(out, eco) {
			out = append(out, eco)
		}
	}
	slices.Sort(out)
	return out
}

func sortResult(r *Result) {
	slices.SortStableFunc(r.Vulnerabilities, func(a, b Vulnerability) int {
		if a.Severity != b.Severity {
			return int(b.Severity) - int(a.Severity)
		}
		if c := strings.Compare(firstLoc(a.Locations), firstLoc(b.Locations)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Package.Name, b.Package.Name); c != 0 {
			return c
		}
		if c := strings.Compare(a.Package.Version, b.Package.Version); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	slices.SortStableFunc(r.Misconfigurations, func(a, b Misconfiguration) int {
		if c := compareLocation(a.Location, b.Location); c != 0 {
			return c
		}
		return strings.Compare(a.CheckID, b.CheckID)
	})
	slices.SortStableFunc(r.Secrets, func(a, b Secret) int {
		if c := compareLocation(a.Location, b.Location); c != 0 {
			return c
		}
		if c := strings.Compare(a.Commit, b.Commit); c != 0 {
			return c
		}
		return strings.Compare(a.RuleID, b.RuleID)
	})
}

func compareLocation(a, b Location) int {
	if c := strings.Compare(a.Path, b.Path); c != 0 {
		return c
	}
	if a.Line != b.Line {
		return a.Line - b.Line
	}
	return a.Column - b.Column
}

func firstLoc(ls []Location) string {
	if len(ls) == 0 {
		return ""
	}
	return ls[0].Path
}

// FilterSeverity drops findings below min (the --severity flag).
func (r *Result) FilterSeverity(min severity.Level) {
	if min == severity.Unknown {
		return
	}
	r.Vulnerabilities = slices.DeleteFunc(r.Vulnerabilities, func(v Vulnerability) bool { return v.Severity < min })
	r.Misconfigurations = slices.DeleteFunc(r.Misconfigurations, func(m Misconfiguration) bool { return m.Severity < min })
	r.Secrets = slices.DeleteFunc(r.Secrets, func(s Secret) bool { return s.Severity < min })
	r.Summarise()
}

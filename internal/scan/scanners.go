package scan

import (
	"context"
	"fmt"
	"github.com/vigil-sec/vigil/internal/prune"
	"io/fs"
	"log/slog"
	"path"
	"slices"

	"github.com/vigil-sec/vigil/internal/iac"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/secrets"
	"github.com/vigil-sec/vigil/internal/severity"
)

// MisconfigOptions configure the infrastructure-as-code scanner.
type MisconfigOptions struct {
	// PolicyDirs hold user checks (package vigil.checks.*).
	PolicyDirs []string
	// HelmValues are values files applied over every chart's defaults.
	HelmValues []string
}

// SecretOptions configure the secret scanner.
type SecretOptions struct {
	// GitHistory scans every commit reachable from any ref as well.
	GitHistory bool
	// Baseline is a file of known fingerprints (or a previous JSON report):
	// those findings are marked suppressed (kind baseline).
	Baseline string
	// MaxFileSize skips larger files (0: the scanner's default).
	MaxFileSize int64
}

func scanMisconfig(ctx context.Context, res *Result, fsys fs.FS, o MisconfigOptions, log *slog.Logger) error {
	sc, err := iac.New(ctx, iac.Options{PolicyDirs: o.PolicyDirs, HelmValues: o.HelmValues, Logger: log})
	if err != nil {
		return fmt.Errorf("%w: misconfiguration checks: %w", ErrInput, err)
	}
	out, err := sc.ScanFS(ctx, fsys)
	if err != nil {
		return fmt.Errorf("misconfiguration scan: %w", err)
	}
	for _, f := range out.Findings {
		lvl, _ := severity.Parse(f.Severity)
		m := Misconfiguration{
			CheckID: f.CheckID, Title: f.Title, Description: f.Description, Severity: lvl, Message: f.Message,
			Resource: f.Resource, Location: Location{Path: f.Path, Line: f.Line}, Remediation: f.Remediation,
			References: f.References, Controls: f.Controls,
		}
		if f.Suppressed {
			m.Suppressed = &Suppression{Kind: "inline", Reason: f.SuppressReason}
		}
		res.Misconfigurations = append(res.Misconfigurations, m)
	}
	for _, e := range out.Errors {
		res.Issues = append(res.Issues, inventory.Issue{Path: e.Path, Line: e.Line, Extractor: "misconfig", Message: e.Err.Error()})
	}
	return nil
}

func scanSecrets(ctx context.Context, res *Result, fsys fs.FS, repoDir string, o SecretOptions, po prune.Options, log *slog.Logger) error {
	rules, err := prune.New(fsys, po)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	sc, err := secrets.New(secrets.Options{MaxFileSize: o.MaxFileSize, Logger: log, SkipDir: rules.SkipDir})
	if err != nil {
		return fmt.Errorf("%w: secret rules: %w", ErrInput, err)
	}
	var base *secrets.Baseline
	if o.Baseline != "" {
		if base, err = secrets.LoadBaseline(o.Baseline); err != nil {
			return fmt.Errorf("%w: baseline: %w", ErrInput, err)
		}
	}
	found, ferrs, err := sc.ScanFS(ctx, fsys)
	if err != nil {
		return fmt.Errorf("secret scan: %w", err)
	}
	for _, e := range ferrs {
		res.Issues = append(res.Issues, inventory.Issue{Path: e.Path, Extractor: "secret", Message: e.Err.Error()})
	}
	if o.GitHistory {
		if repoDir == "" {
			return fmt.Errorf("%w: --git-history needs a directory in a git repository", ErrInput)
		}
		hist, err := sc.ScanGitHistory(ctx, repoDir)
		if err != nil {
			return fmt.Errorf("%w: git history: %w", ErrInput, err)
		}
		found = append(found, hist...)
	}
	for _, f := range found {
		s := Secret{
			RuleID: f.RuleID, Title: f.Title, Severity: f.Severity,
			Location:  Location{Path: f.Path, Line: f.Line, Column: f.Column, Layer: f.Layer},
			EndColumn: f.EndColumn, Match: f.Match, Fingerprint: f.Fingerprint,
			Commit: f.Commit, Author: f.Author, Date: f.Date,
		}
		if base != nil && base.Contains(f.Fingerprint) {
			s.Suppressed = &Suppression{Kind: "baseline", Reason: "in baseline " + path.Base(o.Baseline)}
		}
		res.Secrets = append(res.Secrets, s)
	}
	return nil
}

// singleFile exposes one file of a directory as a whole filesystem, so the
// misconfiguration and secret scanners see only the file given as target.
type singleFile struct {
	fs.FS
	name string
}

func (s singleFile) Open(name string) (fs.File, error) {
	if name != "." && name != s.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return s.FS.Open(name)
}

func (s singleFile) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	all, err := fs.ReadDir(s.FS, ".")
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(e fs.DirEntry) bool { return e.Name() != s.name }), nil
}

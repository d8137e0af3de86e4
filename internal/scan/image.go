package scan

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"github.com/vigil-sec/vigil/internal/prune"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/vigil-sec/vigil/internal/inventory/extract/list"
	"github.com/vigil-sec/vigil/internal/inventory/extract/os/osrelease"
	"github.com/vigil-sec/vigil/internal/sbom/codec"
	"github.com/vigil-sec/vigil/internal/secrets"
	"github.com/vigil-sec/vigil/internal/source"
)

// Target kinds a caller may force (vigil scan image REF, vigil scan rootfs
// DIR); "" detects.
const (
	KindAuto   = ""
	KindImage  = "image"
	KindRootFS = "rootfs"
)

// ImageOptions configure image and root-filesystem targets.
type ImageOptions struct {
	// Kind forces the target kind (KindImage, KindRootFS) or detects it.
	Kind string
	// Platform picks from a multi-platform index (default linux/amd64).
	Platform string
	// Insecure allows plain HTTP registries (loopback tests, local mirrors).
	Insecure bool
	// NoCache bypasses the layer cache.
	NoCache bool
	// CacheDir is the layer cache (default: the user cache dir).
	CacheDir string
	// Transport and Keychain, when set, are the registry HTTP transport
	// and credentials (the server's registry watch).
	Transport http.RoundTripper
	Keychain  authn.Keychain
}

// resolveSource says whether the target is an image or a root filesystem
// (handled by internal/source) rather than a source tree or a file.
func resolveSource(target string, o ImageOptions) (source.Target, bool, error) {
	switch o.Kind {
	case KindRootFS:
		return source.Target{Kind: source.KindRootFS, Ref: target}, true, nil
	case KindImage:
		t, err := source.Detect(target)
		if err != nil {
			return t, false, fmt.Errorf("%w: %w", ErrInput, err)
		}
		if t.Kind == source.KindDir || t.Kind == source.KindRootFS {
			return t, false, fmt.Errorf("%w: %q is a directory, not an image (an OCI layout has an oci-layout file)", ErrInput, target)
		}
		return t, true, nil
	}
	t, err := source.Detect(target)
	if errors.Is(err, source.ErrHostileArchive) || errors.Is(err, source.ErrNotImageArchive) {
		// An archive that cannot be read is an error, never an empty scan.
		return t, false, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if err != nil {
		return t, false, nil // not an image: the caller reports a missing path
	}
	switch t.Kind {
	case source.KindDir, source.KindFile, source.KindSBOM:
		return t, false, nil
	case source.KindRegistry:
		if t.Explicit {
			return t, true, nil
		}
		// A bare name that is neither a file nor a directory: only treat it
		// as an image when asked (vigil scan image), so a typo in a path is
		// an input error rather than a registry request.
		return t, false, nil
	}
	return t, true, nil
}

// scanSource scans an image or a root filesystem: packages layer by layer,
// and secrets in every file of every layer (also files a later layer
// deletes) when the secret scanner runs.
func scanSource(ctx context.Context, res *Result, t source.Target, opts Options, scanners []string, log *slog.Logger, now func() time.Time) error {
	exs := append(list.SourceTree(log), list.OSAndInstalled()...)
	exs = append(exs, codec.Extractor{})
	so := source.Options{Extractors: exs, SkipDirs: opts.SkipDirs, Platform: opts.Image.Platform, Insecure: opts.Image.Insecure, NoCache: opts.Image.NoCache, CacheDir: opts.Image.CacheDir, Transport: opts.Image.Transport, Keychain: opts.Image.Keychain, Logger: log, Now: now}

	wantSecrets := slices.Contains(scanners, ScannerSecret)
	var (
		mu      sync.Mutex
		secs    []secrets.Finding
		secScan *secrets.Scanner
	)
	if wantSecrets && t.Kind != source.KindRootFS {
		var err error
		if secScan, err = secrets.New(secrets.Options{MaxFileSize: opts.Secret.MaxFileSize, Logger: log}); err != nil {
			return fmt.Errorf("%w: secret rules: %w", ErrInput, err)
		}
		so.OnFile = func(layer string, hdr *tar.Header, r io.Reader) error {
			found, err := secScan.ScanReader(ctx, hdr.Name, r)
			if err != nil {
				if errors.Is(err, context.Canceled) {
					return err
				}
				return nil // one unreadable file must not cost the scan
			}
			for i := range found {
				found[i].Layer = layer
			}
			mu.Lock()
			secs = append(secs, found...)
			mu.Unlock()
			return nil
		}
	}
	out, err := source.Scan(ctx, t, so)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	res.Target.Kind = t.Kind
	res.Packages = out.Packages
	res.Issues = append(res.Issues, out.Issues...)
	res.Warnings = append(res.Warnings, out.Warnings...)
	if img := out.Image; img != nil {
		res.Target.Kind = KindImage
		ri := &Image{Reference: img.Ref, Digest: img.Digest, Platform: img.Platform, Created: img.Created, CreatedFrom: img.CreatedFrom, AgeDays: img.AgeDays, BaseName: img.BaseName, BaseDigest: img.BaseDigest}
		if ri.Digest == "" {
			ri.Digest = img.ID
		}
		for _, l := range img.Layers {
			ri.Layers = append(ri.Layers, Layer{Digest: l.Digest, DiffID: l.DiffID, CreatedBy: l.CreatedBy, Packages: l.Packages})
		}
		res.Image = ri
	}
	if o := out.OS; o != nil {
		res.OS = &OS{ID: o.ID, Version: o.VersionID, Name: o.PrettyName, Ecosystem: o.Ecosystem, EOL: o.Status == osrelease.StatusEOL}
		if !o.EOL.IsZero() {
			res.OS.EOLDate = o.EOL.Format(time.DateOnly)
		}
	}
	if slices.Contains(scanners, ScannerVuln) {
		if err := matchVulns(ctx, res, res.Packages, opts.DB, log, now); err != nil {
			return err
		}
	}
	if wantSecrets {
		if t.Kind == source.KindRootFS {
			root, err := openTarget(t.Ref)
			if err != nil {
				return err
			}
			defer root.close()
			return scanSecrets(ctx, res, root.fsys, "", opts.Secret, prune.Options{SkipGlobs: opts.SkipDirs, RootFS: true}, log)
		}
		for _, f := range secs {
			res.Secrets = append(res.Secrets, Secret{RuleID: f.RuleID, Title: f.Title, Severity: f.Severity,
				Location:  Location{Path: f.Path, Line: f.Line, Column: f.Column, Layer: f.Layer},
				EndColumn: f.EndColumn, Match: f.Match, Fingerprint: f.Fingerprint})
		}
	}
	return nil
}

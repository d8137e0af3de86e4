// Package source scans root filesystems and container images (OCI layout
// directories and archives, docker archives, registry references) for
// installed packages. Image layers are streamed once each, never extracted
// to disk; whiteouts and opaque directories are applied so that only the
// final filesystem counts, and each package is attributed to the layer
// that added it. Layer results are cached by diff-id.
package source

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/vigil-sec/vigil/internal/prune"
	"hash"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/os/osrelease"
)

// DefaultPlatform is picked from multi-platform images unless told
// otherwise.
const DefaultPlatform = "linux/amd64"

// Options configures Scan.
type Options struct {
	// Extractors to run (lockfile extractors plus list.OSAndInstalled()).
	Extractors []inventory.Extractor
	// Platform picks the image of a multi-platform index ("os/arch[/variant]",
	// DefaultPlatform when empty).
	Platform string
	// Insecure allows plain HTTP (and unverified TLS) to the registry.
	Insecure bool
	// NoCache disables the layer cache (neither read nor written).
	NoCache bool
	// CacheDir is the layer cache directory (DefaultCacheDir when empty).
	CacheDir string
	// MaxFileSize bounds one file handed to an extractor
	// (inventory.DefaultMaxFileSize when 0).
	MaxFileSize int64
	// SkipDirs are doublestar globs of directories not entered in a
	// directory or root filesystem (a root filesystem also skips
	// pseudo-filesystems and other mounts, see package prune).
	SkipDirs []string
	// Workers bounds layers scanned in parallel (GOMAXPROCS when 0).
	Workers int
	// OnFile, when set, sees every regular file of every image layer (not
	// of directories). Layers are then always read: the cache is written
	// but not used to skip layers.
	OnFile FileHook
	// Transport overrides the registry HTTP transport (tests, the server's
	// registry watch).
	Transport http.RoundTripper
	// Keychain authenticates to registries (authn.DefaultKeychain when nil).
	Keychain authn.Keychain
	// Now is the clock for image age and end-of-life (time.Now when nil).
	Now    func() time.Time
	Logger *slog.Logger
}

// Result is what a scan found.
type Result struct {
	// Packages are sorted and de-duplicated (inventory.Merge).
	Packages []inventory.Package `json:"packages"`
	Issues   []inventory.Issue   `json:"issues,omitempty"`
	// Image is set for image targets.
	Image *ImageInfo `json:"image,omitempty"`
	// OS is the distribution, nil when none was identified.
	OS *OSInfo `json:"os,omitempty"`
	// Warnings are human-readable notes (unknown or end-of-life
	// distribution, platform picked from an index).
	Warnings []string `json:"warnings,omitempty"`
}

// ImageInfo are facts about a scanned image.
type ImageInfo struct {
	Ref string `json:"ref"`
	// Digest is the manifest digest (empty for docker archives, which
	// carry no manifest).
	Digest string `json:"digest,omitempty"`
	// ID is the config digest (the "image ID").
	ID string `json:"id"`
	// Platform is the platform scanned; Platforms lists those of the
	// index it was picked from, if any.
	Platform  string    `json:"platform,omitempty"`
	Platforms []string  `json:"platforms,omitempty"`
	Created   time.Time `json:"created,omitzero"`
	// AgeDays is whole days from Created to the scan.
	AgeDays int         `json:"age_days"`
	Layers  []LayerInfo `json:"layers"`
	// CreatedFrom says where Created (the build time) comes from:
	// "config" (the config's created time) or "history" (the newest
	// history entry, when created is missing or zero, as in reproducible
	// builds); see BuildTime.
	CreatedFrom string `json:"created_from,omitempty"`
	// BaseName and BaseDigest are the base image the image declares (OCI
	// annotations org.opencontainers.image.base.name and .base.digest on
	// the manifest, or the same keys as config labels).
	BaseName   string `json:"base_name,omitempty"`
	BaseDigest string `json:"base_digest,omitempty"`
}

// LayerInfo describes one layer.
type LayerInfo struct {
	Digest    string `json:"digest"`
	DiffID    string `json:"diff_id"`
	Size      int64  `json:"size,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
	// Packages is the number of packages attributed to the layer in the
	// final filesystem.
	Packages int `json:"packages"`
	// Cached is true when the layer's result came from the cache.
	Cached bool `json:"cached,omitempty"`
}

// OSInfo is the identified distribution and its support status.
type OSInfo struct {
	osrelease.Info
	// Status is "supported", "eol" or "unknown" (no end-of-life data).
	Status osrelease.Status `json:"status"`
}

// Scan scans t.
func Scan(ctx context.Context, t Target, opts Options) (*Result, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = inventory.DefaultMaxFileSize
	}
	var res *Result
	var err error
	switch t.Kind {
	case KindDir, KindRootFS:
		res, err = scanDir(ctx, t.Ref, t.Kind == KindRootFS, opts)
	case KindOCILayout, KindOCIArchive, KindDockerArchive, KindRegistry:
		res, err = scanImage(ctx, t, opts)
	default:
		err = fmt.Errorf("%w: kind %q", ErrUnknownTarget, t.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("scan %s %q: %w", t.Kind, t.Ref, err)
	}
	return res, nil
}

func scanDir(ctx context.Context, dir string, rootfs bool, opts Options) (*Result, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fsys := root.FS()
	rules, err := prune.New(fsys, prune.Options{SkipGlobs: opts.SkipDirs, RootFS: rootfs})
	if err != nil {
		return nil, err
	}
	wr, err := inventory.Walk(ctx, fsys, inventory.WalkOptions{
		Prune:       rules,
		Extractors:  opts.Extractors,
		MaxFileSize: opts.MaxFileSize,
		Workers:     opts.Workers,
		Logger:      opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	res := &Result{Issues: wr.Issues}
	info, err := osrelease.Detect(fsys)
	res.setOS(info, err, opts)
	pkgs := wr.Packages
	if info != nil {
		for i := range pkgs {
			if isOSExtractor(pkgs[i].Extractor) {
				osrelease.Apply(&pkgs[i], info)
			}
		}
	}
	res.Packages = inventory.Merge(pkgs)
	return res, nil
}

// setOS records the distribution and warns about unknown or EOL ones.
func (r *Result) setOS(info *osrelease.Info, err error, opts Options) {
	if info == nil {
		if err != nil && !errors.Is(err, osrelease.ErrUnknown) {
			r.Issues = append(r.Issues, inventory.Issue{Path: "etc/os-release", Message: err.Error()})
		}
		return
	}
	st := osrelease.SupportStatus(info, opts.Now())
	r.OS = &OSInfo{Info: *info, Status: st}
	name := info.PrettyName
	if name == "" {
		name = info.ID + " " + info.VersionID
	}
	switch {
	case info.Ecosystem == "":
		r.Warnings = append(r.Warnings, fmt.Sprintf("distribution %q is not known to OSV: its OS packages cannot be matched", name))
	case st == osrelease.StatusEOL:
		r.Warnings = append(r.Warnings, fmt.Sprintf("distribution %q reached end of life on %s: it gets no security updates", name, info.EOL.Format(time.DateOnly)))
	case st == osrelease.StatusUnknown:
		r.Warnings = append(r.Warnings, fmt.Sprintf("distribution %q: end of life unknown", name))
	}
	for _, w := range r.Warnings {
		opts.Logger.Warn(w)
	}
}

func loadImage(ctx context.Context, t Target, opts Options) (*image, func(), error) {
	pstr := opts.Platform
	if pstr == "" {
		pstr = DefaultPlatform
	}
	want, err := v1.ParsePlatform(pstr)
	if err != nil {
		return nil, nil, fmt.Errorf("parse platform %q: %w", pstr, err)
	}
	nop := func() {}
	switch t.Kind {
	case KindOCILayout:
		root, err := os.OpenRoot(t.Ref)
		if err != nil {
			return nil, nil, err
		}
		img, err := loadLayout(t.Ref, dirStore{root}, *want)
		if err != nil {
			root.Close()
			return nil, nil, err
		}
		return img, func() { root.Close() }, nil
	case KindOCIArchive, KindDockerArchive:
		ts, err := openTarStore(t.Ref)
		if err != nil {
			return nil, nil, err
		}
		var img *image
		if t.Kind == KindOCIArchive {
			img, err = loadLayout(t.Ref, ts, *want)
		} else {
			img, err = loadDockerArchive(t.Ref, ts)
		}
		if err != nil {
			ts.Close()
			return nil, nil, err
		}
		return img, func() { ts.Close() }, nil
	default:
		img, err := loadRemote(ctx, t.Ref, *want, opts)
		return img, nop, err
	}
}

// hashReader hashes what is read through it.
type hashReader struct {
	r io.Reader
	h hash.Hash
}

func (h *hashReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	return n, err
}

func scanImage(ctx context.Context, t Target, opts Options) (*Result, error) {
	img, closeFn, err := loadImage(ctx, t, opts)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	log := opts.Logger
	var cache *layerCache
	if !opts.NoCache {
		dir := opts.CacheDir
		if dir == "" {
			if dir, err = DefaultCacheDir(); err != nil {
				log.Warn("no layer cache", "err", err)
			}
		}
		if dir != "" {
			cache = &layerCache{dir: dir, version: extractorSetVersion(opts.Extractors, opts.MaxFileSize)}
		}
	}
	info := &ImageInfo{Ref: img.ref, Digest: img.digest, ID: img.id, Platform: img.platform, Platforms: img.platforms}
	info.Created, info.CreatedFrom = BuildTime(img.config)
	if !info.Created.IsZero() {
		info.AgeDays = int(math.Floor(opts.Now().Sub(info.Created).Hours() / 24))
	}
	info.BaseName, info.BaseDigest = baseImage(img.annotations, img.config)
	results := make([]*layerResult, len(img.layers))
	info.Layers = make([]LayerInfo, len(img.layers))
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var hookMu sync.Mutex
	hook := opts.OnFile
	if hook != nil && workers > 1 {
		inner := hook
		hook = func(l string, h *tar.Header, r io.Reader) error {
			hookMu.Lock()
			defer hookMu.Unlock()
			return inner(l, h, r)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i, l := range img.layers {
		info.Layers[i] = LayerInfo{Digest: l.digest, DiffID: l.diffID, Size: l.size, CreatedBy: l.createdBy}
		if opts.OnFile == nil {
			if lr, ok := cache.get(l.diffID); ok {
				results[i] = lr
				info.Layers[i].Cached = true
				log.Debug("layer from cache", "layer", l.diffID)
				continue
			}
		}
		g.Go(func() error {
			start := time.Now()
			rc, err := l.open(gctx)
			if err != nil {
				return fmt.Errorf("open layer %s: %w", l.digest, err)
			}
			defer rc.Close()
			if cache == nil {
				lr, err := walkLayer(gctx, l.diffID, rc, opts.Extractors, opts.MaxFileSize, hook)
				if err != nil {
					return fmt.Errorf("layer %s: %w", l.digest, err)
				}
				results[i] = lr
				return nil
			}
			// The result will be cached under the diff-id: check that the
			// content has it, so a hostile image cannot poison the cache.
			hr := &hashReader{h: sha256.New()}
			lr, err := walkLayerHashed(gctx, l.diffID, rc, hr, opts.Extractors, opts.MaxFileSize, hook)
			if err != nil {
				return fmt.Errorf("layer %s: %w", l.digest, err)
			}
			got := "sha256:" + hex.EncodeToString(hr.h.Sum(nil))
			if got != l.diffID {
				return fmt.Errorf("layer %s: %w: content has diff-id %s, config says %s", l.digest, ErrHostileLayer, got, l.diffID)
			}
			results[i] = lr
			if err := cache.put(lr); err != nil {
				log.Warn("write layer cache", "layer", l.diffID, "err", err)
			}
			log.Debug("layer scanned", "layer", l.diffID, "duration", time.Since(start))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if img.platform != "" && len(img.platforms) > 1 {
		log.Info("platform picked", "platform", img.platform, "platforms", img.platforms)
	}
	return assemble(img, info, results, opts), nil
}

// walkLayerHashed decompresses through hr so the diff-id can be checked.
func walkLayerHashed(ctx context.Context, diffID string, raw io.Reader, hr *hashReader, exs []inventory.Extractor, limit int64, hook FileHook) (*layerResult, error) {
	return walkLayerWith(ctx, diffID, raw, func(r io.Reader) io.Reader { hr.r = r; return hr }, exs, limit, hook)
}

// assemble squashes layer results into the final inventory.
func assemble(img *image, info *ImageInfo, results []*layerResult, opts Options) *Result {
	res := &Result{Image: info}
	files, osFiles := squash(results)
	osInfo, err := osrelease.FromFiles(osFiles)
	res.setOS(osInfo, err, opts)
	var pkgs []inventory.Package
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		k := files[p]
		l := img.layers[k.layer]
		for _, pkg := range k.fr.Packages {
			for j := range pkg.Locations {
				pkg.Locations[j].Layer = l.diffID
				pkg.Locations[j].LayerCreatedBy = l.createdBy
			}
			if isOSExtractor(pkg.Extractor) {
				osrelease.Apply(&pkg, osInfo)
			}
			pkgs = append(pkgs, pkg)
		}
		info.Layers[k.layer].Packages += len(k.fr.Packages)
		res.Issues = append(res.Issues, k.fr.Issues...)
	}
	for _, lr := range results {
		res.Issues = append(res.Issues, lr.Issues...)
	}
	slices.SortFunc(res.Issues, func(a, b inventory.Issue) int {
		if a.Path != b.Path {
			if a.Path < b.Path {
				return -1
			}
			return 1
		}
		return a.Line - b.Line
	})
	res.Packages = inventory.Merge(pkgs)
	if len(info.Platforms) > 1 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("image index has platforms %v; scanned %s", info.Platforms, info.Platform))
	}
	return res
}

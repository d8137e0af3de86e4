// Package list is the explicit registry of inventory extractors: adding an
// extractor is one line here.
package list

import (
	"log/slog"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/dotnet/packageslock"
	"github.com/vigil-sec/vigil/internal/inventory/extract/golang/gomod"
	"github.com/vigil-sec/vigil/internal/inventory/extract/java/gradlelockfile"
	"github.com/vigil-sec/vigil/internal/inventory/extract/java/pom"
	"github.com/vigil-sec/vigil/internal/inventory/extract/npm/packagelock"
	"github.com/vigil-sec/vigil/internal/inventory/extract/npm/pnpmlock"
	"github.com/vigil-sec/vigil/internal/inventory/extract/npm/yarnlock"
	"github.com/vigil-sec/vigil/internal/inventory/extract/php/composerlock"
	"github.com/vigil-sec/vigil/internal/inventory/extract/pypi/pipfilelock"
	"github.com/vigil-sec/vigil/internal/inventory/extract/pypi/poetrylock"
	"github.com/vigil-sec/vigil/internal/inventory/extract/pypi/requirements"
	"github.com/vigil-sec/vigil/internal/inventory/extract/pypi/uvlock"
	"github.com/vigil-sec/vigil/internal/inventory/extract/ruby/gemfilelock"
	"github.com/vigil-sec/vigil/internal/inventory/extract/rust/cargolock"
)

// SourceTree returns the extractors for lockfiles and manifests in source
// trees, in a stable order. log receives the extractors' notes (skipped
// unpinned requirements, unresolved Maven versions); nil discards.
func SourceTree(log *slog.Logger) []inventory.Extractor {
	return []inventory.Extractor{
		// --- Go, npm, PyPI (one line per extractor, e.g. packagelock.New()) ---
		gomod.New(),
		packagelock.New(),
		yarnlock.New(),
		pnpmlock.New(),
		requirements.New(requirements.Options{Logger: log}),
		poetrylock.New(),
		pipfilelock.New(),
		uvlock.New(),
		// --- crates.io, RubyGems, Packagist, Maven, NuGet ---
		cargolock.New(),
		gemfilelock.New(),
		composerlock.New(),
		pom.New(pom.Options{Logger: log}),
		gradlelockfile.New(),
		packageslock.New(),
	}
}

// Package cargoauditable extracts the crates compiled into Rust binaries
// built with cargo-auditable (the zlib-compressed JSON in the .dep-v0
// section).
package cargoauditable

import (
	"context"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"io"
	"io/fs"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/os/executable"
)

// Name is the extractor's name.
const Name = "rust/cargoauditable"

// maxSection bounds the compressed section read.
const maxSection = 8 << 20

// Extractor reads cargo-auditable data.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// RandomAccess implements inventory.RandomAccess: a binary on disk is read
// through io.ReaderAt, section by section.
func (*Extractor) RandomAccess() bool { return true }

// Match implements inventory.Extractor.
func (*Extractor) Match(p string, d fs.DirEntry) bool { return executable.Candidate(p, d) }

// Extract implements inventory.Extractor. Binaries without the section
// yield nothing and no error.
func (*Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	ra, _, kind, closeFn, err := executable.Open(in)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	sec := section(ra, kind)
	if sec == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(sec, maxSection))
	if err != nil {
		return nil, &inventory.ParseError{Path: in.Path, Err: err}
	}
	deps, err := Parse(b)
	if err != nil {
		return nil, &inventory.ParseError{Path: in.Path, Err: err}
	}
	var out []inventory.Package
	for _, d := range deps {
		if d.Source != "crates.io" || d.Name == "" || d.Version == "" {
			continue // the binary's own crates, path and git dependencies
		}
		out = append(out, inventory.Package{
			Name:      d.Name,
			Version:   d.Version,
			Ecosystem: "crates.io",
			PURL:      packageurl.NewPackageURL("cargo", "", d.Name, d.Version, nil, "").ToString(),
			Locations: []inventory.Location{{Path: in.Path}},
			Dev:       d.Kind == "build",
			Extractor: Name,
		})
	}
	return out, ctx.Err()
}

func section(ra io.ReaderAt, kind executable.Kind) io.Reader {
	switch kind {
	case executable.ELF:
		f, err := elf.NewFile(ra)
		if err != nil {
			return nil
		}
		if s := f.Section(".dep-v0"); s != nil && s.Type != elf.SHT_NOBITS {
			return s.Open()
		}
	case executable.PE:
		f, err := pe.NewFile(ra)
		if err != nil {
			return nil
		}
		if s := f.Section(".dep-v0"); s != nil {
			return s.Open()
		}
	case executable.MachO:
		f, err := macho.NewFile(ra)
		if err != nil {
			return nil
		}
		if s := f.Section(".dep-v0"); s != nil {
			return s.Open()
		}
	}
	return nil
}

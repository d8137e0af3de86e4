// Package archive extracts Maven artifacts from Java archives (jar, war,
// ear, ...), including nested archives, from pom.properties with
// MANIFEST.MF and file-name fallbacks.
package archive

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Name is the extractor's name.
const Name = "java/archive"

// Extractor reads Java archives.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 2 }

// Match implements inventory.Extractor.
func (*Extractor) Match(p string, _ fs.DirEntry) bool { return isArchive(p) }

// Extract implements inventory.Extractor.
func (*Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	ra, size, closeFn, err := readerAt(in)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	arts, err := Parse(ra, size, path.Base(in.Path))
	var out []inventory.Package
	for _, a := range arts {
		name := a.ArtifactID
		if a.GroupID != "" {
			name = a.GroupID + ":" + a.ArtifactID
		}
		out = append(out, inventory.Package{
			Name:      name,
			Version:   a.Version,
			Ecosystem: "Maven",
			PURL:      packageurl.NewPackageURL("maven", a.GroupID, a.ArtifactID, a.Version, nil, "").ToString(),
			Locations: []inventory.Location{{Path: in.Path}},
			Extractor: Name,
			Evidence:  a.Evidence,
		})
	}
	if err != nil {
		return out, &inventory.ParseError{Path: in.Path, Err: err}
	}
	return out, ctx.Err()
}

func readerAt(in *inventory.Input) (io.ReaderAt, int64, func(), error) {
	nop := func() {}
	if br, ok := in.Reader.(*bytes.Reader); ok {
		return br, br.Size(), nop, nil
	}
	if in.FS != nil {
		if f, err := in.FS.Open(in.Path); err == nil {
			if ra, ok := f.(io.ReaderAt); ok {
				if st, err := f.Stat(); err == nil {
					return ra, st.Size(), func() { f.Close() }, nil
				}
			}
			f.Close()
		}
	}
	b, err := io.ReadAll(in.Reader)
	if err != nil {
		return nil, 0, nop, fmt.Errorf("read archive: %w", err)
	}
	return bytes.NewReader(b), int64(len(b)), nop, nil
}

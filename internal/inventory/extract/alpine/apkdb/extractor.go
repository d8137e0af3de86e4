// Package apkdb extracts installed Alpine (and Wolfi/Chainguard) packages
// from lib/apk/db/installed.
package apkdb

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/os/osrelease"
)

// Name is the extractor's name.
const Name = "alpine/apkdb"

// Extractor reads apk databases.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

const dbPath = "lib/apk/db/installed"

// Match implements inventory.Extractor.
func (*Extractor) Match(p string, _ fs.DirEntry) bool {
	return p == dbPath || strings.HasSuffix(p, "/"+dbPath)
}

// Extract implements inventory.Extractor. Ecosystem is "Alpine" until the
// release is known (read from in.FS when set, else osrelease.Apply by the
// caller).
func (*Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	entries, err := Parse(in.Reader)
	if err != nil {
		if errors.Is(err, inventory.ErrTooLarge) {
			return nil, err
		}
		return nil, &inventory.ParseError{Path: in.Path, Err: err}
	}
	var info *osrelease.Info
	if in.FS != nil {
		root := strings.TrimSuffix(strings.TrimSuffix(in.Path, dbPath), "/")
		if root == "" {
			root = "."
		}
		if sub, err := fs.Sub(in.FS, root); err == nil {
			info, _ = osrelease.Detect(sub)
		}
	}
	out := make([]inventory.Package, 0, len(entries))
	for _, e := range entries {
		p := inventory.Package{
			Name:          e.Name,
			Version:       e.Version,
			Ecosystem:     "Alpine",
			Locations:     []inventory.Location{{Path: in.Path, Line: e.Line}},
			Extractor:     Name,
			SourceName:    e.Origin,
			SourceVersion: e.Version,
		}
		if e.License != "" {
			p.Licenses = []string{e.License}
		}
		q := map[string]string{}
		if e.Arch != "" {
			q["arch"] = e.Arch
		}
		if e.Origin != e.Name {
			q["upstream"] = e.Origin
		}
		p.PURL = packageurl.NewPackageURL("apk", "alpine", e.Name, e.Version, packageurl.QualifiersFromMap(q), "").ToString()
		osrelease.Apply(&p, info)
		out = append(out, p)
	}
	return out, ctx.Err()
}

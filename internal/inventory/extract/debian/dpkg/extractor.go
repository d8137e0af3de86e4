// Package dpkg extracts installed Debian/Ubuntu packages from the dpkg
// database: var/lib/dpkg/status and the distroless var/lib/dpkg/status.d/*.
package dpkg

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/os/osrelease"
)

// Name is the extractor's name.
const Name = "debian/dpkg"

// Extractor reads dpkg status databases.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor.
func (*Extractor) Match(p string, _ fs.DirEntry) bool {
	if p == "var/lib/dpkg/status" || strings.HasSuffix(p, "/var/lib/dpkg/status") {
		return true
	}
	dir, base := path.Split(p)
	if !strings.HasSuffix(dir, "var/lib/dpkg/status.d/") {
		return false
	}
	// status.d also holds <pkg>.md5sums files.
	return !strings.HasSuffix(base, ".md5sums") && !strings.HasPrefix(base, ".")
}

// Root returns the root filesystem prefix of a dpkg database path ("" or
// "some/dir/").
func Root(p string) string {
	if i := strings.LastIndex(p, "var/lib/dpkg/"); i >= 0 {
		return p[:i]
	}
	return ""
}

// Extract implements inventory.Extractor. Ecosystem is "Debian" until the
// distribution is known: when in.FS is set the release files next to the
// database are read; otherwise the caller applies osrelease.Apply.
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
		root := strings.TrimSuffix(Root(in.Path), "/")
		if root == "" {
			root = "."
		}
		if sub, err := fs.Sub(in.FS, root); err == nil {
			info, _ = osrelease.Detect(sub)
		}
	}
	out := make([]inventory.Package, 0, len(entries))
	for _, e := range entries {
		if !e.Installed() {
			continue
		}
		p := inventory.Package{
			Name:          e.Package,
			Version:       e.Version,
			Ecosystem:     "Debian",
			Locations:     []inventory.Location{{Path: in.Path, Line: e.Line}},
			Extractor:     Name,
			SourceName:    e.Source,
			SourceVersion: e.SourceVersion,
		}
		q := map[string]string{}
		if e.Architecture != "" {
			q["arch"] = e.Architecture
		}
		if e.Source != e.Package || e.SourceVersion != e.Version {
			q["upstream"] = e.Source
			if e.SourceVersion != e.Version {
				q["upstream"] = e.Source + "@" + e.SourceVersion
			}
		}
		p.PURL = packageurl.NewPackageURL("deb", "debian", e.Package, e.Version, packageurl.QualifiersFromMap(q), "").ToString()
		osrelease.Apply(&p, info)
		out = append(out, p)
	}
	return out, ctx.Err()
}

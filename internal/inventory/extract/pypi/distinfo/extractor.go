// Package distinfo extracts installed Python distributions from
// *.dist-info/METADATA and *.egg-info/PKG-INFO (and single-file *.egg-info).
package distinfo

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Name is the extractor's name.
const Name = "pypi/distinfo"

// Extractor reads installed Python metadata.
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
	switch {
	case strings.HasSuffix(p, ".dist-info/METADATA"), strings.HasSuffix(p, ".egg-info/PKG-INFO"):
		return true
	case strings.HasSuffix(p, ".egg-info"):
		// distutils writes a single file into site-packages.
		return strings.Contains(p, "-packages/")
	}
	return false
}

// Metadata is the part of a core metadata file vigil uses.
type Metadata struct {
	Name, Version, License string
}

// Parse reads the RFC 822 header of a core metadata file.
func Parse(r io.Reader) (Metadata, error) {
	var m Metadata
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if s == "" {
			break // the body (long description) follows
		}
		if s[0] == ' ' || s[0] == '\t' {
			continue
		}
		k, v, ok := strings.Cut(s, ":")
		if !ok {
			return m, fmt.Errorf("line %d: header without colon", line)
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "name":
			m.Name = v
		case "version":
			m.Version = v
		case "license":
			if m.License == "" {
				m.License = v
			}
		case "license-expression":
			m.License = v
		}
	}
	if err := sc.Err(); err != nil {
		return m, fmt.Errorf("line %d: %w", line+1, err)
	}
	return m, nil
}

var normRe = regexp.MustCompile(`[-_.]+`)

// Normalize is the PEP 503 normalised project name.
func Normalize(name string) string { return strings.ToLower(normRe.ReplaceAllString(name, "-")) }

// Extract implements inventory.Extractor.
func (*Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	m, err := Parse(in.Reader)
	if err != nil {
		return nil, &inventory.ParseError{Path: in.Path, Err: err}
	}
	if m.Name == "" || m.Version == "" {
		return nil, &inventory.ParseError{Path: in.Path, Err: fmt.Errorf("no Name or Version header")}
	}
	p := inventory.Package{
		Name:      m.Name,
		Version:   m.Version,
		Ecosystem: "PyPI",
		PURL:      packageurl.NewPackageURL("pypi", "", Normalize(m.Name), m.Version, nil, "").ToString(),
		Locations: []inventory.Location{{Path: in.Path}},
		Extractor: Name,
	}
	if m.License != "" && m.License != "UNKNOWN" && len(m.License) < 200 {
		p.Licenses = []string{m.License}
	}
	return []inventory.Package{p}, ctx.Err()
}

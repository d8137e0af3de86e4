// Package nodemodules extracts npm packages installed under node_modules
// from their package.json files (not the root project's).
package nodemodules

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Name is the extractor's name.
const Name = "npm/nodemodules"

// Extractor reads installed package.json files.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor: node_modules/<name>/package.json
// or node_modules/@scope/<name>/package.json.
func (*Extractor) Match(p string, _ fs.DirEntry) bool {
	rest, ok := strings.CutSuffix(p, "/package.json")
	if !ok {
		return false
	}
	i := strings.LastIndex(rest, "node_modules/")
	if i < 0 || (i > 0 && rest[i-1] != '/') {
		return false
	}
	name := rest[i+len("node_modules/"):]
	if strings.HasPrefix(name, "@") {
		scope, n, ok := strings.Cut(name, "/")
		return ok && len(scope) > 1 && n != "" && !strings.Contains(n, "/")
	}
	return name != "" && !strings.Contains(name, "/") && name[0] != '.'
}

type manifest struct {
	Name    string          `json:"name"`
	Version string          `json:"version"`
	License json.RawMessage `json:"license"`
}

// Parse reads the fields vigil needs from a package.json.
func Parse(r io.Reader) (name, version, license string, err error) {
	var m manifest
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return "", "", "", err
	}
	if len(m.License) > 0 {
		var s string
		var o struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(m.License, &s) == nil {
			license = s
		} else if json.Unmarshal(m.License, &o) == nil {
			license = o.Type
		}
	}
	return m.Name, m.Version, license, nil
}

// Extract implements inventory.Extractor.
func (*Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	name, version, license, err := Parse(in.Reader)
	if err != nil {
		return nil, &inventory.ParseError{Path: in.Path, Err: fmt.Errorf("decode package.json: %w", err)}
	}
	if name == "" || version == "" {
		return nil, nil // a test fixture or a workspace stub
	}
	ns, n := "", name
	if strings.HasPrefix(name, "@") {
		ns, n, _ = strings.Cut(name, "/")
	}
	p := inventory.Package{
		Name:      name,
		Version:   version,
		Ecosystem: "npm",
		PURL:      packageurl.NewPackageURL("npm", ns, n, version, nil, "").ToString(),
		Locations: []inventory.Location{{Path: in.Path}},
		Extractor: Name,
	}
	if license != "" {
		p.Licenses = []string{license}
	}
	return []inventory.Package{p}, ctx.Err()
}

package gemspec

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Name is the extractor's stable name.
const Name = "ruby/gemspec"

// Ecosystem is the OSV ecosystem of the packages this extractor returns.
const Ecosystem = "RubyGems"

// Extractor reads installed gems' specifications.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns the gemspec extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor: *.gemspec files directly in a
// specifications/ or specifications/default/ directory (a gem home, a
// Bundler vendor/bundle, Debian's rubygems-integration). A gemspec in a
// gem's own source tree is Ruby code to be evaluated, not an installed gem.
func (*Extractor) Match(p string, _ fs.DirEntry) bool {
	if !strings.HasSuffix(p, ".gemspec") {
		return false
	}
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return false
	}
	dir := p[:i]
	dir = strings.TrimSuffix(dir, "/default")
	return dir == "specifications" || strings.HasSuffix(dir, "/specifications")
}

// Extract implements inventory.Extractor.
func (*Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := Parse(in.Reader)
	if err != nil {
		pe := &inventory.ParseError{Path: in.Path, Err: err}
		var le *LineError
		if errors.As(err, &le) {
			pe.Line, pe.Err = le.Line, le.Err
		}
		return nil, pe
	}
	p := purl.For(Ecosystem, s.Name, s.Version)
	if s.Platform != "ruby" {
		// purl-spec's gem type: pkg:gem/jruby-launcher@1.1.2?platform=java
		p = packageurl.NewPackageURL(packageurl.TypeGem, "", s.Name, s.Version,
			packageurl.Qualifiers{{Key: "platform", Value: s.Platform}}, "").ToString()
	}
	return []inventory.Package{{
		Name:      s.Name,
		Version:   s.Version,
		Ecosystem: Ecosystem,
		PURL:      p,
		Locations: []inventory.Location{{Path: in.Path, Line: s.Line}},
		Licenses:  s.Licenses,
		Extractor: Name,
	}}, nil
}

// Package composerlock extracts Packagist packages from Composer's
// composer.lock files.
package composerlock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/vigil-sec/vigil/internal/inventory/extract/internal/jsonpos"
	"io"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of the packages this parser returns.
const Ecosystem = "Packagist"

type lockPackage struct {
	Name    string            `json:"name"`
	Version string            `json:"version"`
	Require map[string]string `json:"require"`
	Dist    struct {
		Shasum string `json:"shasum"`
	} `json:"dist"`
}

type entry struct {
	pkg  lockPackage
	line int
	dev  bool
}

// Parse reads a composer.lock and returns the packages of its "packages"
// (Dev false) and "packages-dev" (Dev true) lists. path is used in
// locations and errors. The lockfile does not say which packages are
// direct, so Relationship is left unknown (see MarkDirect).
func Parse(r io.Reader, path string) ([]inventory.Package, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, &inventory.ParseError{Path: path, Err: err}
	}
	if line, err := jsonpos.CheckDepth(b, MaxDepth); err != nil {
		return nil, &inventory.ParseError{Path: path, Line: line, Err: err}
	}
	l := &jsonpos.Lines{B: b}
	dec := json.NewDecoder(bytes.NewReader(b))
	base := 0 // decoder offset before the value being decoded
	fail := func(err error) error { return jsonpos.Error(path, l, dec, base, err) }
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fail(err)
	}
	var entries []entry
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		key, _ := tok.(string)
		if key != "packages" && key != "packages-dev" {
			base = int(dec.InputOffset())
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fail(err)
			}
			continue
		}
		if err := expectDelim(dec, '['); err != nil {
			return nil, fail(fmt.Errorf("%q: %w", key, err))
		}
		for dec.More() {
			base = int(dec.InputOffset())
			start := jsonpos.Next(b, base)
			var p lockPackage
			if err := dec.Decode(&p); err != nil {
				return nil, fail(err)
			}
			// Point at the "name" key, which Composer writes first.
			if i := bytes.Index(b[start:dec.InputOffset()], []byte(`"name"`)); i >= 0 {
				start += i
			}
			line := l.At(start)
			if p.Name == "" || p.Version == "" {
				return nil, &inventory.ParseError{Path: path, Line: line, Err: errors.New("package without name or version")}
			}
			entries = append(entries, entry{p, line, key == "packages-dev"})
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, fail(err)
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, fail(err)
	}

	versions := make(map[string]string, len(entries))
	for _, e := range entries {
		versions[strings.ToLower(e.pkg.Name)] = e.pkg.Version
	}
	pkgs := make([]inventory.Package, 0, len(entries))
	for _, e := range entries {
		p := inventory.Package{
			Name:      e.pkg.Name,
			Version:   e.pkg.Version,
			Ecosystem: Ecosystem,
			PURL:      purl.For(Ecosystem, e.pkg.Name, e.pkg.Version),
			Locations: []inventory.Location{{Path: path, Line: e.line}},
			Dev:       e.dev,
		}
		if isHex(e.pkg.Dist.Shasum, 40) {
			p.Hashes = map[string]string{"sha1": strings.ToLower(e.pkg.Dist.Shasum)}
		}
		for name := range e.pkg.Require {
			if v, ok := versions[strings.ToLower(name)]; ok {
				p.DependsOn = append(p.DependsOn, purl.For(Ecosystem, name, v))
			}
		}
		slices.Sort(p.DependsOn)
		pkgs = append(pkgs, p)
	}
	inventory.Sort(pkgs)
	return pkgs, nil
}

// ParseManifest reads the "require" and "require-dev" package names of a
// composer.json, lower-cased.
func ParseManifest(r io.Reader) (map[string]bool, error) {
	var m struct {
		Require    map[string]json.RawMessage `json:"require"`
		RequireDev map[string]json.RawMessage `json:"require-dev"`
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if _, err := jsonpos.CheckDepth(b, MaxDepth); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(m.Require)+len(m.RequireDev))
	for n := range m.Require {
		names[strings.ToLower(n)] = true
	}
	for n := range m.RequireDev {
		names[strings.ToLower(n)] = true
	}
	return names, nil
}

// MarkDirect sets Relationship from the names a composer.json requires.
func MarkDirect(pkgs []inventory.Package, direct map[string]bool) {
	for i := range pkgs {
		pkgs[i].Relationship = inventory.RelTransitive
		if direct[strings.ToLower(pkgs[i].Name)] {
			pkgs[i].Relationship = inventory.RelDirect
		}
	}
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, tok)
	}
	return nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// MaxDepth bounds JSON nesting. composer.lock needs about six levels.
const MaxDepth = 64

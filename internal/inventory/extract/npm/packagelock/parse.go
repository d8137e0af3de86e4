// Package packagelock extracts npm packages from package-lock.json,
// npm-shrinkwrap.json and node_modules/.package-lock.json (lockfile
// versions 1, 2 and 3).
package packagelock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/npm/internal/sri"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of npm packages.
const Ecosystem = "npm"

// Limits on hostile input.
const (
	// MaxSize bounds the lockfile read.
	MaxSize = 64 << 20
	// MaxDepth bounds the nesting of lockfile v1 "dependencies".
	MaxDepth = 200
)

// entry is one value of the v2/v3 "packages" object, reduced to what
// extraction needs.
type entry struct {
	Name, Version, Integrity string
	License                  []string
	Link, Dev                bool
	// Requires are the names in dependencies, optionalDependencies and
	// peerDependencies: what the package loads at run time.
	Requires []string
	// Declared adds devDependencies: for importers (root, workspaces).
	Declared []string
}

type keyed struct {
	key  string
	line int
	e    entry
}

// parser streams the lockfile with one jsontext.Decoder (a single pass, no
// intermediate maps), turning decoder offsets into lines in one forward
// pass over the bytes.
type parser struct {
	path string
	b    []byte
	dec  *jsontext.Decoder
	// line bookkeeping: line is the 1-based line at offset off.
	off, line int

	packages []keyed
	hasPkgs  bool
	v1       []inventory.Package
	scratch  []byte
	intern   map[string]string
}

// Parse reads a package-lock.json (or hidden lockfile) and returns its
// packages, located at path. Version 2 and 3 files are read from
// "packages"; version 1 files from "dependencies".
func Parse(path string, r io.Reader) ([]inventory.Package, error) {
	return parse(path, r, 0)
}

// parse is Parse with a size hint for the read buffer.
func parse(path string, r io.Reader, size int64) ([]inventory.Package, error) {
	var buf bytes.Buffer
	if size > 0 && size <= MaxSize {
		buf.Grow(int(size) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(r, MaxSize+1))
	b := buf.Bytes()
	if err != nil {
		return nil, &inventory.ParseError{Path: path, Err: err}
	}
	if len(b) > MaxSize {
		return nil, &inventory.ParseError{Path: path, Err: fmt.Errorf("%w: over %d bytes", inventory.ErrTooLarge, MaxSize)}
	}
	p := &parser{
		path: path, b: b, line: 1, intern: make(map[string]string, 1024),
		dec: jsontext.NewDecoder(bytes.NewBuffer(b),
			jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)),
	}
	if err := p.parse(); err != nil {
		return nil, p.wrap(err)
	}
	if p.hasPkgs {
		return inventory.Merge(p.fromPackages()), nil
	}
	return inventory.Merge(p.v1), nil
}

// lineAt returns the line of byte offset off; offsets must not decrease.
func (p *parser) lineAt(off int64) int {
	o := int(min(off, int64(len(p.b))))
	if o > p.off {
		p.line += bytes.Count(p.b[p.off:o], []byte{'\n'})
		p.off = o
	}
	return p.line
}

// offsetError is an error at a byte offset of the file.
type offsetError struct {
	off int64
	err error
}

func (e *offsetError) Error() string { return e.err.Error() }
func (e *offsetError) Unwrap() error { return e.err }

func (p *parser) errorf(format string, args ...any) error {
	return &offsetError{off: p.dec.InputOffset(), err: fmt.Errorf(format, args...)}
}

func (p *parser) wrap(err error) error {
	var syn *jsontext.SyntacticError
	var oe *offsetError
	off := int64(-1)
	switch {
	case errors.As(err, &oe):
		off = oe.off
	case errors.As(err, &syn):
		off = syn.ByteOffset
		err = syn.Err
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	pe := &inventory.ParseError{Path: p.path, Err: err}
	if off >= 0 {
		// Errors may point before the last line counted; count afresh.
		pe.Line = 1 + bytes.Count(p.b[:min(off, int64(len(p.b)))], []byte{'\n'})
	}
	return pe
}

// open reads the '{' that starts an object.
func (p *parser) open() error {
	if k := p.dec.PeekKind(); k != '{' {
		if k == 0 {
			_, err := p.dec.ReadToken()
			return err
		}
		return p.errorf("want object, got %v", k)
	}
	_, err := p.dec.ReadToken()
	return err
}

// name reads an object member name (raw, quoted) or, at the end of the
// object, consumes '}' and returns ok=false.
func (p *parser) name() (raw jsontext.Value, ok bool, err error) {
	if p.dec.PeekKind() == '}' {
		_, err := p.dec.ReadToken()
		return nil, false, err
	}
	v, err := p.dec.ReadValue()
	return v, err == nil, err
}

// str unquotes a raw JSON string without allocating when it has no escapes.
func (p *parser) str(v jsontext.Value) string {
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	if bytes.IndexByte(v, '\\') < 0 {
		// Names and versions repeat across entries: intern them (the
		// map lookup with a converted []byte key does not allocate).
		raw := v[1 : len(v)-1]
		if s, ok := p.intern[string(raw)]; ok {
			return s
		}
		s := string(raw)
		p.intern[s] = s
		return s
	}
	var err error
	p.scratch, err = jsontext.AppendUnquote(p.scratch[:0], v)
	if err != nil {
		return ""
	}
	return string(p.scratch)
}

// stringValue reads a value that must be a string (or null).
func (p *parser) stringValue() (string, error) {
	switch k := p.dec.PeekKind(); k {
	case 'n':
		return "", p.dec.SkipValue()
	case '"':
	case 0:
		_, err := p.dec.ReadToken()
		return "", err
	default:
		return "", p.errorf("want string, got %v", k)
	}
	v, err := p.dec.ReadValue()
	return p.str(v), err
}

func (p *parser) boolValue() (bool, error) {
	t, err := p.dec.ReadToken()
	return t.Kind() == 't', err
}

// names appends the member names of an object value (skipping values).
func (p *parser) names(dst []string) ([]string, error) {
	if p.dec.PeekKind() != '{' {
		return dst, p.dec.SkipValue()
	}
	if err := p.open(); err != nil {
		return dst, err
	}
	for {
		k, ok, err := p.name()
		if err != nil || !ok {
			return dst, err
		}
		dst = append(dst, p.str(k))
		if err := p.dec.SkipValue(); err != nil {
			return dst, err
		}
	}
}

func (p *parser) parse() error {
	if err := p.open(); err != nil {
		return err
	}
	for {
		k, ok, err := p.name()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch string(k) {
		case `"packages"`:
			p.hasPkgs = true
			err = p.parsePackages()
		case `"dependencies"`:
			if p.hasPkgs {
				// v2 repeats the tree for npm 6; "packages" is enough.
				err = p.dec.SkipValue()
			} else {
				err = p.parseV1(0, "")
			}
		default:
			err = p.dec.SkipValue()
		}
		if err != nil {
			return err
		}
	}
	if _, err := p.dec.ReadToken(); err != io.EOF {
		if err == nil {
			err = p.errorf("data after top-level object")
		}
		return err
	}
	return nil
}

func (p *parser) parsePackages() error {
	if err := p.open(); err != nil {
		return err
	}
	for {
		k, ok, err := p.name()
		if err != nil || !ok {
			return err
		}
		kv := keyed{key: p.str(k), line: p.lineAt(p.dec.InputOffset())}
		if err := p.parseEntry(&kv.e); err != nil {
			return err
		}
		p.packages = append(p.packages, kv)
	}
}

func (p *parser) parseEntry(e *entry) error {
	if err := p.open(); err != nil {
		return err
	}
	for {
		k, ok, err := p.name()
		if err != nil || !ok {
			return err
		}
		switch string(k) {
		case `"name"`:
			e.Name, err = p.stringValue()
		case `"version"`:
			e.Version, err = p.stringValue()
		case `"integrity"`:
			e.Integrity, err = p.stringValue()
		case `"license"`:
			e.License, err = p.license()
		case `"link"`:
			e.Link, err = p.boolValue()
		case `"dev"`:
			e.Dev, err = p.boolValue()
		case `"dependencies"`, `"optionalDependencies"`, `"peerDependencies"`:
			n := len(e.Requires)
			e.Requires, err = p.names(e.Requires)
			e.Declared = append(e.Declared, e.Requires[n:]...)
		case `"devDependencies"`:
			e.Declared, err = p.names(e.Declared)
		default:
			err = p.dec.SkipValue()
		}
		if err != nil {
			return err
		}
	}
}

// license reads "license": "MIT" (or the old {"type": "MIT"} form).
func (p *parser) license() ([]string, error) {
	switch p.dec.PeekKind() {
	case '"':
		s, err := p.stringValue()
		if s == "" {
			return nil, err
		}
		return []string{s}, err
	case '{':
		var out []string
		if err := p.open(); err != nil {
			return nil, err
		}
		for {
			k, ok, err := p.name()
			if err != nil || !ok {
				return out, err
			}
			if string(k) == `"type"` {
				s, err := p.stringValue()
				if err != nil {
					return nil, err
				}
				if s != "" {
					out = []string{s}
				}
				continue
			}
			if err := p.dec.SkipValue(); err != nil {
				return nil, err
			}
		}
	}
	return nil, p.dec.SkipValue()
}

// parseV1 reads a v1 "dependencies" object. parent is "" at the top level.
func (p *parser) parseV1(depth int, parent string) error {
	if depth > MaxDepth {
		return p.errorf("dependencies nested deeper than %d", MaxDepth)
	}
	if err := p.open(); err != nil {
		return err
	}
	for {
		k, ok, err := p.name()
		if err != nil || !ok {
			return err
		}
		name := p.str(k)
		line := p.lineAt(p.dec.InputOffset())
		var version, integrity string
		var dev bool
		if err := p.open(); err != nil {
			return err
		}
		for {
			f, ok, err := p.name()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			switch string(f) {
			case `"version"`:
				version, err = p.stringValue()
			case `"integrity"`:
				integrity, err = p.stringValue()
			case `"dev"`:
				dev, err = p.boolValue()
			case `"dependencies"`:
				err = p.parseV1(depth+1, name)
			default:
				err = p.dec.SkipValue()
			}
			if err != nil {
				return err
			}
		}
		n, v, ok := resolveV1(name, version)
		if !ok {
			continue
		}
		rel := inventory.RelUnknown
		if parent != "" {
			rel = inventory.RelTransitive
		}
		p.v1 = append(p.v1, inventory.Package{
			Name:         n,
			Version:      v,
			Ecosystem:    Ecosystem,
			PURL:         purl.For(Ecosystem, n, v),
			Locations:    []inventory.Location{{Path: p.path, Line: line}},
			Relationship: rel,
			Dev:          dev,
			Hashes:       sri.Hashes(integrity),
		})
	}
}

// resolveV1 turns a v1 entry's name and version into the package's name
// and version: "npm:real@1.0.0" aliases name the real package, and local
// ("file:", "link:") versions are not packages.
func resolveV1(name, version string) (string, string, bool) {
	switch {
	case version == "", strings.HasPrefix(version, "file:"), strings.HasPrefix(version, "link:"):
		return "", "", false
	case strings.HasPrefix(version, "npm:"):
		spec := version[len("npm:"):]
		i := strings.LastIndexByte(spec, '@')
		if i <= 0 {
			return "", "", false
		}
		return spec[:i], spec[i+1:], true
	}
	return name, version, true
}

// nameFromKey returns the package name in a "packages" key
// ("node_modules/a/node_modules/@s/b" -> "@s/b"), and the key of the
// directory whose node_modules holds it ("node_modules/a"; "" for root).
// ok is false for keys outside node_modules (the root, workspaces and
// other local packages).
func nameFromKey(key string) (name, holder string, ok bool) {
	const nm = "node_modules/"
	i := strings.LastIndex(key, nm)
	if i < 0 || (i > 0 && key[i-1] != '/') {
		return "", "", false
	}
	return key[i+len(nm):], strings.TrimSuffix(key[:i], "/"), key[i+len(nm):] != ""
}

func (p *parser) fromPackages() []inventory.Package {
	byKey := make(map[string]*entry, len(p.packages))
	for i := range p.packages {
		byKey[p.packages[i].key] = &p.packages[i].e
	}
	_, hasRoot := byKey[""]
	purls := make(map[string]string, len(p.packages))
	purlOf := func(key string) string {
		if u, ok := purls[key]; ok {
			return u
		}
		e := byKey[key]
		name, _, _ := nameFromKey(key)
		if e.Name != "" {
			name = e.Name
		}
		u := purl.For(Ecosystem, name, e.Version)
		purls[key] = u
		return u
	}

	pkgs := make([]inventory.Package, 0, len(p.packages))
	var depNames []string
	var buf []byte
	for _, kv := range p.packages {
		e := &kv.e
		keyName, holder, ok := nameFromKey(kv.key)
		if !ok || e.Link || e.Version == "" {
			continue
		}
		name := keyName
		if e.Name != "" {
			name = e.Name // alias: "node_modules/alias" with "name": "real"
		}
		rel := inventory.RelTransitive
		if imp, isImporter := byKey[holder]; isImporter && !strings.Contains(holder+"/", "node_modules/") {
			if declares(imp, keyName) {
				rel = inventory.RelDirect
			}
		} else if holder == "" && !hasRoot {
			rel = inventory.RelUnknown // hidden lockfile: no root entry
		}

		depNames = append(depNames[:0], e.Requires...)
		var dependsOn []string
		if len(depNames) > 0 {
			slices.Sort(depNames)
			depNames = slices.Compact(depNames)
			for _, d := range depNames {
				if k := resolve(byKey, &buf, kv.key, d); k != "" {
					dependsOn = append(dependsOn, purlOf(k))
				}
			}
		}

		pkgs = append(pkgs, inventory.Package{
			Name:         name,
			Version:      e.Version,
			Ecosystem:    Ecosystem,
			PURL:         purlOf(kv.key),
			Locations:    []inventory.Location{{Path: p.path, Line: kv.line}},
			Relationship: rel,
			Dev:          e.Dev,
			Licenses:     e.License,
			Hashes:       sri.Hashes(e.Integrity),
			DependsOn:    dependsOn,
		})
	}
	return pkgs
}

func declares(e *entry, name string) bool { return slices.Contains(e.Declared, name) }

// resolve finds the package that node's module resolution loads for name
// required from the package at key, or "" when it is absent or a link.
// buf is scratch space for candidate keys.
func resolve(byKey map[string]*entry, buf *[]byte, from, name string) string {
	dir := from
	for {
		b := (*buf)[:0]
		if dir != "" {
			b = append(append(b, dir...), '/')
		}
		b = append(append(b, "node_modules/"...), name...)
		*buf = b
		if e, ok := byKey[string(b)]; ok { // no allocation for the lookup
			if e.Link || e.Version == "" {
				return ""
			}
			return string(b)
		}
		if dir == "" {
			return ""
		}
		if i := strings.LastIndex(dir, "/node_modules/"); i >= 0 {
			dir = dir[:i]
		} else {
			dir = ""
		}
	}
}

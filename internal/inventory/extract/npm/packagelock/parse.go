// Package packagelock extracts npm packages from package-lock.json,
// npm-shrinkwrap.json and node_modules/.package-lock.json (lockfile
// versions 1, 2 and 3).
package packagelock

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/internal/jsonscan"
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
	// maxJSONDepth bounds JSON nesting: two levels per v1 dependency
	// level, and room for the other members.
	maxJSONDepth = 2*MaxDepth + 16
)

// entry is one value of the v2/v3 "packages" object, reduced to what
// extraction needs. Its dependency names are deps[lo:hi] of the parser.
type entry struct {
	key, name, version, integrity, license string
	line                                   int
	link, dev                              bool
	lo, hi                                 int32
}

// dep is a dependency name of an entry. Runtime dependencies
// (dependencies, optionalDependencies, peerDependencies) are what the
// package loads; devOnly ones (devDependencies) count only for importers.
type dep struct {
	name    string
	devOnly bool
}

// parser reads the lockfile in one pass with a jsonscan.Scanner over the
// file's text: names and versions are substrings of it, so the parse
// allocates little more than the package list.
type parser struct {
	path string
	src  string
	s    *jsonscan.Scanner
	// line bookkeeping: line is the 1-based line at offset off.
	off, line int

	entries []entry
	deps    []dep
	hasPkgs bool
	v1      []inventory.Package
}

// Parse reads a package-lock.json (or hidden lockfile) and returns its
// packages, located at path. Version 2 and 3 files are read from
// "packages"; version 1 files from "dependencies".
func Parse(path string, r io.Reader) ([]inventory.Package, error) {
	return parse(path, r, 0)
}

// parse is Parse with a size hint for the read buffer.
func parse(path string, r io.Reader, size int64) ([]inventory.Package, error) {
	src, err := readAll(r, size)
	if err != nil {
		return nil, &inventory.ParseError{Path: path, Err: err}
	}
	p := &parser{path: path, src: src, line: 1, s: jsonscan.New(src, maxJSONDepth)}
	if err := p.parse(); err != nil {
		return nil, p.wrap(err)
	}
	if p.hasPkgs {
		return p.fromPackages(), nil
	}
	return inventory.Merge(p.v1), nil
}

// readAll reads the whole lockfile into one string (no copy after the
// read), refusing files over MaxSize.
func readAll(r io.Reader, size int64) (string, error) {
	var b strings.Builder
	if size > 0 && size <= MaxSize {
		b.Grow(int(size))
	}
	if _, err := io.Copy(&b, io.LimitReader(r, MaxSize+1)); err != nil {
		return "", err
	}
	if b.Len() > MaxSize {
		return "", fmt.Errorf("%w: over %d bytes", inventory.ErrTooLarge, MaxSize)
	}
	return b.String(), nil
}

// lineAt returns the line of byte offset off; offsets must not decrease.
func (p *parser) lineAt(off int) int {
	if off = min(off, len(p.src)); off > p.off {
		p.line += strings.Count(p.src[p.off:off], "\n")
		p.off = off
	}
	return p.line
}

// offsetError is an error at a byte offset of the file.
type offsetError struct {
	off int
	err error
}

func (e *offsetError) Error() string { return e.err.Error() }
func (e *offsetError) Unwrap() error { return e.err }

func (p *parser) errorf(format string, args ...any) error {
	return &offsetError{off: p.s.Offset(), err: fmt.Errorf(format, args...)}
}

func (p *parser) wrap(err error) error {
	var syn *jsonscan.SyntaxError
	var oe *offsetError
	off := -1
	switch {
	case errors.As(err, &oe):
		off = oe.off
	case errors.As(err, &syn):
		off = syn.Offset
		if syn.Offset >= len(p.src) {
			err = io.ErrUnexpectedEOF
		}
	}
	pe := &inventory.ParseError{Path: p.path, Err: err}
	if off >= 0 {
		// Errors may point before the last line counted; count afresh.
		pe.Line = 1 + strings.Count(p.src[:min(off, len(p.src))], "\n")
	}
	return pe
}

// object opens an object value, with a typed error for other values.
func (p *parser) object(what string) (jsonscan.Object, error) {
	switch k := p.s.Peek(); k {
	case '{', 0:
		return p.s.Object()
	default:
		return jsonscan.Object{}, p.errorf("%s: want object, got %s", what, k)
	}
}

// stringValue reads a value that must be a string (or null).
func (p *parser) stringValue(what string) (string, error) {
	switch k := p.s.Peek(); k {
	case 'n':
		_, err := p.s.Null()
		return "", err
	case '"', 0:
		return p.s.String()
	default:
		return "", p.errorf("%s: want string, got %s", what, k)
	}
}

func (p *parser) boolValue() (bool, error) {
	switch p.s.Peek() {
	case 't', 'f':
		return p.s.Bool()
	}
	// npm writes only booleans here; anything else is not true.
	return false, p.s.Skip()
}

// names appends the member names of an object value (skipping values) to
// the parser's dependency list.
func (p *parser) names(devOnly bool) error {
	if p.s.Peek() != '{' {
		return p.s.Skip()
	}
	o, err := p.s.Object()
	if err != nil {
		return err
	}
	for {
		k, ok, err := o.Next()
		if err != nil || !ok {
			return err
		}
		p.deps = append(p.deps, dep{name: k, devOnly: devOnly})
		if err := p.s.Skip(); err != nil {
			return err
		}
	}
}

func (p *parser) parse() error {
	o, err := p.object("lockfile")
	if err != nil {
		return err
	}
	for {
		k, ok, err := o.Next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch k {
		case "packages":
			p.hasPkgs = true
			err = p.parsePackages()
		case "dependencies":
			if p.hasPkgs {
				// v2 repeats the tree for npm 6; "packages" is enough.
				err = p.s.Skip()
			} else {
				err = p.parseV1(0, "")
			}
		default:
			err = p.s.Skip()
		}
		if err != nil {
			return err
		}
	}
	if err := p.s.End(); err != nil {
		return p.errorf("data after top-level object")
	}
	return nil
}

func (p *parser) parsePackages() error {
	o, err := p.object(`"packages"`)
	if err != nil {
		return err
	}
	if p.entries == nil {
		// About one package per 400 bytes of a real lockfile.
		p.entries = make([]entry, 0, len(p.src)/400+1)
		p.deps = make([]dep, 0, len(p.src)/200+1)
	}
	for {
		k, ok, err := o.Next()
		if err != nil || !ok {
			return err
		}
		e := entry{key: k, line: p.lineAt(p.s.Offset())}
		if err := p.parseEntry(&e); err != nil {
			return err
		}
		p.entries = append(p.entries, e)
	}
}

func (p *parser) parseEntry(e *entry) error {
	o, err := p.object("package " + e.key)
	if err != nil {
		return err
	}
	e.lo = int32(len(p.deps))
	for {
		k, ok, err := o.Next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch k {
		case "name":
			e.name, err = p.stringValue(`"name"`)
		case "version":
			e.version, err = p.stringValue(`"version"`)
		case "integrity":
			e.integrity, err = p.stringValue(`"integrity"`)
		case "license":
			e.license, err = p.license()
		case "link":
			e.link, err = p.boolValue()
		case "dev":
			e.dev, err = p.boolValue()
		case "dependencies", "optionalDependencies", "peerDependencies":
			err = p.names(false)
		case "devDependencies":
			err = p.names(true)
		default:
			err = p.s.Skip()
		}
		if err != nil {
			return err
		}
	}
	e.hi = int32(len(p.deps))
	return nil
}

// license reads "license": "MIT" (or the old {"type": "MIT"} form).
func (p *parser) license() (string, error) {
	switch p.s.Peek() {
	case '"':
		return p.s.String()
	case '{':
		o, err := p.s.Object()
		if err != nil {
			return "", err
		}
		var out string
		for {
			k, ok, err := o.Next()
			if err != nil || !ok {
				return out, err
			}
			if k == "type" {
				if out, err = p.stringValue(`"license.type"`); err != nil {
					return "", err
				}
				continue
			}
			if err := p.s.Skip(); err != nil {
				return "", err
			}
		}
	}
	return "", p.s.Skip()
}

// parseV1 reads a v1 "dependencies" object. parent is "" at the top level.
func (p *parser) parseV1(depth int, parent string) error {
	if depth > MaxDepth {
		return p.errorf("dependencies nested deeper than %d", MaxDepth)
	}
	o, err := p.object(`"dependencies"`)
	if err != nil {
		return err
	}
	for {
		name, ok, err := o.Next()
		if err != nil || !ok {
			return err
		}
		line := p.lineAt(p.s.Offset())
		var version, integrity string
		var dev bool
		fields, err := p.object("dependency " + name)
		if err != nil {
			return err
		}
		for {
			f, ok, err := fields.Next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			switch f {
			case "version":
				version, err = p.stringValue(`"version"`)
			case "integrity":
				integrity, err = p.stringValue(`"integrity"`)
			case "dev":
				dev, err = p.boolValue()
			case "dependencies":
				err = p.parseV1(depth+1, name)
			default:
				err = p.s.Skip()
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
// ("file:", "link:") versions and entries without a name are not packages.
func resolveV1(name, version string) (string, string, bool) {
	switch {
	case name == "", version == "", strings.HasPrefix(version, "file:"), strings.HasPrefix(version, "link:"):
		return "", "", false
	case strings.HasPrefix(version, "npm:"):
		spec := version[len("npm:"):]
		i := strings.LastIndexByte(spec, '@')
		if i <= 0 || i == len(spec)-1 {
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

// fromPackages turns the "packages" entries into packages, merged by name
// and version (one package installed at several paths is one package with
// several locations) and sorted. Locations, licences and dependency lists
// are carved out of shared backing arrays, with their capacity capped so
// that appending to one copies it.
func (p *parser) fromPackages() []inventory.Package {
	byKey := make(map[string]*entry, len(p.entries))
	for i := range p.entries {
		byKey[p.entries[i].key] = &p.entries[i]
	}
	_, hasRoot := byKey[""]
	purls := make(map[*entry]string, len(p.entries))
	purlOf := func(e *entry) string {
		if u, ok := purls[e]; ok {
			return u
		}
		name, _, _ := nameFromKey(e.key)
		if e.name != "" {
			name = e.name
		}
		u := purl.For(Ecosystem, name, e.version)
		purls[e] = u
		return u
	}

	type nameVersion struct{ name, version string }
	index := make(map[nameVersion]int, len(p.entries))
	pkgs := make([]inventory.Package, 0, len(p.entries))
	locs := make([]inventory.Location, 0, len(p.entries))
	licenses := make([]string, 0, len(p.entries))
	dependsOn := make([]string, 0, len(p.deps))
	var depNames []string
	var buf []byte
	for i := range p.entries {
		e := &p.entries[i]
		keyName, holder, ok := nameFromKey(e.key)
		if !ok || e.link || e.version == "" {
			continue
		}
		name := keyName
		if e.name != "" {
			name = e.name // alias: "node_modules/alias" with "name": "real"
		}
		rel := inventory.RelTransitive
		if imp, isImporter := byKey[holder]; isImporter && !inNodeModules(holder) {
			if p.declares(imp, keyName) {
				rel = inventory.RelDirect
			}
		} else if holder == "" && !hasRoot {
			rel = inventory.RelUnknown // hidden lockfile: no root entry
		}

		depNames = depNames[:0]
		for _, d := range p.deps[e.lo:e.hi] {
			if !d.devOnly {
				depNames = append(depNames, d.name)
			}
		}
		first := len(dependsOn)
		if len(depNames) > 0 {
			slices.Sort(depNames)
			depNames = slices.Compact(depNames)
			for _, d := range depNames {
				if t := resolve(byKey, &buf, e.key, d); t != nil {
					dependsOn = append(dependsOn, purlOf(t))
				}
			}
		}
		loc := inventory.Location{Path: p.path, Line: e.line}

		nv := nameVersion{name, e.version}
		if j, dup := index[nv]; dup {
			q := &pkgs[j]
			q.Locations = append(q.Locations, loc)
			if rel == inventory.RelDirect || q.Relationship == inventory.RelUnknown {
				q.Relationship = rel
			}
			q.Dev = q.Dev && e.dev
			for _, d := range dependsOn[first:] {
				if !slices.Contains(q.DependsOn, d) {
					q.DependsOn = append(q.DependsOn, d)
				}
			}
			dependsOn = dependsOn[:first]
			continue
		}
		index[nv] = len(pkgs)
		locs = append(locs, loc)
		var lic []string
		if e.license != "" {
			licenses = append(licenses, e.license)
			lic = licenses[len(licenses)-1 : len(licenses) : len(licenses)]
		}
		var deps []string
		if len(dependsOn) > first {
			deps = dependsOn[first:len(dependsOn):len(dependsOn)]
		}
		pkgs = append(pkgs, inventory.Package{
			Name:         name,
			Version:      e.version,
			Ecosystem:    Ecosystem,
			PURL:         purlOf(e),
			Locations:    locs[len(locs)-1 : len(locs) : len(locs)],
			Relationship: rel,
			Dev:          e.dev,
			Licenses:     lic,
			Hashes:       sri.Hashes(e.integrity),
			DependsOn:    deps,
		})
	}
	inventory.Sort(pkgs)
	return pkgs
}

// inNodeModules reports whether a package key is inside a node_modules
// directory (or is one): such a package is not an importer.
func inNodeModules(key string) bool {
	return strings.Contains(key, "node_modules/") || strings.HasSuffix(key, "node_modules")
}

// declares reports whether an importer (the root or a workspace) declares
// a dependency on name, dev or not.
func (p *parser) declares(e *entry, name string) bool {
	for _, d := range p.deps[e.lo:e.hi] {
		if d.name == name {
			return true
		}
	}
	return false
}

// resolve finds the entry that node's module resolution loads for name
// required from the package at key, or nil when it is absent or a link.
// buf is scratch space for candidate keys.
func resolve(byKey map[string]*entry, buf *[]byte, from, name string) *entry {
	dir := from
	for {
		b := (*buf)[:0]
		if dir != "" {
			b = append(append(b, dir...), '/')
		}
		b = append(append(b, "node_modules/"...), name...)
		*buf = b
		if e, ok := byKey[string(b)]; ok { // no allocation for the lookup
			if e.link || e.version == "" {
				return nil
			}
			return e
		}
		if dir == "" {
			return nil
		}
		if i := strings.LastIndex(dir, "/node_modules/"); i >= 0 {
			dir = dir[:i]
		} else {
			dir = ""
		}
	}
}

// Package packageslock extracts NuGet packages from packages.lock.json
// files written by NuGet's RestorePackagesWithLockFile.
package packageslock

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/vigil-sec/vigil/internal/inventory/extract/internal/jsonpos"
	"io"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of the packages this parser returns.
const Ecosystem = "NuGet"

type lockEntry struct {
	Type         string            `json:"type"`
	Resolved     string            `json:"resolved"`
	ContentHash  string            `json:"contentHash"`
	Dependencies map[string]string `json:"dependencies"`
}

type entry struct {
	name string
	lockEntry
	line int
}

// Parse reads a packages.lock.json and returns the packages of every
// target framework, de-duplicated by name and version (a package direct in
// any framework is direct). path is used in locations and errors. Project
// references (type "Project") are not packages and are skipped.
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
	key := func() (string, int, error) {
		line := l.At(jsonpos.Next(b, int(dec.InputOffset())))
		tok, err := dec.Token()
		if err != nil {
			return "", line, err
		}
		s, _ := tok.(string)
		return s, line, nil
	}
	skip := func() error {
		base = int(dec.InputOffset())
		var raw json.RawMessage
		return dec.Decode(&raw)
	}

	var frameworks [][]entry
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fail(err)
	}
	for dec.More() {
		k, _, err := key()
		if err != nil {
			return nil, fail(err)
		}
		if k != "dependencies" {
			if err := skip(); err != nil {
				return nil, fail(err)
			}
			continue
		}
		if err := expectDelim(dec, '{'); err != nil {
			return nil, fail(fmt.Errorf("%q: %w", k, err))
		}
		for dec.More() { // target frameworks
			tfm, _, err := key()
			if err != nil {
				return nil, fail(err)
			}
			if err := expectDelim(dec, '{'); err != nil {
				return nil, fail(fmt.Errorf("%q: %w", tfm, err))
			}
			var entries []entry
			for dec.More() { // packages
				name, line, err := key()
				if err != nil {
					return nil, fail(err)
				}
				base = int(dec.InputOffset())
				var e lockEntry
				if err := dec.Decode(&e); err != nil {
					return nil, fail(err)
				}
				if strings.EqualFold(e.Type, "Project") {
					continue
				}
				if name == "" || e.Resolved == "" {
					return nil, &inventory.ParseError{Path: path, Line: line, Err: fmt.Errorf("package %q without resolved version", name)}
				}
				entries = append(entries, entry{name, e, line})
			}
			if _, err := dec.Token(); err != nil {
				return nil, fail(err)
			}
			frameworks = append(frameworks, entries)
		}
		if _, err := dec.Token(); err != nil {
			return nil, fail(err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fail(err)
	}

	var pkgs []inventory.Package
	idx := map[string]int{}
	for _, entries := range frameworks {
		// NuGet ids are case-insensitive: dependency keys may differ in
		// case from the package's own key, which is the one used.
		byID := make(map[string]*entry, len(entries))
		for i := range entries {
			byID[strings.ToLower(entries[i].name)] = &entries[i]
		}
		for _, e := range entries {
			var deps []string
			for d := range e.Dependencies {
				if t, ok := byID[strings.ToLower(d)]; ok {
					deps = append(deps, purl.For(Ecosystem, t.name, t.Resolved))
				}
			}
			rel := inventory.RelTransitive
			if strings.EqualFold(e.Type, "Direct") {
				rel = inventory.RelDirect
			}
			k := e.name + "@" + e.Resolved
			if i, ok := idx[k]; ok {
				p := &pkgs[i]
				if rel == inventory.RelDirect {
					p.Relationship = rel
				}
				p.DependsOn = append(p.DependsOn, deps...)
				if e.line < p.Locations[0].Line {
					p.Locations[0].Line = e.line
				}
				continue
			}
			idx[k] = len(pkgs)
			p := inventory.Package{
				Name:         e.name,
				Version:      e.Resolved,
				Ecosystem:    Ecosystem,
				PURL:         purl.For(Ecosystem, e.name, e.Resolved),
				Locations:    []inventory.Location{{Path: path, Line: e.line}},
				Relationship: rel,
				DependsOn:    deps,
			}
			if h, err := base64.StdEncoding.DecodeString(e.ContentHash); err == nil && len(h) == 64 {
				p.Hashes = map[string]string{"sha512": hex.EncodeToString(h)}
			}
			pkgs = append(pkgs, p)
		}
	}
	for i := range pkgs {
		slices.Sort(pkgs[i].DependsOn)
		pkgs[i].DependsOn = slices.Compact(pkgs[i].DependsOn)
	}
	if pkgs == nil {
		pkgs = []inventory.Package{}
	}
	inventory.Sort(pkgs)
	return pkgs, nil
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

// MaxDepth bounds JSON nesting. packages.lock.json needs about five levels.
const MaxDepth = 64

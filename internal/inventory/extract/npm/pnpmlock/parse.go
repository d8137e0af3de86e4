// Package pnpmlock extracts npm packages from pnpm-lock.yaml (lockfile
// versions 5.x, 6.x and 9.x).
package pnpmlock

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/npm/internal/sri"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of the packages.
const Ecosystem = "npm"

// MaxSize bounds the lockfile read.
const MaxSize = 64 << 20

// Parse reads a pnpm-lock.yaml and returns its packages located at path.
// Packages named by an importer (the root project or a workspace) are
// direct; the others transitive. YAML aliases are not followed.
func Parse(path string, r io.Reader) ([]inventory.Package, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, &inventory.ParseError{Path: path, Err: err}
	}
	if len(b) > MaxSize {
		return nil, &inventory.ParseError{Path: path, Err: fmt.Errorf("%w: over %d bytes", inventory.ErrTooLarge, MaxSize)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, &inventory.ParseError{Path: path, Line: yamlLine(err), Err: err}
	}
	if len(doc.Content) == 0 {
		return nil, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &inventory.ParseError{Path: path, Line: root.Line, Err: errors.New("want a mapping at top level")}
	}

	lockVersion := 0.0
	if v := get(root, "lockfileVersion"); v != nil {
		lockVersion, _ = strconv.ParseFloat(strings.Trim(v.Value, "'\""), 64)
	}
	direct := importerDeps(root)

	pkgsNode := get(root, "packages")
	if pkgsNode == nil || pkgsNode.Kind != yaml.MappingNode {
		return nil, nil
	}
	type found struct {
		key, name, version string
		line               int
		dev                bool
		integrity          string
		deps               []string // keys of dependencies ("name@version")
	}
	var all []found
	byKey := make(map[string]string) // "name@version" -> purl
	for i := 0; i+1 < len(pkgsNode.Content); i += 2 {
		k, v := pkgsNode.Content[i], pkgsNode.Content[i+1]
		if isLocal(k.Value) {
			continue
		}
		name, version := nameVersion(k.Value, lockVersion)
		if v.Kind == yaml.MappingNode {
			if n := get(v, "name"); n != nil && n.Value != "" {
				name = n.Value
			}
			if n := get(v, "version"); n != nil && n.Value != "" {
				version = n.Value
			}
		}
		if name == "" || version == "" || !isDigit(version[0]) {
			continue // local, git and tarball packages without a version
		}
		f := found{key: k.Value, name: name, version: version, line: k.Line}
		if v.Kind == yaml.MappingNode {
			f.dev = get(v, "dev") != nil && get(v, "dev").Value == "true"
			if res := get(v, "resolution"); res != nil && res.Kind == yaml.MappingNode {
				if in := get(res, "integrity"); in != nil {
					f.integrity = in.Value
				}
			}
		}
		all = append(all, f)
		byKey[name+"@"+version] = purl.For(Ecosystem, name, version)
	}
	// v9 keeps the graph in "snapshots"; older versions in "packages".
	graph := pkgsNode
	if s := get(root, "snapshots"); s != nil && s.Kind == yaml.MappingNode {
		graph = s
	}
	edges := make(map[string][]string)
	for i := 0; i+1 < len(graph.Content); i += 2 {
		k, v := graph.Content[i], graph.Content[i+1]
		if v.Kind != yaml.MappingNode {
			continue
		}
		name, version := nameVersion(k.Value, lockVersion)
		from := name + "@" + version
		for _, field := range []string{"dependencies", "optionalDependencies"} {
			m := get(v, field)
			if m == nil || m.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(m.Content); j += 2 {
				dn, dv := depRef(m.Content[j].Value, m.Content[j+1].Value)
				if u, ok := byKey[dn+"@"+dv]; ok {
					edges[from] = append(edges[from], u)
				}
			}
		}
	}

	pkgs := make([]inventory.Package, 0, len(all))
	for _, f := range all {
		rel := inventory.RelTransitive
		if direct[f.name+"@"+f.version] {
			rel = inventory.RelDirect
		}
		deps := edges[f.name+"@"+f.version]
		slices.Sort(deps)
		pkgs = append(pkgs, inventory.Package{
			Name:         f.name,
			Version:      f.version,
			Ecosystem:    Ecosystem,
			PURL:         byKey[f.name+"@"+f.version],
			Locations:    []inventory.Location{{Path: path, Line: f.line}},
			Relationship: rel,
			Dev:          f.dev,
			Hashes:       sri.Hashes(f.integrity),
			DependsOn:    slices.Compact(deps),
		})
	}
	return inventory.Merge(pkgs), nil
}

// importerDeps returns "name@version" of every dependency declared by an
// importer: "importers" (workspaces, v5.3+) or the top-level
// dependencies of a single-project lockfile.
func importerDeps(root *yaml.Node) map[string]bool {
	out := make(map[string]bool)
	var importers []*yaml.Node
	if imp := get(root, "importers"); imp != nil && imp.Kind == yaml.MappingNode {
		for i := 1; i < len(imp.Content); i += 2 {
			importers = append(importers, imp.Content[i])
		}
	} else {
		importers = append(importers, root)
	}
	for _, imp := range importers {
		if imp.Kind != yaml.MappingNode {
			continue
		}
		for _, field := range []string{"dependencies", "devDependencies", "optionalDependencies"} {
			m := get(imp, field)
			if m == nil || m.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(m.Content); j += 2 {
				name, v := m.Content[j].Value, m.Content[j+1]
				ver := v.Value
				if v.Kind == yaml.MappingNode { // v6+: {specifier, version}
					ver = ""
					if x := get(v, "version"); x != nil {
						ver = x.Value
					}
				}
				dn, dv := depRef(name, ver)
				out[dn+"@"+dv] = true
			}
		}
	}
	return out
}

// depRef resolves a dependency entry (name, version reference) to the
// name and version of the package it points to. References look like
// "1.0.0", "1.0.0_peer@2" (v5), "1.0.0(peer@2)" (v6+), or name an alias
// target: "/real/1.0.0" (v5), "/real@1.0.0" (v6), "real@1.0.0" (v9).
func depRef(name, ref string) (string, string) {
	if ref == "" || isDigit(ref[0]) {
		return name, stripPeers(ref)
	}
	if isLocal(ref) {
		return "", ""
	}
	if strings.HasPrefix(ref, "/") {
		return nameVersion(ref, 6) // handles both "/a/1.0.0" and "/a@1.0.0"
	}
	return nameVersion(ref, 9)
}

// nameVersion splits a packages key. v5: "/name/1.0.0_peer@2"; v6:
// "/name@1.0.0(peer@2)"; v9: "name@1.0.0". Keys of v5 and v6 may carry a
// registry host before the first "/".
func nameVersion(key string, lockVersion float64) (string, string) {
	key = strings.Trim(key, "'\"")
	if isLocal(key) {
		return "", ""
	}
	if lockVersion < 9 || strings.HasPrefix(key, "/") {
		if i := strings.IndexByte(key, '/'); i > 0 {
			key = key[i:] // "registry.example.com/name/1.0.0"
		}
		key = strings.TrimPrefix(key, "/")
	}
	if i := strings.IndexByte(key, '('); i >= 0 {
		key = key[:i]
	}
	nameEnd := 0
	if strings.HasPrefix(key, "@") {
		j := strings.IndexByte(key, '/')
		if j < 0 {
			return "", ""
		}
		nameEnd = j + 1
	}
	k := strings.IndexAny(key[nameEnd:], "/@")
	if k < 0 {
		return "", ""
	}
	k += nameEnd
	return key[:k], stripPeers(key[k+1:])
}

// stripPeers drops a version's peer-dependency suffix: "(peer@2)" (v6+)
// or "_peer@2" (v5). Versions never contain "(" or "_".
func stripPeers(v string) string {
	if i := strings.IndexAny(v, "(_"); i >= 0 {
		return v[:i]
	}
	return v
}

func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// isLocal reports a key or reference to a local directory or tarball.
func isLocal(s string) bool {
	s = strings.Trim(s, "'\"")
	return strings.HasPrefix(s, "file:") || strings.HasPrefix(s, "link:")
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// yamlLine pulls the line out of a yaml.v3 error ("yaml: line 3: ...").
func yamlLine(err error) int {
	s := err.Error()
	_, rest, ok := strings.Cut(s, "line ")
	if !ok {
		return 0
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	n, _ := strconv.Atoi(rest[:end])
	return n
}

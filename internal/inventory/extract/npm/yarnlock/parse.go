// Package yarnlock extracts npm packages from yarn.lock files, both the
// classic (v1) format and the YAML-based berry (v2+) format.
package yarnlock

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/npm/internal/sri"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of the packages.
const Ecosystem = "npm"

// Limits on hostile input.
const (
	MaxSize    = 64 << 20 // bytes read
	MaxLineLen = 1 << 20  // longest line
)

// block is one lockfile entry: a header listing descriptors, and fields.
type block struct {
	line        int
	descriptors []string // "name@range", unquoted
	version     string
	resolution  string // berry "resolution:" ("name@npm:1.0.0")
	resolved    string // classic "resolved"
	integrity   string
	deps        [][2]string // name, range
}

// Parse reads a yarn.lock and returns its packages located at path.
// Workspaces and local (link:, portal:, file:) packages are skipped; yarn
// records neither direct dependencies nor dev flags.
func Parse(path string, r io.Reader) ([]inventory.Package, error) {
	blocks, err := parseBlocks(path, io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	// descriptor -> block, for dependency edges.
	byDesc := make(map[string]*block, len(blocks)*2)
	for _, b := range blocks {
		for _, d := range b.descriptors {
			byDesc[d] = b
		}
	}
	type named struct {
		name, version string
		ok            bool
	}
	ids := make(map[*block]named, len(blocks))
	id := func(b *block) named {
		if n, ok := ids[b]; ok {
			return n
		}
		name, ok := b.packageName()
		n := named{name, b.version, ok && b.version != ""}
		ids[b] = n
		return n
	}
	pkgs := make([]inventory.Package, 0, len(blocks))
	for _, b := range blocks {
		n := id(b)
		if !n.ok {
			continue
		}
		var dependsOn []string
		for _, d := range b.deps {
			t := byDesc[d[0]+"@"+d[1]]
			if t == nil {
				t = byDesc[d[0]+"@npm:"+d[1]]
			}
			if t == nil {
				continue
			}
			if tn := id(t); tn.ok {
				dependsOn = append(dependsOn, purl.For(Ecosystem, tn.name, tn.version))
			}
		}
		slices.Sort(dependsOn)
		pkgs = append(pkgs, inventory.Package{
			Name:      n.name,
			Version:   n.version,
			Ecosystem: Ecosystem,
			PURL:      purl.For(Ecosystem, n.name, n.version),
			Locations: []inventory.Location{{Path: path, Line: b.line}},
			Hashes:    sri.Hashes(b.integrity),
			DependsOn: slices.Compact(dependsOn),
		})
	}
	return inventory.Merge(pkgs), nil
}

// packageName returns the package a block resolves to, and false for
// workspaces and local packages.
func (b *block) packageName() (string, bool) {
	if b.resolution != "" { // berry: "name@protocol:reference"
		name, ref := splitDescriptor(b.resolution)
		proto, _, _ := strings.Cut(ref, ":")
		switch proto {
		case "workspace", "link", "portal", "file", "exec":
			return "", false
		case "patch":
			// "name@patch:name@npm%3A1.0.0#..." patches a registry
			// package: same name and version.
		}
		return name, name != ""
	}
	if len(b.descriptors) == 0 {
		return "", false
	}
	name, rng := splitDescriptor(b.descriptors[0])
	for strings.HasPrefix(rng, "npm:") && strings.Contains(rng[1:], "@") {
		name, rng = splitDescriptor(rng[len("npm:"):]) // alias
	}
	for _, p := range []string{"file:", "link:", "portal:", "workspace:"} {
		if strings.HasPrefix(rng, p) {
			return "", false
		}
	}
	return name, name != ""
}

// splitDescriptor splits "name@range" ("@scope/name@range" for scoped).
func splitDescriptor(d string) (name, rng string) {
	start := 0
	if strings.HasPrefix(d, "@") {
		start = 1
	}
	i := strings.IndexByte(d[start:], '@')
	if i < 0 {
		return d, ""
	}
	i += start
	return d[:i], d[i+1:]
}

func parseBlocks(path string, r io.Reader) ([]*block, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineLen)
	var (
		blocks []*block
		cur    *block
		inDeps bool
		inMeta bool
		n      int
		read   int
	)
	for sc.Scan() {
		n++
		raw := sc.Bytes()
		read += len(raw) + 1
		if read > MaxSize+1 {
			return nil, &inventory.ParseError{Path: path, Line: n, Err: fmt.Errorf("%w: over %d bytes", inventory.ErrTooLarge, MaxSize)}
		}
		line := string(bytes.TrimRight(raw, " \t\r"))
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		indent := len(line) - len(trimmed)
		switch {
		case indent == 0:
			if !strings.HasSuffix(line, ":") {
				return nil, &inventory.ParseError{Path: path, Line: n, Err: fmt.Errorf("want entry header ending in ':', got %q", clip(line))}
			}
			hdr := strings.TrimSuffix(line, ":")
			cur, inDeps, inMeta = nil, false, hdr == "__metadata"
			if inMeta {
				continue
			}
			b := &block{line: n}
			for _, d := range strings.Split(hdr, ",") {
				if d = strings.Trim(strings.TrimSpace(d), `"`); d != "" {
					b.descriptors = append(b.descriptors, d)
				}
			}
			blocks = append(blocks, b)
			cur = b
		case cur == nil:
			if !inMeta {
				return nil, &inventory.ParseError{Path: path, Line: n, Err: errors.New("indented line outside an entry")}
			}
		case indent <= 2:
			key, val := field(trimmed)
			inDeps = false
			switch key {
			case "version":
				cur.version = val
			case "resolution":
				cur.resolution = val
			case "resolved":
				cur.resolved = val
			case "integrity":
				cur.integrity = val
			case "dependencies", "optionalDependencies":
				inDeps = val == ""
			}
		case inDeps:
			name, rng := field(trimmed)
			if name != "" {
				cur.deps = append(cur.deps, [2]string{name, rng})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &inventory.ParseError{Path: path, Line: n + 1, Err: err}
	}
	return blocks, nil
}

// field splits `key value`, `key: value` or `"key": "value"`.
func field(s string) (key, val string) {
	if s[0] == '"' {
		if end := strings.IndexByte(s[1:], '"'); end >= 0 {
			key, s = s[1:end+1], s[end+2:]
		} else {
			return unquote(s), ""
		}
	} else {
		i := strings.IndexAny(s, " :")
		if i < 0 {
			return s, ""
		}
		key, s = s[:i], s[i:]
	}
	s = strings.TrimPrefix(s, ":")
	return key, unquote(strings.TrimSpace(s))
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

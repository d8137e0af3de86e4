// Package gemfilelock extracts RubyGems packages from Bundler's
// Gemfile.lock (and gems.locked) files.
package gemfilelock

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of the packages this parser returns.
const Ecosystem = "RubyGems"

// MaxLineLength bounds one line of a lockfile.
const MaxLineLength = 64 << 10

type spec struct {
	name, version string
	line          int
	deps          []string // names of the gems it depends on
}

// Parse reads a Gemfile.lock and returns the gems of its GEM, GIT, PATH
// and PLUGIN SOURCE sections. path is used in locations and errors.
//
// Gems listed under DEPENDENCIES are direct, the others transitive. A
// malformed line is skipped: the packages of the other lines are returned
// together with a *inventory.ParseError for the first bad line.
// Platform suffixes ("1.15.4-x86_64-linux") are removed from
// versions, so platform variants of one gem collapse into one package at
// the line of the first variant.
func Parse(r io.Reader, path string) ([]inventory.Package, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLineLength)
	var (
		specs   []*spec
		direct  = map[string]bool{}
		sums    = map[string]string{} // "name version" -> sha256
		section string
		inSpecs bool
		cur     *spec
		lineNo  int
		bad     inventory.LineErrors
		perr    = func(format string, a ...any) {
			bad.Add(&inventory.ParseError{Path: path, Line: lineNo, Err: fmt.Errorf(format, a...)})
		}
	)
	for sc.Scan() {
		lineNo++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		text := line[indent:]
		if indent == 0 {
			section, inSpecs, cur = text, false, nil
			continue
		}
		if section == "" {
			perr("indented line before any section")
			continue
		}
		switch section {
		case "GEM", "GIT", "PATH", "PLUGIN SOURCE":
			switch {
			case indent == 2:
				inSpecs = text == "specs:"
			case !inSpecs:
				perr("unexpected indentation %d in %s section", indent, section)
				continue
			case indent == 4:
				name, ver, ok := nameVersion(text)
				if !ok || platformless(ver) == "" {
					perr("invalid spec %q", text)
					cur = &spec{} // swallow its dependency lines
					continue
				}
				cur = &spec{name: name, version: platformless(ver), line: lineNo}
				specs = append(specs, cur)
			case indent == 6:
				name, _, ok := nameVersion(text)
				if !ok {
					perr("invalid dependency %q", text)
					continue
				}
				if cur == nil {
					perr("dependency %q before any spec", text)
					continue
				}
				cur.deps = append(cur.deps, name)
			default:
				perr("unexpected indentation %d in %s section", indent, section)
				continue
			}
		case "DEPENDENCIES":
			if indent != 2 {
				perr("unexpected indentation %d in DEPENDENCIES", indent)
				continue
			}
			name, _, ok := nameVersion(text)
			if !ok {
				perr("invalid dependency %q", text)
				continue
			}
			direct[name] = true
		case "CHECKSUMS":
			// "  name (version[-platform]) sha256=hex"
			nv, sum, _ := strings.Cut(text, " sha256=")
			if name, ver, ok := nameVersion(nv); ok && ver != "" && isHex(sum, 64) && ver == platformless(ver) {
				sums[name+" "+ver] = strings.ToLower(sum)
			}
		}
	}
	if err := sc.Err(); err != nil {
		lineNo++
		if errors.Is(err, bufio.ErrTooLong) {
			perr("line longer than %d bytes", MaxLineLength)
		} else {
			bad.Add(&inventory.ParseError{Path: path, Err: err})
		}
	}

	// Versions by name, for DependsOn (a lockfile resolves one version per
	// gem; platform variants share it).
	versions := make(map[string]string, len(specs))
	for _, s := range specs {
		if _, ok := versions[s.name]; !ok {
			versions[s.name] = s.version
		}
	}
	seen := make(map[string]int, len(specs))
	pkgs := make([]inventory.Package, 0, len(specs))
	for _, s := range specs {
		if i, ok := seen[s.name+" "+s.version]; ok {
			pkgs[i].DependsOn = appendDeps(pkgs[i].DependsOn, s.deps, versions)
			continue
		}
		seen[s.name+" "+s.version] = len(pkgs)
		p := inventory.Package{
			Name:         s.name,
			Version:      s.version,
			Ecosystem:    Ecosystem,
			PURL:         purl.For(Ecosystem, s.name, s.version),
			Locations:    []inventory.Location{{Path: path, Line: s.line}},
			Relationship: inventory.RelTransitive,
			DependsOn:    appendDeps(nil, s.deps, versions),
		}
		if direct[s.name] {
			p.Relationship = inventory.RelDirect
		}
		if sum, ok := sums[s.name+" "+s.version]; ok {
			p.Hashes = map[string]string{"sha256": sum}
		}
		pkgs = append(pkgs, p)
	}
	inventory.Sort(pkgs)
	return pkgs, bad.Err()
}

func appendDeps(out, names []string, versions map[string]string) []string {
	for _, n := range names {
		if v, ok := versions[n]; ok {
			out = append(out, purl.For(Ecosystem, n, v))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// nameVersion splits "name (version)", "name (>= 1, < 2)", "name!" or
// "name". version is "" when there are no parentheses.
func nameVersion(s string) (name, version string, ok bool) {
	s = strings.TrimSuffix(s, "!")
	name, rest, found := strings.Cut(s, " ")
	if name == "" || strings.ContainsAny(name, "()") {
		return "", "", false
	}
	if !found {
		return name, "", true
	}
	if len(rest) < 3 || rest[0] != '(' || rest[len(rest)-1] != ')' {
		return "", "", false
	}
	return name, strings.TrimSpace(rest[1 : len(rest)-1]), true
}

// platformless strips a platform suffix: RubyGems versions cannot contain
// '-', so everything from the first '-' names a platform.
func platformless(v string) string {
	v, _, _ = strings.Cut(v, "-")
	return v
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

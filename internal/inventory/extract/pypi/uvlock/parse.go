// Package uvlock extracts PyPI packages from uv.lock files.
package uvlock

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/BurntSushi/toml"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/internal/tomlguard"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of the packages.
const Ecosystem = "PyPI"

// MaxSize bounds the lockfile read.
const MaxSize = 32 << 20

type dep struct {
	Name    string `toml:"name"`
	Version string `toml:"version"` // set when several versions are locked
}

type lockfile struct {
	Package []pkg `toml:"package"`
}

type pkg struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
	Source  struct {
		Registry  string `toml:"registry"`
		Git       string `toml:"git"`
		URL       string `toml:"url"`
		Path      string `toml:"path"`
		Directory string `toml:"directory"`
		Editable  string `toml:"editable"`
		Virtual   string `toml:"virtual"`
	} `toml:"source"`
	Dependencies         []dep            `toml:"dependencies"`
	OptionalDependencies map[string][]dep `toml:"optional-dependencies"`
	DevDependencies      map[string][]dep `toml:"dev-dependencies"`
}

// Parse reads a uv.lock and returns its packages located at path. The
// project's own packages (editable or virtual sources: the root and
// workspace members) and local directory or path packages are skipped;
// their dependencies are direct, and those only in dev-dependencies are
// dev.
func Parse(path string, r io.Reader) ([]inventory.Package, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, &inventory.ParseError{Path: path, Err: err}
	}
	if len(b) > MaxSize {
		return nil, &inventory.ParseError{Path: path, Err: fmt.Errorf("%w: over %d bytes", inventory.ErrTooLarge, MaxSize)}
	}
	if err := tomlguard.Check(b); err != nil {
		var de *tomlguard.DepthError
		errors.As(err, &de)
		return nil, &inventory.ParseError{Path: path, Line: de.Line, Err: err}
	}
	var lock lockfile
	if err := toml.Unmarshal(b, &lock); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &inventory.ParseError{Path: path, Line: pe.Position.Line, Err: errors.New(pe.Message)}
		}
		return nil, &inventory.ParseError{Path: path, Err: err}
	}

	// Direct dependencies of the project's own packages.
	direct, devOnly := map[string]bool{}, map[string]bool{}
	for _, p := range lock.Package {
		if p.Source.Editable == "" && p.Source.Virtual == "" {
			continue
		}
		for _, d := range p.Dependencies {
			direct[purl.NormalizePyPI(d.Name)] = true
		}
		for _, ds := range p.OptionalDependencies {
			for _, d := range ds {
				direct[purl.NormalizePyPI(d.Name)] = true
			}
		}
	}
	for _, p := range lock.Package {
		if p.Source.Editable == "" && p.Source.Virtual == "" {
			continue
		}
		for _, ds := range p.DevDependencies {
			for _, d := range ds {
				if n := purl.NormalizePyPI(d.Name); !direct[n] {
					devOnly[n] = true
				}
			}
		}
	}

	versions := map[string][]string{}
	for _, p := range lock.Package {
		if p.Version != "" {
			n := purl.NormalizePyPI(p.Name)
			versions[n] = append(versions[n], p.Version)
		}
	}

	lines := tomlguard.HeaderLines(b, "[[package]]")
	pkgs := make([]inventory.Package, 0, len(lock.Package))
	for i, p := range lock.Package {
		s := p.Source
		if p.Name == "" || p.Version == "" || s.Editable != "" || s.Virtual != "" || s.Directory != "" || s.Path != "" {
			continue
		}
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		n := purl.NormalizePyPI(p.Name)
		rel := inventory.RelTransitive
		if direct[n] || devOnly[n] {
			rel = inventory.RelDirect
		}
		pkgs = append(pkgs, inventory.Package{
			Name:         p.Name,
			Version:      p.Version,
			Ecosystem:    Ecosystem,
			PURL:         purl.For(Ecosystem, p.Name, p.Version),
			Locations:    []inventory.Location{{Path: path, Line: line}},
			Relationship: rel,
			Dev:          devOnly[n],
			DependsOn:    resolveDeps(p.Dependencies, versions),
		})
	}
	return inventory.Merge(pkgs), nil
}

// resolveDeps maps dependencies to purls: by the version the entry names,
// or the only version locked.
func resolveDeps(deps []dep, versions map[string][]string) []string {
	var out []string
	for _, d := range deps {
		v := d.Version
		if v == "" {
			vs := versions[purl.NormalizePyPI(d.Name)]
			if len(vs) != 1 {
				continue
			}
			v = vs[0]
		}
		out = append(out, purl.For(Ecosystem, d.Name, v))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

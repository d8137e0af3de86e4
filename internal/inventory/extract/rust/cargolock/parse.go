// Package cargolock extracts crates.io packages from Cargo.lock files.
package cargolock

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"github.com/vigil-sec/vigil/internal/inventory/extract/internal/tomlguard"
	"io"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of the packages this parser returns.
const Ecosystem = "crates.io"

// MaxSize bounds the Cargo.lock accepted: the TOML decoder needs about 25
// times the input in memory, and real lockfiles stay well under 2 MiB.
const MaxSize = 16 << 20

type lockfile struct {
	Version  int               `toml:"version"`
	Packages []lockPackage     `toml:"package"`
	Root     *lockPackage      `toml:"root"`     // Cargo.lock v1
	Metadata map[string]string `toml:"metadata"` // v1 checksums
}

type lockPackage struct {
	Name         string   `toml:"name"`
	Version      string   `toml:"version"`
	Source       string   `toml:"source"`
	Checksum     string   `toml:"checksum"`
	Dependencies []string `toml:"dependencies"`
}

// Parse reads a Cargo.lock and returns its crates. path is used in
// locations and errors. Crates without a "source" are local (workspace
// members and path dependencies, possibly vendored copies of published
// crates); they are returned like the others. Crates a local crate depends
// on are direct, other registry and git crates transitive, and local
// crates nothing depends on (the workspace roots) keep an unknown
// relationship.
func Parse(r io.Reader, path string) ([]inventory.Package, error) {
	return parse(r, path, MaxSize)
}

func parse(r io.Reader, path string, maxSize int) ([]inventory.Package, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(maxSize)+1))
	if err != nil {
		return nil, &inventory.ParseError{Path: path, Err: err}
	}
	if len(b) > maxSize {
		return nil, &inventory.ParseError{Path: path, Err: fmt.Errorf("%w: over %d bytes", inventory.ErrTooLarge, maxSize)}
	}
	if err := tomlguard.Check(b); err != nil {
		var de *tomlguard.DepthError
		line := 0
		if errors.As(err, &de) {
			line = de.Line
		}
		return nil, &inventory.ParseError{Path: path, Line: line, Err: err}
	}
	var lf lockfile
	if _, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&lf); err != nil {
		pe := &inventory.ParseError{Path: path, Err: err}
		var te toml.ParseError
		if errors.As(err, &te) {
			pe.Line, pe.Column = te.Position.Line, te.Position.Col
			pe.Err = errors.New(te.Message)
		}
		return nil, pe
	}
	lines := packageLines(b)
	if len(lines) != len(lf.Packages) {
		// Hand-written TOML (inline tables): fall back to no lines rather
		// than wrong ones.
		lines = make([]int, len(lf.Packages))
	}

	// Index versions by name to resolve "name" and "name version" references.
	byName := make(map[string][]int, len(lf.Packages))
	for i, p := range lf.Packages {
		if p.Name == "" || p.Version == "" {
			return nil, &inventory.ParseError{Path: path, Line: lines[i], Err: errors.New("package without name or version")}
		}
		byName[p.Name] = append(byName[p.Name], i)
	}
	resolve := func(ref string) (int, bool) {
		f := strings.Fields(ref)
		if len(f) == 0 {
			return 0, false
		}
		cands := byName[f[0]]
		if len(f) == 1 {
			if len(cands) == 1 {
				return cands[0], true
			}
			return 0, false
		}
		for _, i := range cands {
			if lf.Packages[i].Version == f[1] {
				return i, true
			}
		}
		return 0, false
	}

	local := func(p *lockPackage) bool { return p.Source == "" }
	direct := make([]bool, len(lf.Packages))
	hasLocal := false
	markDirect := func(deps []string) {
		for _, d := range deps {
			if i, ok := resolve(d); ok {
				direct[i] = true
			}
		}
	}
	if lf.Root != nil {
		hasLocal = true
		markDirect(lf.Root.Dependencies)
	}
	for i := range lf.Packages {
		if local(&lf.Packages[i]) {
			hasLocal = true
			markDirect(lf.Packages[i].Dependencies)
		}
	}

	pkgs := make([]inventory.Package, 0, len(lf.Packages))
	for i := range lf.Packages {
		p := &lf.Packages[i]
		pkg := inventory.Package{
			Name:      p.Name,
			Version:   p.Version,
			Ecosystem: Ecosystem,
			PURL:      purl.For(Ecosystem, p.Name, p.Version),
			Locations: []inventory.Location{{Path: path, Line: lines[i]}},
		}
		switch {
		case direct[i]:
			pkg.Relationship = inventory.RelDirect
		case hasLocal && !local(p):
			pkg.Relationship = inventory.RelTransitive
		}
		sum := p.Checksum
		if sum == "" && lf.Metadata != nil {
			sum = lf.Metadata[fmt.Sprintf("checksum %s %s (%s)", p.Name, p.Version, p.Source)]
		}
		if isHex(sum, 64) {
			pkg.Hashes = map[string]string{"sha256": strings.ToLower(sum)}
		}
		for _, d := range p.Dependencies {
			if j, ok := resolve(d); ok {
				pkg.DependsOn = append(pkg.DependsOn, purl.For(Ecosystem, lf.Packages[j].Name, lf.Packages[j].Version))
			}
		}
		slices.Sort(pkg.DependsOn)
		pkg.DependsOn = slices.Compact(pkg.DependsOn)
		pkgs = append(pkgs, pkg)
	}
	inventory.Sort(pkgs)
	return pkgs, nil
}

// packageLines returns the 1-based line of every "[[package]]" header, in
// order.
func packageLines(b []byte) []int {
	var lines []int
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, len(b)+1)
	n := 0
	for sc.Scan() {
		n++
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "[[") && strings.TrimSpace(strings.Trim(l, "[]")) == "package" {
			lines = append(lines, n)
		}
	}
	return lines
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

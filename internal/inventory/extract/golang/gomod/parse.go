// Package gomod extracts Go modules from go.mod files (and, for modules
// whose go directive predates Go 1.17, the sibling go.sum).
package gomod

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"go/version"
	"io"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of Go modules.
const Ecosystem = "Go"

// MaxSize bounds the go.mod and go.sum files parsed.
const MaxSize = 16 << 20

// Parse reads a go.mod and returns its modules plus the "stdlib" package
// for the go (or toolchain) directive. Versions lose their "v" prefix, as
// in OSV. It also returns the go directive's version ("" when absent).
func Parse(path string, r io.Reader) ([]inventory.Package, string, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, "", &inventory.ParseError{Path: path, Err: err}
	}
	f, err := modfile.Parse(path, b, nil)
	if err != nil {
		return nil, "", parseError(path, err)
	}

	type entry struct {
		pkg inventory.Package
		old string // module path as required, for replace
	}
	var entries []entry
	for _, req := range f.Require {
		rel := inventory.RelDirect
		if req.Indirect {
			rel = inventory.RelTransitive
		}
		entries = append(entries, entry{
			pkg: newPackage(path, req.Mod.Path, req.Mod.Version, line(req.Syntax), rel),
			old: req.Mod.Version,
		})
	}
	// A replace applies to every required version of Old.Path, or to one
	// version when Old.Version is set. Local-path replacements (no
	// New.Version) have no module version and are dropped.
	for _, rep := range f.Replace {
		for i := range entries {
			e := &entries[i]
			if e.pkg.Name != rep.Old.Path || (rep.Old.Version != "" && rep.Old.Version != e.old) {
				continue
			}
			if rep.New.Version == "" {
				e.pkg.Name = "" // local directory: skipped
				continue
			}
			e.pkg = newPackage(path, rep.New.Path, rep.New.Version, line(rep.Syntax), e.pkg.Relationship)
		}
	}
	pkgs := make([]inventory.Package, 0, len(entries)+1)
	for _, e := range entries {
		if e.pkg.Name != "" {
			pkgs = append(pkgs, e.pkg)
		}
	}

	goVersion, stdLine := "", 0
	if f.Go != nil && f.Go.Version != "" {
		goVersion, stdLine = f.Go.Version, line(f.Go.Syntax)
	}
	stdVersion := goVersion
	if f.Toolchain != nil && f.Toolchain.Name != "" {
		// "go1.22.3" or "go1.22.3-custom": the toolchain wins over go.
		v, _, _ := strings.Cut(f.Toolchain.Name, "-")
		stdVersion, stdLine = strings.TrimPrefix(v, "go"), line(f.Toolchain.Syntax)
	}
	if stdVersion != "" {
		pkgs = append(pkgs, inventory.Package{
			Name:         "stdlib",
			Version:      stdVersion,
			Ecosystem:    Ecosystem,
			PURL:         purl.For(Ecosystem, "stdlib", stdVersion),
			Locations:    []inventory.Location{{Path: path, Line: stdLine}},
			Relationship: inventory.RelDirect,
		})
	}
	return inventory.Merge(pkgs), goVersion, nil
}

// NeedsSum reports whether a go.mod with this go directive lists only
// direct dependencies, so that go.sum must be read for the rest (module
// graph pruning arrived in Go 1.17).
func NeedsSum(goVersion string) bool {
	return goVersion == "" || version.Compare("go"+goVersion, "go1.17") < 0
}

// ParseSum reads a go.sum and returns one package per module version
// (the "/go.mod" hash lines are skipped). All are transitive.
func ParseSum(path string, r io.Reader) ([]inventory.Package, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, &inventory.ParseError{Path: path, Err: err}
	}
	var pkgs []inventory.Package
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			return nil, &inventory.ParseError{Path: path, Line: n, Err: errors.New("want \"module version hash\"")}
		}
		if strings.HasSuffix(fields[1], "/go.mod") {
			continue
		}
		pkgs = append(pkgs, newPackage(path, fields[0], fields[1], n, inventory.RelTransitive))
	}
	if err := sc.Err(); err != nil {
		return nil, &inventory.ParseError{Path: path, Err: err}
	}
	return inventory.Merge(pkgs), nil
}

func newPackage(path, mod, ver string, line int, rel inventory.Relationship) inventory.Package {
	v := strings.TrimPrefix(ver, "v")
	return inventory.Package{
		Name:         mod,
		Version:      v,
		Ecosystem:    Ecosystem,
		PURL:         purl.For(Ecosystem, mod, ver),
		Locations:    []inventory.Location{{Path: path, Line: line}},
		Relationship: rel,
	}
}

func line(x *modfile.Line) int {
	if x == nil {
		return 0
	}
	return x.Start.Line
}

func readAll(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: over %d bytes", inventory.ErrTooLarge, MaxSize)
	}
	return b, nil
}

// parseError converts modfile's error list ("path:line: msg" entries) to a
// *ParseError carrying the first line.
func parseError(path string, err error) error {
	var list modfile.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		return &inventory.ParseError{Path: path, Line: list[0].Pos.Line, Err: list[0].Err}
	}
	return &inventory.ParseError{Path: path, Err: err}
}

// Package poetrylock extracts PyPI packages from poetry.lock files.
package poetrylock

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

type lockfile struct {
	Package []struct {
		Name     string   `toml:"name"`
		Version  string   `toml:"version"`
		Category string   `toml:"category"` // poetry < 1.5: "main" or "dev"
		Groups   []string `toml:"groups"`   // poetry >= 2
		Source   struct {
			Type string `toml:"type"`
		} `toml:"source"`
	} `toml:"package"`
}

// Parse reads a poetry.lock and returns its packages located at path.
// Packages from local directories or files are skipped. A package is dev
// when its category is "dev", or its groups do not include "main".
func Parse(path string, r io.Reader) ([]inventory.Package, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, &inventory.ParseError{Path: path, Err: err}
	}
	if err := tomlguard.Check(b); err != nil {
		var de *tomlguard.DepthError
		errors.As(err, &de)
		return nil, &inventory.ParseError{Path: path, Line: de.Line, Err: err}
	}
	var lock lockfile
	if err := toml.Unmarshal(b, &lock); err != nil {
		return nil, tomlError(path, err)
	}
	lines := tomlguard.HeaderLines(b, "[[package]]")
	pkgs := make([]inventory.Package, 0, len(lock.Package))
	for i, p := range lock.Package {
		if p.Name == "" || p.Version == "" || p.Source.Type == "directory" || p.Source.Type == "file" {
			continue
		}
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		pkgs = append(pkgs, inventory.Package{
			Name:      p.Name,
			Version:   p.Version,
			Ecosystem: Ecosystem,
			PURL:      purl.For(Ecosystem, p.Name, p.Version),
			Locations: []inventory.Location{{Path: path, Line: line}},
			Dev:       p.Category == "dev" || (len(p.Groups) > 0 && !slices.Contains(p.Groups, "main")),
		})
	}
	return inventory.Merge(pkgs), nil
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

func tomlError(path string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &inventory.ParseError{Path: path, Line: pe.Position.Line, Err: errors.New(pe.Message)}
	}
	return &inventory.ParseError{Path: path, Err: err}
}

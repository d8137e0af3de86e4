// Package pipfilelock extracts PyPI packages from Pipfile.lock files.
package pipfilelock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of the packages.
const Ecosystem = "PyPI"

// MaxSize bounds the lockfile read.
const MaxSize = 32 << 20

type found struct {
	name, version string
	line          int
	hashes        map[string]string
}

// Parse reads a Pipfile.lock and returns the packages of its "default"
// and "develop" sections, located at path. Only "==" pinned entries yield
// packages (git, path and editable entries have no version). A package
// only in "develop" is dev. The file is streamed once; lines come from
// decoder offsets.
func Parse(path string, r io.Reader) ([]inventory.Package, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, &inventory.ParseError{Path: path, Err: err}
	}
	if len(b) > MaxSize {
		return nil, &inventory.ParseError{Path: path, Err: fmt.Errorf("%w: over %d bytes", inventory.ErrTooLarge, MaxSize)}
	}
	dec := jsontext.NewDecoder(bytes.NewBuffer(b), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	sections := map[string][]found{}
	if err := parse(dec, b, sections); err != nil {
		return nil, parseError(path, b, dec, err)
	}
	inDefault := map[string]bool{}
	for _, f := range sections["default"] {
		inDefault[f.name+"@"+f.version] = true
	}
	var pkgs []inventory.Package
	for _, sec := range []string{"default", "develop"} {
		for _, f := range sections[sec] {
			pkgs = append(pkgs, inventory.Package{
				Name:         f.name,
				Version:      f.version,
				Ecosystem:    Ecosystem,
				PURL:         purl.For(Ecosystem, f.name, f.version),
				Locations:    []inventory.Location{{Path: path, Line: f.line}},
				Relationship: inventory.RelUnknown,
				Dev:          sec == "develop" && !inDefault[f.name+"@"+f.version],
				Hashes:       f.hashes,
			})
		}
	}
	return inventory.Merge(pkgs), nil
}

func parse(dec *jsontext.Decoder, b []byte, sections map[string][]found) error {
	if err := open(dec); err != nil {
		return err
	}
	lines := lineCounter{b: b, line: 1}
	for dec.PeekKind() != '}' {
		k, err := dec.ReadToken()
		if err != nil {
			return err
		}
		sec := k.String()
		if sec != "default" && sec != "develop" {
			if err := dec.SkipValue(); err != nil {
				return err
			}
			continue
		}
		if dec.PeekKind() != '{' {
			return fmt.Errorf("%q is not an object", sec)
		}
		if err := open(dec); err != nil {
			return err
		}
		for dec.PeekKind() != '}' {
			nk, err := dec.ReadToken()
			if err != nil {
				return err
			}
			f := found{name: nk.String(), line: lines.at(dec.InputOffset())}
			if err := entry(dec, &f); err != nil {
				return err
			}
			if v, ok := strings.CutPrefix(f.version, "=="); ok && v != "" && !strings.HasPrefix(v, "=") {
				f.version = v
				sections[sec] = append(sections[sec], f)
			}
		}
		if _, err := dec.ReadToken(); err != nil { // '}'
			return err
		}
	}
	if _, err := dec.ReadToken(); err != nil { // '}'
		return err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		if err == nil {
			err = errors.New("data after top-level object")
		}
		return err
	}
	return nil
}

// entry reads {"version": "==1.0", "hashes": ["sha256:..."], ...}.
func entry(dec *jsontext.Decoder, f *found) error {
	if dec.PeekKind() != '{' {
		return dec.SkipValue()
	}
	if err := open(dec); err != nil {
		return err
	}
	for dec.PeekKind() != '}' {
		k, err := dec.ReadToken()
		if err != nil {
			return err
		}
		switch k.String() {
		case "version":
			if dec.PeekKind() != '"' {
				err = dec.SkipValue()
				break
			}
			var t jsontext.Token
			t, err = dec.ReadToken()
			f.version = t.String()
		case "hashes":
			err = hashes(dec, f)
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

func hashes(dec *jsontext.Decoder, f *found) error {
	if dec.PeekKind() != '[' {
		return dec.SkipValue()
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for dec.PeekKind() != ']' {
		if dec.PeekKind() != '"' {
			if err := dec.SkipValue(); err != nil {
				return err
			}
			continue
		}
		t, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if alg, hex, ok := strings.Cut(t.String(), ":"); ok && alg != "" && hex != "" {
			if f.hashes == nil {
				f.hashes = map[string]string{}
			}
			if _, dup := f.hashes[alg]; !dup {
				f.hashes[alg] = hex
			}
		}
	}
	_, err := dec.ReadToken()
	return err
}

// open reads a '{', failing on anything else (including EOF).
func open(dec *jsontext.Decoder) error {
	if k := dec.PeekKind(); k != '{' {
		_, err := dec.ReadToken()
		if err == nil {
			err = fmt.Errorf("want object, got %v", k)
		}
		return err
	}
	_, err := dec.ReadToken()
	return err
}

type lineCounter struct {
	b    []byte
	off  int
	line int
}

// at returns the line of offset off; offsets must not decrease.
func (l *lineCounter) at(off int64) int {
	o := int(min(off, int64(len(l.b))))
	if o > l.off {
		l.line += bytes.Count(l.b[l.off:o], []byte{'\n'})
		l.off = o
	}
	return l.line
}

func parseError(path string, b []byte, dec *jsontext.Decoder, err error) error {
	off := dec.InputOffset()
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		off, err = syn.ByteOffset, syn.Err
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return &inventory.ParseError{Path: path, Line: 1 + bytes.Count(b[:min(off, int64(len(b)))], []byte{'\n'}), Err: err}
}

// Package jsonpos gives JSON lockfile parsers line numbers: a nesting guard
// that reports the line, byte offset to line conversion, and decoder errors
// as *inventory.ParseError with the line of the failure.
package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// CheckDepth returns the line of the first point where JSON nesting
// exceeds max, skipping strings.
func CheckDepth(b []byte, max int) (int, error) {
	depth, line, inStr, esc := 0, 1, false, false
	for _, c := range b {
		if c == '\n' {
			line++
		}
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '[', '{':
			if depth++; depth > max {
				return line, fmt.Errorf("nesting deeper than %d", max)
			}
		case ']', '}':
			depth--
		}
	}
	return 0, nil
}

// Lines converts byte offsets into 1-based line numbers; it is fastest
// when offsets grow.
type Lines struct {
	B         []byte
	off, line int
}

// At returns the line of byte offset off.
func (l *Lines) At(off int) int {
	off = min(max(off, 0), len(l.B))
	if off < l.off {
		l.off, l.line = 0, 1
	}
	if l.line == 0 {
		l.line = 1
	}
	l.line += bytes.Count(l.B[l.off:off], []byte{'\n'})
	l.off = off
	return l.line
}

// Next returns the offset of the first byte at or after off that is not
// JSON whitespace or a comma: the start of the next value or key.
func Next(b []byte, off int) int {
	for off < len(b) {
		switch b[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// Error turns a decoding error into a *inventory.ParseError with the
// line of the failure. base is the decoder's InputOffset before the
// value being decoded: type errors are relative to it.
func Error(path string, l *Lines, dec *json.Decoder, base int, err error) error {
	off := int(dec.InputOffset())
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = int(se.Offset)
	case errors.As(err, &te):
		off = base + int(te.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		off = len(l.B)
		err = io.ErrUnexpectedEOF
	}
	return &inventory.ParseError{Path: path, Line: l.At(off), Err: err}
}

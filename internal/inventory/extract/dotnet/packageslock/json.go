package packageslock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// MaxDepth bounds JSON nesting. packages.lock.json needs about five levels.
const MaxDepth = 64

// checkDepth returns the line of the first point where JSON nesting
// exceeds max, skipping strings.
func checkDepth(b []byte, max int) (int, error) {
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

// lines converts byte offsets into 1-based line numbers; it is fastest
// when offsets grow.
type lines struct {
	b         []byte
	off, line int
}

func (l *lines) at(off int) int {
	off = min(max(off, 0), len(l.b))
	if off < l.off {
		l.off, l.line = 0, 1
	}
	if l.line == 0 {
		l.line = 1
	}
	l.line += bytes.Count(l.b[l.off:off], []byte{'\n'})
	l.off = off
	return l.line
}

// next returns the offset of the first byte at or after off that is not
// JSON whitespace or a comma: the start of the next value or key.
func next(b []byte, off int) int {
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

// jsonError turns a decoding error into a *inventory.ParseError with the
// line of the failure. base is the decoder's InputOffset before the
// value being decoded: type errors are relative to it.
func jsonError(path string, l *lines, dec *json.Decoder, base int, err error) error {
	off := int(dec.InputOffset())
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = int(se.Offset)
	case errors.As(err, &te):
		off = base + int(te.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		off = len(l.b)
		err = io.ErrUnexpectedEOF
	}
	return &inventory.ParseError{Path: path, Line: l.at(off), Err: err}
}

// Package jsonscan reads one JSON text token by token without allocating:
// strings come back as substrings of the input (unless they hold escapes),
// values that are not wanted are skipped at memory speed, and every error
// carries the byte offset where the text stops being JSON (RFC 8259).
//
// It exists for the lockfiles whose parse dominates a scan (npm's
// package-lock.json): see docs/decisions/json-lockfile-scanner.md.
package jsonscan

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the first byte of the next value: '{', '[', '"', '0' (a
// number), 't', 'f', 'n', or 0 at the end of the input.
type Kind byte

// String names the kind of value for error messages ("end of input" for 0).
func (k Kind) String() string {
	switch k {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "end of input"
}

// SyntaxError is input that is not JSON, at a byte offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return e.Msg }

// ErrDepth is wrapped by the error for nesting deeper than the limit.
var ErrDepth = errors.New("nesting too deep")

// Scanner reads a JSON text held in a string.
type Scanner struct {
	src      string
	pos      int
	depth    int
	maxDepth int
}

// New returns a Scanner over src that refuses nesting deeper than
// maxDepth objects and arrays.
func New(src string, maxDepth int) *Scanner {
	return &Scanner{src: src, maxDepth: maxDepth}
}

// Offset is the byte offset of the next unread byte.
func (s *Scanner) Offset() int { return s.pos }

func (s *Scanner) errorf(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func (s *Scanner) unexpected() error {
	if s.pos >= len(s.src) {
		return s.errorf(s.pos, "unexpected end of JSON input")
	}
	return s.errorf(s.pos, "invalid character %s", quoteChar(s.src[s.pos]))
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	return strconv.QuoteRune(rune(c))
}

func (s *Scanner) skipSpace() {
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// Peek skips white space and returns the kind of the next value.
func (s *Scanner) Peek() Kind {
	s.skipSpace()
	if s.pos >= len(s.src) {
		return 0
	}
	switch c := s.src[s.pos]; c {
	case '{', '[', '"', 't', 'f', 'n':
		return Kind(c)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return '0'
	}
	return 0
}

// End checks that only white space follows the top-level value.
func (s *Scanner) End() error {
	s.skipSpace()
	if s.pos < len(s.src) {
		return s.errorf(s.pos, "invalid character %s after top-level value", quoteChar(s.src[s.pos]))
	}
	return nil
}

func (s *Scanner) push() error {
	if s.depth++; s.depth > s.maxDepth {
		return &SyntaxError{Offset: s.pos, Msg: fmt.Sprintf("%v: over %d levels", ErrDepth, s.maxDepth)}
	}
	return nil
}

// Object is an object being read; see Scanner.Object.
type Object struct {
	s *Scanner
	n int
}

// Object consumes the '{' that opens an object.
func (s *Scanner) Object() (Object, error) {
	if s.Peek() != '{' {
		return Object{}, s.unexpected()
	}
	if err := s.push(); err != nil {
		return Object{}, err
	}
	s.pos++
	return Object{s: s}, nil
}

// Next reads the next member's name and the ':' after it, leaving the
// scanner at its value, which the caller must read or Skip. At the end of
// the object it consumes the '}' and returns ok=false.
func (o *Object) Next() (key string, ok bool, err error) {
	s := o.s
	s.skipSpace()
	if s.pos < len(s.src) && s.src[s.pos] == '}' {
		s.pos++
		s.depth--
		return "", false, nil
	}
	if o.n > 0 {
		if s.pos >= len(s.src) || s.src[s.pos] != ',' {
			return "", false, s.unexpected()
		}
		s.pos++
		s.skipSpace()
	}
	if s.pos >= len(s.src) || s.src[s.pos] != '"' {
		return "", false, s.unexpected()
	}
	if key, err = s.String(); err != nil {
		return "", false, err
	}
	s.skipSpace()
	if s.pos >= len(s.src) || s.src[s.pos] != ':' {
		return "", false, s.unexpected()
	}
	s.pos++
	o.n++
	return key, true, nil
}

// Array is an array being read; see Scanner.Array.
type Array struct {
	s *Scanner
	n int
}

// Array consumes the '[' that opens an array.
func (s *Scanner) Array() (Array, error) {
	if s.Peek() != '[' {
		return Array{}, s.unexpected()
	}
	if err := s.push(); err != nil {
		return Array{}, err
	}
	s.pos++
	return Array{s: s}, nil
}

// Next moves to the next element, which the caller must read or Skip. At
// the end of the array it consumes the ']' and returns false.
func (a *Array) Next() (bool, error) {
	s := a.s
	s.skipSpace()
	if s.pos < len(s.src) && s.src[s.pos] == ']' {
		s.pos++
		s.depth--
		return false, nil
	}
	if a.n > 0 {
		if s.pos >= len(s.src) || s.src[s.pos] != ',' {
			return false, s.unexpected()
		}
		s.pos++
	}
	a.n++
	return true, nil
}

// String reads a string value. It is a substring of the input unless the
// string holds escapes.
func (s *Scanner) String() (string, error) {
	if s.Peek() != '"' {
		return "", s.unexpected()
	}
	start := s.pos + 1
	i := start
	for i < len(s.src) {
		c := s.src[i]
		if c == '"' {
			s.pos = i + 1
			return s.src[start:i], nil
		}
		if c == '\\' {
			return s.unquote(start)
		}
		if c < 0x20 {
			s.pos = i
			return "", s.errorf(i, "invalid control character %s in string", quoteChar(c))
		}
		i++
	}
	s.pos = i
	return "", s.errorf(i, "unexpected end of JSON input")
}

// unquote decodes a string with escapes that starts (after its quote) at
// start.
func (s *Scanner) unquote(start int) (string, error) {
	buf := make([]byte, 0, 64)
	i := start
	for i < len(s.src) {
		c := s.src[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return string(buf), nil
		case c < 0x20:
			s.pos = i
			return "", s.errorf(i, "invalid control character %s in string", quoteChar(c))
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		if i+1 >= len(s.src) {
			break
		}
		switch e := s.src[i+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(s.src, i+2)
			if !ok {
				return "", s.errorf(i, "invalid escape sequence in string")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(s.src, i+2); ok && i+1 < len(s.src) && s.src[i] == '\\' && s.src[i+1] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						buf = utf8.AppendRune(buf, d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r)
			continue
		default:
			return "", s.errorf(i, "invalid escape sequence %s in string", quoteChar(e))
		}
		i += 2
	}
	s.pos = len(s.src)
	return "", s.errorf(len(s.src), "unexpected end of JSON input")
}

func hex4(src string, i int) (rune, bool) {
	if i+4 > len(src) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(src[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// Bool reads true or false.
func (s *Scanner) Bool() (bool, error) {
	switch s.Peek() {
	case 't':
		return true, s.literal("true")
	case 'f':
		return false, s.literal("false")
	}
	return false, s.unexpected()
}

func (s *Scanner) literal(lit string) error {
	for i := 0; i < len(lit); i++ {
		if s.pos >= len(s.src) || s.src[s.pos] != lit[i] {
			return s.unexpected()
		}
		s.pos++
	}
	return nil
}

// Null reads null if it comes next and reports whether it did.
func (s *Scanner) Null() (bool, error) {
	if s.Peek() != 'n' {
		return false, nil
	}
	return true, s.literal("null")
}

// Number reads a number and returns its text.
func (s *Scanner) Number() (string, error) {
	if s.Peek() != '0' {
		return "", s.unexpected()
	}
	start := s.pos
	if s.src[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(s.src) && s.src[s.pos] == '0':
		s.pos++
	case s.digits() == 0:
		return "", s.unexpected()
	}
	if s.pos < len(s.src) && s.src[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return "", s.unexpected()
		}
	}
	if s.pos < len(s.src) && (s.src[s.pos] == 'e' || s.src[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.src) && (s.src[s.pos] == '+' || s.src[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return "", s.unexpected()
		}
	}
	return s.src[start:s.pos], nil
}

func (s *Scanner) digits() int {
	n := 0
	for s.pos < len(s.src) && '0' <= s.src[s.pos] && s.src[s.pos] <= '9' {
		s.pos++
		n++
	}
	return n
}

// Skip reads and discards the next value, checking that it is JSON.
func (s *Scanner) Skip() error {
	switch s.Peek() {
	case '{':
		o, err := s.Object()
		if err != nil {
			return err
		}
		for {
			_, ok, err := o.Next()
			if err != nil || !ok {
				return err
			}
			if err := s.Skip(); err != nil {
				return err
			}
		}
	case '[':
		a, err := s.Array()
		if err != nil {
			return err
		}
		for {
			ok, err := a.Next()
			if err != nil || !ok {
				return err
			}
			if err := s.Skip(); err != nil {
				return err
			}
		}
	case '"':
		return s.skipString()
	case '0':
		_, err := s.Number()
		return err
	case 't', 'f':
		_, err := s.Bool()
		return err
	case 'n':
		_, err := s.Null()
		return err
	}
	return s.unexpected()
}

// skipString validates a string without decoding it.
func (s *Scanner) skipString() error {
	i := s.pos + 1
	for i < len(s.src) {
		c := s.src[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return nil
		case c == '\\':
			if i+1 >= len(s.src) {
				i++
				continue
			}
			switch s.src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := hex4(s.src, i+2); !ok {
					return s.errorf(i, "invalid escape sequence in string")
				}
				i += 6
			default:
				return s.errorf(i, "invalid escape sequence %s in string", quoteChar(s.src[i+1]))
			}
		case c < 0x20:
			return s.errorf(i, "invalid control character %s in string", quoteChar(c))
		default:
			i++
		}
	}
	s.pos = len(s.src)
	return s.errorf(len(s.src), "unexpected end of JSON input")
}

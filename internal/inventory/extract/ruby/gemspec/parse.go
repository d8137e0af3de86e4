// Package gemspec extracts installed RubyGems from the specification files
// RubyGems writes when it installs a gem, and ships for Ruby's default gems:
// <gem home>/specifications/*.gemspec and specifications/default/*.gemspec.
//
// A gemspec is Ruby code and is never evaluated. The parser reads the
// literal form Gem::Specification#to_ruby writes:
//
//	# stub: cgi 0.3.6 ruby lib
//	Gem::Specification.new do |s|
//	  s.name = "cgi".freeze
//	  s.version = "0.3.6"
//	  s.licenses = ["Ruby".freeze, "BSD-2-Clause".freeze]
//	end
//
// with a bounded line scanner: assignments to the block variable whose value
// is a string literal (or an array of them) are read, everything else is
// skipped.
package gemspec

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on one gemspec. Installed specifications are a few KiB; the
// longest line is the files list of a large gem.
const (
	MaxLineLength = 1 << 20
	MaxLines      = 100_000
	// MaxLicenses bounds the licences read from one array.
	MaxLicenses = 64
)

// Spec is what Vigil reads from a gemspec.
type Spec struct {
	Name, Version string
	// Platform is "ruby" or a platform such as "x86_64-linux" (from
	// s.platform, else the stub line).
	Platform string
	Licenses []string
	// Line is the 1-based line of the name (the stub line when the name
	// comes from it).
	Line int
}

// ErrNoSpec means the file holds neither a Gem::Specification.new block
// with a literal name and version nor a stub line.
var ErrNoSpec = errors.New("no gem name and version (not a gemspec written by RubyGems)")

// LineError is a problem at a line of a gemspec.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Parse reads a gemspec. A name or version that is not a literal (a
// hand-written gemspec in a source tree: `spec.version = Foo::VERSION`) is
// a *LineError; the stub line, when there is one, is used instead.
func Parse(r io.Reader) (Spec, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLineLength)
	var (
		s        Spec
		stub     Spec
		blockVar string
		lineNo   int
		firstBad *LineError
		platform string
		bad      = func(err error) {
			if firstBad == nil {
				firstBad = &LineError{Line: lineNo, Err: err}
			}
		}
	)
	for sc.Scan() {
		lineNo++
		if lineNo > MaxLines {
			return s, &LineError{Line: lineNo, Err: fmt.Errorf("more than %d lines", MaxLines)}
		}
		line := strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r"))
		switch {
		case line == "":
		case strings.HasPrefix(line, "# stub: "):
			if stub.Name == "" {
				stub = parseStub(line[len("# stub: "):], lineNo)
			}
		case line[0] == '#':
		case blockVar == "":
			if v, ok := blockStart(line); ok {
				blockVar = v
			}
		case line == "end" || line == "}":
			// The block's own end is the only unindented one RubyGems
			// writes, but nested blocks (if ... end) may precede it;
			// nothing after the attributes matters, so stop at the first
			// end once name and version are known.
			if s.Name != "" && s.Version != "" {
				return finish(s, stub, platform, firstBad)
			}
		default:
			attr, value, ok := assignment(line, blockVar)
			if !ok {
				continue
			}
			switch attr {
			case "name", "version", "platform":
				v, err := stringLiteral(value)
				if err == nil && !plausible(v) {
					err = fmt.Errorf("implausible value %q", v)
				}
				if err != nil {
					bad(fmt.Errorf("%s.%s: %w", blockVar, attr, err))
					continue
				}
				switch attr {
				case "name":
					s.Name, s.Line = v, lineNo
				case "version":
					s.Version = v
				default:
					platform = v
				}
			case "license":
				if v, err := stringLiteral(value); err == nil && len(s.Licenses) < MaxLicenses {
					s.Licenses = append(s.Licenses, v)
				}
			case "licenses":
				if vs, err := stringArray(value, MaxLicenses-len(s.Licenses)); err == nil {
					s.Licenses = append(s.Licenses, vs...)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line longer than %d bytes", MaxLineLength)
		}
		return s, &LineError{Line: lineNo + 1, Err: err}
	}
	return finish(s, stub, platform, firstBad)
}

func finish(s, stub Spec, platform string, firstBad *LineError) (Spec, error) {
	if s.Name == "" || s.Version == "" {
		if stub.Name != "" && stub.Version != "" {
			stub.Licenses = s.Licenses
			return stub, nil
		}
		if firstBad != nil {
			return Spec{}, firstBad
		}
		return Spec{}, ErrNoSpec
	}
	s.Platform = "ruby"
	switch {
	case platform != "":
		s.Platform = platform
	case stub.Platform != "" && stub.Name == s.Name:
		s.Platform = stub.Platform
	}
	return s, nil
}

// parseStub reads "name version platform require_paths" (RubyGems' stub
// line, which it reads itself to avoid evaluating the spec).
func parseStub(s string, line int) Spec {
	f := strings.Fields(s)
	if len(f) < 3 || !plausible(f[0]) || !plausible(f[1]) {
		return Spec{}
	}
	return Spec{Name: f[0], Version: f[1], Platform: f[2], Line: line}
}

// plausible rejects names and versions RubyGems cannot have written:
// empty, absurdly long, or with spaces, control characters or quotes.
func plausible(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || c == '"' || c == '\'' || c == '\\' {
			return false
		}
	}
	return true
}

// blockStart recognises "Gem::Specification.new do |s|" and
// "Gem::Specification.new { |spec|" and returns the block variable.
func blockStart(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "Gem::Specification.new")
	if !ok {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	if r, ok := strings.CutPrefix(rest, "do"); ok {
		rest = r
	} else if r, ok := strings.CutPrefix(rest, "{"); ok {
		rest = r
	} else {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	if len(rest) < 3 || rest[0] != '|' {
		return "", false
	}
	v, _, ok := strings.Cut(rest[1:], "|")
	v = strings.TrimSpace(v)
	if !ok || !isIdent(v) {
		return "", false
	}
	return v, true
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// assignment splits "<v>.attr = value" for the block variable v.
func assignment(line, v string) (attr, value string, ok bool) {
	rest, ok := strings.CutPrefix(line, v+".")
	if !ok {
		return "", "", false
	}
	attr, value, ok = strings.Cut(rest, "=")
	attr = strings.TrimSpace(attr)
	if !ok || !isIdent(attr) || strings.HasPrefix(value, "=") { // not "=="
		return "", "", false
	}
	return attr, strings.TrimSpace(value), true
}

// errNotLiteral means the value is Ruby code, not a string literal.
var errNotLiteral = errors.New("value is not a string literal")

// stringLiteral reads a whole value that is one string literal, optionally
// followed by .freeze and a comment.
func stringLiteral(value string) (string, error) {
	s, rest, err := readString(value)
	if err != nil {
		return "", err
	}
	if !endOfValue(rest) {
		return "", errNotLiteral
	}
	return s, nil
}

// stringArray reads `["a".freeze, "b".freeze]`, at most max elements.
func stringArray(value string, max int) ([]string, error) {
	rest, ok := strings.CutPrefix(value, "[")
	if !ok {
		return nil, errNotLiteral
	}
	var out []string
	for {
		rest = strings.TrimLeft(rest, " ")
		if r, ok := strings.CutPrefix(rest, "]"); ok {
			if !endOfValue(r) {
				return nil, errNotLiteral
			}
			return out, nil
		}
		if len(out) > 0 {
			r, ok := strings.CutPrefix(rest, ",")
			if !ok {
				return nil, errNotLiteral
			}
			rest = strings.TrimLeft(r, " ")
		}
		s, r, err := readString(rest)
		if err != nil {
			return nil, err
		}
		if len(out) < max {
			out = append(out, s)
		}
		rest = r
	}
}

// endOfValue reports whether rest (after a literal) ends the statement.
func endOfValue(rest string) bool {
	rest = strings.TrimSpace(rest)
	return rest == "" || rest[0] == '#'
}

// readString reads one double- or single-quoted literal at the start of s,
// with an optional ".freeze", and returns its value and the rest.
func readString(s string) (string, string, error) {
	if s == "" || (s[0] != '"' && s[0] != '\'') {
		return "", "", errNotLiteral
	}
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			rest := strings.TrimPrefix(s[i+1:], ".freeze")
			return b.String(), rest, nil
		case c == '#' && q == '"' && i+1 < len(s) && s[i+1] == '{':
			return "", "", errors.New("interpolated string")
		case c != '\\':
			b.WriteByte(c)
		case i+1 >= len(s):
			return "", "", errors.New("unterminated string")
		case q == '\'':
			// Single quotes only escape \\ and \'.
			i++
			if s[i] != '\\' && s[i] != '\'' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[i])
		default:
			n, err := unescape(&b, s[i+1:])
			if err != nil {
				return "", "", err
			}
			i += n
		}
	}
	return "", "", errors.New("unterminated string")
}

// unescape writes the escape at the start of s (after the backslash) as
// String#dump writes them, and returns how many bytes it used.
func unescape(b *strings.Builder, s string) (int, error) {
	switch c := s[0]; c {
	case '"', '\\', '#', '\'':
		b.WriteByte(c)
		return 1, nil
	case 'n':
		b.WriteByte('\n')
		return 1, nil
	case 't':
		b.WriteByte('\t')
		return 1, nil
	case 'r':
		b.WriteByte('\r')
		return 1, nil
	case 'e':
		b.WriteByte(0x1b)
		return 1, nil
	case 'x':
		if len(s) < 3 {
			return 0, errors.New("bad \\x escape")
		}
		v, err := strconv.ParseUint(s[1:3], 16, 8)
		if err != nil {
			return 0, errors.New("bad \\x escape")
		}
		b.WriteByte(byte(v))
		return 3, nil
	case 'u':
		hex, n := s[1:], 5
		if strings.HasPrefix(hex, "{") {
			end := strings.IndexByte(hex, '}')
			if end < 2 || end > 7 {
				return 0, errors.New("bad \\u escape")
			}
			hex, n = hex[1:end], end+2
		} else if len(hex) >= 4 {
			hex = hex[:4]
		} else {
			return 0, errors.New("bad \\u escape")
		}
		v, err := strconv.ParseUint(hex, 16, 32)
		if err != nil || !utf8.ValidRune(rune(v)) {
			return 0, errors.New("bad \\u escape")
		}
		b.WriteRune(rune(v))
		return n, nil
	}
	return 0, fmt.Errorf("unsupported escape \\%c", s[0])
}

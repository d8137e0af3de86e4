// Package requirements extracts PyPI packages pinned in pip requirements
// files (requirements.txt and friends), following -r includes.
package requirements

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of the packages.
const Ecosystem = "PyPI"

// Limits on hostile input.
const (
	MaxSize    = 16 << 20 // bytes of one file
	MaxLineLen = 1 << 20  // one physical line
)

// Requirement is one logical line that names a package.
type Requirement struct {
	Name string // as written
	// Version is set only for a pinned ("==" or "===") requirement.
	Version string
	// Specifier is the version specifier as written (">=1.0,<2"), for
	// reporting unpinned requirements.
	Specifier string
	Line      int
	Hashes    map[string]string
}

// Include is a "-r"/"--requirement" reference to another file.
type Include struct {
	Path string // as written, relative to the including file
	Line int
}

// File is what one requirements file declares.
type File struct {
	Requirements []Requirement
	Includes     []Include
	// Skipped are logical lines that name no pinned package (URLs, local
	// paths, editable installs, unpinned requirements), for Debug logs.
	Skipped []Skipped
}

// Skipped is a line that yields no package, and why.
type Skipped struct {
	Line   int
	Text   string
	Reason string
}

// Parse reads one requirements file. Lines are joined at a trailing
// backslash and comments removed; each requirement keeps the line it
// starts on.
func Parse(path string, r io.Reader) (*File, error) {
	sc := bufio.NewScanner(io.LimitReader(r, MaxSize+1))
	sc.Buffer(make([]byte, 0, 4096), MaxLineLen)
	f := &File{}
	var (
		logical strings.Builder
		start   int
		n       int
		read    int
	)
	flush := func() {
		if logical.Len() > 0 || start > 0 {
			f.parseLine(logical.String(), start)
		}
		logical.Reset()
		start = 0
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		read += len(line) + 1
		if read > MaxSize+1 {
			return nil, &inventory.ParseError{Path: path, Line: n, Err: fmt.Errorf("%w: over %d bytes", inventory.ErrTooLarge, MaxSize)}
		}
		if start == 0 {
			start = n
		}
		if strings.HasSuffix(line, `\`) {
			logical.WriteString(line[:len(line)-1])
			if logical.Len() > MaxLineLen {
				return nil, &inventory.ParseError{Path: path, Line: start, Err: fmt.Errorf("continued line longer than %d bytes", MaxLineLen)}
			}
			continue
		}
		logical.WriteString(line)
		flush()
	}
	if err := sc.Err(); err != nil {
		return nil, &inventory.ParseError{Path: path, Line: n + 1, Err: err}
	}
	flush()
	return f, nil
}

func (f *File) parseLine(s string, line int) {
	s = stripComment(s)
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	if s[0] == '-' {
		if ref, ok := includeRef(s); ok {
			f.Includes = append(f.Includes, Include{Path: ref, Line: line})
			return
		}
		f.skip(line, s, "option")
		return
	}
	// Per-requirement options start at the first " -" / " --".
	req, opts := s, ""
	if i := strings.Index(s, " -"); i >= 0 {
		req, opts = strings.TrimSpace(s[:i]), s[i:]
	}
	// Environment markers.
	if i := strings.IndexByte(req, ';'); i >= 0 {
		req = strings.TrimSpace(req[:i])
	}
	if strings.Contains(req, "://") || strings.HasPrefix(req, ".") || strings.HasPrefix(req, "/") || strings.Contains(req, " @ ") || strings.Contains(req, "@ ") {
		f.skip(line, s, "URL or path requirement")
		return
	}
	name, spec := splitName(req)
	if name == "" || !validName(name) {
		f.skip(line, s, "not a requirement")
		return
	}
	r := Requirement{Name: name, Specifier: spec, Line: line, Hashes: hashes(opts)}
	if v, ok := pinned(spec); ok {
		r.Version = v
		f.Requirements = append(f.Requirements, r)
		return
	}
	f.skip(line, s, "not pinned with ==")
}

func (f *File) skip(line int, text, reason string) {
	f.Skipped = append(f.Skipped, Skipped{Line: line, Text: text, Reason: reason})
}

// includeRef recognises "-r x", "-rx", "--requirement x", "--requirement=x".
func includeRef(s string) (string, bool) {
	var rest string
	switch {
	case strings.HasPrefix(s, "--requirement"):
		rest = s[len("--requirement"):]
		if rest != "" && rest[0] != ' ' && rest[0] != '=' && rest[0] != '\t' {
			return "", false
		}
	case strings.HasPrefix(s, "-r"):
		rest = s[len("-r"):]
	default:
		return "", false
	}
	rest = strings.TrimLeft(rest, " \t=")
	if i := strings.IndexAny(rest, " \t"); i >= 0 {
		rest = rest[:i]
	}
	return rest, rest != ""
}

// stripComment removes a "#" comment that starts the line or follows
// whitespace (as pip does; "#" inside a URL fragment stays).
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			return s[:i]
		}
	}
	return s
}

// splitName splits "name[extra] (>=1.0)" into the name and the specifier
// with extras, parentheses and spaces removed.
func splitName(req string) (string, string) {
	i := strings.IndexAny(req, "[<>=!~ (\t")
	if i < 0 {
		return req, ""
	}
	name, rest := req[:i], req[i:]
	if strings.HasPrefix(strings.TrimSpace(rest), "[") {
		rest = strings.TrimSpace(rest)
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return "", ""
		}
		rest = rest[j+1:]
	}
	rest = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '(' || r == ')' {
			return -1
		}
		return r
	}, rest)
	return name, rest
}

// pinned reports the version of a specifier that pins exactly one
// version: "==1.2.3" or "===1.2.3" (no wildcard, no other clause).
func pinned(spec string) (string, bool) {
	if strings.Contains(spec, ",") {
		return "", false
	}
	var v string
	switch {
	case strings.HasPrefix(spec, "==="):
		v = spec[3:]
	case strings.HasPrefix(spec, "=="):
		v = spec[2:]
	default:
		return "", false
	}
	if v == "" || strings.ContainsAny(v, "*$") {
		return "", false
	}
	return v, true
}

// validName accepts PEP 508 names: letters, digits, ".", "_", "-",
// starting and ending with a letter or digit.
func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && ((c != '.' && c != '_' && c != '-') || i == 0 || i == len(s)-1) {
			return false
		}
	}
	return s != ""
}

// hashes reads "--hash=alg:hex" options (first of each algorithm).
func hashes(opts string) map[string]string {
	var out map[string]string
	for _, f := range strings.Fields(opts) {
		h, ok := strings.CutPrefix(f, "--hash=")
		if !ok {
			continue
		}
		alg, hex, ok := strings.Cut(h, ":")
		if !ok || alg == "" || hex == "" {
			continue
		}
		if out == nil {
			out = make(map[string]string, 1)
		}
		if _, dup := out[alg]; !dup {
			out[alg] = strings.ToLower(hex)
		}
	}
	return out
}

// Packages turns a file's pinned requirements into packages at path.
func (f *File) Packages(path string) []inventory.Package {
	pkgs := make([]inventory.Package, 0, len(f.Requirements))
	for _, r := range f.Requirements {
		pkgs = append(pkgs, inventory.Package{
			Name:         r.Name,
			Version:      r.Version,
			Ecosystem:    Ecosystem,
			PURL:         purl.For(Ecosystem, r.Name, r.Version),
			Locations:    []inventory.Location{{Path: path, Line: r.Line}},
			Relationship: inventory.RelDirect,
			Hashes:       r.Hashes,
		})
	}
	return pkgs
}

package dpkg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxLine bounds one line of a status file.
const MaxLine = 1 << 20

// Entry is one package stanza of a dpkg status file.
type Entry struct {
	Package       string
	Version       string
	Architecture  string
	Status        string
	Source        string
	SourceVersion string
	// Line is the 1-based line of the stanza's first field.
	Line int
}

// Installed reports whether the stanza describes an installed package. The
// distroless status.d files carry no Status field and are all installed.
func (e *Entry) Installed() bool {
	if e.Status == "" {
		return true
	}
	f := strings.Fields(e.Status)
	return len(f) == 3 && f[2] == "installed"
}

// Parse reads a dpkg status file (deb822 stanzas separated by blank lines)
// and returns its stanzas in file order. Stanzas without Package or
// Version are skipped.
func Parse(r io.Reader) ([]Entry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	var out []Entry
	var cur Entry
	inStanza := false
	flush := func() {
		if inStanza && cur.Package != "" && cur.Version != "" {
			if cur.Source == "" {
				cur.Source = cur.Package
			}
			if cur.SourceVersion == "" {
				cur.SourceVersion = cur.Version
			}
			out = append(out, cur)
		}
		cur = Entry{}
		inStanza = false
	}
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			flush()
			continue
		}
		if b[0] == ' ' || b[0] == '\t' {
			if !inStanza {
				return nil, fmt.Errorf("line %d: continuation line outside a stanza", line)
			}
			continue // continuation of a field we do not need
		}
		k, v, ok := strings.Cut(string(b), ":")
		if !ok {
			return nil, fmt.Errorf("line %d: %w", line, errNoColon)
		}
		if !inStanza {
			inStanza = true
			cur.Line = line
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Package":
			cur.Package = v
		case "Version":
			cur.Version = v
		case "Architecture":
			cur.Architecture = v
		case "Status":
			cur.Status = v
		case "Source":
			// "Source: foo" or "Source: foo (1.2-3)"
			name, ver, hasVer := strings.Cut(v, " ")
			cur.Source = name
			if hasVer {
				ver = strings.TrimSpace(ver)
				ver = strings.TrimPrefix(ver, "(")
				ver = strings.TrimSuffix(ver, ")")
				cur.SourceVersion = strings.TrimSpace(ver)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	flush()
	return out, nil
}

var errNoColon = errors.New("field without colon")

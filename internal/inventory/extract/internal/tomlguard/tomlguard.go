// Package tomlguard holds helpers for reading TOML lockfiles safely. It
// rejects TOML documents nested too deeply before they
// reach the TOML decoder: github.com/BurntSushi/toml has no nesting limit
// and takes minutes on a megabyte of "[" (see
// docs/decisions/toml-depth-guard.md).
package tomlguard

import (
	"bytes"
	"fmt"
)

// MaxDepth is the deepest array/inline-table nesting accepted. Lockfiles
// need about 4.
const MaxDepth = 64

// DepthError is returned for a document nested deeper than MaxDepth.
type DepthError struct {
	Line int
}

func (e *DepthError) Error() string {
	return fmt.Sprintf("arrays or inline tables nested deeper than %d", MaxDepth)
}

// Check scans b once, tracking "[" and "{" nesting outside strings and
// comments, and returns a *DepthError at the first line that goes deeper
// than MaxDepth. It does not validate TOML otherwise.
func Check(b []byte) error {
	depth, line := 0, 1
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '\n':
			line++
		case '#':
			for i < len(b) && b[i] != '\n' {
				i++
			}
			i-- // let the loop see the newline
		case '[', '{':
			depth++
			if depth > MaxDepth {
				return &DepthError{Line: line}
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		case '"', '\'':
			triple := i+2 < len(b) && b[i+1] == c && b[i+2] == c
			if triple {
				i += 3
			} else {
				i++
			}
			for ; i < len(b); i++ {
				if b[i] == '\n' {
					line++
					if !triple {
						break // unterminated: let the decoder report it
					}
				}
				if c == '"' && b[i] == '\\' {
					i++
					if i < len(b) && b[i] == '\n' {
						line++
					}
					continue
				}
				if b[i] == c {
					if !triple {
						break
					}
					if i+2 < len(b) && b[i+1] == c && b[i+2] == c {
						i += 2
						// """" and """"" end with extra quotes inside.
						for i+1 < len(b) && b[i+1] == c {
							i++
						}
						break
					}
				}
			}
		}
	}
	return nil
}

// HeaderLines returns the 1-based lines (BurntSushi/toml gives no
// positions for decoded values) holding exactly header (ignoring
// surrounding spaces), in order: the lines of the array-of-tables entries.
func HeaderLines(b []byte, header string) []int {
	var out []int
	for n := 1; len(b) > 0; n++ {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if string(bytes.TrimSpace(line)) == header {
			out = append(out, n)
		}
	}
	return out
}

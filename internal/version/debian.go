package version

import (
	"errors"
	"strings"

	"github.com/google/osv-scalibr/semantic"
)

// debian is a dpkg version, [epoch:]upstream[-revision], compared with
// dpkg's verrevcmp (lib/dpkg/version.c) directly on the strings. It
// replaces semantic's DebianVersion, which gives the same order (the
// differential fuzz target FuzzDebianSemantic checks this) but parses
// every digit run into a big.Int on every comparison; Debian is the
// scheme of most packages in a container scan.
type debian struct {
	epoch    string // digits without leading zeros; "" is 0
	upstream string
	revision string
}

// parseDebian accepts what semantic accepts: an optional all-digit epoch
// before the first ":", a revision after the last "-" (absent equals
// "0"), surrounding space trimmed.
func parseDebian(s string) (semantic.Version, error) {
	s = strings.TrimSpace(s)
	var v debian
	if e, rest, ok := strings.Cut(s, ":"); ok {
		if !isAllDigits(e) {
			return nil, errors.New("epoch is not a number")
		}
		v.epoch = strings.TrimLeft(e, "0")
		s = rest
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		v.upstream, v.revision = s[:i], s[i+1:]
	} else {
		v.upstream = s
	}
	return &v, nil
}

// Compare implements semantic.Version.
func (v *debian) Compare(o semantic.Version) (int, error) {
	w, ok := o.(*debian)
	if !ok {
		return 0, semantic.ErrNotSameEcosystem
	}
	if c := cmpNum(v.epoch, w.epoch); c != 0 {
		return c, nil
	}
	if c := verrevcmp(v.upstream, w.upstream); c != 0 {
		return c, nil
	}
	return verrevcmp(v.revision, w.revision), nil
}

// CompareStr implements semantic.Version.
func (v *debian) CompareStr(s string) (int, error) {
	w, err := parseDebian(s)
	if err != nil {
		return 0, err
	}
	return v.Compare(w)
}

// debOrder is dpkg's order(): "~" sorts before everything, even the end
// of the string; letters sort before all other characters.
func debOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case isDigit(c):
		return 0
	case isLetter(c):
		return int(c)
	case c == '~':
		return -1
	}
	return int(c) + 256
}

// verrevcmp is dpkg's comparison of an upstream version or a revision:
// alternating non-digit runs (compared by debOrder) and digit runs
// (compared numerically), -1, 0 or +1.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isDigit(a[i]) || j < len(b) && !isDigit(b[j]) {
			ac, bc := debOrder(a, i), debOrder(b, j)
			if ac != bc {
				if ac < bc {
					return -1
				}
				return 1
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		firstDiff := 0
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			if firstDiff < 0 {
				return -1
			}
			return 1
		}
	}
	return 0
}

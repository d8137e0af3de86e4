package version

import (
	"strings"

	"github.com/google/osv-scalibr/semantic"
)

// semver is a SemVer 2.0.0 version, parsed leniently the way
// osv-scalibr/semantic does (an optional "v", any number of numeric parts,
// then anything else as pre-release and build), but compared without
// big.Int and with the spec's rule that an identifier is numeric only when
// it is all digits (semantic reads "-1" as the number -1).
type semver struct {
	nums  []string // numeric parts, leading zeros removed ("" is 0)
	pre   string   // pre-release, without the leading "-"
	fold  bool     // compare pre-release case-insensitively (NuGet)
	parts int      // number of numeric parts that are compared (3, or 4 for NuGet)
}

func parseSemver(parts int, fold bool) func(string) (semantic.Version, error) {
	return func(s string) (semantic.Version, error) {
		v := &semver{parts: parts, fold: fold}
		s = strings.TrimPrefix(s, "v")
		i := 0
		for i < len(s) {
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j > i {
				v.nums = append(v.nums, strings.TrimLeft(s[i:j], "0"))
			}
			i = j
			if i < len(s) && s[i] == '.' {
				i++
				continue
			}
			break
		}
		rest := s[i:]
		if len(v.nums) > parts {
			// Extra numeric parts count as build metadata, as in semantic.
			v.nums = v.nums[:parts]
		}
		if k := strings.IndexByte(rest, '+'); k >= 0 {
			rest = rest[:k]
		}
		v.pre = strings.TrimPrefix(rest, "-")
		if fold {
			v.pre = strings.ToLower(v.pre)
		}
		return v, nil
	}
}

// Compare implements semantic.Version.
func (v *semver) Compare(o semantic.Version) (int, error) {
	w, ok := o.(*semver)
	if !ok {
		return 0, semantic.ErrNotSameEcosystem
	}
	for i := range v.parts {
		if c := cmpNum(at(v.nums, i), at(w.nums, i)); c != 0 {
			return c, nil
		}
	}
	return comparePre(v.pre, w.pre), nil
}

// CompareStr implements semantic.Version.
func (v *semver) CompareStr(s string) (int, error) {
	w, _ := parseSemver(v.parts, v.fold)(s)
	return v.Compare(w)
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// cmpNum compares two decimal digit strings without leading zeros.
func cmpNum(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// comparePre compares pre-release strings by SemVer 2.0.0 §11.
func comparePre(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	for {
		ai, arest, amore := strings.Cut(a, ".")
		bi, brest, bmore := strings.Cut(b, ".")
		an, bn := isDigits(ai), isDigits(bi)
		var c int
		switch {
		case an && bn:
			c = cmpNum(strings.TrimLeft(ai, "0"), strings.TrimLeft(bi, "0"))
		case an:
			c = -1
		case bn:
			c = 1
		default:
			c = strings.Compare(ai, bi)
		}
		if c != 0 {
			return c
		}
		switch {
		case !amore && !bmore:
			return 0
		case !amore:
			return -1
		case !bmore:
			return 1
		}
		a, b = arest, brest
	}
}

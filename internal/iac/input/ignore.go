package input

import (
	"bytes"
	"strings"
)

// IgnoreMarker starts an inline suppression comment:
//
//	# vigil:ignore:VGL-K8S-001 reason text
//	// vigil:ignore:VGL-TF-003,VGL-TF-004 reason text
const IgnoreMarker = "vigil:ignore:"

// Ignores holds the suppression comments of one file.
type Ignores struct {
	byLine  map[int][]Ignore
	comment map[int]bool // lines holding only a comment
}

// Ignore is one suppressed check id on a line.
type Ignore struct {
	CheckID string
	Reason  string
}

// ParseIgnores finds `vigil:ignore:ID reason` comments in src. Comments start
// with `#` or `//` (YAML, HCL, Dockerfile). It returns the zero Ignores when
// the file has none, which is the fast path.
func ParseIgnores(src []byte) Ignores {
	if !bytes.Contains(src, []byte(IgnoreMarker)) {
		return Ignores{}
	}
	ig := Ignores{byLine: map[int][]Ignore{}, comment: map[int]bool{}}
	line := 0
	for len(src) > 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			l, src = src[:i], src[i+1:]
		} else {
			l, src = src, nil
		}
		t := bytes.TrimSpace(l)
		if bytes.HasPrefix(t, []byte("#")) || bytes.HasPrefix(t, []byte("//")) {
			ig.comment[line] = true
		}
		m := bytes.Index(l, []byte(IgnoreMarker))
		if m < 0 {
			continue
		}
		before := l[:m]
		if !bytes.Contains(before, []byte("#")) && !bytes.Contains(before, []byte("//")) {
			continue // not in a comment
		}
		rest := strings.TrimSpace(string(l[m+len(IgnoreMarker):]))
		ids, reason, _ := strings.Cut(rest, " ")
		reason = strings.TrimSpace(reason)
		for id := range strings.SplitSeq(ids, ",") {
			if id = strings.TrimSpace(id); id != "" {
				ig.byLine[line] = append(ig.byLine[line], Ignore{CheckID: id, Reason: reason})
			}
		}
	}
	return ig
}

// Empty reports whether the file has no suppressions.
func (ig Ignores) Empty() bool { return len(ig.byLine) == 0 }

// Match looks for a suppression of checkID on one of the given lines or in
// the block of comment-only lines directly above it. The ids "*" and "all"
// suppress every check.
func (ig Ignores) Match(checkID string, lines ...int) (Ignore, bool) {
	if len(ig.byLine) == 0 {
		return Ignore{}, false
	}
	for _, l := range lines {
		if l <= 0 {
			continue
		}
		if ign, ok := ig.matchLine(checkID, l); ok {
			return ign, true
		}
		for a := l - 1; a > 0 && ig.comment[a]; a-- {
			if ign, ok := ig.matchLine(checkID, a); ok {
				return ign, true
			}
		}
	}
	return Ignore{}, false
}

func (ig Ignores) matchLine(checkID string, line int) (Ignore, bool) {
	for _, ign := range ig.byLine[line] {
		if strings.EqualFold(ign.CheckID, checkID) || ign.CheckID == "*" {
			return ign, true
		}
	}
	return Ignore{}, false
}

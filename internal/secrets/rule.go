package secrets

import (
	"regexp"
	"slices"

	"github.com/vigil-sec/vigil/internal/severity"
)

// Rule is the public description of one detection rule, for documentation
// and SARIF rule metadata.
type Rule struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Severity    severity.Level `json:"severity"`
}

// rule is a compiled detection rule.
type rule struct {
	Rule
	// keywords gate the regexp: it only runs on lines holding one of them.
	// Matching is case-insensitive unless the keyword is listed in
	// caseSensitive too.
	keywords      []string
	caseSensitive bool
	pattern       string
	re            *regexp.Regexp
	// anchor says where the regexp starts relative to a keyword hit; see
	// anchorMode. prev, if set, must accept the byte before an
	// anchorKeyword match (a word boundary, for example).
	anchor anchorMode
	prev   func(b byte) bool
	// group is the submatch holding the secret (0: the first submatch,
	// or the whole match when there is none). altGroups, if set, lists
	// submatches of alternatives: the first that participated holds it.
	group     int
	altGroups []int
	// minEntropy is the Shannon entropy (bits/byte) the secret must reach.
	minEntropy float64
	// check, if set, must accept the match.
	check func(m *matchInfo) bool
	// normalize, if set, maps the raw secret to the canonical form used for
	// the fingerprint (for example a PEM body without line breaks).
	normalize func(secret []byte) []byte
	// multiline rules may match across lines; their window is up to
	// multilineWindow bytes from the start of the keyword's line.
	multiline bool
	// windowLines, if set, limits a multiline rule's window to the
	// keyword's line and this many following lines.
	windowLines int
	// reportSecret makes a multiline rule report the secret's position
	// rather than the start of the whole match.
	reportSecret bool
	// contextual rules rely on a variable name rather than a token format.
	// They are off in minified bundles and lockfiles.
	contextual bool
	// placeholderOK skips the generic placeholder filter (for rules whose
	// check does its own).
	placeholderOK bool
}

const multilineWindow = 64 << 10

// anchorMode: Go's regexp has no DFA, so scanning a whole line costs far
// more than matching from a known start. Most rules know where their match
// starts relative to the keyword, and run anchored there.
type anchorMode uint8

const (
	// anchorNone runs the regexp over the keyword's whole line.
	anchorNone anchorMode = iota
	// anchorKeyword: the match starts where the keyword starts.
	anchorKeyword
	// anchorName: the match starts at the beginning of the identifier
	// (letters, digits, _ . - +) that holds the keyword, at most
	// maxNameBack bytes before it.
	anchorName
)

const maxNameBack = 40

func notWordChar(b byte) bool {
	return !(('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9') || b == '_')
}

func notTokenChar(b byte) bool { return notWordChar(b) && b != '-' }

func isNameChar(b byte) bool {
	return ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9') || b == '_' || b == '.' || b == '-' || b == '+'
}

// Rules returns the metadata of every built-in rule, sorted by ID.
func Rules() []Rule {
	out := make([]Rule, 0, len(builtinRules))
	for _, d := range builtinRules {
		out = append(out, d.Rule)
	}
	slices.SortFunc(out, func(a, b Rule) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// matchInfo is one regexp match handed to a rule's check.
type matchInfo struct {
	line   []byte // the keyword's line (clipped on very long lines)
	winOff int    // offset of window in line
	window []byte // the text the regexp ran on
	loc    []int  // submatch offsets into window
	secret []byte // the secret submatch
	kind   fileKind
}

// sub returns submatch i, or nil when it did not participate.
func (m *matchInfo) sub(i int) []byte {
	if 2*i+1 >= len(m.loc) || m.loc[2*i] < 0 {
		return nil
	}
	return m.window[m.loc[2*i]:m.loc[2*i+1]]
}

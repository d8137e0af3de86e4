// Package secrets finds credentials in files, git history and container
// image layers.
//
// A Scanner compiles the rule set once. Each file is searched for the
// rules' keywords with one Aho–Corasick pass; a rule's regular expression
// only runs on the lines where one of its keywords occurs. Matches are then
// filtered by entropy, format checks (for example GitHub's CRC32) and a
// placeholder allowlist. Findings never carry a secret in full: Match is a
// short prefix and Fingerprint a truncated SHA-256.
package secrets

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/vigil-sec/vigil/internal/severity"
)

// DefaultMaxFileSize is the size above which files are skipped.
const DefaultMaxFileSize = 10 << 20

// sniffLen is how much of a file is inspected to decide it is binary.
const sniffLen = 8 << 10

// Options configure a Scanner. The zero value is usable.
type Options struct {
	// MaxFileSize skips larger files (and larger blobs in history and
	// layers). Zero means DefaultMaxFileSize; negative means no limit.
	MaxFileSize int64
	// SkipDir, when set, prunes more directories of ScanFS (--skip-dirs,
	// pseudo-filesystems and other mounts of a root filesystem).
	SkipDir func(p string, d fs.DirEntry) bool
	// ScanBinary scans files that look binary (a NUL byte in the first
	// 8 KiB) instead of skipping them.
	ScanBinary bool
	// Workers bounds parallelism in ScanFS. Zero means GOMAXPROCS.
	Workers int
	// DisabledRules turns rules off by ID. Unknown IDs are an error.
	DisabledRules []string
	// EnabledRules, when not empty, keeps only these rules (before
	// DisabledRules applies). Unknown IDs are an error.
	EnabledRules []string
	// Logger receives skip and progress messages. Nil discards.
	Logger *slog.Logger
}

// Finding is one detected secret. It never holds the secret itself.
type Finding struct {
	RuleID    string         `json:"ruleID"`
	Title     string         `json:"title"`
	Severity  severity.Level `json:"severity"`
	Path      string         `json:"path"`
	Line      int            `json:"line"`      // 1-based
	Column    int            `json:"column"`    // 1-based, in bytes
	EndLine   int            `json:"endLine"`   // 1-based, inclusive
	EndColumn int            `json:"endColumn"` // 1-based, exclusive, in bytes
	// Match is a redacted form of the secret: a short prefix and "…".
	Match string `json:"match"`
	// Fingerprint identifies the secret for ignores and baselines:
	// "sha256:" + 16 hex digits of sha256(RuleID + ":" + secret). It does
	// not depend on the file, line or commit.
	Fingerprint string `json:"fingerprint"`
	// Set for git history findings.
	Commit string `json:"commit,omitempty"`
	Author string `json:"author,omitempty"`
	Date   string `json:"date,omitempty"` // author date, RFC 3339
	// Set for container image layer findings.
	Layer string `json:"layer,omitempty"`
}

// FileError records a file that could not be scanned.
type FileError struct {
	Path string `json:"path"`
	Err  error  `json:"-"`
}

func (e FileError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e FileError) Unwrap() error { return e.Err }

// Scanner scans content for secrets. It is safe for concurrent use.
type Scanner struct {
	rules   []*rule
	kw      *keywordMatcher
	kwRules [][]kwRule // keyword id -> rules using it
	maxSize int64
	skipDir func(p string, d fs.DirEntry) bool
	binary  bool
	workers int
	log     *slog.Logger
	pool    sync.Pool // *scratch
}

type kwRule struct {
	rule int32
	cs   string // exact bytes required when the keyword is case-sensitive
}

// New prepares a scanner. The full rule set is compiled once per process
// and shared; a scanner with EnabledRules or DisabledRules compiles its own.
func New(opts Options) (*Scanner, error) {
	known := make(map[string]bool, len(builtinRules))
	for _, r := range builtinRules {
		known[r.ID] = true
	}
	var errs []error
	for _, id := range append(slices.Clone(opts.EnabledRules), opts.DisabledRules...) {
		if !known[id] {
			errs = append(errs, fmt.Errorf("unknown secret rule %q", id))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s := &Scanner{
		maxSize: opts.MaxFileSize,
		skipDir: opts.SkipDir,
		binary:  opts.ScanBinary,
		workers: opts.Workers,
		log:     opts.Logger,
	}
	if s.maxSize == 0 {
		s.maxSize = DefaultMaxFileSize
	}
	if s.workers <= 0 {
		s.workers = runtime.GOMAXPROCS(0)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	rs, err := defaultRules()
	if len(opts.EnabledRules) > 0 || len(opts.DisabledRules) > 0 {
		rs, err = compileRules(opts.EnabledRules, opts.DisabledRules)
	}
	if err != nil {
		return nil, err
	}
	s.rules, s.kw, s.kwRules = rs.rules, rs.kw, rs.kwRules
	s.pool.New = func() any { return &scratch{lastEnd: make([]int, len(s.rules))} }
	return s, nil
}

// ruleSet is a compiled set of rules and its keyword automaton; read-only
// once built, so scanners share it.
type ruleSet struct {
	rules   []*rule
	kw      *keywordMatcher
	kwRules [][]kwRule
}

// defaultRules compiles every built-in rule once per process (10+ ms): the
// scanners of one run (files, image layers, Dockerfile ENV values) share it.
var defaultRules = sync.OnceValues(func() (*ruleSet, error) { return compileRules(nil, nil) })

// compileRules compiles the built-in rules, keeping only enabled ones (all
// when empty) and dropping disabled ones.
func compileRules(enabled, disabled []string) (*ruleSet, error) {
	rs := &ruleSet{}
	for _, def := range builtinRules {
		if len(enabled) > 0 && !slices.Contains(enabled, def.ID) {
			continue
		}
		if slices.Contains(disabled, def.ID) {
			continue
		}
		pat := def.pattern
		if def.anchor != anchorNone {
			pat = `^(?:` + pat + `)`
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return nil, fmt.Errorf("compile secret rule %q: %w", def.ID, err)
		}
		r := *def
		r.re = re
		rs.rules = append(rs.rules, &r)
	}
	var kws []string
	kwID := map[string]int{}
	for ri, r := range rs.rules {
		for _, k := range r.keywords {
			lk := strings.ToLower(k)
			id, ok := kwID[lk]
			if !ok {
				id = len(kws)
				kwID[lk] = id
				kws = append(kws, lk)
				rs.kwRules = append(rs.kwRules, nil)
			}
			kr := kwRule{rule: int32(ri)}
			if r.caseSensitive {
				kr.cs = k
			}
			rs.kwRules[id] = append(rs.kwRules[id], kr)
		}
	}
	rs.kw = newKeywordMatcher(kws)
	return rs, nil
}

// scratch holds per-goroutine buffers reused across files.
type scratch struct {
	buf     []byte
	hits    []hit
	cands   []cand
	raws    []raw
	lastEnd []int
}

type cand struct {
	rule               int32
	start, end         int // regexp window
	lineStart, lineEnd int // the keyword's line, clipped
}

// raw is a match before line/column resolution.
type raw struct {
	rule         int32
	start, end   int // span reported (whole match for multiline rules)
	secretStart  int
	secret       []byte // canonical secret (for the fingerprint)
	secretForMsg []byte // secret as written (for the redacted prefix)
}

// fileKind flags that change which rules run.
type fileKind uint8

const (
	kindMinified fileKind = 1 << iota
	kindLockfile
	kindTest    // a test file or fixture directory
	kindVectors // a file of published test vectors
	kindCode    // program source: bare identifiers are not literals

	// skipContextual are the kinds where context-based rules do not run.
	skipContextual = kindMinified | kindLockfile | kindTest | kindVectors
)

var lockfiles = map[string]bool{
	"package-lock.json": true, "npm-shrinkwrap.json": true, "yarn.lock": true, "pnpm-lock.yaml": true,
	"bun.lock": true, "go.sum": true, "cargo.lock": true, "poetry.lock": true, "pipfile.lock": true,
	"uv.lock": true, "pdm.lock": true, "composer.lock": true, "gemfile.lock": true, "packages.lock.json": true,
	"gradle.lockfile": true, "flake.lock": true, "mix.lock": true, "pubspec.lock": true, "podfile.lock": true,
	"package.resolved": true, "paket.lock": true, "conan.lock": true,
}

func classify(name string, data []byte) fileKind {
	var k fileKind
	base := strings.ToLower(path.Base(name))
	if lockfiles[base] {
		k |= kindLockfile
	}
	if strings.HasSuffix(base, ".min.js") || strings.HasSuffix(base, ".min.css") || strings.HasSuffix(base, ".min.mjs") ||
		strings.HasSuffix(base, "-min.js") || strings.HasSuffix(base, ".bundle.js") || strings.HasSuffix(base, ".chunk.js") ||
		strings.HasSuffix(base, ".js.map") || strings.HasSuffix(base, ".css.map") {
		k |= kindMinified
	} else if len(data) > 1024 {
		// Minified bundles are a few very long lines.
		// Minified bundles are a few very long lines of code (not, say,
		// a compact JSON document).
		if nl := bytes.Count(data, []byte{'\n'}); len(data)/(nl+1) > 500 &&
			(bytes.Contains(data, []byte("function")) || bytes.Contains(data, []byte("=>")) || strings.HasSuffix(base, ".js") || strings.HasSuffix(base, ".css")) {
			k |= kindMinified
		}
	}
	if isTestPath(name) {
		k |= kindTest
	}
	if codeExts[strings.TrimPrefix(path.Ext(base), ".")] {
		k |= kindCode
	}
	head := data[:min(len(data), 4096)]
	var tmp [4096]byte
	lh := lowerASCII(tmp[:0], head)
	if strings.Contains(base, "vector") || bytes.Contains(lh, []byte("wycheproof")) || bytes.Contains(lh, []byte(`"tcid"`)) {
		k |= kindVectors
	}
	return k
}

// codeExts are program source extensions: there, a bare identifier after
// "password =" is a variable, not a literal.
var codeExts = map[string]bool{
	"go": true, "py": true, "js": true, "jsx": true, "ts": true, "tsx": true, "mjs": true, "cjs": true, "java": true,
	"kt": true, "kts": true, "scala": true, "rb": true, "php": true, "cs": true, "c": true, "h": true, "cc": true,
	"cpp": true, "hpp": true, "rs": true, "swift": true, "m": true, "mm": true, "dart": true, "lua": true, "pl": true,
	"pm": true, "groovy": true, "ex": true, "exs": true, "erl": true, "hs": true, "clj": true, "fs": true, "vb": true,
	"vue": true, "svelte": true,
}

// isTestPath reports whether a path is a test file or lives in a test or
// fixture directory. Context-based rules are off there: test code is full
// of credentials-shaped fixtures. Format-specific rules still run.
func isTestPath(p string) bool {
	lp := strings.ToLower(p)
	for seg := range strings.SplitSeq(path.Dir(lp), "/") {
		switch seg {
		case "test", "tests", "testdata", "testing", "fixtures", "__fixtures__", "__tests__", "__mocks__", "spec", "specs", "mocks":
			return true
		}
	}
	base := path.Base(lp)
	stem := strings.TrimSuffix(base, path.Ext(base))
	return strings.HasSuffix(stem, "_test") || strings.HasPrefix(stem, "test_") || strings.HasSuffix(stem, ".test") ||
		strings.HasSuffix(stem, ".spec") || strings.HasSuffix(stem, "_spec") || strings.HasSuffix(stem, "tests") && strings.HasSuffix(base, ".py") ||
		stem == "conftest" || stem == "test" || stem == "tests"
}

// isBinary reports whether the head of a file looks binary.
func isBinary(head []byte) bool {
	return bytes.IndexByte(head[:min(len(head), sniffLen)], 0) >= 0
}

// longLine is the line length above which windows are cut around the hit.
const longLine = 4096

// scanBytes finds secrets in data and appends them to out. Line numbers are
// relative to data, offset by lineBase.
//
// Only findings starting before limit are kept (limit < 0: no limit); the
// chunked reader uses it so that each finding belongs to one chunk.
func (s *Scanner) scanBytes(st *scratch, name string, data []byte, lineBase, limit int, tmpl Finding, out []Finding) []Finding {
	if len(data) == 0 {
		return out
	}
	kind := classify(name, data)
	st.hits = s.kw.find(data, st.hits[:0])
	if len(st.hits) == 0 {
		return out
	}
	for i := range st.lastEnd {
		st.lastEnd[i] = -1
	}
	st.cands = st.cands[:0]
	for _, h := range st.hits {
		klen := len(s.kw.keywords[h.kw])
		kstart := int(h.end) - klen
		for _, kr := range s.kwRules[h.kw] {
			if kr.cs != "" && string(data[kstart:h.end]) != kr.cs {
				continue
			}
			r := s.rules[kr.rule]
			if r.contextual && kind&skipContextual != 0 {
				continue
			}
			var start int
			switch r.anchor {
			case anchorKeyword:
				if r.prev != nil && kstart > 0 && !r.prev(data[kstart-1]) {
					continue
				}
				start = kstart
			case anchorName:
				start = kstart
				for start > 0 && kstart-start < maxNameBack && isNameChar(data[start-1]) {
					start--
				}
			default:
				if kstart < st.lastEnd[kr.rule] {
					continue // already covered by this rule's previous window
				}
			}
			if r.anchor != anchorNone && start <= st.lastEnd[kr.rule] {
				continue // same anchor as this rule's previous candidate
			}
			ls := bytes.LastIndexByte(data[:kstart], '\n') + 1
			le := bytes.IndexByte(data[h.end:], '\n')
			if le < 0 {
				le = len(data)
			} else {
				le += int(h.end)
			}
			if le-ls > longLine {
				if r.contextual {
					continue // a line of bundled code, not an assignment
				}
				ls = max(ls, kstart-longLine/2)
				le = min(le, int(h.end)+longLine/2)
			}
			c := cand{rule: kr.rule, lineStart: ls, lineEnd: le, start: ls, end: le}
			if r.anchor != anchorNone {
				c.start = start
				st.lastEnd[kr.rule] = start
			}
			switch {
			case r.multiline && r.windowLines > 0:
				c.end = int(h.end)
				for n := 0; n <= r.windowLines && c.end < len(data); n++ {
					i := bytes.IndexByte(data[c.end:], '\n')
					if i < 0 {
						c.end = len(data)
						break
					}
					c.end += i + 1
				}
			case r.multiline:
				c.end = min(len(data), c.start+multilineWindow)
				// Let a later block that starts near the end of this window
				// get a window of its own.
				st.lastEnd[kr.rule] = max(ls+1, c.end-16<<10)
			case r.anchor == anchorNone:
				st.lastEnd[kr.rule] = le
			}
			st.cands = append(st.cands, c)
		}
	}
	st.raws = st.raws[:0]
	for _, c := range st.cands {
		r := s.rules[c.rule]
		win := data[c.start:c.end]
		line := data[c.lineStart:c.lineEnd]
		if r.anchor != anchorNone {
			if loc := r.re.FindSubmatchIndex(win); loc != nil {
				st.raws = s.appendRaw(st.raws, r, c, win, line, loc, kind)
			}
			continue
		}
		for _, loc := range r.re.FindAllSubmatchIndex(win, -1) {
			st.raws = s.appendRaw(st.raws, r, c, win, line, loc, kind)
		}
	}
	if len(st.raws) == 0 {
		return out
	}
	// Resolve overlaps: earlier rules (more specific) win.
	slices.SortFunc(st.raws, func(a, b raw) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.rule, b.rule), cmp.Compare(a.end, b.end))
	})
	kept := st.raws[:0]
	for _, rw := range st.raws {
		dup := false
		for j := len(kept) - 1; j >= 0; j-- {
			k := &kept[j]
			if k.end <= rw.start && !s.rules[k.rule].multiline {
				break
			}
			if rw.start < k.end && k.start < rw.end {
				if rw.rule < k.rule {
					*k = rw
				}
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, rw)
		}
	}
	slices.SortFunc(kept, func(a, b raw) int { return cmp.Compare(a.start, b.start) })
	// Resolve lines incrementally.
	line, lineStart, pos := 1, 0, 0
	advance := func(to int) {
		for pos < to {
			i := bytes.IndexByte(data[pos:to], '\n')
			if i < 0 {
				pos = to
				break
			}
			line++
			pos += i + 1
			lineStart = pos
		}
	}
	for _, rw := range kept {
		if limit >= 0 && rw.start >= limit {
			break
		}
		advance(rw.start)
		l, col := line, rw.start-lineStart+1
		lineEnd := bytes.IndexByte(data[rw.start:], '\n')
		if lineEnd < 0 {
			lineEnd = len(data)
		} else {
			lineEnd += rw.start
		}
		if bytes.Contains(data[lineStart:lineEnd], []byte("vigil:allow")) {
			continue
		}
		if !s.rules[rw.rule].multiline && lineHasMarker(data[lineStart:lineEnd]) {
			continue // documentation or test data
		}
		endLine := l + bytes.Count(data[rw.start:rw.end], []byte{'\n'})
		endCol := rw.end - (bytes.LastIndexByte(data[:rw.end], '\n') + 1) + 1
		r := s.rules[rw.rule]
		f := tmpl
		f.RuleID, f.Title, f.Severity = r.ID, r.Title, r.Severity
		f.Path = name
		f.Line, f.Column = l+lineBase, col
		f.EndLine, f.EndColumn = endLine+lineBase, endCol
		f.Match = redact(rw.secretForMsg)
		f.Fingerprint = Fingerprint(r.ID, rw.secret)
		out = append(out, f)
	}
	return out
}

// appendRaw validates one regexp match and records it.
func (s *Scanner) appendRaw(raws []raw, r *rule, c cand, win, line []byte, loc []int, kind fileKind) []raw {
	g := r.group
	if g == 0 {
		g = 1
	}
	for _, a := range r.altGroups {
		if 2*a+1 < len(loc) && loc[2*a] >= 0 {
			g = a
			break
		}
	}
	if 2*g+1 >= len(loc) || loc[2*g] < 0 {
		g = 0
	}
	m := matchInfo{line: line, winOff: c.start - c.lineStart, window: win, loc: loc, secret: win[loc[2*g]:loc[2*g+1]], kind: kind}
	if !s.accept(r, &m) {
		return raws
	}
	rw := raw{rule: c.rule, secretStart: c.start + loc[2*g], secretForMsg: m.secret, secret: m.secret}
	if r.multiline && !r.reportSecret {
		rw.start, rw.end = c.start+loc[0], c.start+loc[1]
	} else {
		rw.start, rw.end = c.start+loc[2*g], c.start+loc[2*g+1]
	}
	if r.normalize != nil {
		rw.secret = r.normalize(m.secret)
	}
	return append(raws, rw)
}

// accept applies a rule's filters to a match.
func (s *Scanner) accept(r *rule, m *matchInfo) bool {
	if len(m.secret) == 0 {
		return false
	}
	if !r.placeholderOK && isPlaceholder(m.secret) {
		return false
	}
	if r.minEntropy > 0 && entropy(m.secret) < r.minEntropy {
		return false
	}
	if inSRIHash(m) {
		return false
	}
	if r.check != nil && !r.check(m) {
		return false
	}
	return true
}

// inSRIHash reports whether the match sits inside a subresource-integrity
// or similar base64 digest ("sha512-...", "sha256:...", "h1:...").
func inSRIHash(m *matchInfo) bool {
	start := m.winOff + m.loc[0]
	if start < 0 || start > len(m.line) {
		return false
	}
	i := start
	for i > 0 {
		b := m.line[i-1]
		if isB64(b) || b == '-' || b == '_' || b == ':' {
			i--
			continue
		}
		break
	}
	tok := m.line[i:start]
	for _, p := range []string{"sha512-", "sha384-", "sha256-", "sha1-", "sha512:", "sha256:", "sha1:", "h1:", "md5-"} {
		if bytes.HasPrefix(tok, []byte(p)) {
			return true
		}
	}
	return false
}

func isB64(b byte) bool {
	return ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9') || b == '+' || b == '/' || b == '='
}

// ScanReader scans one stream. Inputs larger than MaxFileSize are rejected
// with ErrTooLarge; binary input yields no findings unless ScanBinary is
// set.
func (s *Scanner) ScanReader(ctx context.Context, name string, r io.Reader) ([]Finding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st := s.pool.Get().(*scratch)
	defer s.put(st)
	if s.maxSize >= 0 {
		r = &limitReader{r: r, n: s.maxSize}
	}
	out, err := s.scanStream(st, name, r, Finding{}, nil)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", name, err)
	}
	sortFindings(out)
	return out, nil
}

// limitReader fails with ErrTooLarge once more than n bytes are read.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, ErrTooLarge
	}
	return n, err
}

// Files are read in chunks of chunkSize; consecutive chunks overlap by at
// least chunkOverlap bytes (cut at a line start), so a secret up to that
// long is always whole in some chunk. Memory per worker stays at
// chunkSize+chunkOverlap whatever the file size.
const (
	chunkSize    = 4 << 20
	chunkOverlap = multilineWindow
)

// scanStream reads r in chunks and scans them. The head of the stream is
// sniffed for binary content first.
func (s *Scanner) scanStream(st *scratch, name string, r io.Reader, tmpl Finding, out []Finding) ([]Finding, error) {
	// Start small and grow to the chunk size only for large inputs, so
	// that scanning many small files never touches a 4 MiB buffer.
	if cap(st.buf) < 64<<10 {
		st.buf = make([]byte, 64<<10)
	}
	buf := st.buf[:cap(st.buf)]
	filled, lineBase := 0, 0
	first := true
	for {
		n, err := io.ReadFull(r, buf[filled:])
		filled += n
		eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !eof {
			return out, err
		}
		if first {
			first = false
			if !s.binary && isBinary(buf[:filled]) {
				s.log.Debug("skip binary file", "path", name)
				return out, nil
			}
		}
		if !eof && len(buf) < chunkSize+chunkOverlap {
			nb := make([]byte, min(2*len(buf), chunkSize+chunkOverlap))
			copy(nb, buf[:filled])
			buf, st.buf = nb, nb
			continue
		}
		data := buf[:filled]
		if eof {
			return s.scanBytes(st, name, data, lineBase, -1, tmpl, out), nil
		}
		// The next chunk starts at a line start at least chunkOverlap
		// before the end of this one (mid-line for a giant line).
		next := bytes.LastIndexByte(data[:filled-chunkOverlap], '\n') + 1
		if next <= 0 {
			next = filled - chunkOverlap
		}
		out = s.scanBytes(st, name, data, lineBase, next, tmpl, out)
		lineBase += bytes.Count(data[:next], []byte{'\n'})
		filled = copy(buf, data[next:])
	}
}

// put returns scratch to the pool, dropping buffers that grew unusually
// large so memory stays flat.
func (s *Scanner) put(st *scratch) {
	if cap(st.buf) > 2*(chunkSize+chunkOverlap) {
		st.buf = nil
	}
	if cap(st.hits) > 1<<16 {
		st.hits = nil
	}
	s.pool.Put(st)
}

func sortFindings(fs []Finding) {
	slices.SortFunc(fs, compareFindings)
}

func compareFindings(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.Layer, b.Layer),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.RuleID, b.RuleID),
		cmp.Compare(a.Date, b.Date),
		cmp.Compare(a.Commit, b.Commit),
	)
}

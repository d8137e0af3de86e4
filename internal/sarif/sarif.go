// Package sarif reads static-analysis results in SARIF 2.1.0 from any
// analyser (gosec, Semgrep, CodeQL, ...) and turns them into findings with
// a stable identity, a severity and their suppressions.
//
// The identity of a result (Fingerprint) survives a change of line: it is
// built from the result's partialFingerprints when the tool gives them
// (CodeQL's primaryLocationLineHash), else from the rule id, the file and
// the whitespace-collapsed snippet of the region, so a result that moves
// within its file stays the same finding. Severity follows GitHub code
// scanning: the rule's (or result's) security-severity score when there
// is one, else the result's level, else the rule's default level.
package sarif

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/severity"
)

// Limits of one document.
const (
	// MaxSize is the largest document read.
	MaxSize = 64 << 20
	// MaxDepth is the deepest nesting of JSON arrays and objects.
	MaxDepth = 64
	// MaxRuns is the most runs in one document.
	MaxRuns = 64
	// MaxResults is the most results in one document, all runs together
	// (the store's limit of findings per ingest).
	MaxResults = 100_000
	// maxSnippet bounds the snippet text kept for a fingerprint.
	maxSnippet = 4096
	// maxText bounds a message or title kept.
	maxText = 2000
	// maxToolName bounds a tool name (it is part of every finding key).
	maxToolName = 200
	// maxRuleID bounds a rule id.
	maxRuleID = 500
)

// Report is what a SARIF document says, run by run.
type Report struct {
	Runs []Run
}

// Run is the results of one tool run.
type Run struct {
	// Tool is run.tool.driver.name, ToolVersion its version.
	Tool        string
	ToolVersion string
	Findings    []Finding
}

// Finding is one result as a finding.
type Finding struct {
	Tool     string `json:"tool"`
	RuleID   string `json:"rule_id"`
	RuleName string `json:"rule_name,omitempty"`
	// Title is the rule's short description, else the message's first
	// line.
	Title   string `json:"title"`
	Message string `json:"message"`
	// Level is the effective SARIF level (error, warning, note, none).
	Level    string         `json:"level"`
	Severity severity.Level `json:"severity"`
	// SeverityFrom says what decided Severity: security-severity or level.
	SeverityFrom string `json:"severity_from"`
	Path         string `json:"path,omitempty"`
	StartLine    int    `json:"start_line,omitempty"`
	StartColumn  int    `json:"start_column,omitempty"`
	EndLine      int    `json:"end_line,omitempty"`
	// Snippet is the region's snippet, whitespace collapsed.
	Snippet string `json:"snippet,omitempty"`
	// Fingerprint identifies the result within its tool's results on one
	// artifact (hex); FingerprintFrom says what it was built from:
	// partialFingerprints, fingerprints, snippet, line or message.
	Fingerprint     string        `json:"fingerprint"`
	FingerprintFrom string        `json:"fingerprint_from"`
	HelpURI         string        `json:"help_uri,omitempty"`
	Tags            []string      `json:"tags,omitempty"`
	Suppressions    []Suppression `json:"suppressions,omitempty"`
	// Ref is where the result is in the document: runs[i].results[j].
	Ref string `json:"ref"`
}

// Suppression is a SARIF suppression of a result that is in force (status
// accepted, or no status).
type Suppression struct {
	// Kind is inSource or external.
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
	// Vigil marks a suppression `vigil ingest sarif` added from a
	// vigil.yaml ignore entry; Expires is that entry's expiry.
	Vigil   bool   `json:"vigil,omitempty"`
	Expires string `json:"expires,omitempty"`
}

// Key is the finding's key within its artifact: the tool and the
// fingerprint. Every key of one tool starts with KeyPrefix(tool).
func (f *Finding) Key() string { return KeyPrefix(f.Tool) + f.Fingerprint }

// KeyPrefix is the common prefix of the keys of one tool's findings; a
// "|" or "%" in the tool name is escaped so that no tool's prefix is
// another's.
func KeyPrefix(tool string) string {
	return "sarif|" + strings.NewReplacer("%", "%25", "|", "%7C").Replace(tool) + "|"
}

// Suppressed tells whether a suppression is in force.
func (f *Finding) Suppressed() bool { return len(f.Suppressions) > 0 }

// Tools lists the distinct tools of the report, in order.
func (r *Report) Tools() []string {
	var out []string
	for _, run := range r.Runs {
		if !slices.Contains(out, run.Tool) {
			out = append(out, run.Tool)
		}
	}
	return out
}

// Findings lists the findings of one tool, every run of it together.
func (r *Report) Findings(tool string) []Finding {
	var out []Finding
	for _, run := range r.Runs {
		if run.Tool == tool {
			out = append(out, run.Findings...)
		}
	}
	return out
}

// Parse reads a SARIF 2.1.0 document of at most MaxSize bytes. file names
// it in errors.
func Parse(r io.Reader, file string) (*Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if len(data) > MaxSize {
		return nil, &ParseError{File: file, Err: fmt.Errorf("%w: larger than %d bytes", ErrTooLarge, MaxSize)}
	}
	return ParseBytes(data, file)
}

// ParseBytes is Parse of a document in memory.
func ParseBytes(data []byte, file string) (*Report, error) {
	if len(data) > MaxSize {
		return nil, &ParseError{File: file, Err: fmt.Errorf("%w: larger than %d bytes", ErrTooLarge, MaxSize)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a BOM some Windows tools write
	if err := checkShape(data, file); err != nil {
		return nil, err
	}
	var doc sarifLog
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonError(data, file, err)
	}
	return convert(&doc, file)
}

// checkShape walks the tokens once: a syntax error with its position, and
// the depth limit, before anything is decoded.
func checkShape(data []byte, file string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if depth != 0 {
				return posError(data, file, len(data), errors.New("unexpected end of JSON input"))
			}
			return nil
		}
		if err != nil {
			// The decoder's offsets trail the error: json.Unmarshal's
			// are exact.
			if uerr := json.Unmarshal(data, new(json.RawMessage)); uerr != nil {
				err = uerr
			}
			return jsonError(data, file, err)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			if depth > MaxDepth {
				return posError(data, file, int(dec.InputOffset()), fmt.Errorf("%w: nested deeper than %d", ErrTooLarge, MaxDepth))
			}
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

// jsonError gives a decoder error its position.
func jsonError(data []byte, file string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return posError(data, file, int(se.Offset)-1, err) // Offset is past the bad byte
	case errors.As(err, &te):
		pe := posError(data, file, int(te.Offset), fmt.Errorf("want %s, got JSON %s", te.Type, te.Value)).(*ParseError)
		pe.Path = te.Field
		return pe
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return posError(data, file, len(data), err)
	}
	return &ParseError{File: file, Err: err}
}

func posError(data []byte, file string, off int, err error) error {
	off = min(max(off, 0), len(data))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - bytes.LastIndexByte(before, '\n')
	return &ParseError{File: file, Line: line, Column: col, Err: err}
}

// The SARIF 2.1.0 objects read; everything else is ignored.
type sarifLog struct {
	Version *string `json:"version"`
	Runs    []run   `json:"runs"`
}

type run struct {
	Tool *struct {
		Driver     *component  `json:"driver"`
		Extensions []component `json:"extensions"`
	} `json:"tool"`
	Results []result `json:"results"`
}

type component struct {
	Name            string `json:"name"`
	Version         string `json:"version"`
	SemanticVersion string `json:"semanticVersion"`
	Rules           []rule `json:"rules"`
}

type rule struct {
	ID                   string                  `json:"id"`
	Name                 string                  `json:"name"`
	ShortDescription     *message                `json:"shortDescription"`
	FullDescription      *message                `json:"fullDescription"`
	HelpURI              string                  `json:"helpUri"`
	DefaultConfiguration *struct{ Level string } `json:"defaultConfiguration"`
	Properties           properties              `json:"properties"`
}

type message struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
	ID       string `json:"id"`
}

type properties map[string]json.RawMessage

type result struct {
	RuleID    string `json:"ruleId"`
	RuleIndex *int   `json:"ruleIndex"`
	Rule      *struct {
		ID            string `json:"id"`
		Index         *int   `json:"index"`
		ToolComponent *struct {
			Name  string `json:"name"`
			Index *int   `json:"index"`
		} `json:"toolComponent"`
	} `json:"rule"`
	Kind                string            `json:"kind"`
	Level               string            `json:"level"`
	Message             *message          `json:"message"`
	Locations           []location        `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Fingerprints        map[string]string `json:"fingerprints"`
	Suppressions        []suppression     `json:"suppressions"`
	Properties          properties        `json:"properties"`
}

type location struct {
	PhysicalLocation *struct {
		ArtifactLocation *struct {
			URI       string `json:"uri"`
			URIBaseID string `json:"uriBaseId"`
		} `json:"artifactLocation"`
		Region *region `json:"region"`
	} `json:"physicalLocation"`
}

type region struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	Snippet     *struct {
		Text string `json:"text"`
	} `json:"snippet"`
}

type suppression struct {
	Kind          string     `json:"kind"`
	Status        string     `json:"status"`
	Justification string     `json:"justification"`
	Properties    properties `json:"properties"`
}

// vigilProperty is the suppression property `vigil ingest sarif` writes
// for a vigil.yaml ignore entry.
type vigilProperty struct {
	Kind    string `json:"kind"`
	Expires string `json:"expires"`
}

var levels = map[string]severity.Level{"error": severity.High, "warning": severity.Medium, "note": severity.Low, "none": severity.Low}

func convert(doc *sarifLog, file string) (*Report, error) {
	bad := func(p string, format string, args ...any) error {
		return &ParseError{File: file, Path: p, Err: fmt.Errorf(format, args...)}
	}
	if doc.Version == nil {
		return nil, bad("version", "missing (want \"2.1.0\")")
	}
	if *doc.Version != "2.1.0" {
		return nil, bad("version", "%q: only SARIF 2.1.0 is read", *doc.Version)
	}
	if doc.Runs == nil {
		return nil, bad("runs", "missing")
	}
	if len(doc.Runs) > MaxRuns {
		return nil, &ParseError{File: file, Path: "runs", Err: fmt.Errorf("%w: %d runs, at most %d", ErrTooLarge, len(doc.Runs), MaxRuns)}
	}
	total := 0
	for _, r := range doc.Runs {
		total += len(r.Results)
	}
	if total > MaxResults {
		return nil, &ParseError{File: file, Path: "runs", Err: fmt.Errorf("%w: %d results, at most %d", ErrTooLarge, total, MaxResults)}
	}
	rep := &Report{}
	// Occurrences of one identity within one tool's results: the second
	// identical result is a finding of its own.
	seen := map[string]int{}
	for i := range doc.Runs {
		r := &doc.Runs[i]
		rp := fmt.Sprintf("runs[%d]", i)
		if r.Tool == nil || r.Tool.Driver == nil {
			return nil, bad(rp+".tool.driver", "missing")
		}
		tool := strings.TrimSpace(r.Tool.Driver.Name)
		if tool == "" {
			return nil, bad(rp+".tool.driver.name", "missing or empty")
		}
		if len(tool) > maxToolName {
			return nil, bad(rp+".tool.driver.name", "longer than %d bytes", maxToolName)
		}
		tool = clip(tool, maxToolName)
		out := Run{Tool: tool, ToolVersion: clip(cmpOr(r.Tool.Driver.SemanticVersion, r.Tool.Driver.Version), 200)}
		for j := range r.Results {
			res := &r.Results[j]
			ref := fmt.Sprintf("%s.results[%d]", rp, j)
			switch res.Kind {
			case "", "fail", "open", "review":
			case "pass", "notApplicable", "informational":
				continue // not a problem
			default:
				return nil, bad(ref+".kind", "unknown kind %q", res.Kind)
			}
			f, err := finding(r, res, tool, ref)
			if err != nil {
				return nil, &ParseError{File: file, Path: err.path, Err: err.err}
			}
			seen[tool+"\x00"+f.Fingerprint]++
			if n := seen[tool+"\x00"+f.Fingerprint]; n > 1 {
				f.Fingerprint += ":" + strconv.Itoa(n)
			}
			out.Findings = append(out.Findings, f)
		}
		rep.Runs = append(rep.Runs, out)
	}
	return rep, nil
}

type fieldErr struct {
	path string
	err  error
}

func finding(r *run, res *result, tool, ref string) (Finding, *fieldErr) {
	ferr := func(p, format string, args ...any) *fieldErr {
		return &fieldErr{path: ref + p, err: fmt.Errorf(format, args...)}
	}
	ru, ruleID, e := lookupRule(r, res)
	if e != "" {
		return Finding{}, ferr(".rule", "%s", e)
	}
	if ruleID == "" {
		return Finding{}, ferr(".ruleId", "missing (and no rule reference)")
	}
	if len(ruleID) > maxRuleID {
		return Finding{}, ferr(".ruleId", "longer than %d bytes", maxRuleID)
	}
	if res.Message == nil {
		return Finding{}, ferr(".message", "missing")
	}
	msg := cmpOr(res.Message.Text, res.Message.Markdown)
	f := Finding{Tool: tool, RuleID: clip(ruleID, maxRuleID), Message: clip(msg, maxText), Ref: ref}
	if ru != nil {
		f.RuleName = clip(ru.Name, maxText)
		f.HelpURI = clip(ru.HelpURI, maxText)
		if ru.ShortDescription != nil {
			f.Title = clip(ru.ShortDescription.Text, maxText)
		}
		f.Tags = ru.Properties.strings("tags")
	}
	if f.Title == "" {
		f.Title, _, _ = strings.Cut(f.Message, "\n")
	}
	if f.Title == "" {
		f.Title = ruleID
	}
	// Severity: security-severity (result, then rule), else level.
	f.Level = res.Level
	if f.Level == "" && ru != nil && ru.DefaultConfiguration != nil {
		f.Level = ru.DefaultConfiguration.Level
	}
	if f.Level == "" {
		f.Level = "warning" // SARIF's default
	}
	lvl, ok := levels[f.Level]
	if !ok {
		return Finding{}, ferr(".level", "unknown level %q (want error, warning, note or none)", f.Level)
	}
	f.Severity, f.SeverityFrom = lvl, "level"
	score, has := res.Properties.score()
	if !has && ru != nil {
		score, has = ru.Properties.score()
	}
	if has {
		if s := severity.FromScore(score); s != severity.Unknown {
			f.Severity, f.SeverityFrom = s, "security-severity"
		}
	}
	// The primary location.
	var reg *region
	if len(res.Locations) > 0 {
		if pl := res.Locations[0].PhysicalLocation; pl != nil {
			if al := pl.ArtifactLocation; al != nil {
				p, err := cleanURI(al.URI)
				if err != nil {
					return Finding{}, ferr(".locations[0].physicalLocation.artifactLocation.uri", "%v", err)
				}
				f.Path = clip(p, 4096)
			}
			reg = pl.Region
		}
	}
	if reg != nil {
		if reg.StartLine < 0 || reg.EndLine < 0 || reg.StartColumn < 0 {
			return Finding{}, ferr(".locations[0].physicalLocation.region", "negative line or column")
		}
		f.StartLine, f.StartColumn, f.EndLine = reg.StartLine, reg.StartColumn, reg.EndLine
		if reg.Snippet != nil {
			f.Snippet = NormaliseSnippet(reg.Snippet.Text)
		}
	}
	// Identity.
	material := ruleID + "\x00" + f.Path + "\x00"
	switch {
	case len(res.PartialFingerprints) > 0:
		f.FingerprintFrom = "partialFingerprints"
		material += sortedPairs(res.PartialFingerprints)
	case len(res.Fingerprints) > 0:
		f.FingerprintFrom = "fingerprints"
		material += sortedPairs(res.Fingerprints)
	case f.Snippet != "":
		f.FingerprintFrom = "snippet"
		material += f.Snippet
	case f.StartLine > 0:
		f.FingerprintFrom = "line"
		material += strconv.Itoa(f.StartLine)
	default:
		f.FingerprintFrom = "message"
		material += msg
	}
	sum := sha256.Sum256([]byte(material))
	f.Fingerprint = hex.EncodeToString(sum[:16])
	for k, s := range res.Suppressions {
		switch s.Status {
		case "", "accepted":
		case "underReview", "rejected":
			continue // not in force
		default:
			return Finding{}, ferr(fmt.Sprintf(".suppressions[%d].status", k), "unknown status %q", s.Status)
		}
		sup := Suppression{Kind: clip(s.Kind, 50), Justification: clip(s.Justification, maxText)}
		if raw, ok := s.Properties["vigil"]; ok {
			var vp vigilProperty
			if json.Unmarshal(raw, &vp) == nil && vp.Kind == "config" {
				sup.Vigil, sup.Expires = true, clip(vp.Expires, 50)
			}
		}
		f.Suppressions = append(f.Suppressions, sup)
	}
	return f, nil
}

// lookupRule finds the result's rule: by index (in the driver or the
// extension the result names), else by id among the driver's and the
// extensions' rules. A rule may be absent: the id alone is enough.
func lookupRule(r *run, res *result) (*rule, string, string) {
	id := res.RuleID
	idx := res.RuleIndex
	comp := r.Tool.Driver
	if res.Rule != nil {
		if id == "" {
			id = res.Rule.ID
		}
		if res.Rule.Index != nil {
			idx = res.Rule.Index
		}
		if tc := res.Rule.ToolComponent; tc != nil && tc.Index != nil {
			if *tc.Index < 0 || *tc.Index >= len(r.Tool.Extensions) {
				return nil, id, fmt.Sprintf("toolComponent.index %d: the run has %d extensions", *tc.Index, len(r.Tool.Extensions))
			}
			comp = &r.Tool.Extensions[*tc.Index]
		}
	}
	if idx != nil && *idx >= 0 {
		if *idx >= len(comp.Rules) {
			return nil, id, fmt.Sprintf("rule index %d: the tool has %d rules", *idx, len(comp.Rules))
		}
		ru := &comp.Rules[*idx]
		if id == "" {
			id = ru.ID
		}
		return ru, id, ""
	}
	if id == "" {
		return nil, "", ""
	}
	// A hierarchical id ("a/b") names rule "a" when "a/b" is not listed.
	base, _, _ := strings.Cut(id, "/")
	for _, c := range append([]*component{r.Tool.Driver}, ptrs(r.Tool.Extensions)...) {
		for i := range c.Rules {
			if c.Rules[i].ID == id {
				return &c.Rules[i], id, ""
			}
		}
	}
	for i := range r.Tool.Driver.Rules {
		if r.Tool.Driver.Rules[i].ID == base {
			return &r.Tool.Driver.Rules[i], id, ""
		}
	}
	return nil, id, ""
}

func ptrs(cs []component) []*component {
	out := make([]*component, len(cs))
	for i := range cs {
		out[i] = &cs[i]
	}
	return out
}

// score reads a security-severity property (a string, as GitHub wants
// it, or a number).
func (p properties) score() (float64, bool) {
	raw, ok := p["security-severity"]
	if !ok {
		return 0, false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || f > 10 {
		return 0, false
	}
	return f, true
}

func (p properties) strings(key string) []string {
	var out []string
	if raw, ok := p[key]; ok && json.Unmarshal(raw, &out) == nil {
		if len(out) > 32 {
			out = out[:32]
		}
		for i := range out {
			out[i] = clip(out[i], 200)
		}
		return out
	}
	return nil
}

// cleanURI turns an artifact location into a slash path: percent-decoded,
// a file: URI's path, cleaned, without a leading "./".
func cleanURI(uri string) (string, error) {
	if uri == "" {
		return "", nil
	}
	if len(uri) > 4096 {
		return "", errors.New("longer than 4096 bytes")
	}
	if strings.HasPrefix(uri, "file:") {
		u, err := url.Parse(uri)
		if err != nil {
			return "", err
		}
		uri = cmpOr(u.Path, u.Opaque)
	} else if p, err := url.PathUnescape(uri); err == nil {
		uri = p
	}
	uri = strings.ReplaceAll(uri, "\\", "/")
	abs := strings.HasPrefix(uri, "/")
	uri = path.Clean(uri)
	if !abs {
		uri = strings.TrimPrefix(uri, "./")
	}
	if uri == "." {
		return "", nil
	}
	return uri, nil
}

var (
	space = regexp.MustCompile(`\s+`)
	// gosec prefixes each snippet line with its number ("12: ").
	lineNumber = regexp.MustCompile(`(?m)^\s*\d+:\s`)
)

// NormaliseSnippet is the snippet's text with line-number prefixes (as
// gosec writes them) dropped and whitespace collapsed, so that a result
// that moves or is re-indented keeps its identity.
func NormaliseSnippet(s string) string {
	s = lineNumber.ReplaceAllString(clip(s, maxSnippet), "")
	return strings.TrimSpace(space.ReplaceAllString(s, " "))
}

func sortedPairs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + m[k] + "\x00")
	}
	return b.String()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// clip is s without NUL bytes (PostgreSQL's text refuses them), cut to
// at most n bytes on a rune boundary.
func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

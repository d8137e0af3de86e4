package sarif

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/testutil"
)

func load(t *testing.T, name string) *Report {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ParseBytes(data, name)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// brief is what a test compares of a finding.
type brief struct {
	Rule, Path string
	Line       int
	Severity   severity.Level
	From       string
	FPFrom     string
	Suppressed bool
}

func briefs(fs []Finding) []brief {
	var out []brief
	for _, f := range fs {
		out = append(out, brief{f.RuleID, f.Path, f.StartLine, f.Severity, f.SeverityFrom, f.FingerprintFrom, f.Suppressed()})
	}
	return out
}

func TestFixturesAreSARIF(t *testing.T) {
	for _, name := range []string{"gosec-v1.sarif", "gosec-v2.sarif", "gosec-v3.sarif", "semgrep.sarif", "codeql.sarif"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		testutil.Validate(t, testutil.SchemaSARIF210, data)
	}
}

func TestParseGosec(t *testing.T) {
	rep := load(t, "gosec-v1.sarif")
	if diff := cmp.Diff([]string{"gosec"}, rep.Tools()); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
	want := []brief{
		{"G702", "main.go", 18, severity.High, "level", "snippet", false},
		{"G401", "main.go", 14, severity.High, "level", "snippet", false},
		{"G501", "main.go", 5, severity.High, "level", "snippet", false},
	}
	fs := rep.Findings("gosec")
	if diff := cmp.Diff(want, briefs(fs)); diff != "" {
		t.Errorf("gosec findings (-want +got):\n%s", diff)
	}
	// G401 has no ruleIndex (gosec omits index 0): the rule is found by id.
	if fs[1].Title != "Use of weak cryptographic primitive" || fs[1].RuleName != "Use of Weak Hash" {
		t.Errorf("G401 rule = %q %q", fs[1].Title, fs[1].RuleName)
	}
}

// TestFingerprintSurvivesMove: the same results on other lines are the
// same findings; removing the code removes exactly its finding.
func TestFingerprintSurvivesMove(t *testing.T) {
	keys := func(name string) map[string]string {
		m := map[string]string{}
		for _, f := range load(t, name).Findings("gosec") {
			m[f.RuleID] = f.Key()
		}
		return m
	}
	v1, v2, v3 := keys("gosec-v1.sarif"), keys("gosec-v2.sarif"), keys("gosec-v3.sarif")
	if diff := cmp.Diff(v1, v2); diff != "" {
		t.Errorf("moved results changed identity (-v1 +v2):\n%s", diff)
	}
	delete(v2, "G702")
	if diff := cmp.Diff(v2, v3); diff != "" {
		t.Errorf("v3 = v2 without G702 (-want +got):\n%s", diff)
	}
	// And the lines did move.
	if load(t, "gosec-v1.sarif").Findings("gosec")[0].StartLine == load(t, "gosec-v2.sarif").Findings("gosec")[0].StartLine {
		t.Fatal("fixture: v2 does not move G702")
	}
}

func TestParseSemgrep(t *testing.T) {
	rep := load(t, "semgrep.sarif")
	want := []brief{
		{"python.lang.security.audit.formatted-sql-query.formatted-sql-query", "app/views.py", 12, severity.High, "level", "fingerprints", false},
		{"python.django.security.audit.django-debug-true.django-debug-true", "app/settings.py", 3, severity.Medium, "level", "fingerprints", false},
		{"python.lang.security.insecure-hash-algorithms.insecure-hash-algorithm-md5", "app/crypto.py", 8, severity.Medium, "level", "fingerprints", true},
	}
	if diff := cmp.Diff(want, briefs(rep.Findings("Semgrep OSS"))); diff != "" {
		t.Errorf("semgrep findings (-want +got):\n%s", diff)
	}
	if s := rep.Findings("Semgrep OSS")[2].Suppressions[0]; s.Kind != "inSource" || s.Vigil {
		t.Errorf("nosemgrep suppression = %+v", s)
	}
}

func TestParseCodeQL(t *testing.T) {
	rep := load(t, "codeql.sarif")
	want := []brief{
		{"go/command-injection", "cmd/server/main.go", 41, severity.Critical, "security-severity", "partialFingerprints", false},
		{"go/weak-crypto-algorithm", "cmd/server/main.go", 52, severity.High, "security-severity", "partialFingerprints", false},
		{"go/unhandled-writable-file-close", "internal/store/file.go", 19, severity.Medium, "level", "partialFingerprints", false},
	}
	fs := rep.Findings("CodeQL")
	if diff := cmp.Diff(want, briefs(fs)); diff != "" {
		t.Errorf("codeql findings (-want +got):\n%s", diff)
	}
	if fs[0].Title != "Command built from user-controlled sources" {
		t.Errorf("rule from the extension: title %q", fs[0].Title)
	}
	// The same result on another line (CodeQL's line hash does not
	// change) is the same finding.
	data, _ := os.ReadFile("testdata/codeql.sarif")
	moved, err := ParseBytes([]byte(strings.Replace(string(data), `"startLine": 41`, `"startLine": 45`, 1)), "moved")
	if err != nil {
		t.Fatal(err)
	}
	if got := moved.Findings("CodeQL")[0]; got.Key() != fs[0].Key() || got.StartLine != 45 {
		t.Errorf("moved CodeQL result: key %s line %d, want key %s", got.Key(), got.StartLine, fs[0].Key())
	}
}

// doc builds a one-run document around results (JSON).
func doc(results string, rules string) string {
	return `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t","rules":[` + rules + `]}},"results":[` + results + `]}]}`
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		name, result, rules string
		want                severity.Level
	}{
		{"error", `{"ruleId":"r","level":"error","message":{"text":"m"}}`, ``, severity.High},
		{"warning", `{"ruleId":"r","level":"warning","message":{"text":"m"}}`, ``, severity.Medium},
		{"note", `{"ruleId":"r","level":"note","message":{"text":"m"}}`, ``, severity.Low},
		{"none", `{"ruleId":"r","level":"none","message":{"text":"m"}}`, ``, severity.Low},
		{"SARIF default is warning", `{"ruleId":"r","message":{"text":"m"}}`, ``, severity.Medium},
		{"rule default", `{"ruleId":"r","message":{"text":"m"}}`, `{"id":"r","defaultConfiguration":{"level":"note"}}`, severity.Low},
		{"result level over rule default", `{"ruleId":"r","level":"error","message":{"text":"m"}}`, `{"id":"r","defaultConfiguration":{"level":"note"}}`, severity.High},
		{"security-severity critical", `{"ruleId":"r","level":"note","message":{"text":"m"}}`, `{"id":"r","properties":{"security-severity":"9.1"}}`, severity.Critical},
		{"security-severity medium", `{"ruleId":"r","level":"error","message":{"text":"m"}}`, `{"id":"r","properties":{"security-severity":"4.0"}}`, severity.Medium},
		{"security-severity low", `{"ruleId":"r","message":{"text":"m"}}`, `{"id":"r","properties":{"security-severity":"0.1"}}`, severity.Low},
		{"security-severity as a number", `{"ruleId":"r","message":{"text":"m"}}`, `{"id":"r","properties":{"security-severity":7.0}}`, severity.High},
		{"security-severity on the result", `{"ruleId":"r","message":{"text":"m"},"properties":{"security-severity":"9.5"}}`, `{"id":"r","properties":{"security-severity":"2.0"}}`, severity.Critical},
		{"junk security-severity: level", `{"ruleId":"r","level":"note","message":{"text":"m"}}`, `{"id":"r","properties":{"security-severity":"high"}}`, severity.Low},
		{"hierarchical id finds its rule", `{"ruleId":"r/sub","message":{"text":"m"}}`, `{"id":"r","defaultConfiguration":{"level":"error"}}`, severity.High},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := ParseBytes([]byte(doc(tt.result, tt.rules)), "x.sarif")
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Findings("t")[0].Severity; got != tt.want {
				t.Errorf("severity = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	key := func(result string) string {
		t.Helper()
		rep, err := ParseBytes([]byte(doc(result, "")), "x.sarif")
		if err != nil {
			t.Fatal(err)
		}
		return rep.Findings("t")[0].Key()
	}
	loc := func(uri string, line int, snippet string) string {
		return fmt.Sprintf(`"locations":[{"physicalLocation":{"artifactLocation":{"uri":%q},"region":{"startLine":%d,"snippet":{"text":%q}}}}]`, uri, line, snippet)
	}
	base := key(`{"ruleId":"r","message":{"text":"m"},` + loc("a.go", 3, "x := f( y )") + `}`)
	same := []string{
		`{"ruleId":"r","message":{"text":"other words"},` + loc("a.go", 30, "x := f( y )") + `}`,
		`{"ruleId":"r","message":{"text":"m"},` + loc("./a.go", 3, "  x   :=\tf( y )\n") + `}`,
		`{"ruleId":"r","message":{"text":"m"},` + loc("file:a.go", 3, "x := f( y )") + `}`,
	}
	for _, r := range same {
		if got := key(r); got != base {
			t.Errorf("%s: key %s, want %s (the same finding)", r, got, base)
		}
	}
	other := []string{
		`{"ruleId":"r2","message":{"text":"m"},` + loc("a.go", 3, "x := f( y )") + `}`,
		`{"ruleId":"r","message":{"text":"m"},` + loc("b.go", 3, "x := f( y )") + `}`,
		`{"ruleId":"r","message":{"text":"m"},` + loc("a.go", 3, "x := g( y )") + `}`,
		`{"ruleId":"r","message":{"text":"m"},"partialFingerprints":{"primaryLocationLineHash":"abc:1"},` + loc("a.go", 3, "x := f( y )") + `}`,
	}
	for _, r := range other {
		if got := key(r); got == base {
			t.Errorf("%s: same key as the base, want another finding", r)
		}
	}
	// Two identical results are two findings.
	r := `{"ruleId":"r","message":{"text":"m"},` + loc("a.go", 3, "x") + `}`
	rep, err := ParseBytes([]byte(doc(r+","+r, "")), "x.sarif")
	if err != nil {
		t.Fatal(err)
	}
	if fs := rep.Findings("t"); fs[0].Key() == fs[1].Key() {
		t.Errorf("two identical results share key %s", fs[0].Key())
	}
	// Without snippet or line: the message.
	if key(`{"ruleId":"r","message":{"text":"a"}}`) == key(`{"ruleId":"r","message":{"text":"b"}}`) {
		t.Error("results with nothing but their messages to tell them apart share a key")
	}
	// Results that are not problems are not findings.
	rep, err = ParseBytes([]byte(doc(`{"ruleId":"r","kind":"pass","message":{"text":"m"}},{"ruleId":"r","kind":"informational","message":{"text":"m"}}`, "")), "x.sarif")
	if err != nil || len(rep.Findings("t")) != 0 {
		t.Errorf("pass and informational results: %v, %d findings", err, len(rep.Findings("t")))
	}
}

// TestText: what is kept is valid UTF-8 without NUL bytes (PostgreSQL's
// text refuses them) and bounded.
func TestText(t *testing.T) {
	long := strings.Repeat("é", maxText) // 2 bytes each
	rep, err := ParseBytes([]byte(doc(`{"ruleId":"r\u0000x","message":{"text":"a\u0000b`+long+`"}}`, "")), "x.sarif")
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Findings("t")[0]
	for _, s := range []string{f.RuleID, f.Message, f.Title} {
		if strings.ContainsRune(s, 0) || !utf8.ValidString(s) || len(s) > maxText {
			t.Errorf("kept text %.20q...: NUL, invalid UTF-8 or %d bytes", s, len(s))
		}
	}
}

func TestKeyPrefix(t *testing.T) {
	// No tool's prefix is a prefix of another tool's keys.
	a, b := KeyPrefix("gosec"), KeyPrefix("gosec|x")
	if strings.HasPrefix(b, a) || strings.HasPrefix(a, b) {
		t.Errorf("KeyPrefix(gosec) = %q, KeyPrefix(gosec|x) = %q: one is a prefix of the other", a, b)
	}
	if KeyPrefix("a%7Cb") == KeyPrefix("a|b") {
		t.Error("escaping is ambiguous")
	}
}

func TestSuppressions(t *testing.T) {
	rep, err := ParseBytes([]byte(doc(`
{"ruleId":"r","message":{"text":"1"},"suppressions":[{"kind":"inSource","justification":"checked"}]},
{"ruleId":"r","message":{"text":"2"},"suppressions":[{"kind":"external","status":"underReview"}]},
{"ruleId":"r","message":{"text":"3"},"suppressions":[{"kind":"external","status":"rejected"},{"kind":"external","status":"accepted","justification":"ok","properties":{"vigil":{"kind":"config","expires":"2999-01-02"}}}]}`, "")), "x.sarif")
	if err != nil {
		t.Fatal(err)
	}
	fs := rep.Findings("t")
	want := [][]Suppression{
		{{Kind: "inSource", Justification: "checked"}},
		nil,
		{{Kind: "external", Justification: "ok", Vigil: true, Expires: "2999-01-02"}},
	}
	for i := range fs {
		if diff := cmp.Diff(want[i], fs[i].Suppressions); diff != "" {
			t.Errorf("result %d suppressions (-want +got):\n%s", i, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	manyRuns := `{"version":"2.1.0","runs":[` + strings.TrimSuffix(strings.Repeat(`{"tool":{"driver":{"name":"t"}}},`, MaxRuns+1), ",") + `]}`
	tests := []struct {
		name, doc string
		want      string // in the error
		tooLarge  bool
	}{
		{"not JSON", "{\n  \"version\": \"2.1.0\",\n  \"runs\": [x]\n}", "x.sarif:3:12: ", false},
		{"truncated", `{"version":"2.1.0","runs":[`, "unexpected end of JSON input", false},
		{"wrong type", "{\"version\":\"2.1.0\",\n\"runs\":\"all\"}", "x.sarif:2:13: runs: want []sarif.run", false},
		{"wrong type deep", doc(`{"ruleId":"r","message":{"text":"m"},"locations":[{"physicalLocation":{"region":{"startLine":"one"}}}]}`, ""), "runs.results.locations.physicalLocation.region.startLine: want int", false},
		{"no version", `{"runs":[]}`, "x.sarif: version: missing", false},
		{"version 2.0", `{"version":"2.0.0","runs":[]}`, `version: "2.0.0": only SARIF 2.1.0`, false},
		{"no runs", `{"version":"2.1.0"}`, "runs: missing", false},
		{"no driver", `{"version":"2.1.0","runs":[{"tool":{}}]}`, "runs[0].tool.driver: missing", false},
		{"no tool name", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":" "}}}]}`, "runs[0].tool.driver.name: missing or empty", false},
		{"no rule", doc(`{"message":{"text":"m"}}`, ""), "runs[0].results[0].ruleId: missing", false},
		{"no message", doc(`{"ruleId":"r"}`, ""), "runs[0].results[0].message: missing", false},
		{"bad level", doc(`{"ruleId":"r","level":"fatal","message":{"text":"m"}}`, ""), `runs[0].results[0].level: unknown level "fatal"`, false},
		{"bad kind", doc(`{"ruleId":"r","kind":"oops","message":{"text":"m"}}`, ""), `runs[0].results[0].kind: unknown kind "oops"`, false},
		{"rule index out of range", doc(`{"ruleIndex":3,"message":{"text":"m"}}`, `{"id":"r"}`), "runs[0].results[0].rule: rule index 3: the tool has 1 rules", false},
		{"extension out of range", doc(`{"rule":{"id":"r","toolComponent":{"index":2}},"message":{"text":"m"}}`, ""), "toolComponent.index 2: the run has 0 extensions", false},
		{"bad suppression status", doc(`{"ruleId":"r","message":{"text":"m"},"suppressions":[{"status":"maybe"}]}`, ""), `runs[0].results[0].suppressions[0].status: unknown status "maybe"`, false},
		{"rule id too long", doc(`{"ruleId":"`+strings.Repeat("r", 501)+`","message":{"text":"m"}}`, ""), "runs[0].results[0].ruleId: longer than 500 bytes", false},
		{"negative line", doc(`{"ruleId":"r","message":{"text":"m"},"locations":[{"physicalLocation":{"region":{"startLine":-1}}}]}`, ""), "negative line", false},
		{"too deep", deep, fmt.Sprintf("nested deeper than %d", MaxDepth), true},
		{"too many runs", manyRuns, fmt.Sprintf("%d runs, at most %d", MaxRuns+1, MaxRuns), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseBytes([]byte(tt.doc), "x.sarif")
			if err == nil {
				t.Fatal("no error")
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %T, want *ParseError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if errors.Is(err, ErrTooLarge) != tt.tooLarge {
				t.Errorf("errors.Is(ErrTooLarge) = %v, want %v", !tt.tooLarge, tt.tooLarge)
			}
		})
	}
}

func TestTooManyResults(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[`)
	for i := range MaxResults + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{}`)
	}
	b.WriteString(`]}]}`)
	_, err := ParseBytes([]byte(b.String()), "x.sarif")
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("%d results: %v, want ErrTooLarge", MaxResults+1, err)
	}
	if _, err := Parse(strings.NewReader(strings.Repeat(" ", MaxSize+1)), "big.sarif"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a document over MaxSize: %v, want ErrTooLarge", err)
	}
}

func TestPrepare(t *testing.T) {
	root := t.TempDir()
	src := func(lines ...string) {
		if err := os.MkdirAll(filepath.Join(root, "pkg"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "pkg", "a.go"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// An analyser that writes absolute paths and no snippets.
	result := func(line int) []byte {
		return []byte(doc(fmt.Sprintf(`{"ruleId":"r","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":%q},"region":{"startLine":%d}}}]},
{"ruleId":"r","message":{"text":"outside"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"file:///elsewhere/b.go"},"region":{"startLine":1}}}]},
{"ruleId":"r","message":{"text":"escape"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"../../etc/passwd"},"region":{"startLine":1}}}]}`,
			"file://"+filepath.ToSlash(filepath.Join(root, "pkg", "a.go")), line), ""))
	}
	src("package a", "", "func f() { exec.Command(x) }")
	out, rep, err := Prepare(result(3), "a.sarif", PrepareOptions{Root: root, Suppress: func(f *Finding) *Suppression {
		if f.Message == "outside" {
			return &Suppression{Kind: "external", Justification: "not ours", Vigil: true, Expires: "2999-12-31"}
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	testutil.Validate(t, testutil.SchemaSARIF210, out)
	fs := rep.Findings("t")
	if fs[0].Path != "pkg/a.go" || fs[0].Snippet != "func f() { exec.Command(x) }" || fs[0].FingerprintFrom != "snippet" {
		t.Errorf("prepared result = path %q snippet %q from %s", fs[0].Path, fs[0].Snippet, fs[0].FingerprintFrom)
	}
	if fs[1].Path != "/elsewhere/b.go" || fs[1].Snippet != "" {
		t.Errorf("a path outside the root: %q %q, want it as it was", fs[1].Path, fs[1].Snippet)
	}
	if fs[2].Snippet != "" {
		t.Errorf("a path escaping the root was read: %q", fs[2].Snippet)
	}
	if len(fs[1].Suppressions) != 1 || !fs[1].Suppressions[0].Vigil || fs[1].Suppressions[0].Expires != "2999-12-31" || len(fs[0].Suppressions) != 0 {
		t.Errorf("suppressions: %+v / %+v", fs[0].Suppressions, fs[1].Suppressions)
	}
	// The kept parts of the document are there (unknown properties too).
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil || m["version"] != "2.1.0" {
		t.Errorf("prepared document: %v %v", err, m["version"])
	}
	// The code moves down two lines: same finding.
	src("package a", "", "// a comment", "", "func f() { exec.Command(x) }")
	_, moved, err := Prepare(result(5), "a.sarif", PrepareOptions{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if got := moved.Findings("t")[0]; got.Key() != fs[0].Key() || got.StartLine != 5 {
		t.Errorf("moved: key %s line %d, want key %s", got.Key(), got.StartLine, fs[0].Key())
	}
}

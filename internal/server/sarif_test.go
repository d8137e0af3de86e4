package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
)

func TestSARIFIngest(t *testing.T) {
	testSARIFIngest(t, startWith(t, startOptions{ecosystems: []string{"npm"}}))
}

func TestSARIFIngestPostgres(t *testing.T) {
	testSARIFIngest(t, startWith(t, startOptions{ecosystems: []string{"npm"}, storeURL: testutil.PostgresSchema(t)}))
}

// sarifFinding is a static-analysis finding as the API lists it.
type sarifFinding struct {
	ID                                int64
	Rule, State, Resolution, Severity string
}

// testSARIFIngest uploads real gosec output with the CLI: a result that
// moves lines is the same finding, one whose code is removed is resolved,
// another tool's findings on the same artifact are left alone, and
// suppressions (in the code, in vigil.yaml) become triage states.
func testSARIFIngest(t *testing.T, e *env) {
	writer := e.token(store.RoleWriter, "shop")
	t.Setenv("VIGIL_TOKEN", writer)
	fixtures := filepath.Join(testutil.ModuleRoot(t), "internal", "sarif", "testdata")
	checkout := t.TempDir()
	// The checkout as the analyser saw it at each version.
	at := func(v string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(fixtures, "gosec", v, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(checkout, "main.go"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	upload := func(file string, args ...string) (int, string) {
		t.Helper()
		code, _, stderr := vigil(t, append([]string{"ingest", "sarif", filepath.Join(fixtures, file), "--server", e.url, "--project", "shop", "--artifact", "git:0a1b2c", "--source-root", checkout}, args...)...)
		return code, stderr
	}
	list := func() map[string]sarifFinding {
		t.Helper()
		m := map[string]sarifFinding{}
		for _, f := range e.findings(writer, "project=shop&kind=static_analysis") {
			m[f.VulnerabilityID] = sarifFinding{ID: f.ID, Rule: f.VulnerabilityID, State: f.State, Resolution: f.Resolution, Severity: f.Severity}
		}
		return m
	}
	at("v1")
	if code, stderr := upload("gosec-v1.sarif"); code != 0 || !strings.Contains(stderr, "uploaded gosec results") || !strings.Contains(stderr, "3 findings, 3 new") {
		t.Fatalf("first upload: exit %d: %s", code, stderr)
	}
	v1 := list()
	if len(v1) != 3 || v1["G702"].State != store.StateOpen || v1["G702"].Severity != "HIGH" {
		t.Fatalf("after v1: %+v", v1)
	}
	// Another tool on the same artifact.
	if code, stderr := upload("semgrep.sarif"); code != 0 {
		t.Fatalf("semgrep upload: exit %d: %s", code, stderr)
	}
	all := list()
	if len(all) != 6 {
		t.Fatalf("after semgrep: %d findings, want 6", len(all))
	}
	md5 := all["python.lang.security.insecure-hash-algorithms.insecure-hash-algorithm-md5"]
	if md5.State != store.StateFalsePositive {
		t.Errorf("the nosemgrep result: %+v, want false_positive", md5)
	}
	// v2: every result moved down; the same findings, still open.
	at("v2")
	if code, stderr := upload("gosec-v2.sarif"); code != 0 || !strings.Contains(stderr, "3 findings, 0 new, 0 resolved") {
		t.Fatalf("v2 upload: exit %d: %s", code, stderr)
	}
	v2 := list()
	for _, rule := range []string{"G702", "G401", "G501"} {
		if v2[rule] != v1[rule] {
			t.Errorf("%s after moving: %+v, want %+v (same id, still open)", rule, v2[rule], v1[rule])
		}
	}
	// v3: the exec.Command call is gone; only G702 is resolved, semgrep's
	// findings stay.
	at("v3")
	if code, stderr := upload("gosec-v3.sarif"); code != 0 || !strings.Contains(stderr, "1 resolved") {
		t.Fatalf("v3 upload: exit %d: %s", code, stderr)
	}
	v3 := list()
	if g := v3["G702"]; g.ID != v1["G702"].ID || g.State != store.StateFixed || g.Resolution != store.ResolvedNotReported {
		t.Errorf("G702 after its code went: %+v, want fixed/not_reported", g)
	}
	for rule, f := range all {
		if rule == "G702" {
			continue
		}
		if v3[rule].State != f.State {
			t.Errorf("%s: %s after gosec's v3, was %s", rule, v3[rule].State, f.State)
		}
	}
	// MTTR and SLA count the kind like the others.
	var rep server.RemediationReport
	if code := e.do("GET", "/api/v1/metrics/remediation?kind=static_analysis&from=2026-01-01T00:00:00Z", writer, nil, &rep); code != 200 {
		t.Fatalf("remediation metrics: %d", code)
	}
	if rep.Totals.Open != 4 || rep.Totals.Remediated != 1 {
		t.Errorf("static_analysis remediation: %d open, %d remediated; want 4 and 1 (G702)", rep.Totals.Open, rep.Totals.Remediated)
	}
	// vigil.yaml accepts G401 in main.go; the gate counts what is left.
	cfg := "ignore:\n  - id: G401\n    path: main.go\n    reason: checksums only, not security\n    expires: 2999-12-31\n"
	if err := os.WriteFile(filepath.Join(checkout, "vigil.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stderr := upload("gosec-v3.sarif", "--fail-on", "high")
	if code != 1 || !strings.Contains(stderr, "gate failed: 1 finding(s) at or above HIGH") || !strings.Contains(stderr, "1 suppressed") {
		t.Errorf("upload with vigil.yaml and --fail-on high: exit %d: %s", code, stderr)
	}
	g401 := list()["G401"]
	if g401.State != store.StateAccepted || !strings.Contains(lastReason(t, e, writer, v1["G401"].ID), "vigil.yaml: checksums only") {
		t.Errorf("G401 with a vigil.yaml entry: %+v", g401)
	}
	if code, stderr := upload("gosec-v3.sarif", "--fail-on", "critical"); code != 0 {
		t.Errorf("--fail-on critical: exit %d: %s", code, stderr)
	}

	// Each change is in the audit log: the reconcile that resolved G702
	// names the kind and the state change.
	var page struct {
		Items []struct {
			Kind, Subject string
			Payload       struct {
				Kind    string `json:"kind"`
				Changes []struct {
					FindingID int64  `json:"finding_id"`
					To        string `json:"to"`
				} `json:"state_changes"`
			}
		} `json:"items"`
	}
	if code := e.do("GET", "/api/v1/audit?after=0&limit=1000", e.admin, nil, &page); code != 200 {
		t.Fatalf("audit: %d", code)
	}
	audited := false
	for _, r := range page.Items {
		for _, c := range r.Payload.Changes {
			if r.Kind == "findings.reconcile" && r.Payload.Kind == store.KindStaticAnalysis && c.FindingID == v1["G702"].ID && c.To == store.StateFixed {
				audited = true
			}
		}
	}
	if !audited {
		t.Error("no audit record of G702's resolution")
	}
	// A ref with a slash (a branch) is one path segment, escaped.
	t.Setenv("VIGIL_TOKEN", writer)
	code, _, stderr = vigil(t, "ingest", "sarif", filepath.Join(fixtures, "semgrep.sarif"), "--server", e.url, "--project", "shop", "--artifact", "git:refs/heads/main")
	if code != 0 || !strings.Contains(stderr, "(git:refs/heads/main)") {
		t.Errorf("ref with slashes: exit %d: %s", code, stderr)
	}

	// Hostile and wrong documents: 4xx with the position.
	for _, tt := range []struct {
		body string
		code int
		want string
	}{
		{"{\n\"version\": \"2.1.0\",\n\"runs\": [}", 422, "request body:3:10"},
		{`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"message":{"text":"m"}}]}]}`, 422, "runs[0].results[0].ruleId: missing"},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), 413, "nested deeper than 64"},
	} {
		var problem struct{ Detail string }
		code := e.doRaw("POST", "/api/v1/projects/shop/artifacts/git:0a1b2c/sarif", writer, []byte(tt.body), &problem)
		if code != tt.code || !strings.Contains(problem.Detail, tt.want) {
			t.Errorf("upload %.40q: %d %q, want %d and %q", tt.body, code, problem.Detail, tt.code, tt.want)
		}
	}
	if got := list(); len(got) != 6 {
		t.Errorf("bad uploads changed the findings: %d", len(got))
	}
	// A gzip bomb: small on the wire, over the limit inflated.
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(make([]byte, 65<<20))
	zw.Close()
	var problem struct{ Detail string }
	if code := e.doRaw("POST", "/api/v1/projects/shop/artifacts/git:0a1b2c/sarif", writer, bomb.Bytes(), &problem); code != 413 || !strings.Contains(problem.Detail, "larger than") {
		t.Errorf("gzip bomb of %d bytes: %d %q, want 413", bomb.Len(), code, problem.Detail)
	}
	// NUL bytes (which PostgreSQL's text refuses) are dropped, not a 500.
	nul := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"nul\u0000tool"}},"results":[{"ruleId":"R\u00001","message":{"text":"a\u0000b"}}]}]}`
	if code := e.doRaw("POST", "/api/v1/projects/shop/artifacts/git:0a1b2c/sarif", writer, []byte(nul), nil); code != 200 {
		t.Errorf("upload with NUL bytes: %d, want 200", code)
	}
	// A reader may not upload.
	reader := e.token(store.RoleReader, "shop")
	if code := e.doRaw("POST", "/api/v1/projects/shop/artifacts/git:0a1b2c/sarif", reader, []byte(`{}`), nil); code != 403 {
		t.Errorf("reader upload: %d, want 403", code)
	}
}

// doRaw sends body and decodes the answer into out whatever its status
// (a problem detail on errors).
func (e *env) doRaw(method, path, tok string, body []byte, out any) int {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		data, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(data, out)
	}
	return resp.StatusCode
}

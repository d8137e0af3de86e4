package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/cli"
	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
)

type env struct {
	t     testing.TB
	url   string
	srv   *server.Server
	st    *store.Store
	clock *server.Clock
	data  string
	admin string
}

// start runs a server over a real SQLite store with the shared OSV corpus.
func start(t testing.TB, authFailures ...int) *env {
	t.Helper()
	return startWith(t, startOptions{authFailures: append(authFailures, 0)[0]})
}

func (e *env) token(role string, projects ...string) string {
	_, tok, err := server.IssueToken(e.t.Context(), e.st, "test", role, role, projects, "", e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *env) do(method, path, tok string, body io.Reader, out any) int {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: %v\n%s", method, path, err, data)
		}
	}
	if resp.StatusCode/100 != 2 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") && resp.StatusCode != 413 {
		e.t.Errorf("%s %s: %d answered with %q, want application/problem+json", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode
}

// vigil runs the CLI in-process.
func vigil(t *testing.T, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

type finding struct {
	ID              int64    `json:"id"`
	VulnerabilityID string   `json:"vulnerability_id"`
	Aliases         []string `json:"aliases"`
	Severity        string   `json:"severity"`
	State           string   `json:"state"`
	Project         string   `json:"project"`
	Resolution      string   `json:"resolution"`
	Environments    []string `json:"environments"`
	Artifact        struct {
		ID     int64  `json:"id"`
		Digest string `json:"digest"`
	} `json:"artifact"`
	Package struct {
		Name, Version, Ecosystem, PURL string
	} `json:"package"`
	History []struct {
		Kind, From, To, Reason, Actor string
	} `json:"history"`
}

func (e *env) findings(tok, query string) []finding {
	e.t.Helper()
	var all []finding
	cursor := ""
	for {
		var page struct {
			Items      []finding `json:"items"`
			NextCursor string    `json:"next_cursor"`
		}
		q := query + "&limit=50"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		if code := e.do("GET", "/api/v1/findings?"+q, tok, nil, &page); code != 200 {
			e.t.Fatalf("list findings %s: %d", q, code)
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

// TestEndToEnd pushes real inputs through the CLI and checks the server's
// findings equal the CLI's, then walks a finding through its lifecycle.
func TestEndToEnd(t *testing.T) { testEndToEnd(t, start(t)) }

// TestEndToEndPostgres is TestEndToEnd on PostgreSQL, in a schema of its
// own so that parallel runs never share tables.
func TestEndToEndPostgres(t *testing.T) {
	e := startWith(t, startOptions{storeURL: testutil.PostgresSchema(t)})
	if b := e.st.Backend(); b != store.BackendPostgres {
		t.Fatalf("store backend %q, want %q", b, store.BackendPostgres)
	}
	testEndToEnd(t, e)
}

func testEndToEnd(t *testing.T, e *env) {
	writer := e.token(store.RoleWriter, "shop")
	t.Setenv("VIGIL_TOKEN", writer)
	root := testutil.ModuleRoot(t)
	dbDir := filepath.Join(e.data, "vulndb")

	type pushed struct{ dir, digest string }
	var arts []pushed
	for _, app := range []string{"goapp", "pyapp", "rubyapp", "rustapp"} {
		dir := filepath.Join(root, "internal", "scan", "testdata", "realistic", app)
		report := filepath.Join(t.TempDir(), "r.json")
		code, _, stderr := vigil(t, "scan", dir, "--offline", "--db-dir", dbDir, "--scanners", "vuln", "-f", "json", "-o", report, "--push", e.url, "--project", "shop", "--artifact-version", "1.0")
		if code != 0 {
			t.Fatalf("scan --push %s: exit %d\n%s", app, code, stderr)
		}
		var local struct {
			Vulnerabilities []struct {
				ID      string
				Package struct{ Name, Version, Ecosystem string }
			}
		}
		b, _ := os.ReadFile(report)
		if err := json.Unmarshal(b, &local); err != nil {
			t.Fatal(err)
		}
		var arts1 struct {
			Items []struct {
				ID     int64  `json:"id"`
				Digest string `json:"digest"`
			} `json:"items"`
		}
		e.do("GET", "/api/v1/projects/shop/artifacts?limit=1000", writer, nil, &arts1)
		last := arts1.Items[len(arts1.Items)-1]
		arts = append(arts, pushed{dir: dir, digest: last.Digest})
		got := e.findings(writer, fmt.Sprintf("project=shop&artifact=%d", last.ID))
		var want, have []string
		for _, v := range local.Vulnerabilities {
			want = append(want, v.ID+" "+v.Package.Ecosystem+"/"+v.Package.Name+"@"+v.Package.Version)
		}
		for _, f := range got {
			have = append(have, f.VulnerabilityID+" "+f.Package.Ecosystem+"/"+f.Package.Name+"@"+f.Package.Version)
			if f.State != "open" || f.Project != "shop" || f.Artifact.Digest == "" || f.Severity == "" {
				t.Errorf("%s: finding %+v lacks a field of the contract", app, f)
			}
		}
		slices.Sort(want)
		slices.Sort(have)
		if !slices.Equal(want, have) {
			t.Errorf("%s: server findings differ from vigil scan:\nscan:   %v\nserver: %v", app, want, have)
		}
		if len(want) == 0 {
			t.Errorf("%s: no findings at all: the comparison proves nothing", app)
		}
		// The same push again is the same artifact and changes nothing.
		code, _, stderr = vigil(t, "scan", dir, "--offline", "--db-dir", dbDir, "--scanners", "vuln", "-f", "json", "-o", report, "--push", e.url, "--project", "shop")
		if code != 0 || !strings.Contains(stderr, "known artifact") {
			t.Errorf("second push of %s: exit %d, %s", app, code, stderr)
		}
		if again := e.findings(writer, fmt.Sprintf("project=shop&artifact=%d", last.ID)); len(again) != len(got) {
			t.Errorf("second push of %s changed findings: %d -> %d", app, len(got), len(again))
		}
	}

	// An SBOM pushed with `vigil sbom --push` is matched by the server too.
	code, _, stderr := vigil(t, "sbom", arts[0].dir, "-f", "spdx-json", "-o", filepath.Join(t.TempDir(), "b.spdx.json"), "--push", e.url, "--project", "shop")
	if code != 0 {
		t.Fatalf("sbom --push: %d %s", code, stderr)
	}

	// Deploy goapp to staging and prod; then deploy an artifact without
	// its vulnerable packages to prod (and nowhere else runs goapp? no:
	// staging still does, so its findings stay open until it is replaced
	// there too).
	goapp := arts[0].digest
	for _, envName := range []string{"staging", "prod"} {
		if code, _, stderr := vigil(t, "deploy", "--server", e.url, "--project", "shop", "--env", envName, "--artifact", goapp, "--service", "api"); code != 0 {
			t.Fatalf("deploy: %d %s", code, stderr)
		}
	}
	prod := e.findings(writer, "project=shop&environment=prod&state=open")
	if len(prod) == 0 {
		t.Fatal("no open findings in prod after deploying goapp")
	}
	for _, f := range prod {
		if f.Artifact.Digest != goapp || !slices.Contains(f.Environments, "prod") {
			t.Errorf("prod finding %d is on %s in %v", f.ID, f.Artifact.Digest, f.Environments)
		}
	}
	// A bare package name (the dashboard's search) finds that package's
	// findings, in every version and artifact, and nothing else.
	byName := e.findings(writer, "package="+url.QueryEscape(prod[0].Package.Name))
	if !slices.ContainsFunc(byName, func(f finding) bool { return f.ID == prod[0].ID }) {
		t.Errorf("package=%s lacks finding %d", prod[0].Package.Name, prod[0].ID)
	}
	for _, f := range byName {
		if f.Package.Name != prod[0].Package.Name {
			t.Errorf("package=%s found finding %d of %s", prod[0].Package.Name, f.ID, f.Package.Name)
		}
	}
	if none := e.findings(writer, "package="+url.QueryEscape(prod[0].Package.Name+"-no-such")); len(none) != 0 {
		t.Errorf("package of an unknown name found %d findings", len(none))
	}
	var sum struct {
		Open          map[string]int            `json:"open"`
		ByEnvironment map[string]map[string]int `json:"by_environment"`
	}
	e.do("GET", "/api/v1/summary", writer, nil, &sum)
	if len(sum.ByEnvironment["prod"]) == 0 || len(sum.Open) == 0 {
		t.Errorf("summary %+v lacks prod", sum)
	}

	// Accept one finding for a minute; move the clock: it re-opens.
	f0 := prod[0]
	patch := fmt.Sprintf(`{"state":"accepted","reason":"not reachable","expires":%q}`, e.clock.Now().Add(time.Minute).Format(time.RFC3339))
	if code := e.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", f0.ID), writer, strings.NewReader(patch), nil); code != 200 {
		t.Fatalf("accept: %d", code)
	}
	if code := e.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", f0.ID), writer, strings.NewReader(`{"state":"accepted","reason":"no expiry"}`), nil); code != 422 {
		t.Errorf("acceptance without expiry: %d, want 422", code)
	}
	if code := e.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", f0.ID), writer, strings.NewReader(`{"state":"false_positive"}`), nil); code != 422 {
		t.Errorf("state change without reason: %d, want 422", code)
	}
	if code := e.do("POST", "/api/v1/admin/clock", e.admin, strings.NewReader(`{"advance":"2m"}`), nil); code != 200 {
		t.Fatalf("advance clock: %d", code)
	}
	var got finding
	e.do("GET", fmt.Sprintf("/api/v1/findings/%d", f0.ID), writer, nil, &got)
	if got.State != "open" {
		t.Errorf("expired acceptance: state %q, want open", got.State)
	}
	if n := len(got.History); n < 3 || got.History[n-1].To != "open" || !strings.Contains(got.History[n-1].Reason, "expire") {
		t.Errorf("history does not record the expiry: %+v", got.History)
	}

	// Replace goapp with pyapp (which has none of goapp's packages) in both
	// environments: goapp's findings are resolved, and say why.
	for _, envName := range []string{"staging", "prod"} {
		if code, _, stderr := vigil(t, "deploy", "--server", e.url, "--project", "shop", "--env", envName, "--artifact", arts[1].digest, "--service", "api"); code != 0 {
			t.Fatalf("deploy: %d %s", code, stderr)
		}
	}
	e.do("GET", fmt.Sprintf("/api/v1/findings/%d", f0.ID), writer, nil, &got)
	if got.State != "fixed" || got.Resolution != store.ResolvedReplaced {
		t.Errorf("after the upgrade: state %q resolution %q, want fixed/%s", got.State, got.Resolution, store.ResolvedReplaced)
	}
	if last := got.History[len(got.History)-1]; !strings.Contains(last.Reason, arts[1].digest) {
		t.Errorf("history does not say what replaced it: %+v", last)
	}
	for _, f := range e.findings(writer, "project=shop&environment=prod&state=open") {
		if f.Artifact.Digest == goapp {
			t.Errorf("goapp finding %d still open in prod", f.ID)
		}
	}
}

// TestAuthorisationMatrix tries every route of the route table with every
// kind of caller and asserts the status of each cell.
func TestAuthorisationMatrix(t *testing.T) {
	e := start(t, 1_000_000)
	ctx := t.Context()
	// One artifact with a finding in project "matrix", one project "other".
	ing := minimalIngest(t, e, "matrix")
	if _, err := e.st.EnsureProject(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	fs, _, err := e.st.ListFindings(ctx, store.FindingFilter{Project: "matrix"})
	if err != nil || len(fs) == 0 {
		t.Fatalf("fixture has no finding: %v", err)
	}
	revoked := e.token(store.RoleAdmin)
	ts, _ := e.st.ListTokens(ctx)
	if err := e.st.RevokeToken(ctx, ts[len(ts)-1].ID, "test"); err != nil {
		t.Fatal(err)
	}
	_, expired, err := server.IssueToken(ctx, e.st, "test", "exp", store.RoleAdmin, nil, "1m", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	callers := map[string]string{
		"admin":         e.admin,
		"writer":        e.token(store.RoleWriter, "matrix"),
		"reader":        e.token(store.RoleReader, "matrix"),
		"global-reader": e.token(store.RoleReader),
		"metrics":       e.token(store.RoleMetrics),
		"other-writer":  e.token(store.RoleWriter, "other"),
		"other-reader":  e.token(store.RoleReader, "other"),
		"revoked":       revoked,
		"expired":       expired,
		"none":          "",
		"garbage":       "vgl_not-a-token",
	}
	e.clock.Advance(2 * time.Minute) // the "expired" token expires

	routes := e.srv.Routes()
	if len(routes) < 15 {
		t.Fatalf("route table has %d routes", len(routes))
	}
	for _, r := range routes {
		rule := r.Rule
		for name, tok := range callers {
			t.Run(r.Op.OperationID+"/"+name, func(t *testing.T) {
				path := r.Op.Path
				for k, v := range r.ExamplePath {
					path = strings.ReplaceAll(path, "{"+k+"}", resolve(t, e, v, ing, fs[0].ID))
				}
				var body io.Reader
				if r.ExampleBody != "" {
					body = strings.NewReader(strings.ReplaceAll(r.ExampleBody, "@digest", ing))
				} else if r.Op.Method == "POST" || r.Op.Method == "PATCH" {
					body = strings.NewReader("{}")
				}
				code := e.do(r.Op.Method, path, tok, body, nil)
				want := expect(name, rule)
				if want == 200 {
					if code/100 != 2 {
						t.Errorf("%s %s as %s: %d, want 2xx", r.Op.Method, path, name, code)
					}
				} else if code != want {
					t.Errorf("%s %s as %s: %d, want %d", r.Op.Method, path, name, code, want)
				}
			})
		}
	}
}

func resolve(t *testing.T, e *env, v, digest string, finding int64) string {
	switch v {
	case "@artifact":
		a, err := e.st.FindArtifact(t.Context(), "matrix", digest)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(a.ID)
	case "@finding":
		return fmt.Sprint(finding)
	case "@spare-token":
		tt, _, err := server.IssueToken(t.Context(), e.st, "test", "spare", store.RoleReader, nil, "", e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(tt.ID)
	}
	return v
}

// expect is the authorisation rule written out independently of the code.
func expect(caller string, r server.Rule) int {
	role := map[string]string{"admin": store.RoleAdmin, "writer": store.RoleWriter, "reader": store.RoleReader, "global-reader": store.RoleReader, "other-writer": store.RoleWriter, "other-reader": store.RoleReader, "metrics": store.RoleMetrics}[caller]
	if role == "" {
		return 401
	}
	rank := map[string]int{store.RoleMetrics: 1, store.RoleReader: 2, store.RoleWriter: 3, store.RoleAdmin: 4}
	if rank[role] < rank[r.Role] {
		return 403
	}
	inScope := caller == "admin" || caller == "global-reader" || caller == "writer" || caller == "reader" || caller == "metrics"
	switch r.Scope {
	case server.ScopePath, server.ScopeResource:
		if !inScope {
			return 403
		}
	case server.ScopeGlobal:
		if caller != "admin" && caller != "global-reader" {
			return 403
		}
	}
	return 200
}

// minimalIngest pushes a one-package npm SBOM with a known advisory.
func minimalIngest(t *testing.T, e *env, project string) string {
	t.Helper()
	var out struct {
		Artifact struct {
			Digest string `json:"digest"`
		} `json:"artifact"`
		Findings int `json:"findings"`
	}
	code := e.do("POST", "/api/v1/projects/"+project+"/artifacts", e.admin, strings.NewReader(lodashSBOM), &out)
	if code != 201 || out.Findings == 0 {
		t.Fatalf("push: %d, %d findings", code, out.Findings)
	}
	return out.Artifact.Digest
}

const lodashSBOM = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"lodash","version":"4.17.15","purl":"pkg:npm/lodash@4.17.15"}]}`

// TestHostileRequests: each gets a 4xx or a closed connection, and the
// server still answers.
func TestHostileRequests(t *testing.T) {
	e := start(t)
	push := "/api/v1/projects/h/artifacts"
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	chunk := make([]byte, 1<<20)
	for range 1024 { // 1 GiB of zeros, ~1 MiB compressed
		zw.Write(chunk)
	}
	zw.Close()
	deep := strings.Repeat(`{"components":[`, 10000) + strings.Repeat(`]}`, 10000)
	cases := map[string]struct {
		body io.Reader
		want int
	}{
		"gzip bomb":      {&bomb, 413},
		"oversized":      {io.LimitReader(zeroReader{}, server.DefaultLimits.MaxBody+1024), 413},
		"deep json":      {strings.NewReader(`{"bomFormat":"CycloneDX","specVersion":"1.6",` + deep[1:]), 422},
		"malformed":      {strings.NewReader(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":`), 422},
		"not a document": {strings.NewReader(`hello`), 422},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if code := e.do("POST", push, e.admin, c.body, nil); code != c.want {
				t.Errorf("%d, want %d", code, c.want)
			}
		})
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/api/v1/summary", nil)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	req.Header.Set("X-Big", strings.Repeat("a", 10<<20))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		if resp.StatusCode < 400 {
			t.Errorf("10 MB header: %d", resp.StatusCode)
		}
		resp.Body.Close()
	}
	if code := e.do("GET", "/api/v1/summary", e.admin, nil, nil); code != 200 {
		t.Errorf("server unwell after hostile requests: %d", code)
	}
	// Repeated bad tokens are rate limited.
	last := 0
	for range 30 {
		last = e.do("GET", "/api/v1/summary", "vgl_bad", nil, nil)
	}
	if last != 429 {
		t.Errorf("after 30 failed authentications: %d, want 429", last)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestOpenAPI: the document is OpenAPI 3.1 and lists every route.
func TestOpenAPI(t *testing.T) {
	e := start(t)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if code := e.do("GET", "/api/openapi.json", "", nil, &doc); code != 200 {
		t.Fatalf("openapi: %d", code)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q, want 3.1", doc.OpenAPI)
	}
	for _, r := range e.srv.Routes() {
		if _, ok := doc.Paths[r.Op.Path][strings.ToLower(r.Op.Method)]; !ok {
			t.Errorf("%s %s missing from the OpenAPI document", r.Op.Method, r.Op.Path)
		}
	}
}

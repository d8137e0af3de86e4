package server_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestReadCacheNeverStale: the findings list and the summary are cached
// per store generation; every kind of change must show at once, and a
// token scoped to one project never sees another project's cached answer.
func TestReadCacheNeverStale(t *testing.T) {
	e := start(t)
	writer := e.token(store.RoleWriter, "shop", "blog")
	shopReader := e.token(store.RoleReader, "shop")
	t.Setenv("VIGIL_TOKEN", writer)
	root := testutil.ModuleRoot(t)
	push := func(app, project string) {
		t.Helper()
		dir := filepath.Join(root, "internal", "scan", "testdata", "realistic", app)
		if code, _, stderr := vigil(t, "scan", dir, "--offline", "--db-dir", filepath.Join(e.data, "vulndb"), "--scanners", "vuln", "-f", "json", "-o", filepath.Join(t.TempDir(), "r.json"), "--push", e.url, "--project", project); code != 0 {
			t.Fatalf("push %s: %d %s", app, code, stderr)
		}
	}
	type summary struct {
		Open          map[string]int            `json:"open"`
		ByEnvironment map[string]map[string]int `json:"by_environment"`
	}
	total := func(tok string) int {
		t.Helper()
		var s summary
		if code := e.do("GET", "/api/v1/summary", tok, nil, &s); code != 200 {
			t.Fatalf("summary: %d", code)
		}
		n := 0
		for _, c := range s.Open {
			n += c
		}
		return n
	}
	push("goapp", "shop")
	open := e.findings(writer, "project=shop&state=open")
	before := total(writer)
	if len(open) == 0 || before != len(open) || total(writer) != before {
		t.Fatalf("open %d, summary %d", len(open), before)
	}
	// A state change.
	patch := `{"state":"false_positive","reason":"test"}`
	if code := e.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", open[0].ID), writer, strings.NewReader(patch), nil); code != 200 {
		t.Fatalf("patch: %d", code)
	}
	if got := len(e.findings(writer, "project=shop&state=open")); got != len(open)-1 {
		t.Errorf("after a state change the list has %d open, want %d", got, len(open)-1)
	}
	if got := total(writer); got != before-1 {
		t.Errorf("after a state change the summary says %d, want %d", got, before-1)
	}
	// A push to another project: the shop reader's answer is its own.
	shopOnly := total(shopReader)
	push("pyapp", "blog")
	if got := total(writer); got <= before-1 {
		t.Errorf("after a push the summary says %d, want more than %d", got, before-1)
	}
	if got := total(shopReader); got != shopOnly {
		t.Errorf("the shop reader sees %d, want %d (its own project only)", got, shopOnly)
	}
	// A deployment shows in by_environment at once.
	var arts struct {
		Items []struct{ Digest string } `json:"items"`
	}
	e.do("GET", "/api/v1/projects/shop/artifacts", writer, nil, &arts)
	if code, _, stderr := vigil(t, "deploy", "--server", e.url, "--project", "shop", "--env", "prod", "--artifact", arts.Items[0].Digest); code != 0 {
		t.Fatalf("deploy: %d %s", code, stderr)
	}
	var s summary
	e.do("GET", "/api/v1/summary", shopReader, nil, &s)
	n := 0
	for _, c := range s.ByEnvironment["prod"] {
		n += c
	}
	if n != before-1 {
		t.Errorf("prod has %d open findings in the summary right after the deployment, want %d", n, before-1)
	}
	if got := len(e.findings(shopReader, "environment=prod&state=open")); got != before-1 {
		t.Errorf("prod list has %d, want %d", got, before-1)
	}
	// A token revoked behind the server's back (vigil token revoke on the
	// same database) is refused at once, though its lookup was cached.
	toks, err := e.st.ListTokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range toks {
		if tk.Role == store.RoleReader {
			if err := e.st.RevokeToken(t.Context(), tk.ID, "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if code := e.do("GET", "/api/v1/summary", shopReader, nil, nil); code != 401 {
		t.Errorf("revoked token: %d, want 401", code)
	}
}

package server_test

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// npmMirror copies the shared npm archive into a mirror of its own, with
// extra records added (id -> JSON).
func npmMirror(t testing.TB, dir string, extra map[string]string) {
	t.Helper()
	src, err := zip.OpenReader(filepath.Join(testutil.Shared(t), "vulndb", "osv", "npm", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	os.MkdirAll(filepath.Join(dir, "npm"), 0o755)
	os.WriteFile(filepath.Join(dir, "ecosystems.txt"), []byte("npm\n"), 0o644)
	tmp := filepath.Join(dir, "npm", "all.zip.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, m := range src.File {
		if err := zw.Copy(m); err != nil {
			t.Fatal(err)
		}
	}
	for id, body := range extra {
		w, _ := zw.Create(id + ".json")
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Rename(tmp, filepath.Join(dir, "npm", "all.zip")); err != nil {
		t.Fatal(err)
	}
}

func leftPadAdvisory(fixed string) string {
	return fmt.Sprintf(`{"schema_version":"1.6.0","id":"VGL-TEST-9001","modified":"2026-11-30T00:00:00Z","published":"2026-11-30T00:00:00Z",
"summary":"left-pad pads too much","database_specific":{"severity":"HIGH"},
"affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":%q}]}]}]}`, fixed)
}

// TestRefreshRematches: a new, changed and withdrawn advisory in the
// mirror become created and resolved findings after `vigil db update
// --server`, and a refresh that changes nothing re-matches nothing. A
// server with --refresh-interval does the same by itself.
func TestRefreshRematches(t *testing.T) {
	mirror := t.TempDir()
	npmMirror(t, mirror, nil)
	data := t.TempDir()
	clock := &server.Clock{}
	st, err := store.Open(t.Context(), store.Options{URL: filepath.Join(data, "vigil.db"), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := server.New(server.Options{Store: st, VulnDBDir: filepath.Join(data, "vulndb"), VulnDBFrom: mirror, Clock: clock, RefreshInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Run(ctx, l, &http.Server{}, time.Second) }()
	t.Cleanup(func() { cancel(); <-stopped })
	_, admin, err := server.IssueToken(t.Context(), st, "test", "admin", store.RoleAdmin, nil, "", clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, url: url, st: st, clock: clock, data: data, admin: admin}
	t.Setenv("VIGIL_TOKEN", admin)

	bom := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
{"type":"library","name":"left-pad","version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0"},
{"type":"library","name":"lodash","version":"4.17.4","purl":"pkg:npm/lodash@4.17.4"}]}`
	if code := e.do("POST", "/api/v1/projects/web/artifacts", admin, strings.NewReader(bom), nil); code != 201 {
		t.Fatalf("push: %d", code)
	}
	leftPad := func() []finding {
		var out []finding
		for _, f := range e.findings(admin, "project=web&state=open,fixed") {
			if f.VulnerabilityID == "VGL-TEST-9001" {
				out = append(out, f)
			}
		}
		return out
	}
	if len(leftPad()) != 0 {
		t.Fatal("VGL-TEST-9001 before it exists")
	}
	// (a) a new advisory: a finding on left-pad, at once.
	npmMirror(t, mirror, map[string]string{"VGL-TEST-9001": leftPadAdvisory("2.0.0")})
	code, _, stderr := vigil(t, "db", "update", "--server", url)
	if code != 0 || !strings.Contains(stderr, "npm: +1 ~0 -0") || !strings.Contains(stderr, "1 findings created") {
		t.Fatalf("db update --server: %d %s", code, stderr)
	}
	if fs := leftPad(); len(fs) != 1 || fs[0].State != "open" || fs[0].Package.Name != "left-pad" {
		t.Fatalf("after the new advisory: %+v", fs)
	}
	verify := func(step string) {
		t.Helper()
		if code, stdout, stderr := vigil(t, "admin", "verify-findings", "--data-dir", data); code != 0 {
			t.Errorf("%s: verify-findings: exit %d\n%s%s", step, code, stdout, stderr)
		}
	}
	verify("new advisory")
	// Nothing changed: nothing re-matched.
	code, _, stderr = vigil(t, "db", "update", "--server", url)
	if code != 0 || !strings.Contains(stderr, "0 artifacts re-matched") {
		t.Errorf("unchanged refresh: %d %s", code, stderr)
	}
	// (b) its range moves below 1.3.0: resolved, advisory changed.
	npmMirror(t, mirror, map[string]string{"VGL-TEST-9001": strings.Replace(leftPadAdvisory("1.2.0"), "2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z", 1)})
	if code, _, stderr := vigil(t, "db", "update", "--server", url); code != 0 {
		t.Fatalf("db update --server: %d %s", code, stderr)
	}
	if fs := leftPad(); len(fs) != 1 || fs[0].State != "fixed" || fs[0].Resolution != store.ResolvedRangeChanged {
		t.Errorf("after the range moved: %+v, want fixed/%s", fs, store.ResolvedRangeChanged)
	}
	verify("range moved")
	// (c) back in range, then withdrawn, by the schedule alone.
	npmMirror(t, mirror, map[string]string{"VGL-TEST-9001": strings.Replace(leftPadAdvisory("2.0.0"), "2026-11-30T00:00:00Z", "2026-12-02T00:00:00Z", 1)})
	waitFor(t, "the scheduled refresh to re-open the finding", func() bool { fs := leftPad(); return len(fs) == 1 && fs[0].State == "open" })
	npmMirror(t, mirror, nil)
	waitFor(t, "the scheduled refresh to resolve the withdrawn advisory", func() bool {
		fs := leftPad()
		return len(fs) == 1 && fs[0].State == "fixed" && fs[0].Resolution == store.ResolvedWithdrawn
	})
	verify("withdrawn")
	// An advisory that no stored package matches changes nothing.
	npmMirror(t, mirror, map[string]string{"VGL-TEST-9002": strings.NewReplacer("VGL-TEST-9001", "VGL-TEST-9002", `"left-pad"`, `"no-such-package"`).Replace(leftPadAdvisory("2.0.0"))})
	before := len(e.findings(admin, "project=web"))
	if code, _, stderr := vigil(t, "db", "update", "--server", url); code != 0 || !strings.Contains(stderr, "0 findings created, 0 resolved") {
		t.Errorf("unmatched advisory: %d %s", code, stderr)
	}
	if after := len(e.findings(admin, "project=web")); after != before {
		t.Errorf("unmatched advisory changed the findings: %d -> %d", before, after)
	}
	verify("unmatched advisory")

	// verify-findings must see a database the findings were not matched
	// with: change the server's database behind its back.
	cancel()
	<-stopped
	stopped <- nil
	npmMirror(t, mirror, map[string]string{"VGL-TEST-9001": strings.Replace(leftPadAdvisory("2.0.0"), "2026-11-30T00:00:00Z", "2026-12-03T00:00:00Z", 1)})
	if _, err := vulndb.Update(t.Context(), vulndb.UpdateOptions{Dir: filepath.Join(data, "vulndb"), From: mirror}); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := vigil(t, "admin", "verify-findings", "--data-dir", data)
	if code != 1 || !strings.Contains(stdout, "missing vuln|VGL-TEST-9001|npm|left-pad|1.3.0") {
		t.Errorf("verify-findings after a change the server did not match: exit %d\n%s", code, stdout)
	}
	// A restarted server cannot know what the findings were matched with:
	// its first refresh (which changes no advisory) re-matches every
	// package, and the findings agree with the database again.
	srv2, err := server.New(server.Options{Store: st, VulnDBDir: filepath.Join(data, "vulndb"), VulnDBFrom: mirror, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	r, err := srv2.Refresh(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if r.Reopened != 1 || r.Packages != 2 {
		t.Errorf("first refresh after a restart: %+v, want every package (2) looked at and the withdrawn finding re-opened", r)
	}
	if code, stdout, stderr := vigil(t, "admin", "verify-findings", "--data-dir", data); code != 0 {
		t.Errorf("after the restart's re-match: verify-findings exit %d\n%s%s", code, stdout, stderr)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

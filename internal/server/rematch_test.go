package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// feedMirror is a loopback OSV mirror of the shared npm archive that also
// serves the change listing (npm/modified_id.csv) and single records
// (npm/<id>.json), counting the requests by path.
type feedMirror struct {
	t     testing.TB
	dir   string
	url   string
	mu    sync.Mutex
	hits  map[string]int
	lines []string // the listing, newest first
	// records are the published records, also in the archive (as the
	// OSV bucket's all.zip holds every current record).
	records map[string]string
}

func newFeedMirror(t testing.TB) *feedMirror {
	m := &feedMirror{t: t, dir: t.TempDir(), hits: map[string]int{}, records: map[string]string{}}
	npmMirror(t, m.dir, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.hits[r.URL.Path]++
		m.mu.Unlock()
		http.FileServer(http.Dir(m.dir)).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	m.url = srv.URL
	m.writeListing()
	return m
}

func (m *feedMirror) writeListing() {
	if err := os.WriteFile(filepath.Join(m.dir, "npm", "modified_id.csv"), []byte(strings.Join(m.lines, "")), 0o644); err != nil {
		m.t.Fatal(err)
	}
}

// publish serves a record alone and lists it as modified at modified.
func (m *feedMirror) publish(id, modified, body string) {
	if err := os.WriteFile(filepath.Join(m.dir, "npm", id+".json"), []byte(body), 0o644); err != nil {
		m.t.Fatal(err)
	}
	m.lines = append([]string{modified + "," + id + "\n"}, m.lines...)
	m.records[id] = body
	npmMirror(m.t, m.dir, m.records)
	m.writeListing()
}

func (m *feedMirror) reset() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.hits
	m.hits = map[string]int{}
	return h
}

// advisory is an npm record for one package: affected below fixed.
func advisory(id, pkg, modified, fixed, extra string) string {
	return fmt.Sprintf(`{"schema_version":"1.6.0","id":%q,"modified":%q,"published":"2026-11-30T00:00:00Z",
"summary":"%s is unsafe","database_specific":{"severity":"HIGH"}%s,
"affected":[{"package":{"ecosystem":"npm","name":%q},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":%q}]}]}]}`, id, modified, pkg, extra, pkg, fixed)
}

func TestTargetedRematch(t *testing.T) { testTargetedRematch(t, "") }

func TestTargetedRematchPostgres(t *testing.T) { testTargetedRematch(t, testutil.PostgresSchema(t)) }

// testTargetedRematch: against a mirror the test edits and that serves
// the change listing, (a) a new advisory becomes findings on exactly the
// artifacts holding an affected version, with events; (b) its range
// moves: the no longer affected ones are resolved advisory_range_changed;
// (c) it is withdrawn: all resolved advisory_withdrawn; (d) an advisory
// no stored package has changes nothing. Each refresh fetches only the
// changed record, looks only at the packages of the advisory's name, and
// verify-findings (a from-scratch match of every artifact) agrees after
// every step.
func testTargetedRematch(t *testing.T, storeURL string) {
	m := newFeedMirror(t)
	e := startWith(t, startOptions{storeURL: storeURL, from: m.url})
	if h := m.reset(); h["/npm/all.zip"] != 1 {
		t.Fatalf("first import: %v, want the archive", h)
	}
	bom := func(pkgs ...string) string {
		var cs []string
		for _, p := range pkgs {
			name, version, _ := strings.Cut(p, "@")
			cs = append(cs, fmt.Sprintf(`{"type":"library","name":%q,"version":%q,"purl":"pkg:npm/%s@%s"}`, name, version, name, version))
		}
		return `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[` + strings.Join(cs, ",") + `]}`
	}
	// Four artifacts: left-pad 1.3.0 in two projects, 1.1.0 in a third,
	// none in the fourth; lodash 4.17.4 (known advisories) in two.
	arts := map[string]string{
		"web/a":  bom("left-pad@1.3.0", "lodash@4.17.4", "minimist@1.2.6"),
		"api/b":  bom("left-pad@1.3.0", "express@4.18.2"),
		"cli/c":  bom("left-pad@1.1.0", "lodash@4.17.4"),
		"docs/d": bom("lodash@4.17.21", "minimist@1.2.6"),
	}
	ids := map[string]int64{}
	for name, doc := range arts {
		project, _, _ := strings.Cut(name, "/")
		var out struct {
			Artifact struct {
				ID int64 `json:"id"`
			} `json:"artifact"`
		}
		if code := e.do("POST", "/api/v1/projects/"+project+"/artifacts", e.admin, strings.NewReader(doc), &out); code != 201 {
			t.Fatalf("push %s: %d", name, code)
		}
		ids[name] = out.Artifact.ID
	}
	verify := func(step string) {
		t.Helper()
		db, err := vulndb.Open(filepath.Join(e.data, "vulndb"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		n, diffs, err := server.VerifyFindings(t.Context(), e.st, db)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(arts) || len(diffs) != 0 {
			t.Errorf("%s: verify-findings over %d artifacts: %d differences %v", step, n, len(diffs), diffs)
		}
	}
	verify("before")
	refresh := func(step string, wantFetched ...string) server.RefreshResult {
		t.Helper()
		var r server.RefreshResult
		if code := e.do("POST", "/api/v1/admin/refresh", e.admin, nil, &r); code != 200 {
			t.Fatalf("%s: refresh: %d", step, code)
		}
		h := m.reset()
		if h["/npm/all.zip"] != 0 || h["/npm/modified_id.csv"] != 1 {
			t.Errorf("%s: the refresh read %v, want the listing and not the archive", step, h)
		}
		for _, id := range wantFetched {
			if h["/npm/"+id+".json"] != 1 {
				t.Errorf("%s: %s fetched %d times, want once (%v)", step, id, h["/npm/"+id+".json"], h)
			}
		}
		got := 0
		for p := range h {
			if strings.HasSuffix(p, ".json") {
				got++
			}
		}
		if got != len(wantFetched) {
			t.Errorf("%s: %d records fetched (%v), want %d", step, got, h, len(wantFetched))
		}
		verify(step)
		return r
	}
	var events struct {
		Items []store.Event `json:"items"`
	}
	e.do("GET", "/api/v1/events?limit=1000", e.admin, nil, &events)
	for len(events.Items) == 1000 {
		after := events.Items[len(events.Items)-1].Seq
		events.Items = nil
		e.do("GET", fmt.Sprintf("/api/v1/events?after=%d&limit=1000", after), e.admin, nil, &events)
	}
	var lastSeq int64
	if n := len(events.Items); n > 0 {
		lastSeq = events.Items[n-1].Seq
	}
	leftPad := func() map[int64]finding {
		out := map[int64]finding{}
		for _, f := range e.findings(e.admin, "state=open,fixed") {
			if f.VulnerabilityID == "VGL-TEST-9101" {
				out[f.Artifact.ID] = f
			}
		}
		return out
	}

	// (a) a new advisory for left-pad below 2.0.0.
	m.publish("VGL-TEST-9101", "2027-01-01T00:00:00Z", advisory("VGL-TEST-9101", "left-pad", "2027-01-01T00:00:00Z", "2.0.0", ""))
	r := refresh("new advisory", "VGL-TEST-9101")
	if r.Created != 3 || r.Packages != 2 || r.Artifacts != 3 {
		t.Errorf("new advisory: %+v, want 3 created over the 2 left-pad packages of 3 artifacts", r)
	}
	fs := leftPad()
	for _, a := range []string{"web/a", "api/b", "cli/c"} {
		if f, ok := fs[ids[a]]; !ok || f.State != "open" || f.Package.Name != "left-pad" {
			t.Errorf("new advisory: %s has %+v, want an open left-pad finding", a, f)
		}
	}
	if len(fs) != 3 {
		t.Errorf("new advisory: findings on %d artifacts, want 3: %+v", len(fs), fs)
	}
	events.Items = nil
	e.do("GET", fmt.Sprintf("/api/v1/events?after=%d&limit=1000", lastSeq), e.admin, nil, &events)
	var created []int64
	for _, ev := range events.Items {
		if ev.Kind == store.EventFindingCreated && ev.Actor == "vigil:refresh" {
			created = append(created, ev.ArtifactID)
		}
	}
	slices.Sort(created)
	want := []int64{ids["web/a"], ids["api/b"], ids["cli/c"]}
	slices.Sort(want)
	if !slices.Equal(created, want) {
		t.Errorf("new advisory: finding.created events on artifacts %v, want %v", created, want)
	}

	// (b) fixed in 1.2.0: 1.3.0 is no longer affected.
	m.publish("VGL-TEST-9101", "2027-01-02T00:00:00Z", advisory("VGL-TEST-9101", "left-pad", "2027-01-02T00:00:00Z", "1.2.0", ""))
	r = refresh("range moved", "VGL-TEST-9101")
	if r.Resolved != 2 || r.Created != 0 {
		t.Errorf("range moved: %+v, want 2 resolved", r)
	}
	fs = leftPad()
	for _, a := range []string{"web/a", "api/b"} {
		if f := fs[ids[a]]; f.State != "fixed" || f.Resolution != store.ResolvedRangeChanged {
			t.Errorf("range moved: %s is %s/%s, want fixed/%s", a, f.State, f.Resolution, store.ResolvedRangeChanged)
		}
	}
	if f := fs[ids["cli/c"]]; f.State != "open" {
		t.Errorf("range moved: cli/c is %s, want open", f.State)
	}

	// (c) withdrawn.
	m.publish("VGL-TEST-9101", "2027-01-03T00:00:00Z", advisory("VGL-TEST-9101", "left-pad", "2027-01-03T00:00:00Z", "1.2.0", `,"withdrawn":"2027-01-03T00:00:00Z"`))
	r = refresh("withdrawn", "VGL-TEST-9101")
	if r.Resolved != 1 {
		t.Errorf("withdrawn: %+v, want 1 resolved", r)
	}
	if f := leftPad()[ids["cli/c"]]; f.State != "fixed" || f.Resolution != store.ResolvedWithdrawn {
		t.Errorf("withdrawn: cli/c is %s/%s, want fixed/%s", f.State, f.Resolution, store.ResolvedWithdrawn)
	}

	// (d) an advisory no stored package has.
	before := e.findings(e.admin, "state=open,fixed,accepted,false_positive")
	m.publish("VGL-TEST-9102", "2027-01-04T00:00:00Z", advisory("VGL-TEST-9102", "no-such-package", "2027-01-04T00:00:00Z", "2.0.0", ""))
	r = refresh("unmatched", "VGL-TEST-9102")
	if r.Packages != 0 || r.Artifacts != 0 || r.ReconcileResult != (store.ReconcileResult{}) {
		t.Errorf("unmatched: %+v, want nothing looked at", r)
	}
	if after := e.findings(e.admin, "state=open,fixed,accepted,false_positive"); len(after) != len(before) {
		t.Errorf("unmatched: %d findings, was %d", len(after), len(before))
	}
	// Nothing listed: nothing fetched, nothing re-matched.
	r = refresh("unchanged")
	if r.Packages != 0 || r.Artifacts != 0 {
		t.Errorf("unchanged: %+v", r)
	}

	// (e) a full re-match of the database in use: every stored package
	// is evaluated and, since each push recorded its new packages' match
	// hashes and each re-match the ones it reconciled, every one is
	// unchanged and no artifact is read. Forced, every group that
	// matches or has findings (left-pad, lodash: 4 artifacts) is reconciled and
	// nothing changes.
	rematchAll := func(step, query string) server.RefreshResult {
		var out struct {
			Body server.RefreshResult
		}
		if code := e.do("POST", "/api/v1/admin/rematch"+query, e.admin, nil, &out.Body); code != 200 {
			t.Fatalf("%s: rematch: %d", step, code)
		}
		verify(step)
		return out.Body
	}
	r = rematchAll("full re-match", "")
	if r.Packages != 6 || r.Unchanged != 6 || r.Artifacts != 0 || r.ReconcileResult != (store.ReconcileResult{}) {
		t.Errorf("full re-match: %+v, want every package unchanged and no artifact read", r)
	}
	r = rematchAll("forced full re-match", "?force=true")
	if r.Packages != 6 || r.Unchanged != 0 || r.Artifacts != 4 || r.ReconcileResult != (store.ReconcileResult{}) {
		t.Errorf("forced full re-match: %+v, want the 6 packages evaluated, the 4 artifacts holding left-pad or lodash (both have findings) compared, nothing changed", r)
	}
	// A writer may not ask for it.
	if code := e.do("POST", "/api/v1/admin/rematch", e.token(store.RoleWriter, ""), nil, nil); code != 403 {
		t.Errorf("rematch as a writer: %d, want 403", code)
	}
}

// TestRematchAliasMerge: a new advisory that aliases the CVE of a stored
// finding's record merges the two into one group, so the stored finding
// changes although its own record did not; revised without the alias,
// the group splits again. A targeted re-match compares only the findings
// linked to the changed id, and verify-findings agrees after each step.
func TestRematchAliasMerge(t *testing.T) {
	m := newFeedMirror(t)
	e := startWith(t, startOptions{from: m.url})
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"lodash","version":"4.17.4","purl":"pkg:npm/lodash@4.17.4"}]}`
	if code := e.do("POST", "/api/v1/projects/web/artifacts", e.admin, strings.NewReader(doc), nil); code != 201 {
		t.Fatalf("push: %d", code)
	}
	step := func(name string) {
		t.Helper()
		var r server.RefreshResult
		if code := e.do("POST", "/api/v1/admin/refresh", e.admin, nil, &r); code != 200 {
			t.Fatalf("%s: refresh: %d", name, code)
		}
		db, err := vulndb.Open(filepath.Join(e.data, "vulndb"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		n, diffs, err := server.VerifyFindings(t.Context(), e.st, db)
		if err != nil || n != 1 || len(diffs) != 0 {
			t.Errorf("%s: verify-findings over %d artifacts: %v %v", name, n, err, diffs)
		}
		cve := 0
		for _, f := range e.findings(e.admin, "state=open") {
			if f.VulnerabilityID == "CVE-2018-3721" || slices.Contains(f.Aliases, "CVE-2018-3721") {
				cve++
			}
		}
		if cve != 1 {
			t.Errorf("%s: %d open findings of CVE-2018-3721, want 1", name, cve)
		}
	}
	step("before")
	m.publish("VGL-TEST-MERGE", "2027-01-01T00:00:00Z", advisory("VGL-TEST-MERGE", "lodash", "2027-01-01T00:00:00Z", "4.17.5", `,"aliases":["CVE-2018-3721"]`))
	step("merged")
	m.publish("VGL-TEST-MERGE", "2027-01-02T00:00:00Z", advisory("VGL-TEST-MERGE", "lodash", "2027-01-02T00:00:00Z", "4.17.5", ""))
	step("split")
}

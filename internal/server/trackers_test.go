package server_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
	"github.com/vigil-sec/vigil/internal/tracker"
	"github.com/vigil-sec/vigil/internal/tracker/trackertest"
)

// running is a server started with Run (its background loops, the
// tracker follower among them) on a loopback listener.
type running struct {
	*env
	stop func()
}

// runServer runs a server over st with the trackers until stop.
func runServer(t testing.TB, st *store.Store, data, from string, set *tracker.Set) *running {
	t.Helper()
	clock := &server.Clock{}
	srv, err := server.New(server.Options{
		Store: st, VulnDBDir: filepath.Join(data, "vulndb"), VulnDBFrom: from, Clock: clock, Version: "test",
		Trackers: set, JobPoll: 100 * time.Millisecond, Logger: tbLogger(t),
	})
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
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, l, srv.HTTPServer(), time.Second) }()
	_, admin, err := server.IssueToken(t.Context(), st, "test", "admin", store.RoleAdmin, nil, "", clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &running{env: &env{t: t, url: "http://" + l.Addr().String(), srv: srv, st: st, clock: clock, data: data, admin: admin}, stop: stop}
}

// tbLogger logs to stderr with VIGIL_TEST_LOG set.
func tbLogger(t testing.TB) *slog.Logger {
	if os.Getenv("VIGIL_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
}

// rangedAdvisory is an npm record for one package: affected from
// introduced below fixed.
func rangedAdvisory(id, pkg, modified, introduced, fixed, extra string) string {
	return fmt.Sprintf(`{"schema_version":"1.6.0","id":%q,"modified":%q,"published":"2026-11-30T00:00:00Z",
"summary":"%s is unsafe","database_specific":{"severity":"HIGH"}%s,
"affected":[{"package":{"ecosystem":"npm","name":%q},"ranges":[{"type":"SEMVER","events":[{"introduced":%q},{"fixed":%q}]}]}]}`, id, modified, pkg, extra, pkg, introduced, fixed)
}

func TestTrackersEndToEnd(t *testing.T) { testTrackersEndToEnd(t, "") }

func TestTrackersEndToEndPostgres(t *testing.T) {
	testTrackersEndToEnd(t, testutil.PostgresSchema(t))
}

// testTrackersEndToEnd: a real server on loopback follows a loopback OSV
// mirror the test edits and keeps a fake GitHub repository's issues in
// step. An advisory lands: exactly one issue per affected project, listing
// the affected artifacts and environments. A second refresh with more
// affected artifacts updates that body, no new issue. The advisory is
// withdrawn: the issues are closed with a comment; it comes back: they
// are re-opened. The server is stopped between an issue's create call and
// the write of its number (a failure hook), and a restarted server adopts
// the issue instead of creating a duplicate.
func testTrackersEndToEnd(t *testing.T, storeURL string) {
	m := newFeedMirror(t)
	gh := trackertest.NewGitHub(t, "acme", "security", "ghp_e2e")
	data := t.TempDir()
	if storeURL == "" {
		storeURL = filepath.Join(data, "vigil.db")
	}
	st, err := store.Open(t.Context(), store.Options{URL: storeURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var crash atomic.Bool
	crashed := make(chan struct{}, 1)
	load := func() *tracker.Set {
		set, err := tracker.Load(tracker.Config{Debounce: 200 * time.Millisecond, Rules: []tracker.Rule{{
			Name: "security", GitHub: &tracker.GitHub{Repo: "acme/security", BaseURL: gh.URL(), Credentials: tracker.Credentials{TokenEnv: "E2E_TOKEN"}},
		}}}, tracker.LoadOptions{Getenv: func(string) string { return "ghp_e2e" }})
		if err != nil {
			t.Fatal(err)
		}
		set.Hook = func(stage string) error {
			if stage == tracker.StageCreated && crash.Load() {
				select {
				case crashed <- struct{}{}:
				default:
				}
				return errors.New("killed between the create and the write")
			}
			return nil
		}
		return set
	}
	e := runServer(t, st, data, m.url, load())

	bom := func(pkgs ...string) string {
		var cs []string
		for _, p := range pkgs {
			name, version, _ := strings.Cut(p, "@")
			cs = append(cs, fmt.Sprintf(`{"type":"library","name":%q,"version":%q,"purl":"pkg:npm/%s@%s"}`, name, version, name, version))
		}
		return `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[` + strings.Join(cs, ",") + `]}`
	}
	push := func(project, doc string) store.Artifact {
		var out struct {
			Artifact store.Artifact `json:"artifact"`
		}
		if code := e.do("POST", "/api/v1/projects/"+project+"/artifacts", e.admin, strings.NewReader(doc), &out); code != 201 {
			t.Fatalf("push to %s: %d", project, code)
		}
		return out.Artifact
	}
	a1 := push("web", bom("left-pad@1.3.0"))
	a2 := push("web", bom("left-pad@1.0.0", "vigil-fixture-b@1.0.0"))
	push("api", bom("left-pad@1.1.0"))
	push("docs", bom("vigil-fixture-c@1.0.0"))
	if _, err := st.Deploy(t.Context(), store.Deploy{Project: "web", Digest: a1.Digest, Environment: "prod", Actor: "cd"}); err != nil {
		t.Fatal(err)
	}
	refresh := func(step string) {
		t.Helper()
		if code := e.do("POST", "/api/v1/admin/refresh", e.admin, nil, nil); code != 200 {
			t.Fatalf("%s: refresh: %d", step, code)
		}
	}
	issues := func(id string) []trackertest.Issue {
		var out []trackertest.Issue
		for _, is := range gh.Issues() {
			if strings.HasPrefix(is.Title, id+":") {
				out = append(out, is)
			}
		}
		return out
	}
	byProject := func(id string) map[string]trackertest.Issue {
		out := map[string]trackertest.Issue{}
		for _, is := range issues(id) {
			_, p, _ := strings.Cut(is.Title, " in ")
			out[p] = is
		}
		return out
	}
	const id = "VGL-TEST-9201"

	// (a) The advisory lands: 1.1.0 up to 2.0.0, so web's 1.3.0 (deployed
	// in prod) and api's 1.1.0.
	m.publish(id, "2027-02-01T00:00:00Z", rangedAdvisory(id, "left-pad", "2027-02-01T00:00:00Z", "1.1.0", "2.0.0", ""))
	refresh("advisory")
	waitFor(t, "an issue in web and in api", func() bool { return len(byProject(id)) == 2 })
	got := byProject(id)
	web, api := got["web"], got["api"]
	if !strings.Contains(web.Body, "`"+a1.Name+"`") || !strings.Contains(web.Body, "`prod`") || !strings.Contains(web.Body, "Affected artifacts (1)") || !strings.Contains(web.Body, "`2.0.0`") {
		t.Errorf("web issue body:\n%s", web.Body)
	}
	if !strings.Contains(api.Body, "`1.1.0`") || !strings.Contains(api.Body, "not deployed") {
		t.Errorf("api issue body:\n%s", api.Body)
	}
	// The API lists the project's tracked issue.
	var list struct {
		Items []store.TrackerIssue `json:"items"`
	}
	if code := e.do("GET", "/api/v1/projects/web/tracker-issues", e.token(store.RoleReader, "web"), nil, &list); code != 200 || len(list.Items) == 0 {
		t.Fatalf("list tracker issues: %d %+v", code, list.Items)
	}
	found := false
	for _, ti := range list.Items {
		if ti.Group == id && ti.Number == web.Number && ti.State == store.TrackerOpen && ti.Project == "web" {
			found = true
		}
	}
	if !found {
		t.Errorf("tracked issues of web %+v lack %s #%d", list.Items, id, web.Number)
	}
	if code := e.do("GET", "/api/v1/projects/web/tracker-issues", e.token(store.RoleReader, "api"), nil, nil); code != 403 {
		t.Errorf("list web's tracker issues with an api token: %d, want 403", code)
	}

	// (b) The range widens to 0: web's second artifact too. Same issue,
	// body updated.
	m.publish(id, "2027-02-02T00:00:00Z", rangedAdvisory(id, "left-pad", "2027-02-02T00:00:00Z", "0", "2.0.0", ""))
	refresh("wider range")
	waitFor(t, "web's issue to list two artifacts", func() bool {
		return strings.Contains(byProject(id)["web"].Body, "Affected artifacts (2)")
	})
	if n := len(issues(id)); n != 2 {
		t.Errorf("after the wider range: %d issues, want still 2", n)
	}
	if b := byProject(id)["web"].Body; !strings.Contains(b, "`"+a2.Name+"`") || !strings.Contains(b, "`1.0.0`") {
		t.Errorf("web body after the wider range:\n%s", b)
	}

	// (c) Withdrawn: both closed, with a comment saying so.
	m.publish(id, "2027-02-03T00:00:00Z", rangedAdvisory(id, "left-pad", "2027-02-03T00:00:00Z", "0", "2.0.0", `,"withdrawn":"2027-02-03T00:00:00Z"`))
	refresh("withdrawn")
	waitFor(t, "both issues closed", func() bool {
		for _, is := range issues(id) {
			if is.Open {
				return false
			}
		}
		return true
	})
	for p, is := range byProject(id) {
		if len(is.Comments) != 1 || !strings.Contains(is.Comments[0], "advisory withdrawn") || is.Reason != "not_planned" {
			t.Errorf("%s issue after the withdrawal: comments %q, reason %q", p, is.Comments, is.Reason)
		}
	}

	// (d) It comes back: re-opened with a comment.
	m.publish(id, "2027-02-04T00:00:00Z", rangedAdvisory(id, "left-pad", "2027-02-04T00:00:00Z", "0", "2.0.0", ""))
	refresh("back")
	waitFor(t, "both issues re-opened", func() bool {
		for _, is := range issues(id) {
			if !is.Open {
				return false
			}
		}
		return true
	})
	for p, is := range byProject(id) {
		if len(is.Comments) != 2 || !strings.Contains(is.Comments[1], "re-opened") {
			t.Errorf("%s issue after the return: comments %q", p, is.Comments)
		}
	}
	if n := len(issues(id)); n != 2 {
		t.Errorf("after the return: %d issues, want 2", n)
	}

	// (e) A crash between a create and the write of its number.
	const id2 = "VGL-TEST-9202"
	crash.Store(true)
	m.publish(id2, "2027-02-05T00:00:00Z", rangedAdvisory(id2, "vigil-fixture-b", "2027-02-05T00:00:00Z", "0", "2.0.0", ""))
	refresh("second advisory")
	select {
	case <-crashed:
	case <-time.After(20 * time.Second):
		t.Fatal("the failure hook never ran")
	}
	e.stop()
	crash.Store(false)
	if n := len(issues(id2)); n != 1 {
		t.Fatalf("before the restart: %d issues for %s, want the one created", n, id2)
	}
	rows, _, err := st.TrackerIssues(t.Context(), store.TrackerIssueFilter{Project: "web"})
	if err != nil {
		t.Fatal(err)
	}
	pending := 0
	for _, r := range rows {
		if r.Group == id2 && r.State == store.TrackerPending {
			pending++
		}
	}
	if pending != 1 {
		t.Fatalf("before the restart, tracked rows %+v: want %s pending", rows, id2)
	}
	creates := gh.Calls().Create
	e2 := runServer(t, st, data, m.url, load())
	waitFor(t, "the restarted server to record the issue", func() bool {
		rows, _, err := st.TrackerIssues(t.Context(), store.TrackerIssueFilter{Project: "web"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Group == id2 && r.State == store.TrackerOpen && r.Number > 0 {
				return true
			}
		}
		return false
	})
	if n := len(issues(id2)); n != 1 {
		t.Errorf("after the restart: %d issues for %s, want 1 (no duplicate)", n, id2)
	}
	if c := gh.Calls().Create; c != creates {
		t.Errorf("the restarted server created %d issues, want none", c-creates)
	}
	// An admin reconcile (waited for) changes nothing more.
	var rec server.TrackerReconcile
	if code := e2.do("POST", "/api/v1/admin/trackers/reconcile?wait=true", e2.admin, nil, &rec); code != 200 || rec.State != store.JobDone || rec.Result == nil {
		t.Fatalf("admin reconcile: %d %+v", code, rec)
	}
	if rec.Result.Created != 0 || rec.Result.Errors != 0 {
		t.Errorf("admin reconcile after everything synced: %+v", rec.Result)
	}
	if n := len(gh.Issues()); n != 3+countOthers(gh) {
		t.Errorf("%d issues in all", n)
	}
	// (f) Triage: accepting the finding closes its issue, saying so.
	fs, _, err := st.ListFindings(t.Context(), store.FindingFilter{Project: "web", VulnID: id2, States: []string{store.StateOpen}})
	if err != nil || len(fs) != 1 {
		t.Fatalf("open %s findings in web: %d, %v", id2, len(fs), err)
	}
	patch := fmt.Sprintf(`{"state":"accepted","reason":"not reachable","expires":%q}`, time.Now().Add(24*time.Hour).Format(time.RFC3339))
	if code := e2.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", fs[0].ID), e2.admin, strings.NewReader(patch), nil); code != 200 {
		t.Fatalf("accept: %d", code)
	}
	waitFor(t, "the accepted finding's issue to close", func() bool {
		is := issues(id2)
		return len(is) == 1 && !is[0].Open
	})
	waitFor(t, "the closed issue's row", func() bool {
		rows, _, err := st.TrackerIssues(t.Context(), store.TrackerIssueFilter{Project: "web"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Group == id2 {
				return r.State == store.TrackerClosed && strings.Contains(r.Reason, "accepted")
			}
		}
		return false
	})
	if is := issues(id2)[0]; len(is.Comments) != 1 || !strings.Contains(is.Comments[0], "accepted") {
		t.Errorf("issue of the accepted finding: comments %q", is.Comments)
	}

	// The audit log holds the creates and closes.
	recs, err := st.AuditRecords(t.Context(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, r := range recs {
		kinds[r.Kind]++
	}
	if kinds[store.AuditTrackerCreate] < 3 || kinds[store.AuditTrackerClose] < 3 || kinds[store.AuditTrackerReopen] < 2 {
		t.Errorf("audit records by kind: %v", kinds)
	}
}

// countOthers counts issues not about the test's advisories (the shared
// corpus's own advisories may match nothing, or something).
func countOthers(gh *trackertest.GitHub) int {
	n := 0
	for _, is := range gh.Issues() {
		if !strings.HasPrefix(is.Title, "VGL-TEST-") {
			n++
		}
	}
	return n
}

package tracker_test

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/tracker"
	"github.com/vigil-sec/vigil/internal/tracker/trackertest"
)

// fakeTracker is either fake behind one interface.
type fakeTracker interface {
	Issues() []trackertest.Issue
	Calls() trackertest.Calls
	PerPage(int)
}

// sinkCase builds a rule against a fresh fake.
type sinkCase struct {
	name string
	make func(t *testing.T) (tracker.Rule, fakeTracker, func(n int, wait time.Duration))
}

var sinkCases = []sinkCase{
	{"github", func(t *testing.T) (tracker.Rule, fakeTracker, func(int, time.Duration)) {
		gh := trackertest.NewGitHub(t, "acme", "web", "ghp_secret")
		t.Setenv("TEST_GH_TOKEN", "ghp_secret")
		r := tracker.Rule{Name: "gh", GitHub: &tracker.GitHub{Repo: "acme/web", BaseURL: gh.URL(), Credentials: tracker.Credentials{TokenEnv: "TEST_GH_TOKEN"}}}
		return r, gh, func(n int, wait time.Duration) { gh.RateLimit(n, http.StatusForbidden, wait) }
	}},
	{"gitlab", func(t *testing.T) (tracker.Rule, fakeTracker, func(int, time.Duration)) {
		gl := trackertest.NewGitLab(t, "acme/web", "glpat-secret")
		t.Setenv("TEST_GL_TOKEN", "glpat-secret")
		r := tracker.Rule{Name: "gl", GitLab: &tracker.GitLab{Project: "acme/web", BaseURL: gl.URL(), Credentials: tracker.Credentials{TokenEnv: "TEST_GL_TOKEN"}}}
		return r, gl, gl.RateLimit
	}},
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), store.Options{URL: filepath.Join(t.TempDir(), "vigil.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func npm(name, version string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Ecosystem: "npm", PURL: "pkg:npm/" + name + "@" + version, Extractor: "test/lock"}
}

func vuln(id string, p inventory.Package, sev severity.Level, fixed string) store.NewFinding {
	return store.NewFinding{Kind: store.KindVulnerability, Key: id + "|" + p.Name + "|" + p.Version, VulnerabilityID: id,
		Aliases: []string{"CVE-" + id}, Package: &p, Severity: sev, Summary: id + " is bad", FixedVersion: fixed, Detail: []byte(`{}`)}
}

// push ingests artifact i of project with packages and findings.
func push(t *testing.T, st *store.Store, project string, i int, pkgs []inventory.Package, fs ...store.NewFinding) store.Artifact {
	t.Helper()
	r, err := st.Ingest(t.Context(), store.Ingest{Project: project, Actor: "ci", Packages: pkgs, Findings: fs,
		Artifact: store.Artifact{Kind: "image", Digest: fmt.Sprintf("sha256:%064x", i), Name: fmt.Sprintf("%s-app-%d", project, i), Version: "1." + fmt.Sprint(i), Format: "cyclonedx-json"}})
	if err != nil {
		t.Fatal(err)
	}
	return r.Artifact
}

func reconciler(t *testing.T, st *store.Store, rules []tracker.Rule, owner string, hook func(string) error) *tracker.Reconciler {
	t.Helper()
	set, err := tracker.Load(tracker.Config{Rules: rules}, tracker.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := tracker.New(tracker.Options{Store: st, Set: set, SLA: store.SLAPolicy{Default: store.DefaultSLADays}, DueWithin: 7 * 24 * time.Hour, Owner: owner, Hook: hook})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReconcileLifecycle, against each fake: one issue per project x
// group listing its artifacts, packages, fixed versions and environments;
// more affected artifacts update the body of the same issue; a sync with
// nothing new calls nothing; every finding resolved closes it with a
// comment saying why; the group coming back re-opens it with a comment.
func TestReconcileLifecycle(t *testing.T) {
	for _, sc := range sinkCases {
		t.Run(sc.name, func(t *testing.T) {
			st := openStore(t)
			ctx := t.Context()
			rule, fk, _ := sc.make(t)
			rule.Select = notify.Selector{Projects: []string{"web", "api"}, MinSeverity: severity.Medium}
			rule.Labels = []string{"team:web"}
			rc := reconciler(t, st, []tracker.Rule{rule}, "a", nil)

			lp, mm := npm("left-pad", "1.3.0"), npm("minimist", "1.2.0")
			a1 := push(t, st, "web", 1, []inventory.Package{lp, mm}, vuln("GHSA-1", lp, severity.High, "2.0.0"), vuln("GHSA-low", mm, severity.Low, ""))
			push(t, st, "docs", 2, []inventory.Package{lp}, vuln("GHSA-1", lp, severity.High, "2.0.0"))
			if _, err := st.Deploy(ctx, store.Deploy{Project: "web", Digest: a1.Digest, Environment: "prod", Actor: "cd"}); err != nil {
				t.Fatal(err)
			}
			res, err := rc.SyncAll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			issues := fk.Issues()
			if res.Created != 1 || len(issues) != 1 {
				t.Fatalf("first sync: %+v, %d issues; want one (GHSA-1 in web: low is below the rule, docs is not selected)", res, len(issues))
			}
			is := issues[0]
			for _, want := range []string{"<!-- vigil-tracker:", "GHSA-1", "`web-app-1`", "`left-pad`", "`1.3.0`", "`2.0.0`", "`prod`", "CVE-GHSA-1"} {
				if !strings.Contains(is.Body, want) {
					t.Errorf("body lacks %q:\n%s", want, is.Body)
				}
			}
			if strings.Contains(is.Body, "minimist") {
				t.Errorf("body lists the low finding:\n%s", is.Body)
			}
			if want := []string{"severity:high", "team:web", "vigil"}; strings.Join(is.Labels, ",") != strings.Join(want, ",") {
				t.Errorf("labels = %v, want %v", is.Labels, want)
			}
			rows, _, err := st.TrackerIssues(ctx, store.TrackerIssueFilter{})
			if err != nil || len(rows) != 1 || rows[0].State != store.TrackerOpen || rows[0].Number != is.Number || rows[0].URL == "" {
				t.Fatalf("tracked = %+v, %v", rows, err)
			}

			// Unchanged: no call that writes.
			before := fk.Calls()
			if res, err := rc.SyncProject(ctx, "web"); err != nil || res.Unchanged != 1 {
				t.Fatalf("second sync: %+v, %v", res, err)
			}
			if after := fk.Calls(); after.Update != before.Update || after.Create != before.Create {
				t.Errorf("a sync without change called the tracker: %+v -> %+v", before, after)
			}

			// A second affected artifact: the same issue, body updated.
			push(t, st, "web", 3, []inventory.Package{lp}, vuln("GHSA-1", lp, severity.Critical, "2.0.0"))
			if res, err := rc.SyncProject(ctx, "web"); err != nil || res.Updated != 1 || res.Created != 0 {
				t.Fatalf("sync after a second artifact: %+v, %v", res, err)
			}
			issues = fk.Issues()
			if len(issues) != 1 || !strings.Contains(issues[0].Body, "web-app-3") || !strings.Contains(issues[0].Body, "Affected artifacts (2)") {
				t.Fatalf("after a second artifact: %d issues, body:\n%s", len(issues), issues[0].Body)
			}
			if !strings.Contains(strings.Join(issues[0].Labels, ","), "severity:critical") {
				t.Errorf("labels = %v, want severity:critical (the worst finding)", issues[0].Labels)
			}

			// Every finding resolved: closed with a comment saying why.
			fs, _, err := st.ListFindings(ctx, store.FindingFilter{Project: "web", VulnID: "GHSA-1", States: []string{store.StateOpen}})
			if err != nil || len(fs) != 2 {
				t.Fatalf("open GHSA-1 findings: %d, %v", len(fs), err)
			}
			for _, f := range fs {
				if _, err := st.Reconcile(ctx, store.Reconcile{ArtifactID: f.ArtifactID, Kind: store.KindVulnerability, Actor: "vigil:refresh", Withdrawn: map[string]bool{"GHSA-1": true}}); err != nil {
					t.Fatal(err)
				}
			}
			if res, err := rc.SyncProject(ctx, "web"); err != nil || res.Closed != 1 {
				t.Fatalf("sync after withdrawal: %+v, %v", res, err)
			}
			is = fk.Issues()[0]
			if is.Open || len(is.Comments) != 1 || !strings.Contains(is.Comments[0], "2 advisory withdrawn") {
				t.Fatalf("after withdrawal: open=%v comments=%q", is.Open, is.Comments)
			}
			if sc.name == "github" && is.Reason != "not_planned" {
				t.Errorf("state_reason = %q, want not_planned for a withdrawn advisory", is.Reason)
			}

			// It comes back on one artifact: re-opened, with a comment.
			if _, err := st.Reconcile(ctx, store.Reconcile{ArtifactID: a1.ID, Kind: store.KindVulnerability, Actor: "vigil:refresh",
				Findings: []store.NewFinding{vuln("GHSA-1", lp, severity.High, "2.0.0")}}); err != nil {
				t.Fatal(err)
			}
			if res, err := rc.SyncProject(ctx, "web"); err != nil || res.Reopened != 1 {
				t.Fatalf("sync after the advisory came back: %+v, %v", res, err)
			}
			issues = fk.Issues()
			if len(issues) != 1 || !issues[0].Open || len(issues[0].Comments) != 2 || !strings.Contains(issues[0].Comments[1], "re-opened") {
				t.Fatalf("after return: %d issues, open=%v, comments=%q", len(issues), issues[0].Open, issues[0].Comments)
			}
			if strings.Contains(issues[0].Body, "web-app-3") {
				t.Errorf("re-opened body still lists the resolved artifact:\n%s", issues[0].Body)
			}
			// The audit log has the create, close and re-open.
			recs, err := st.AuditRecords(ctx, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for _, r := range recs {
				kinds[r.Kind]++
			}
			for _, k := range []string{store.AuditTrackerCreate, store.AuditTrackerClose, store.AuditTrackerReopen} {
				if kinds[k] != 1 {
					t.Errorf("audit records of kind %s: %d, want 1 (%v)", k, kinds[k], kinds)
				}
			}
		})
	}
}

// TestCrashBetweenCreateAndRecord: the process dies after the tracker
// created the issue and before its number was written; another worker
// (a restarted server) finds the issue by its marker among several pages
// of other issues and adopts it instead of creating a second.
func TestCrashBetweenCreateAndRecord(t *testing.T) {
	for _, sc := range sinkCases {
		t.Run(sc.name, func(t *testing.T) {
			st := openStore(t)
			ctx := t.Context()
			rule, fk, _ := sc.make(t)
			fk.PerPage(2)
			// Other projects' issues first, so the marker is pages away.
			var pkgs []inventory.Package
			var fs []store.NewFinding
			for i := range 5 {
				p := npm(fmt.Sprintf("pkg-%d", i), "1.0.0")
				pkgs = append(pkgs, p)
				fs = append(fs, vuln(fmt.Sprintf("GHSA-%d", i), p, severity.High, ""))
			}
			push(t, st, "web", 1, pkgs, fs...)
			crash := errors.New("killed")
			n := 0
			rc := reconciler(t, st, []tracker.Rule{rule}, "first", func(stage string) error {
				if stage != tracker.StageCreated {
					return nil
				}
				n++
				if n == 2 {
					return crash
				}
				return nil
			})
			if _, err := rc.SyncProject(ctx, "web"); !errors.Is(err, crash) {
				t.Fatalf("first sync: %v, want the crash", err)
			}
			if got := len(fk.Issues()); got != 5 {
				t.Fatalf("first sync made %d issues, want 5 (the crash is after a create)", got)
			}
			rows, _, _ := st.TrackerIssues(ctx, store.TrackerIssueFilter{})
			pending := 0
			for _, r := range rows {
				if r.State == store.TrackerPending {
					pending++
				}
			}
			if pending != 1 {
				t.Fatalf("%d pending rows after the crash, want 1: %+v", pending, rows)
			}
			again := reconciler(t, st, []tracker.Rule{rule}, "second", nil)
			res, err := again.SyncProject(ctx, "web")
			if err != nil {
				t.Fatal(err)
			}
			if res.Adopted != 1 || res.Created != 0 {
				t.Errorf("sync after the crash: %+v, want the pending issue adopted", res)
			}
			if got := len(fk.Issues()); got != 5 {
				t.Errorf("%d issues after the restart, want 5 (no duplicate)", got)
			}
			if sc.name == "github" && fk.Calls().List < 2 {
				t.Errorf("the marker was found in %d list calls; the fake pages by 2", fk.Calls().List)
			}
			rows, _, _ = st.TrackerIssues(ctx, store.TrackerIssueFilter{})
			for _, r := range rows {
				if r.State != store.TrackerOpen || r.Number == 0 {
					t.Errorf("after the restart: %+v", r)
				}
			}
		})
	}
}

// TestRateLimited: the tracker refuses calls with a rate limit; the sync
// waits for the reset and succeeds.
func TestRateLimited(t *testing.T) {
	for _, sc := range sinkCases {
		t.Run(sc.name, func(t *testing.T) {
			st := openStore(t)
			rule, fk, limit := sc.make(t)
			lp := npm("left-pad", "1.3.0")
			push(t, st, "web", 1, []inventory.Package{lp}, vuln("GHSA-1", lp, severity.High, ""))
			limit(2, 0)
			rc := reconciler(t, st, []tracker.Rule{rule}, "a", nil)
			start := time.Now()
			res, err := rc.SyncProject(t.Context(), "web")
			if err != nil || res.Created != 1 {
				t.Fatalf("sync under a rate limit: %+v, %v", res, err)
			}
			if c := fk.Calls(); c.Limited != 2 || c.Create != 1 {
				t.Errorf("calls = %+v, want 2 refused and 1 create", c)
			}
			if sc.name == "github" && time.Since(start) < time.Second {
				t.Errorf("the sync did not wait for X-RateLimit-Reset (%s)", time.Since(start))
			}
		})
	}
}

// TestBadToken: a tracker that refuses the token fails the sync, leaves
// the row pending for the next one, and the error does not carry the
// token.
func TestBadToken(t *testing.T) {
	for _, sc := range sinkCases {
		t.Run(sc.name, func(t *testing.T) {
			st := openStore(t)
			rule, fk, _ := sc.make(t)
			env := "TEST_GH_TOKEN"
			if rule.GitLab != nil {
				env = "TEST_GL_TOKEN"
			}
			t.Setenv(env, "wrong-token-value")
			lp := npm("left-pad", "1.3.0")
			a := push(t, st, "web", 1, []inventory.Package{lp}, vuln("GHSA-1", lp, severity.High, ""))
			rc := reconciler(t, st, []tracker.Rule{rule}, "a", nil)
			_, err := rc.SyncProject(t.Context(), "web")
			if err == nil {
				t.Fatal("sync with a refused token succeeded")
			}
			if strings.Contains(err.Error(), "wrong-token-value") {
				t.Errorf("the error shows the token: %v", err)
			}
			if c := fk.Calls(); c.Unauthorized == 0 || c.Create != 0 {
				t.Errorf("calls = %+v", c)
			}
			rows, _, _ := st.TrackerIssues(t.Context(), store.TrackerIssueFilter{})
			if len(rows) != 1 || rows[0].State != store.TrackerPending || rows[0].LeaseOwner != "" {
				t.Errorf("rows = %+v, want one pending and released", rows)
			}
			// The finding goes away before a create succeeded: with the
			// token fixed, the next sync finds no issue with the marker
			// and forgets the row; nothing is created or closed.
			if _, err := st.Reconcile(t.Context(), store.Reconcile{ArtifactID: a.ID, Kind: store.KindVulnerability, Actor: "vigil:refresh"}); err != nil {
				t.Fatal(err)
			}
			if rule.GitLab != nil {
				t.Setenv(env, "glpat-secret")
			} else {
				t.Setenv(env, "ghp_secret")
			}
			res, err := reconciler(t, st, []tracker.Rule{rule}, "b", nil).SyncProject(t.Context(), "web")
			if err != nil || res.Closed != 0 || res.Created != 0 {
				t.Fatalf("sync after the finding went away: %+v, %v", res, err)
			}
			if rows, _, _ := st.TrackerIssues(t.Context(), store.TrackerIssueFilter{}); len(rows) != 0 {
				t.Errorf("rows = %+v, want the never-created one gone", rows)
			}
			if c := fk.Calls(); c.Create != 0 || c.List == 0 {
				t.Errorf("calls = %+v, want a marker search and no create", c)
			}
		})
	}
}

// TestReconcileKEVOnly: a kev_only rule opens issues only for the groups
// the server's KEV catalog lists (Options.KEV).
func TestReconcileKEVOnly(t *testing.T) {
	sc := sinkCases[0]
	st := openStore(t)
	rule, fk, _ := sc.make(t)
	rule.Select = notify.Selector{KEVOnly: true}
	set, err := tracker.Load(tracker.Config{Rules: []tracker.Rule{rule}}, tracker.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := tracker.New(tracker.Options{Store: st, Set: set, SLA: store.SLAPolicy{Default: store.DefaultSLADays}, Owner: "a",
		KEV: func(id string, _ []string) bool { return id == "GHSA-kev" }})
	if err != nil {
		t.Fatal(err)
	}
	lp, mm := npm("left-pad", "1.3.0"), npm("minimist", "1.2.0")
	push(t, st, "web", 1, []inventory.Package{lp, mm}, vuln("GHSA-kev", lp, severity.Medium, ""), vuln("GHSA-other", mm, severity.Critical, "2.0.0"))
	if _, err := rc.SyncAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	issues := fk.Issues()
	if len(issues) != 1 || !strings.Contains(issues[0].Body, "GHSA-kev") || strings.Contains(issues[0].Body, "GHSA-other") {
		t.Fatalf("issues = %+v, want one for GHSA-kev only", issues)
	}
}

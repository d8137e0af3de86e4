package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/vigil-sec/vigil/internal/audit"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
)

func TestContractSQLite(t *testing.T)   { runContract(t, openSQLite) }
func TestContractPostgres(t *testing.T) { runContract(t, openPostgres) }

// runContract is the storage contract, the same for every backend.
func runContract(t *testing.T, open opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Store, c *clock, url string)
	}{
		{"Projects", testProjects},
		{"IngestIdempotentAndDedup", testIngest},
		{"IngestInvalid", testIngestInvalid},
		{"DeployReplaces", testDeploy},
		{"SetStateAndExpiry", testSetState},
		{"Reconcile", testReconcile},
		{"ReconcileStatic", testReconcileStatic},
		{"ListFindingsFilters", testListFindings},
		{"AliasLookup", testAliasLookup},
		{"Pagination", testPagination},
		{"SummaryAndEvents", testSummary},
		{"Tokens", testTokens},
		{"SchemaTooNew", testSchemaTooNew},
		{"ConcurrentIngest", testConcurrentIngest},
		{"GroupCommit", testGroupCommit},
		{"PackageArtifacts", testPackageArtifacts},
		{"IngestMatchHashes", testIngestMatchHashes},
		{"Freshness", testFreshness},
		{"Registry", testRegistry},
		{"RegistryConfig", testRegistryConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			s, url := open(t, c.Now)
			if err := s.Ping(t.Context()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			tt.fn(t, s, c, url)
			// Whatever the test wrote, the summary's counters match the
			// findings (migration 00010's triggers).
			if drift, err := s.FindingCountDrift(context.Background()); err != nil || len(drift) > 0 {
				t.Errorf("finding_counts drift after %s: %v %q", tt.name, err, drift)
			}
		})
	}
}

func testProjects(t *testing.T, s *Store, c *clock, _ string) {
	ctx := t.Context()
	a, err := s.EnsureProject(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.EnsureProject(ctx, "alpha")
	if err != nil || again.ID != a.ID {
		t.Fatalf("EnsureProject twice = %d, %v; want %d", again.ID, err, a.ID)
	}
	b, err := s.CreateProject(ctx, Project{Name: "beta", Team: "platform", Labels: map[string]string{"tier": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateProject(ctx, Project{Name: "beta"}); !errors.Is(err, ErrExists) {
		t.Errorf("CreateProject(beta) again: %v, want ErrExists", err)
	}
	got, err := s.GetProject(ctx, "beta")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b, got); diff != "" || got.Team != "platform" || got.Labels["tier"] != "1" || !got.CreatedAt.Equal(c.Now()) {
		t.Errorf("GetProject(beta) = %+v (diff %s)", got, diff)
	}
	if _, err := s.GetProject(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetProject(nope): %v, want ErrNotFound", err)
	}
	if _, err := s.CreateProject(ctx, Project{Name: " "}); !errors.Is(err, ErrInvalid) {
		t.Errorf("CreateProject(blank): %v, want ErrInvalid", err)
	}
	for _, tc := range []struct {
		scope Scope
		want  []string
	}{
		{Scope{}, []string{"alpha", "beta"}},
		{Scope{Projects: []string{}}, nil},
		{Scope{Projects: []string{"beta", "gamma"}}, []string{"beta"}},
	} {
		ps, next, err := s.ListProjects(ctx, tc.scope, Page{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range ps {
			names = append(names, p.Name)
		}
		if !slices.Equal(names, tc.want) || next != "" {
			t.Errorf("ListProjects(%v) = %v, %q; want %v", tc.scope.Projects, names, next, tc.want)
		}
	}
	ps, next, err := s.ListProjects(ctx, Scope{}, Page{Limit: 1})
	if err != nil || len(ps) != 1 || next == "" {
		t.Fatalf("ListProjects(limit 1) = %v, %q, %v", ps, next, err)
	}
	ps, _, err = s.ListProjects(ctx, Scope{}, Page{Limit: 1, Cursor: next})
	if err != nil || len(ps) != 1 || ps[0].Name != "beta" {
		t.Errorf("second page = %v, %v", ps, err)
	}
	if _, _, err := s.ListProjects(ctx, Scope{}, Page{Cursor: "!!"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad cursor: %v, want ErrInvalid", err)
	}
}

func testIngest(t *testing.T, s *Store, c *clock, _ string) {
	ctx := t.Context()
	p1, p2, p3 := pkg("npm", "lodash", "4.17.20"), pkg("npm", "minimist", "1.2.5"), pkg("Go", "golang.org/x/net", "v0.1.0")
	p3.Platform, p3.Relationship, p3.DependsOn = "linux/amd64", inventory.RelDirect, []string{"pkg:golang/golang.org/x/text@v0.3.0"}
	p3.Hashes = map[string]string{"sha256": "abc"}
	dup := p1
	dup.Locations = []inventory.Location{{Path: "other/lock", Line: 9}}
	in := Ingest{
		Project: "web", Actor: "ci",
		Artifact: Artifact{Kind: "image", Digest: "sha256:aaa", Name: "web", Version: "1.0", Format: "cyclonedx-json", ToolName: "vigil", ToolVersion: "0.9",
			Image: &ImageMeta{Reference: "r/web:1.0", OS: "debian", OSVersion: "12", Layers: []LayerMeta{{Digest: "sha256:l1", Packages: 3}}},
			Build: BuildMetadata{"pipeline": "https://ci/1"}},
		Packages: []inventory.Package{p1, p2, p3, dup},
		Findings: []NewFinding{
			vuln("GHSA-1", p1, severity.High, "4.17.21", "CVE-2021-1"),
			vuln("GHSA-2", p2, severity.Low, ""),
			{Kind: KindMisconfiguration, Key: "VGL-K8S-001|deploy.yaml", VulnerabilityID: "VGL-K8S-001", Severity: severity.Medium, Summary: "privileged"},
		},
	}
	res, err := s.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.NewFindings != 3 || res.Artifact.Packages != 3 || res.Artifact.Project != "web" {
		t.Fatalf("Ingest = %+v", res)
	}
	a := res.Artifact
	if a.Image == nil || a.Image.OSVersion != "12" || a.Build["pipeline"] != "https://ci/1" || !a.CreatedAt.Equal(c.Now()) {
		t.Errorf("artifact metadata = %+v", a)
	}
	inv, err := s.Inventory(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{p1, p2, p3}
	want[0].Locations = append(slices.Clone(p1.Locations), dup.Locations...)
	sortPkgs := cmpopts.SortSlices(func(a, b inventory.Package) bool { return inventory.Compare(&a, &b) < 0 })
	if diff := cmp.Diff(want, inv, sortPkgs); diff != "" {
		t.Errorf("Inventory mismatch (-want +got):\n%s", diff)
	}
	fs, _, err := s.ListFindings(ctx, FindingFilter{ArtifactID: a.ID})
	if err != nil || len(fs) != 3 {
		t.Fatalf("ListFindings = %d, %v", len(fs), err)
	}
	for _, f := range fs {
		if f.State != StateOpen || !f.FirstSeen.Equal(c.Now()) || f.Project != "web" || f.Artifact.Digest != "sha256:aaa" {
			t.Errorf("finding %s = %+v", f.Key, f.Finding)
		}
		if (f.FixedVersion != "") != !f.FixAvailableSince.IsZero() {
			t.Errorf("finding %s: fixed %q, fix_available_since %v", f.Key, f.FixedVersion, f.FixAvailableSince)
		}
		if f.Kind == KindVulnerability && (f.Package == nil || f.Package.PURL == "" || len(f.Package.Locations) == 0) {
			t.Errorf("finding %s package = %+v", f.Key, f.Package)
		}
	}
	if string(fs[0].Detail) != `{"id":"GHSA-1"}` || !slices.Equal(fs[0].Aliases, []string{"CVE-2021-1"}) {
		t.Errorf("finding detail %s aliases %v", fs[0].Detail, fs[0].Aliases)
	}

	// Same digest again: metadata refreshed, nothing else.
	c.Advance(time.Hour)
	again := in
	again.Artifact.Name, again.Artifact.ToolVersion = "web-renamed", "1.0"
	again.Packages = []inventory.Package{pkg("npm", "other", "1")}
	again.Findings = []NewFinding{vuln("GHSA-9", again.Packages[0], severity.Critical, "")}
	res2, err := s.Ingest(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Created || res2.NewFindings != 0 || res2.Artifact.ID != a.ID || res2.Artifact.Name != "web-renamed" ||
		res2.Artifact.ToolVersion != "1.0" || !res2.Artifact.UpdatedAt.Equal(c.Now()) || !res2.Artifact.CreatedAt.Equal(a.CreatedAt) || res2.Artifact.Packages != 3 {
		t.Errorf("second Ingest = %+v", res2)
	}
	if n := countRows(t, s, "findings"); n != 3 {
		t.Errorf("findings after re-ingest = %d, want 3", n)
	}
	if n := countRows(t, s, "packages"); n != 3 {
		t.Errorf("packages after re-ingest = %d, want 3", n)
	}

	// Another artifact sharing two packages: stored once.
	other := Ingest{Project: "api", Artifact: Artifact{Kind: "source", Digest: "sha256:bbb", Name: "api"},
		Packages: []inventory.Package{p1, p2, pkg("npm", "express", "4.0.0")}}
	res3, err := s.Ingest(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, "packages"); n != 4 {
		t.Errorf("packages after a sharing artifact = %d, want 4", n)
	}
	// A package that differs only in a match attribute is another package.
	dev := p1
	dev.Dev = true
	if _, err := s.Ingest(ctx, Ingest{Project: "api", Artifact: Artifact{Digest: "sha256:ccc"}, Packages: []inventory.Package{dev}}); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, "packages"); n != 5 {
		t.Errorf("packages after a dev variant = %d, want 5", n)
	}
	got, err := s.FindArtifact(ctx, "api", "sha256:bbb")
	if err != nil || got.ID != res3.Artifact.ID {
		t.Errorf("FindArtifact = %+v, %v", got, err)
	}
	if _, err := s.FindArtifact(ctx, "web", "sha256:bbb"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindArtifact in the wrong project: %v, want ErrNotFound", err)
	}
	if _, err := s.GetArtifact(ctx, 999999); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetArtifact(999999): %v, want ErrNotFound", err)
	}
	ids, err := s.ArtifactIDs(ctx)
	if err != nil || len(ids) != 3 {
		t.Errorf("ArtifactIDs = %v, %v", ids, err)
	}
	arts, _, err := s.ListArtifacts(ctx, ArtifactFilter{Project: "api"})
	if err != nil || len(arts) != 2 {
		t.Errorf("ListArtifacts(api) = %d, %v", len(arts), err)
	}
	arts, _, err = s.ListArtifacts(ctx, ArtifactFilter{Scope: Scope{Projects: []string{"web"}}})
	if err != nil || len(arts) != 1 || arts[0].Digest != "sha256:aaa" {
		t.Errorf("ListArtifacts(scope web) = %v, %v", arts, err)
	}
	var all []ArtifactPackage
	cur := ""
	for {
		page, next, err := s.ArtifactPackages(ctx, a.ID, Page{Limit: 2, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		cur = next
	}
	if len(all) != 3 || !slices.IsSortedFunc(all, func(a, b ArtifactPackage) int { return int(a.ID - b.ID) }) {
		t.Errorf("ArtifactPackages pages = %d", len(all))
	}
	if _, _, err := s.ArtifactPackages(ctx, 999999, Page{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("ArtifactPackages(999999): %v", err)
	}
	evs, err := s.Events(ctx, Scope{Projects: []string{"web"}}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range evs {
		kinds[e.Kind]++
	}
	if kinds[EventArtifactIngested] != 2 || kinds[EventFindingCreated] != 3 || len(kinds) != 2 {
		t.Errorf("events of web = %v", kinds)
	}
}

func testIngestInvalid(t *testing.T, s *Store, _ *clock, _ string) {
	ctx := t.Context()
	p := pkg("npm", "a", "1")
	for name, in := range map[string]Ingest{
		"no digest":       {Project: "p", Packages: []inventory.Package{p}},
		"no project":      {Artifact: Artifact{Digest: "d"}},
		"bad kind":        {Project: "p", Artifact: Artifact{Digest: "d"}, Findings: []NewFinding{{Kind: "x", Key: "k"}}},
		"duplicate key":   {Project: "p", Artifact: Artifact{Digest: "d"}, Packages: []inventory.Package{p}, Findings: []NewFinding{vuln("A", p, 1, ""), vuln("A", p, 1, "")}},
		"foreign package": {Project: "p", Artifact: Artifact{Digest: "d"}, Packages: []inventory.Package{p}, Findings: []NewFinding{vuln("A", pkg("npm", "b", "1"), 1, "")}},
		"detail not JSON": {Project: "p", Artifact: Artifact{Digest: "d"}, Findings: []NewFinding{{Kind: KindSecret, Key: "k", Detail: []byte("{")}}},
	} {
		if _, err := s.Ingest(ctx, in); !errors.Is(err, ErrInvalid) {
			t.Errorf("Ingest(%s): %v, want ErrInvalid", name, err)
		}
	}
	// The failed ingest of "foreign package" left nothing behind, and the
	// package cache did not keep its rolled-back package.
	if n := countRows(t, s, "artifacts") + countRows(t, s, "packages"); n != 0 {
		t.Errorf("rows after failed ingests = %d, want 0", n)
	}
	if _, err := s.Ingest(ctx, Ingest{Project: "p", Artifact: Artifact{Digest: "d"}, Packages: []inventory.Package{p}, Findings: []NewFinding{vuln("A", p, 1, "")}}); err != nil {
		t.Fatalf("Ingest after a rolled-back one: %v", err)
	}
	if n := countRows(t, s, "packages"); n != 1 {
		t.Errorf("packages = %d, want 1", n)
	}
}

func testDeploy(t *testing.T, s *Store, c *clock, _ string) {
	ctx := t.Context()
	oldPkg, newPkg, keep := pkg("npm", "lodash", "4.17.20"), pkg("npm", "lodash", "4.17.21"), pkg("npm", "minimist", "1.2.5")
	v1 := Ingest{Project: "shop", Artifact: Artifact{Kind: "image", Digest: "sha256:v1"}, Packages: []inventory.Package{oldPkg, keep},
		Findings: []NewFinding{vuln("GHSA-lo", oldPkg, severity.High, "4.17.21"), vuln("GHSA-mi", keep, severity.Medium, ""),
			{Kind: KindSecret, Key: "aws|app.env", VulnerabilityID: "aws-key", Severity: severity.Critical}}}
	v2 := Ingest{Project: "shop", Artifact: Artifact{Kind: "image", Digest: "sha256:v2"}, Packages: []inventory.Package{newPkg, keep},
		Findings: []NewFinding{vuln("GHSA-mi", keep, severity.Medium, "")}}
	for _, in := range []Ingest{v1, v2} {
		if _, err := s.Ingest(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Deploy(ctx, Deploy{Project: "shop", Digest: "sha256:nope", Environment: "prod"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Deploy(unknown digest): %v, want ErrNotFound", err)
	}
	d1, err := s.Deploy(ctx, Deploy{Project: "shop", Digest: "sha256:v1", Environment: "prod", Actor: "cd"})
	if err != nil {
		t.Fatal(err)
	}
	if d1.Replaced != nil || d1.Deployment.Service != "shop" || !d1.Deployment.End.IsZero() {
		t.Errorf("first Deploy = %+v", d1)
	}
	if _, err := s.Deploy(ctx, Deploy{Project: "shop", Digest: "sha256:v1", Environment: "staging", Actor: "cd"}); err != nil {
		t.Fatal(err)
	}
	again, err := s.Deploy(ctx, Deploy{Project: "shop", Digest: "sha256:v1", Environment: "prod"})
	if err != nil || again.Deployment.ID != d1.Deployment.ID || again.Replaced != nil {
		t.Errorf("same deploy again = %+v, %v; want a no-op", again, err)
	}
	v1ID := d1.Deployment.ArtifactID
	prod, _, err := s.ListFindings(ctx, FindingFilter{Environment: "prod"})
	if err != nil || len(prod) != 3 || !slices.Equal(prod[0].Environments, []string{"prod", "staging"}) {
		t.Fatalf("findings in prod = %d (%v), %v", len(prod), prod, err)
	}
	c.Advance(time.Hour)
	// v2 replaces v1 in prod; v1 still runs in staging, so nothing is fixed.
	d2, err := s.Deploy(ctx, Deploy{Project: "shop", Digest: "sha256:v2", Environment: "prod", Actor: "cd"})
	if err != nil {
		t.Fatal(err)
	}
	if d2.Replaced == nil || d2.Replaced.ArtifactID != v1ID || !d2.Replaced.End.Equal(c.Now()) || len(d2.Resolved) != 0 {
		t.Errorf("Deploy(v2 to prod) = %+v", d2)
	}
	d3, err := s.Deploy(ctx, Deploy{Project: "shop", Digest: "sha256:v2", Environment: "staging", Actor: "cd"})
	if err != nil {
		t.Fatal(err)
	}
	var resolved []string
	for _, f := range d3.Resolved {
		resolved = append(resolved, f.VulnerabilityID)
		if f.State != StateFixed || f.Resolution != ResolvedReplaced || !strings.Contains(f.Reason, "sha256:v2") || !strings.Contains(f.Reason, "staging") || !f.ResolvedAt.Equal(c.Now()) {
			t.Errorf("resolved finding = %+v", f)
		}
	}
	slices.Sort(resolved)
	if !slices.Equal(resolved, []string{"GHSA-lo", "aws-key"}) {
		t.Errorf("resolved = %v, want GHSA-lo and aws-key (GHSA-mi is still in v2)", resolved)
	}
	h, err := s.History(ctx, d3.Resolved[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Kind != EventFindingCreated || h[1].Kind != EventFindingState || h[1].From != StateOpen || h[1].To != StateFixed ||
		!strings.Contains(h[1].Reason, "sha256:v2") || h[1].Actor != "cd" || !strings.Contains(string(h[1].Data), ResolvedReplaced) {
		t.Errorf("History = %+v", h)
	}
	if _, err := s.History(ctx, 999999); !errors.Is(err, ErrNotFound) {
		t.Errorf("History(999999): %v", err)
	}
	active, _, err := s.ListDeployments(ctx, DeploymentFilter{Project: "shop", ActiveOnly: true})
	if err != nil || len(active) != 2 {
		t.Errorf("active deployments = %+v, %v", active, err)
	}
	for _, d := range active {
		if d.Digest != "sha256:v2" {
			t.Errorf("active deployment of %s", d.Digest)
		}
	}
	allProd, _, err := s.ListDeployments(ctx, DeploymentFilter{Environment: "prod"})
	if err != nil || len(allProd) != 2 {
		t.Errorf("prod deployments = %d, %v", len(allProd), err)
	}
	if none, _, err := s.ListDeployments(ctx, DeploymentFilter{Scope: Scope{Projects: []string{"other"}}}); err != nil || len(none) != 0 {
		t.Errorf("deployments out of scope = %v, %v", none, err)
	}
}

func testSetState(t *testing.T, s *Store, c *clock, _ string) {
	ctx := t.Context()
	p := pkg("npm", "a", "1")
	if _, err := s.Ingest(ctx, Ingest{Project: "p", Artifact: Artifact{Digest: "d"}, Packages: []inventory.Package{p},
		Findings: []NewFinding{vuln("GHSA-a", p, severity.High, "")}}); err != nil {
		t.Fatal(err)
	}
	fs, _, err := s.ListFindings(ctx, FindingFilter{})
	if err != nil || len(fs) != 1 {
		t.Fatal(len(fs), err)
	}
	id := fs[0].ID
	for name, sc := range map[string]StateChange{
		"no reason":      {FindingID: id, To: StateFalsePositive},
		"no expiry":      {FindingID: id, To: StateAccepted, Reason: "r"},
		"past expiry":    {FindingID: id, To: StateAccepted, Reason: "r", Until: c.Now().Add(-time.Second)},
		"unknown state":  {FindingID: id, To: "ignored", Reason: "r"},
		"whitespace why": {FindingID: id, To: StateFixed, Reason: "  "},
	} {
		if _, err := s.SetState(ctx, sc); !errors.Is(err, ErrInvalid) {
			t.Errorf("SetState(%s): %v, want ErrInvalid", name, err)
		}
	}
	if _, err := s.SetState(ctx, StateChange{FindingID: 999999, To: StateFixed, Reason: "r"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetState(999999): %v, want ErrNotFound", err)
	}
	until := c.Now().Add(time.Minute)
	f, err := s.SetState(ctx, StateChange{FindingID: id, To: StateAccepted, Reason: "upgrade planned", Actor: "alice", Until: until})
	if err != nil {
		t.Fatal(err)
	}
	if f.State != StateAccepted || f.AcceptedBy != "alice" || !f.AcceptedUntil.Equal(until) || f.Reason != "upgrade planned" {
		t.Errorf("accepted = %+v", f)
	}
	c.Advance(30 * time.Second)
	if n, err := s.ExpireAcceptances(ctx); err != nil || n != 0 {
		t.Errorf("ExpireAcceptances before expiry = %d, %v", n, err)
	}
	c.Advance(30 * time.Second)
	if n, err := s.ExpireAcceptances(ctx); err != nil || n != 1 {
		t.Errorf("ExpireAcceptances at expiry = %d, %v", n, err)
	}
	v, err := s.GetFinding(ctx, id)
	if err != nil || v.State != StateOpen || !v.AcceptedUntil.IsZero() {
		t.Errorf("after expiry = %+v, %v", v.Finding, err)
	}
	if _, err := s.GetFinding(ctx, 999999); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetFinding(999999): %v", err)
	}
	if _, err := s.SetState(ctx, StateChange{FindingID: id, To: StateFalsePositive, Reason: "test code only", Actor: "bob"}); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	for _, e := range h {
		trail = append(trail, fmt.Sprintf("%s %s>%s %s %s", e.Kind, e.From, e.To, e.Actor, e.Reason))
	}
	want := []string{
		"finding.created >open  ",
		"finding.state_changed open>accepted alice upgrade planned",
		"finding.state_changed accepted>open system acceptance expired at 2026-03-01T12:01:00Z",
		"finding.state_changed open>false_positive bob test code only",
	}
	if diff := cmp.Diff(want, trail); diff != "" {
		t.Errorf("History mismatch (-want +got):\n%s", diff)
	}
	if !h[1].At.Before(h[2].At) || !h[2].At.Equal(c.Now()) {
		t.Errorf("event times %v, %v", h[1].At, h[2].At)
	}
}

func testReconcile(t *testing.T, s *Store, c *clock, _ string) {
	ctx := t.Context()
	a, b, d := pkg("npm", "a", "1"), pkg("npm", "b", "1"), pkg("npm", "d", "1")
	res, err := s.Ingest(ctx, Ingest{Project: "p", Artifact: Artifact{Digest: "x"}, Packages: []inventory.Package{a, b, d},
		Findings: []NewFinding{
			vuln("GHSA-keep", a, severity.Low, ""), vuln("GHSA-gone", a, severity.High, ""), vuln("GHSA-wd", b, severity.High, "", "CVE-W"),
			vuln("GHSA-fp", b, severity.High, ""), vuln("GHSA-back", d, severity.Medium, ""),
			{Kind: KindSecret, Key: "s1", Severity: severity.High},
		}})
	if err != nil {
		t.Fatal(err)
	}
	art := res.Artifact.ID
	byVuln := func() map[string]FindingView {
		fs, _, err := s.ListFindings(ctx, FindingFilter{ArtifactID: art})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]FindingView{}
		for _, f := range fs {
			m[f.Key] = f
		}
		return m
	}
	fp := byVuln()[vuln("GHSA-fp", b, 0, "").Key]
	if _, err := s.SetState(ctx, StateChange{FindingID: fp.ID, To: StateFalsePositive, Reason: "not used"}); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	// First match: GHSA-back disappears (range changed), GHSA-wd is
	// withdrawn under its alias, GHSA-gone goes, GHSA-fp goes (stays
	// false_positive), GHSA-keep gets a fix and a higher severity, GHSA-new
	// appears.
	r1, err := s.Reconcile(ctx, Reconcile{ArtifactID: art, Kind: KindVulnerability, Actor: "matcher", Withdrawn: map[string]bool{"CVE-W": true},
		Findings: []NewFinding{vuln("GHSA-keep", a, severity.Critical, "2"), vuln("GHSA-new", d, severity.Low, "")}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ReconcileResult{Created: 1, Resolved: 3, Updated: 1}, r1); diff != "" {
		t.Errorf("first Reconcile (-want +got):\n%s", diff)
	}
	m := byVuln()
	check := func(key, state, resolution string) {
		t.Helper()
		if f := m[key]; f.State != state || f.Resolution != resolution {
			t.Errorf("%s: state %q resolution %q, want %q %q", key, f.State, f.Resolution, state, resolution)
		}
	}
	check(vuln("GHSA-gone", a, 0, "").Key, StateFixed, ResolvedRangeChanged)
	check(vuln("GHSA-wd", b, 0, "").Key, StateFixed, ResolvedWithdrawn)
	check(vuln("GHSA-back", d, 0, "").Key, StateFixed, ResolvedRangeChanged)
	check(vuln("GHSA-fp", b, 0, "").Key, StateFalsePositive, "")
	check("s1", StateOpen, "") // another kind is left alone
	keep := m[vuln("GHSA-keep", a, 0, "").Key]
	if keep.Severity != severity.Critical || keep.FixedVersion != "2" || !keep.FixAvailableSince.Equal(c.Now()) {
		t.Errorf("updated finding = %+v", keep.Finding)
	}
	if f := m[vuln("GHSA-new", d, 0, "").Key]; f.State != StateOpen || !f.FirstSeen.Equal(c.Now()) || f.PackageID == 0 {
		t.Errorf("new finding = %+v", f.Finding)
	}
	// Second match: GHSA-back is back and re-opens; the rest is unchanged.
	r2, err := s.Reconcile(ctx, Reconcile{ArtifactID: art, Kind: KindVulnerability,
		Findings: []NewFinding{vuln("GHSA-keep", a, severity.Critical, "2"), vuln("GHSA-new", d, severity.Low, ""), vuln("GHSA-back", d, severity.Medium, "")}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ReconcileResult{Reopened: 1}, r2); diff != "" {
		t.Errorf("second Reconcile (-want +got):\n%s", diff)
	}
	m = byVuln()
	check(vuln("GHSA-back", d, 0, "").Key, StateOpen, "")
	h, err := s.History(ctx, keep.ID)
	if err != nil || len(h) != 2 || h[1].Kind != EventFindingUpdated || !strings.Contains(string(h[1].Data), "severity") {
		t.Errorf("history of updated = %+v, %v", h, err)
	}
	// Secrets: a vanished one is not_reported.
	r3, err := s.Reconcile(ctx, Reconcile{ArtifactID: art, Kind: KindSecret})
	if err != nil || r3.Resolved != 1 {
		t.Errorf("Reconcile(secrets) = %+v, %v", r3, err)
	}
	check = func(key, state, resolution string) {
		t.Helper()
		if f := byVuln()[key]; f.State != state || f.Resolution != resolution {
			t.Errorf("%s: state %q resolution %q, want %q %q", key, f.State, f.Resolution, state, resolution)
		}
	}
	check("s1", StateFixed, ResolvedNotReported)
	if _, err := s.Reconcile(ctx, Reconcile{ArtifactID: 999999, Kind: KindSecret}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Reconcile(999999): %v", err)
	}
	if _, err := s.Reconcile(ctx, Reconcile{ArtifactID: art, Kind: KindSecret, Findings: []NewFinding{vuln("X", a, 0, "")}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Reconcile(wrong kind): %v", err)
	}
}

// portfolio ingests two projects with deployments for the list tests.
func portfolio(t *testing.T, s *Store, c *clock) {
	ctx := t.Context()
	lodash, express, gonet := pkg("npm", "lodash", "4.17.20"), pkg("npm", "express", "4.0.0"), pkg("Go", "golang.org/x/net", "v0.1.0")
	if _, err := s.Ingest(ctx, Ingest{Project: "web", Artifact: Artifact{Digest: "w1"}, Packages: []inventory.Package{lodash, express},
		Findings: []NewFinding{vuln("GHSA-l", lodash, severity.Critical, "4.17.21", "CVE-L"), vuln("GHSA-e", express, severity.Low, "")}}); err != nil {
		t.Fatal(err)
	}
	c.Advance(24 * time.Hour)
	if _, err := s.Ingest(ctx, Ingest{Project: "api", Artifact: Artifact{Digest: "a1"}, Packages: []inventory.Package{lodash, gonet},
		Findings: []NewFinding{vuln("GHSA-l", lodash, severity.Critical, "4.17.21", "CVE-L"), vuln("GO-n", gonet, severity.High, "v0.2.0"),
			{Kind: KindMisconfiguration, Key: "m1", VulnerabilityID: "VGL-1", Severity: severity.Medium}}}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []Deploy{{Project: "web", Digest: "w1", Environment: "prod"}, {Project: "api", Digest: "a1", Environment: "staging"}} {
		if _, err := s.Deploy(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
}

func testListFindings(t *testing.T, s *Store, c *clock, _ string) {
	ctx := t.Context()
	start := c.Now()
	portfolio(t, s, c)
	yes, no := true, false
	tests := []struct {
		name string
		f    FindingFilter
		want []string
	}{
		{"all", FindingFilter{}, []string{"GHSA-l", "GHSA-e", "GHSA-l", "GO-n", "VGL-1"}},
		{"project", FindingFilter{Project: "web"}, []string{"GHSA-l", "GHSA-e"}},
		{"environment", FindingFilter{Environment: "staging"}, []string{"GHSA-l", "GO-n", "VGL-1"}},
		{"unknown environment", FindingFilter{Environment: "dev"}, nil},
		{"kind", FindingFilter{Kind: KindMisconfiguration}, []string{"VGL-1"}},
		{"states", FindingFilter{States: []string{StateFixed, StateAccepted}}, nil},
		{"open", FindingFilter{States: []string{StateOpen}, Project: "web"}, []string{"GHSA-l", "GHSA-e"}},
		{"min severity", FindingFilter{MinSeverity: severity.High}, []string{"GHSA-l", "GHSA-l", "GO-n"}},
		{"severities", FindingFilter{Severities: []severity.Level{severity.Low, severity.Medium}}, []string{"GHSA-e", "VGL-1"}},
		{"ecosystem", FindingFilter{Ecosystem: "Go"}, []string{"GO-n"}},
		{"purl exact", FindingFilter{PURL: "pkg:npm/lodash@4.17.20"}, []string{"GHSA-l", "GHSA-l"}},
		{"purl any version", FindingFilter{PURL: "pkg:npm/express"}, []string{"GHSA-e"}},
		{"purl other version", FindingFilter{PURL: "pkg:npm/express@5.0.0"}, nil},
		{"package name", FindingFilter{Package: "lodash"}, []string{"GHSA-l", "GHSA-l"}},
		{"package name with a slash", FindingFilter{Package: "golang.org/x/net", Ecosystem: "Go"}, []string{"GO-n"}},
		{"package name and project", FindingFilter{Package: "lodash", Project: "api"}, []string{"GHSA-l"}},
		{"package name is exact", FindingFilter{Package: "lodas"}, nil},
		{"package name is not a purl", FindingFilter{Package: "pkg:npm/lodash"}, nil},
		{"vuln id", FindingFilter{VulnID: "GO-n"}, []string{"GO-n"}},
		{"alias", FindingFilter{VulnID: "CVE-L", Project: "api"}, []string{"GHSA-l"}},
		{"fixable", FindingFilter{Fixable: &yes}, []string{"GHSA-l", "GHSA-l", "GO-n"}},
		{"not fixable", FindingFilter{Fixable: &no}, []string{"GHSA-e", "VGL-1"}},
		{"first seen from", FindingFilter{FirstSeenFrom: start.Add(time.Hour)}, []string{"GHSA-l", "GO-n", "VGL-1"}},
		{"first seen to", FindingFilter{FirstSeenTo: start.Add(time.Hour)}, []string{"GHSA-l", "GHSA-e"}},
		{"scope", FindingFilter{Scope: Scope{Projects: []string{"api"}}}, []string{"GHSA-l", "GO-n", "VGL-1"}},
		{"empty scope", FindingFilter{Scope: Scope{Projects: []string{}}}, nil},
		{"scope and other project", FindingFilter{Scope: Scope{Projects: []string{"api"}}, Project: "web"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, next, err := s.ListFindings(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.VulnerabilityID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || next != "" {
				t.Errorf("ListFindings mismatch (-want +got), next %q:\n%s", next, diff)
			}
			// Lean lists the same findings, without what is around them.
			lf := tt.f
			lf.Lean = true
			lean, next, err := s.ListFindings(ctx, lf)
			if err != nil {
				t.Fatal(err)
			}
			var full, bare []Finding
			for i := range fs {
				full = append(full, fs[i].Finding)
			}
			for i := range lean {
				bare = append(bare, lean[i].Finding)
				if lean[i].Package != nil || lean[i].Environments != nil || lean[i].Artifact.ID != lean[i].ArtifactID {
					t.Errorf("lean view %+v carries more than the finding", lean[i])
				}
			}
			if diff := cmp.Diff(full, bare); diff != "" || next != "" {
				t.Errorf("Lean ListFindings differs (-full +lean), next %q:\n%s", next, diff)
			}
		})
	}
	if _, _, err := s.ListFindings(ctx, FindingFilter{States: make([]string, MaxFilterValues+1)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("huge filter: %v, want ErrInvalid", err)
	}
}

func testPagination(t *testing.T, s *Store, c *clock, _ string) {
	ctx := t.Context()
	in := fixture("p", 1, 30, 10, 25)
	if _, err := s.Ingest(ctx, in); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	cur := ""
	for pages := 0; ; pages++ {
		fs, next, err := s.ListFindings(ctx, FindingFilter{Page: Page{Limit: 7, Cursor: cur}})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			ids = append(ids, f.ID)
		}
		if pages == 0 {
			// A write between pages must not shift or repeat items.
			if _, err := s.Ingest(ctx, fixture("p", 2, 5, 0, 3)); err != nil {
				t.Fatal(err)
			}
		}
		if next == "" {
			break
		}
		cur = next
	}
	if len(ids) != 28 || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != 28 {
		t.Errorf("paged ids = %v (%d), want 28 distinct in order", ids, len(ids))
	}
	fs, _, err := s.ListFindings(ctx, FindingFilter{Page: Page{Limit: 5000}})
	if err != nil || len(fs) != 28 {
		t.Errorf("limit above max = %d, %v", len(fs), err)
	}
	fs, _, err = s.ListFindings(ctx, FindingFilter{})
	if err != nil || len(fs) != 28 {
		t.Errorf("default limit = %d, %v", len(fs), err)
	}
}

func testSummary(t *testing.T, s *Store, c *clock, _ string) {
	ctx := t.Context()
	portfolio(t, s, c)
	sum, err := s.Summary(ctx, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	wantOpen := map[string]int{"CRITICAL": 2, "HIGH": 1, "MEDIUM": 1, "LOW": 1, "UNKNOWN": 0}
	if diff := cmp.Diff(wantOpen, sum.Open); diff != "" {
		t.Errorf("Open (-want +got):\n%s", diff)
	}
	if got := sum.ByEnvironment["prod"]; got["CRITICAL"] != 1 || got["LOW"] != 1 || got["HIGH"] != 0 {
		t.Errorf("prod = %v", got)
	}
	if got := sum.ByEnvironment["staging"]; got["CRITICAL"] != 1 || got["HIGH"] != 1 || got["MEDIUM"] != 1 {
		t.Errorf("staging = %v", got)
	}
	if len(sum.Oldest) != 5 || sum.Oldest[0].Project != "web" || !slices.IsSortedFunc(sum.Oldest, func(a, b FindingView) int { return a.FirstSeen.Compare(b.FirstSeen) }) {
		t.Errorf("Oldest = %d, first %+v", len(sum.Oldest), sum.Oldest[0].Finding)
	}
	if len(sum.Worst) == 0 || sum.Worst[0].Open["CRITICAL"] == 0 || !slices.IsSortedFunc(sum.Worst, func(a, b ProjectOpen) int { return b.Open["CRITICAL"] - a.Open["CRITICAL"] }) {
		t.Errorf("Worst = %+v", sum.Worst)
	}
	total := 0
	for _, w := range sum.Worst {
		total += w.Total
	}
	if total != 5 {
		t.Errorf("Worst totals %d, want the 5 open findings", total)
	}
	scoped, err := s.Summary(ctx, Scope{Projects: []string{"web"}})
	if err != nil {
		t.Fatal(err)
	}
	if scoped.Open["CRITICAL"] != 1 || len(scoped.ByEnvironment) != 1 || len(scoped.Oldest) != 2 || len(scoped.Worst) != 1 || scoped.Worst[0].Project != "web" {
		t.Errorf("scoped summary = %+v", scoped)
	}
	none, err := s.Summary(ctx, Scope{Projects: []string{}})
	if err != nil || none.Open["CRITICAL"] != 0 || len(none.Oldest) != 0 {
		t.Errorf("empty scope summary = %+v, %v", none, err)
	}

	all, err := s.Events(ctx, Scope{}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2+5+2 || !slices.IsSortedFunc(all, func(a, b Event) int { return int(a.Seq - b.Seq) }) {
		t.Errorf("events = %d", len(all))
	}
	latest, err := s.LatestEvents(ctx, Scope{}, 3)
	if err != nil || len(latest) != 3 || latest[2].Seq != all[len(all)-1].Seq || latest[0].Seq != all[len(all)-3].Seq {
		t.Errorf("latest events = %+v, %v", latest, err)
	}
	tail, err := s.Events(ctx, Scope{}, all[3].Seq, 2)
	if err != nil || len(tail) != 2 || tail[0].Seq != all[4].Seq {
		t.Errorf("Events(after %d, 2) = %+v, %v", all[3].Seq, tail, err)
	}
	web, err := s.Events(ctx, Scope{Projects: []string{"web"}}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range web {
		if e.Project != "web" {
			t.Errorf("event of %q in web's scope", e.Project)
		}
	}
	if len(web) != 1+2+1 {
		t.Errorf("web events = %d", len(web))
	}
}

func testTokens(t *testing.T, s *Store, c *clock, _ string) {
	ctx := t.Context()
	hash := []byte("0123456789abcdef0123456789abcdef")
	tok, err := s.CreateToken(ctx, Token{Name: "ci", Role: RoleWriter, Projects: []string{"web"}, Hash: hash, ExpiresAt: c.Now().Add(90 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateToken(ctx, Token{Role: RoleReader, Hash: hash}); !errors.Is(err, ErrExists) {
		t.Errorf("CreateToken(same hash): %v, want ErrExists", err)
	}
	if _, err := s.CreateToken(ctx, Token{Role: "root", Hash: []byte("0123456789abcdefX")}); !errors.Is(err, ErrInvalid) {
		t.Errorf("CreateToken(bad role): %v, want ErrInvalid", err)
	}
	got, err := s.TokenByHash(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tok, got); diff != "" || got.Role != RoleWriter || !slices.Equal(got.Projects, []string{"web"}) || got.ExpiresAt.IsZero() {
		t.Errorf("TokenByHash mismatch %+v (-create +get):\n%s", got, diff)
	}
	if _, err := s.TokenByHash(ctx, []byte("nope")); !errors.Is(err, ErrNotFound) {
		t.Errorf("TokenByHash(unknown): %v", err)
	}
	if err := s.TouchToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	first := c.Now()
	c.Advance(10 * time.Second)
	if err := s.TouchToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TokenByHash(ctx, hash); !got.LastUsed.Equal(first) {
		t.Errorf("LastUsed after a touch 10s later = %v, want %v (throttled)", got.LastUsed, first)
	}
	c.Advance(time.Minute)
	if err := s.TouchToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TokenByHash(ctx, hash); !got.LastUsed.Equal(c.Now()) {
		t.Errorf("LastUsed after a minute = %v, want %v", got.LastUsed, c.Now())
	}
	if err := s.RevokeToken(ctx, tok.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, tok.ID, "admin"); err != nil {
		t.Errorf("RevokeToken twice: %v", err)
	}
	if err := s.RevokeToken(ctx, 999999, "admin"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RevokeToken(999999): %v", err)
	}
	list, err := s.ListTokens(ctx)
	if err != nil || len(list) != 1 || !list[0].RevokedAt.Equal(c.Now()) {
		t.Errorf("ListTokens = %+v, %v", list, err)
	}
	evs, err := s.Events(ctx, Scope{}, 0, 0)
	if err != nil || len(evs) != 2 || evs[0].Kind != EventTokenCreated || evs[1].Kind != EventTokenRevoked || evs[1].Actor != "admin" {
		t.Errorf("token events = %+v, %v", evs, err)
	}
	if scoped, err := s.Events(ctx, Scope{Projects: []string{"web"}}, 0, 0); err != nil || len(scoped) != 0 {
		t.Errorf("token events in a project scope = %+v, %v", scoped, err)
	}
}

func testSchemaTooNew(t *testing.T, s *Store, c *clock, url string) {
	ctx := t.Context()
	if _, err := s.w.ExecContext(ctx, s.rebind("INSERT INTO "+versionTable+" (version_id, is_applied) VALUES (?, ?)"), 99999, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping with a newer schema: nil error")
	}
	s2, err := Open(ctx, Options{URL: url, Now: c.Now})
	if err == nil {
		s2.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	known := fmt.Sprintf("version %d", s.schemaVersion)
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "99999") || !strings.Contains(err.Error(), known) {
		t.Errorf("Open: %v, want ErrSchemaTooNew naming 99999 and %s", err, known)
	}
}

func testConcurrentIngest(t *testing.T, s *Store, _ *clock, _ string) {
	ctx := context.Background()
	const workers, each = 8, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				// Every artifact twice, from two workers: one creates it.
				n := (w/2)*each + i
				if _, err := s.Ingest(ctx, fixture("p", n, 60, 50, 5)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := countRows(t, s, "artifacts"); n != workers/2*each {
		t.Errorf("artifacts = %d, want %d", n, workers/2*each)
	}
	want := map[string]bool{}
	for n := range workers / 2 * each {
		for _, p := range fixture("p", n, 60, 50, 5).Packages {
			k, _ := identity(&p)
			want[k] = true
		}
	}
	if n := countRows(t, s, "packages"); n != len(want) {
		t.Errorf("packages = %d, want %d distinct", n, len(want))
	}
	if n := countRows(t, s, "findings"); n != workers/2*each*5 {
		t.Errorf("findings = %d, want %d", n, workers/2*each*5)
	}
}

// testGroupCommit queues ingests while the writer is busy, so they commit
// as one group: a digest pushed twice in the group is one artifact, and an
// ingest that fails inside the transaction fails alone, leaving neither
// rows nor cached package ids behind.
func testGroupCommit(t *testing.T, s *Store, _ *clock, _ string) {
	ctx := t.Context()
	bad := fixture("p", 99, 10, 0, 0)
	bad.Findings = []NewFinding{vuln("GHSA-bad", pkg("npm", "not-in-artifact", "1"), 1, "")}
	ins := []Ingest{fixture("p", 1, 60, 50, 5), fixture("p", 2, 60, 50, 5), bad, fixture("p", 1, 60, 50, 5), fixture("p", 3, 60, 50, 5)}
	s.wmu.Lock() // the writer is busy: every ingest queues
	type out struct {
		res IngestResult
		err error
	}
	outs := make([]out, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Go(func() {
			res, err := s.Ingest(ctx, in)
			outs[i] = out{res, err}
		})
		for { // keep the queue in the order of ins
			s.qmu.Lock()
			n := len(s.queue)
			s.qmu.Unlock()
			if n == i+1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	s.wmu.Unlock()
	wg.Wait()
	for i, o := range outs {
		switch {
		case i == 2:
			if !errors.Is(o.err, ErrInvalid) {
				t.Errorf("bad ingest: %v, want ErrInvalid", o.err)
			}
		case o.err != nil:
			t.Errorf("ingest %d: %v", i, o.err)
		case o.res.Created != (i != 3):
			t.Errorf("ingest %d: created = %v", i, o.res.Created)
		}
	}
	if outs[0].res.Artifact.ID != outs[3].res.Artifact.ID {
		t.Errorf("same digest twice: artifacts %d and %d", outs[0].res.Artifact.ID, outs[3].res.Artifact.ID)
	}
	if n := countRows(t, s, "artifacts"); n != 3 {
		t.Errorf("artifacts = %d, want 3", n)
	}
	if n := countRows(t, s, "findings"); n != 15 {
		t.Errorf("findings = %d, want 15", n)
	}
	// The bad ingest's packages were rolled back: ingesting them again
	// stores them (a stale cached id would break the foreign key).
	good := bad
	good.Findings = nil
	if _, err := s.Ingest(ctx, good); err != nil {
		t.Fatalf("ingest after the rolled-back one: %v", err)
	}
	if n := countRows(t, s, "artifacts"); n != 4 {
		t.Errorf("artifacts = %d, want 4", n)
	}
	if s.backend == BackendSQLite { // ingests ran without them; other writes have them
		var on int
		if err := s.w.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil || on != 1 {
			t.Errorf("foreign_keys after ingests = %d (%v), want 1", on, err)
		}
	}
}

// testPackageArtifacts checks the inverted index across buckets: a
// package shared by every artifact, one held by a few, one by none.
func testPackageArtifacts(t *testing.T, s *Store, _ *clock, _ string) {
	ctx := t.Context()
	shared, rare := pkg("npm", "shared", "1"), pkg("npm", "rare", "1")
	var all, some []int64
	for i := range bucketSize + 40 { // into the second bucket
		in := Ingest{Project: "p", Artifact: Artifact{Digest: fmt.Sprintf("d%d", i)}, Packages: []inventory.Package{shared, pkg("npm", fmt.Sprintf("own-%d", i), "1")}}
		if i%100 == 7 {
			in.Packages = append(in.Packages, rare)
		}
		res, err := s.Ingest(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, res.Artifact.ID)
		if i%100 == 7 {
			some = append(some, res.Artifact.ID)
		}
	}
	id := func(p inventory.Package) int64 {
		t.Helper()
		k, _ := identity(&p)
		var id int64
		if err := s.r.QueryRowContext(ctx, s.rebind("SELECT id FROM packages WHERE ecosystem = ? AND name = ?"), p.Ecosystem, p.Name).Scan(&id); err != nil {
			t.Fatalf("package %s: %v", k, err)
		}
		return id
	}
	for _, tt := range []struct {
		name string
		ids  []int64
		want []int64
	}{
		{"shared", []int64{id(shared)}, all},
		{"rare", []int64{id(rare)}, some},
		{"rare and own-3", []int64{id(rare), id(pkg("npm", "own-3", "1"))}, append([]int64{all[3]}, some...)},
		{"unknown", []int64{1 << 40}, nil},
	} {
		got, err := s.PackageArtifacts(ctx, tt.ids)
		if err != nil {
			t.Fatalf("PackageArtifacts(%s): %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("PackageArtifacts(%s) mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
	if n := countRows(t, s, "package_buckets"); n > 2+2+bucketSize+40 {
		t.Errorf("package_buckets = %d rows, want one per package and bucket", n)
	}
}

// testRegistryConfig: the shared watched-registry list is versioned; the
// same spec again writes nothing; each new version is audited.
func testRegistryConfig(t *testing.T, s *Store, _ *clock, _ string) {
	ctx := t.Context()
	if _, err := s.RegistryConfig(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RegistryConfig on an empty store: %v, want ErrNotFound", err)
	}
	a := []byte(`{"repositories":[{"repository":"r.example/a","project":"a"}]}`)
	cur, prev, changed, err := s.PutRegistryConfig(ctx, a, "replica-a")
	if err != nil || !changed || cur.Version == 0 || prev.Version != 0 || cur.WrittenBy != "replica-a" {
		t.Fatalf("first put: %+v %+v %v %v", cur, prev, changed, err)
	}
	again, _, changed, err := s.PutRegistryConfig(ctx, a, "replica-b")
	if err != nil || changed || again.Version != cur.Version || again.WrittenBy != "replica-a" {
		t.Fatalf("same spec again: %+v %v %v", again, changed, err)
	}
	b := []byte(`{"repositories":[{"repository":"r.example/b","project":"b"}]}`)
	next, prev, changed, err := s.PutRegistryConfig(ctx, b, "replica-b")
	if err != nil || !changed || next.Version <= cur.Version || prev.Digest != cur.Digest {
		t.Fatalf("new spec: %+v %+v %v %v", next, prev, changed, err)
	}
	got, err := s.RegistryConfig(ctx)
	if err != nil || got.Version != next.Version || string(got.Spec) != string(b) {
		t.Fatalf("RegistryConfig = %+v, %v", got, err)
	}
	if _, _, _, err := s.PutRegistryConfig(ctx, []byte("{"), "x"); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid spec: %v", err)
	}
	n := 0
	err = s.ExportAudit(ctx, time.Time{}, time.Now().Add(time.Hour), func(r *audit.Record) error {
		if r.Kind == AuditRegistryConfig {
			n++
		}
		return nil
	})
	if err != nil || n != 2 {
		t.Errorf("registry.config audit records = %d (%v), want 2", n, err)
	}
}

// testAliasLookup: a look-up by id or alias finds exactly the findings
// that carry it now, though alias_packages keeps every pair it has seen
// (00019): not another advisory's finding on the same package, not a
// finding whose aliases changed since, and findings without a package
// through finding_aliases.
func testAliasLookup(t *testing.T, s *Store, _ *clock, _ string) {
	ctx := context.Background()
	p := pkg("npm", "left-pad", "1.0.0")
	in := Ingest{Project: "web", Actor: "ci",
		Artifact: Artifact{Kind: "image", Digest: "sha256:alias", Name: "web", Format: "cyclonedx-json"},
		Packages: []inventory.Package{p},
		Findings: []NewFinding{
			vuln("GHSA-one", p, severity.High, "1.0.1", "CVE-2026-1"),
			vuln("GHSA-two", p, severity.Low, "", "CVE-2026-2"),
			{Kind: KindMisconfiguration, Key: "VGL-9|Dockerfile", VulnerabilityID: "VGL-9", Aliases: []string{"CKV-9"}, Severity: severity.Medium},
		}}
	res, err := s.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(alias string) []string {
		t.Helper()
		fs, _, err := s.ListFindings(ctx, FindingFilter{VulnID: alias})
		if err != nil {
			t.Fatalf("ListFindings(%q): %v", alias, err)
		}
		var out []string
		for _, f := range fs {
			out = append(out, f.VulnerabilityID)
		}
		slices.Sort(out)
		return out
	}
	for alias, want := range map[string][]string{
		"GHSA-one": {"GHSA-one"}, "CVE-2026-1": {"GHSA-one"}, "CVE-2026-2": {"GHSA-two"},
		"VGL-9": {"VGL-9"}, "CKV-9": {"VGL-9"}, "CVE-2026-3": nil,
	} {
		if got := ids(alias); !slices.Equal(got, want) {
			t.Errorf("by %s: %v, want %v", alias, got, want)
		}
	}
	// GHSA-one's alias moves from CVE-2026-1 to CVE-2026-3.
	moved := vuln("GHSA-one", p, severity.High, "1.0.1", "CVE-2026-3")
	if _, err := s.Reconcile(ctx, Reconcile{ArtifactID: res.Artifact.ID, Kind: KindVulnerability, Actor: "rematch",
		Findings: []NewFinding{moved, in.Findings[1]}}); err != nil {
		t.Fatal(err)
	}
	for alias, want := range map[string][]string{
		"CVE-2026-1": nil, "CVE-2026-3": {"GHSA-one"}, "GHSA-one": {"GHSA-one"}, "CVE-2026-2": {"GHSA-two"},
	} {
		if got := ids(alias); !slices.Equal(got, want) {
			t.Errorf("after the alias change, by %s: %v, want %v", alias, got, want)
		}
	}
}

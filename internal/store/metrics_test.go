package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
)

func TestRemediationSQLite(t *testing.T)   { testRemediation(t, openSQLite) }
func TestRemediationPostgres(t *testing.T) { testRemediation(t, openPostgres) }

// testSLA is the SLA of the scripted history: the defaults, and a stricter
// one for project pay.
var testSLA = SLAPolicy{Default: DefaultSLADays, Projects: map[string]SLADays{
	"pay": {severity.Critical: 3, severity.High: 14, severity.Medium: 30, severity.Low: 60},
}}

// MetricsHistory scripts a finding history on a store whose clock is c
// (starting at t0 = newClock()) and leaves the clock at t0 + 35 days:
//
//	t0      shop/a1: C1 critical, H1 high, M1 medium, L1 low, U1 unknown; a1 -> prod
//	t0+1d   pay/b1: C2 critical, H2 high, M2 medium; b1 -> staging
//	t0+3d   C1 fixed (3 days, within 7)
//	t0+10d  C2 fixed (9 days, pay's critical SLA is 3: late)
//	t0+12d  H2 false positive (not a remediation)
//	t0+20d  shop/a2 (H1 only) replaces a1 in prod: M1, L1, U1 fixed
//	        (replaced_by_upgrade, 20 days); H1 stays open on a1, a2's H1 is new
//	t0+35d  now
//
// Snapshots are taken at the end of day 0 (t0's day) and of day 3.
func metricsHistory(t *testing.T, s *Store, c *clock) (t0 time.Time) {
	t.Helper()
	ctx := t.Context()
	t0 = c.Now()
	p1, p2, p3 := pkg("npm", "a", "1.0.0"), pkg("npm", "b", "1.0.0"), pkg("npm", "c", "1.0.0")
	ids := map[string]int64{}
	ingest := func(project, digest string, pkgs []inventory.Package, fs ...NewFinding) {
		t.Helper()
		if _, err := s.Ingest(ctx, Ingest{Project: project, Actor: "ci", Artifact: Artifact{Kind: "image", Digest: digest, Name: project,
			Image: &ImageMeta{Created: t0.Add(-48 * time.Hour)}}, Packages: pkgs, Findings: fs}); err != nil {
			t.Fatal(err)
		}
		list, _, err := s.ListFindings(ctx, FindingFilter{Project: project})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range list {
			if f.Artifact.Digest == digest {
				ids[digest+"/"+f.VulnerabilityID] = f.ID
			}
		}
	}
	deploy := func(project, digest, env string) {
		t.Helper()
		if _, err := s.Deploy(ctx, Deploy{Project: project, Digest: digest, Environment: env, Actor: "cd"}); err != nil {
			t.Fatal(err)
		}
	}
	setState := func(id, to string) {
		t.Helper()
		if _, err := s.SetState(ctx, StateChange{FindingID: ids[id], To: to, Reason: "script", Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := func() {
		t.Helper()
		if _, err := s.Snapshot(ctx, c.Now(), SnapshotOptions{SLA: testSLA, DueWithin: 20 * Day}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateProject(ctx, Project{Name: "shop", Team: "web"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateProject(ctx, Project{Name: "pay", Team: "core"}); err != nil {
		t.Fatal(err)
	}
	ingest("shop", "sha256:a1", []inventory.Package{p1, p2, p3},
		vuln("C1", p1, severity.Critical, "2.0.0"), vuln("H1", p2, severity.High, "2.0.0"), vuln("M1", p3, severity.Medium, ""),
		vuln("L1", p1, severity.Low, ""), vuln("U1", p2, severity.Unknown, ""))
	deploy("shop", "sha256:a1", "prod")
	c.Advance(11*time.Hour + 59*time.Minute) // 23:59 of day 0
	snapshot()
	c.Advance(time.Minute)
	c.Advance(12 * time.Hour) // t0+1d
	ingest("pay", "sha256:b1", []inventory.Package{p1, p2, p3},
		vuln("C2", p1, severity.Critical, "2.0.0"), vuln("H2", p2, severity.High, ""), vuln("M2", p3, severity.Medium, ""))
	deploy("pay", "sha256:b1", "staging")
	c.Advance(2 * Day) // t0+3d
	setState("sha256:a1/C1", StateFixed)
	snapshot()         // day 3 so far
	c.Advance(7 * Day) // t0+10d
	setState("sha256:b1/C2", StateFixed)
	c.Advance(2 * Day) // t0+12d
	setState("sha256:b1/H2", StateFalsePositive)
	c.Advance(8 * Day) // t0+20d
	ingest("shop", "sha256:a2", []inventory.Package{p2}, vuln("H1", p2, severity.High, "2.0.0"))
	deploy("shop", "sha256:a2", "prod")
	c.Advance(15 * Day) // t0+35d
	return t0
}

// hist is a bucket count list with n at the given indexes.
func hist(size int, at ...int) []int {
	h := make([]int, size)
	for _, i := range at {
		h[i]++
	}
	return h
}

// WantRemediation is the expected figures of metricsHistory at t0+35d,
// all time, due within 20 days, not grouped by environment.
func wantRemediation() []RemediationRow {
	age, rem := len(AgeBuckets)+1, len(RemediationBuckets)+1
	row := func(project, team, env string, sev severity.Level) RemediationRow {
		return RemediationRow{Project: project, Team: team, Environment: env, Kind: KindVulnerability, Severity: sev, OpenAge: hist(age), RemediationHist: hist(rem)}
	}
	payC := row("pay", "core", "", severity.Critical)
	payC.Remediated, payC.RemediatedLate, payC.RemediationSum, payC.RemediationHist = 1, 1, 9*Day, hist(rem, 3) // 9d <= 14d
	payM := row("pay", "core", "", severity.Medium)
	payM.Open, payM.Breached, payM.OpenAge, payM.OpenAgeSum = 1, 1, hist(age, 2), 34*Day // due t0+31d
	shopC := row("shop", "web", "", severity.Critical)
	shopC.Remediated, shopC.RemediationSum, shopC.RemediationHist = 1, 3*Day, hist(rem, 1) // 3d <= 3d
	shopH := row("shop", "web", "", severity.High)
	// a1's H1: 35 days old, due t0+30d (breached); a2's: 15 days old, due
	// in 15 days (soon).
	shopH.Open, shopH.Breached, shopH.DueSoon, shopH.OpenAge, shopH.OpenAgeSum = 2, 1, 1, hist(age, 2, 1), 50*Day
	shopM := row("shop", "web", "", severity.Medium)
	shopM.Remediated, shopM.RemediationSum, shopM.RemediationHist = 1, 20*Day, hist(rem, 4)
	shopL, shopU := shopM, shopM
	shopL.Severity, shopU.Severity = severity.Low, severity.Unknown
	return []RemediationRow{payC, payM, shopC, shopH, shopM, shopL, shopU}
}

func testRemediation(t *testing.T, open opener) {
	c := newClock()
	s, _ := open(t, c.Now)
	ctx := t.Context()
	t0 := metricsHistory(t, s, c)

	got, err := s.Remediation(ctx, RemediationQuery{DueWithin: 20 * Day, SLA: testSLA})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantRemediation(), got); diff != "" {
		t.Errorf("Remediation mismatch (-want +got):\n%s", diff)
	}

	// A window: only C2 was remediated in [t0+5d, t0+15d).
	got, err = s.Remediation(ctx, RemediationQuery{From: t0.Add(5 * Day), To: t0.Add(15 * Day), SLA: testSLA})
	if err != nil {
		t.Fatal(err)
	}
	var rem []string
	for _, r := range got {
		if r.Remediated > 0 {
			rem = append(rem, r.Project+"/"+r.Severity.String())
		}
	}
	if diff := cmp.Diff([]string{"pay/CRITICAL"}, rem); diff != "" {
		t.Errorf("remediated in window (-want +got):\n%s", diff)
	}

	// By environment: prod runs a2 now (its H1) and ran a1 before C1, M1,
	// L1 and U1 were fixed; staging runs b1.
	got, err = s.Remediation(ctx, RemediationQuery{DueWithin: 20 * Day, SLA: testSLA, ByEnvironment: true})
	if err != nil {
		t.Fatal(err)
	}
	type envFig struct {
		Env, Sev                    string
		Open, Breached, Soon, Remed int
		RemedSum                    time.Duration
	}
	var envs []envFig
	for _, r := range got {
		envs = append(envs, envFig{r.Environment, r.Severity.String(), r.Open, r.Breached, r.DueSoon, r.Remediated, r.RemediationSum})
	}
	wantEnvs := []envFig{
		{"staging", "CRITICAL", 0, 0, 0, 1, 9 * Day},
		{"staging", "MEDIUM", 1, 1, 0, 0, 0},
		{"prod", "CRITICAL", 0, 0, 0, 1, 3 * Day},
		{"prod", "HIGH", 1, 0, 1, 0, 0},
		{"prod", "MEDIUM", 0, 0, 0, 1, 20 * Day},
		{"prod", "LOW", 0, 0, 0, 1, 20 * Day},
		{"prod", "UNKNOWN", 0, 0, 0, 1, 20 * Day},
	}
	if diff := cmp.Diff(wantEnvs, envs); diff != "" {
		t.Errorf("by environment (-want +got):\n%s", diff)
	}
	// The environment filter and the team filter.
	got, err = s.Remediation(ctx, RemediationQuery{MetricsFilter: MetricsFilter{Environment: "staging", Team: "core"}, SLA: testSLA})
	if err != nil || len(got) != 2 || got[0].Environment != "staging" {
		t.Errorf("Remediation(staging, core) = %+v, %v", got, err)
	}
	// The scope: a token of project shop sees only shop.
	got, err = s.Remediation(ctx, RemediationQuery{MetricsFilter: MetricsFilter{Scope: Scope{Projects: []string{"shop"}}}, SLA: testSLA})
	if err != nil || len(got) != 5 {
		t.Errorf("Remediation(scope shop) = %d rows, %v; want 5", len(got), err)
	}
	for _, r := range got {
		if r.Project != "shop" {
			t.Errorf("Remediation(scope shop) has %s", r.Project)
		}
	}

	// Trends read the snapshots: day 0 at 23:59 (five shop findings
	// opened, none remediated) and day 3 (C1 remediated after 3 days).
	tr, err := s.Trends(ctx, TrendQuery{From: t0})
	if err != nil {
		t.Fatal(err)
	}
	want := []TrendPoint{
		{Day: DayOf(t0), Open: 5, DueSoon: 1, Opened: 5}, // C1 due t0+7d
		{Day: DayOf(t0).Add(3 * Day), Open: 7, DueSoon: 2, Opened: 0, Remediated: 1, MTTRSeconds: (3 * Day).Seconds()},
	}
	if diff := cmp.Diff(want, tr); diff != "" {
		t.Errorf("Trends mismatch (-want +got):\n%s", diff)
	}
	tr, err = s.Trends(ctx, TrendQuery{MetricsFilter: MetricsFilter{Environment: "staging"}, From: t0, BySeverity: true})
	if err != nil {
		t.Fatal(err)
	}
	want = []TrendPoint{
		{Day: DayOf(t0).Add(3 * Day), Severity: "MEDIUM", Open: 1},
		{Day: DayOf(t0).Add(3 * Day), Severity: "HIGH", Open: 1, DueSoon: 1},     // H2 due t0+15d
		{Day: DayOf(t0).Add(3 * Day), Severity: "CRITICAL", Open: 1, DueSoon: 1}, // C2 due t0+4d
	}
	if diff := cmp.Diff(want, tr); diff != "" {
		t.Errorf("Trends(staging, by severity) mismatch (-want +got):\n%s", diff)
	}
	// A snapshot taken again replaces the day's rows.
	n := countRows(t, s, "metric_snapshots")
	if _, err := s.Snapshot(ctx, t0.Add(3*Day), SnapshotOptions{SLA: testSLA}); err != nil {
		t.Fatal(err)
	}
	if m := countRows(t, s, "metric_snapshots"); m > n {
		t.Errorf("second snapshot of a day: %d rows, was %d", m, n)
	}
	if pruned, err := s.PruneSnapshots(ctx, t0.Add(Day)); err != nil || pruned == 0 {
		t.Errorf("PruneSnapshots = %d, %v", pruned, err)
	}
	if tr, _ := s.Trends(ctx, TrendQuery{}); len(tr) != 1 {
		t.Errorf("after pruning day 0: %d points, want 1", len(tr))
	}

	imgs, err := s.DeployedImages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantImgs := []DeployedImage{
		{Project: "pay", Environment: "staging", Service: "pay", Created: t0.Add(-48 * time.Hour)},
		{Project: "shop", Environment: "prod", Service: "shop", Created: t0.Add(-48 * time.Hour)},
	}
	if diff := cmp.Diff(wantImgs, imgs); diff != "" {
		t.Errorf("DeployedImages mismatch (-want +got):\n%s", diff)
	}
	if at, err := s.OldestPendingJob(ctx, []string{"rematch"}); err != nil || !at.IsZero() {
		t.Errorf("OldestPendingJob = %v, %v; want zero", at, err)
	}
}

// BenchmarkRemediation is the aggregate /metrics recomputes every
// --metrics-interval (in the background), on 2,000 artifacts of 50
// projects with 20 findings each (40,000), a third of them fixed, half
// the artifacts deployed.
func BenchmarkRemediation(b *testing.B) {
	for _, bk := range []struct {
		name string
		open opener
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		b.Run(bk.name, func(b *testing.B) {
			c := newClock()
			s, _ := bk.open(b, c.Now)
			ctx := b.Context()
			const artifacts = 2000
			for i := range artifacts {
				in := fixture(fmt.Sprintf("p%02d", i%50), i, 40, 30, 20)
				if _, err := s.Ingest(ctx, in); err != nil {
					b.Fatal(err)
				}
				if i%2 == 0 {
					if _, err := s.Deploy(ctx, Deploy{Project: in.Project, Digest: in.Artifact.Digest, Environment: []string{"dev", "staging", "prod"}[i%3], Service: fmt.Sprint("svc", i)}); err != nil {
						b.Fatal(err)
					}
				}
				c.Advance(time.Hour)
			}
			if _, err := s.w.ExecContext(ctx, "UPDATE findings SET state = 'fixed', resolved_at = first_seen + 86400000 * (id % 40) WHERE id % 3 = 0"); err != nil {
				b.Fatal(err)
			}
			if _, err := s.w.ExecContext(ctx, "ANALYZE"); err != nil { // as autovacuum would have
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				for _, byEnv := range []bool{false, true} {
					if _, err := s.Remediation(ctx, RemediationQuery{MetricsFilter: MetricsFilter{Kind: "all"}, DueWithin: 7 * Day, SLA: testSLA, ByEnvironment: byEnv}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

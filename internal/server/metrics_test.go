package server_test

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
)

const day = 24 * time.Hour

// metricsSLA: the defaults, and a stricter SLA for project pay.
var metricsSLA = store.SLAPolicy{Default: store.DefaultSLADays, Projects: map[string]store.SLADays{
	"pay": {severity.Critical: 3, severity.High: 14, severity.Medium: 30, severity.Low: 60},
}}

func TestRemediationMetrics(t *testing.T) { testRemediationMetrics(t, "") }

func TestRemediationMetricsPostgres(t *testing.T) {
	testRemediationMetrics(t, testutil.PostgresSchema(t))
}

// testRemediationMetrics scripts a finding history with a stopped clock
// and checks the exact MTTR and SLA figures through the API and /metrics:
//
//	t0      shop/a1: C1 critical, H1 high, M1 medium, L1 low, U1 unknown; a1 -> prod
//	t0+1d   pay/b1: C2 critical, H2 high, M2 medium; b1 -> staging
//	t0+3d   C1 fixed (3 days, within 7)
//	t0+10d  C2 fixed (9 days; pay's critical SLA is 3: late)
//	t0+12d  H2 false positive (not a remediation)
//	t0+20d  shop/a2 (H1 only) replaces a1 in prod: M1, L1, U1 fixed after 20 days;
//	        H1 stays open on a1 and a2 has its own H1
//	t0+35d  now: open a1/H1 (35 days, breached), a2/H1 (15 days, due in 15),
//	        pay/M2 (34 days, due at 30: breached)
func testRemediationMetrics(t *testing.T, storeURL string) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := server.NewStoppedClock(t0)
	e := startWith(t, startOptions{storeURL: storeURL, clock: clock, ecosystems: []string{"PyPI"}, options: func(o *server.Options) {
		o.SLA = metricsSLA
		o.MetricsInterval = time.Nanosecond // every scrape sees the clock and data of now
	}})
	ctx := t.Context()
	st := e.st
	ids := map[string]int64{}
	p1, p2, p3 := testPkg("a"), testPkg("b"), testPkg("c")
	ingest := func(project, digest string, pkgs []inventory.Package, fs ...store.NewFinding) {
		t.Helper()
		if _, err := st.Ingest(ctx, store.Ingest{Project: project, Actor: "ci", Artifact: store.Artifact{Kind: "image", Digest: digest, Name: project,
			Image: &store.ImageMeta{Created: t0.Add(-2 * day)}}, Packages: pkgs, Findings: fs}); err != nil {
			t.Fatal(err)
		}
		list, _, err := st.ListFindings(ctx, store.FindingFilter{Project: project})
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
		if _, err := st.Deploy(ctx, store.Deploy{Project: project, Digest: digest, Environment: env, Actor: "cd"}); err != nil {
			t.Fatal(err)
		}
	}
	setState := func(id, to string) {
		t.Helper()
		if _, err := st.SetState(ctx, store.StateChange{FindingID: ids[id], To: to, Reason: "script", Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []store.Project{{Name: "shop", Team: "web"}, {Name: "pay", Team: "core"}} {
		if _, err := st.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	ingest("shop", "sha256:a1", []inventory.Package{p1, p2, p3}, testVuln("C1", p1, severity.Critical), testVuln("H1", p2, severity.High),
		testVuln("M1", p3, severity.Medium), testVuln("L1", p1, severity.Low), testVuln("U1", p2, severity.Unknown))
	deploy("shop", "sha256:a1", "prod")
	clock.Advance(day)
	ingest("pay", "sha256:b1", []inventory.Package{p1, p2, p3}, testVuln("C2", p1, severity.Critical), testVuln("H2", p2, severity.High),
		testVuln("M2", p3, severity.Medium))
	deploy("pay", "sha256:b1", "staging")
	clock.Advance(2 * day)
	setState("sha256:a1/C1", store.StateFixed)
	clock.Advance(7 * day)
	setState("sha256:b1/C2", store.StateFixed)
	clock.Advance(2 * day)
	setState("sha256:b1/H2", store.StateFalsePositive)
	clock.Advance(8 * day)
	ingest("shop", "sha256:a2", []inventory.Package{p2}, testVuln("H1", p2, severity.High))
	deploy("shop", "sha256:a2", "prod")
	clock.Advance(15 * day)

	// The API.
	var rep server.RemediationReport
	q := "/api/v1/metrics/remediation?from=2026-01-01T00:00:00Z&due_within=20d"
	if code := e.do("GET", q, e.admin, nil, &rep); code != 200 {
		t.Fatalf("GET %s: %d", q, code)
	}
	type fig struct {
		Key                                    string
		Open, Breached, Soon, Remediated, Late int
		MTTRDays                               float64
	}
	figOf := func(g server.Group) fig {
		return fig{g.Key, g.Open, g.Breached, g.DueSoon, g.Remediated, g.RemediatedLate, math.Round(g.MTTRDays*1000) / 1000}
	}
	figs := func(gs []server.Group) []fig {
		var out []fig
		for _, g := range gs {
			out = append(out, figOf(g))
		}
		return out
	}
	// MTTR: (3 + 9 + 20 + 20 + 20) / 5 = 14.4 days.
	if diff := cmp.Diff(fig{"", 3, 2, 1, 5, 1, 14.4}, figOf(server.Group{Stats: rep.Totals})); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]fig{
		{"CRITICAL", 0, 0, 0, 2, 1, 6},
		{"HIGH", 2, 1, 1, 0, 0, 0},
		{"MEDIUM", 1, 1, 0, 1, 0, 20},
		{"LOW", 0, 0, 0, 1, 0, 20},
		{"UNKNOWN", 0, 0, 0, 1, 0, 20},
	}, figs(rep.BySeverity)); diff != "" {
		t.Errorf("by severity (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]fig{{"pay", 1, 1, 0, 1, 1, 9}, {"shop", 2, 1, 1, 4, 0, 15.75}}, figs(rep.ByProject)); diff != "" {
		t.Errorf("by project (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]fig{{"core", 1, 1, 0, 1, 1, 9}, {"web", 2, 1, 1, 4, 0, 15.75}}, figs(rep.ByTeam)); diff != "" {
		t.Errorf("by team (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]fig{{"prod", 1, 0, 1, 4, 0, 15.75}, {"staging", 1, 1, 0, 1, 1, 9}}, figs(rep.ByEnvironment)); diff != "" {
		t.Errorf("by environment (-want +got):\n%s", diff)
	}
	if rep.SLAClock != "first_seen" || rep.SLA["pay"]["CRITICAL"] != 3 || rep.SLA["shop"]["CRITICAL"] != 7 {
		t.Errorf("SLA clock %q, SLA %v", rep.SLAClock, rep.SLA)
	}
	if got := rep.Totals.OpenAge; len(got) != 6 || got[1].Count != 1 || got[2].Count != 2 || *got[0].LeDays != 7 || got[5].LeDays != nil {
		t.Errorf("open age buckets %+v", got)
	}
	// The default window (90 days back from now) holds every fix too; a
	// window of [t0+5d, t0+15d) only C2.
	q = fmt.Sprintf("/api/v1/metrics/remediation?from=%s&to=%s", t0.Add(5*day).Format(time.RFC3339), t0.Add(15*day).Format(time.RFC3339))
	if code := e.do("GET", q, e.admin, nil, &rep); code != 200 || rep.Totals.Remediated != 1 || rep.Totals.MTTRDays != 9 {
		t.Errorf("GET %s: %d, %+v", q, code, rep.Totals)
	}
	// A token of project shop sees shop only; the environment filter.
	shopReader := e.token(store.RoleReader, "shop")
	if code := e.do("GET", "/api/v1/metrics/remediation", shopReader, nil, &rep); code != 200 || len(rep.ByProject) != 1 || rep.ByProject[0].Key != "shop" {
		t.Errorf("shop reader: %d, %+v", code, figs(rep.ByProject))
	}
	if code := e.do("GET", "/api/v1/metrics/remediation?environment=staging", e.admin, nil, &rep); code != 200 ||
		rep.Totals.Open != 1 || rep.Totals.Remediated != 1 || len(rep.ByEnvironment) != 1 {
		t.Errorf("staging: %d, %+v", code, rep.Totals)
	}

	// /metrics: the same figures (remediation over all time).
	metricsTok := e.token(store.RoleMetrics)
	e.srv.NotificationDelivered("webhook", "delivered") // the notification sinks' hook
	fams := scrape(t, e, metricsTok)
	// Every metric the Grafana dashboard queries is exposed.
	dash, err := os.ReadFile(filepath.Join("..", "..", "deploy", "grafana", "vigil.json"))
	if err != nil {
		t.Fatal(err)
	}
	used := regexp.MustCompile(`vigil_[a-z_]+`).FindAllString(string(dash), -1)
	if len(used) < 20 {
		t.Fatalf("the dashboard queries %d vigil metrics", len(used))
	}
	for _, name := range used {
		base := name
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(name, suf); ok && fams[b] != nil && fams[b].GetType() == dto.MetricType_HISTOGRAM {
				base = b
			}
		}
		if fams[base] == nil {
			t.Errorf("the dashboard queries %s, which /metrics does not expose", name)
		}
	}
	sum := func(name string, match map[string]string) float64 {
		var v float64
		for _, m := range fams[name].GetMetric() {
			if labelsMatch(m, match) {
				switch {
				case m.Gauge != nil:
					v += m.Gauge.GetValue()
				case m.Counter != nil:
					v += m.Counter.GetValue()
				}
			}
		}
		return v
	}
	hist := func(name string, match map[string]string) (count uint64, sum float64) {
		for _, m := range fams[name].GetMetric() {
			if labelsMatch(m, match) {
				count += m.Histogram.GetSampleCount()
				sum += m.Histogram.GetSampleSum()
			}
		}
		return count, sum
	}
	checks := []struct {
		name  string
		match map[string]string
		want  float64
	}{
		{"vigil_findings_open", nil, 3},
		{"vigil_findings_open", map[string]string{"project": "shop", "team": "web", "kind": "vulnerability", "severity": "HIGH"}, 2},
		{"vigil_findings_sla_breached", nil, 2},
		{"vigil_findings_sla_breached", map[string]string{"project": "pay", "severity": "MEDIUM"}, 1},
		{"vigil_findings_sla_due_soon", nil, 0}, // the server's due-within is 7 days
		{"vigil_findings_open_deployed", map[string]string{"environment": "prod"}, 1},
		{"vigil_findings_sla_breached_deployed", map[string]string{"environment": "staging"}, 1},
		{"vigil_findings_remediated_late_total", nil, 1},
		{"vigil_sla_days", map[string]string{"project": "pay", "severity": "CRITICAL"}, 3},
		{"vigil_sla_days", map[string]string{"project": "shop", "severity": "LOW"}, 180},
		{"vigil_image_age_seconds", map[string]string{"project": "shop", "environment": "prod", "service": "shop"}, (37 * day).Seconds()},
		{"vigil_rematch_lag_seconds", nil, 0},
	}
	for _, c := range checks {
		if got := sum(c.name, c.match); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.match, got, c.want)
		}
	}
	if n, s := hist("vigil_findings_remediation_seconds", nil); n != 5 || s != (72*day).Seconds() {
		t.Errorf("remediation histogram: count %d, sum %v; want 5, %v (MTTR 14.4 days)", n, s, (72 * day).Seconds())
	}
	if n, s := hist("vigil_findings_remediation_seconds", map[string]string{"severity": "CRITICAL"}); n != 2 || s/float64(n) != (6*day).Seconds() {
		t.Errorf("critical remediation histogram: count %d, sum %v; want MTTR 6 days", n, s)
	}
	if n, s := hist("vigil_findings_open_age_seconds", nil); n != 3 || s != ((35+15+34)*day).Seconds() {
		t.Errorf("open age histogram: count %d, sum %v", n, s)
	}
	if m := fams["vigil_findings_remediation_seconds"].GetMetric(); len(m) == 0 || !strings.Contains(m[0].String(), "upper_bound") {
		t.Errorf("remediation histogram has no buckets: %v", m)
	}
	if sum("vigil_vulndb_refresh_last_success_timestamp_seconds", nil) == 0 {
		t.Error("vigil_vulndb_refresh_last_success_timestamp_seconds is 0 after a refresh")
	}
	// The store's writer totals count the pushes above.
	if sum("vigil_store_ingests_total", nil) == 0 || sum("vigil_store_ingest_groups_total", nil) == 0 || sum("vigil_store_writer_busy_seconds_total", nil) <= 0 {
		t.Errorf("writer totals: %v ingests, %v groups, %v s busy", sum("vigil_store_ingests_total", nil), sum("vigil_store_ingest_groups_total", nil), sum("vigil_store_writer_busy_seconds_total", nil))
	}
	// The HTTP histogram has the route pattern of the API call above.
	if n, _ := hist("vigil_http_request_duration_seconds", map[string]string{"route": "/api/v1/metrics/remediation", "method": "GET", "code": "200"}); n == 0 {
		t.Errorf("no HTTP sample for /api/v1/metrics/remediation: %v", fams["vigil_http_request_duration_seconds"])
	}
	for _, m := range fams["vigil_http_request_duration_seconds"].GetMetric() {
		if labelsMatch(m, map[string]string{"route": "/api/v1/findings/1"}) {
			t.Error("raw path as a route label")
		}
	}

	// The protobuf exposition (what a scraper with native histograms asks
	// for) has the same samples.
	req, _ := http.NewRequest("GET", e.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsTok)
	req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	pb := map[string]*dto.MetricFamily{}
	for {
		var f dto.MetricFamily
		if err := dec.Decode(&f); err != nil {
			if err != io.EOF {
				t.Errorf("decode protobuf exposition: %v", err)
			}
			break
		}
		pb[f.GetName()] = &f
	}
	resp.Body.Close()
	if expfmt.ResponseFormat(resp.Header).FormatType() != expfmt.TypeProtoDelim || len(pb["vigil_findings_open"].GetMetric()) != len(fams["vigil_findings_open"].GetMetric()) {
		t.Errorf("protobuf exposition (%s): %d vigil_findings_open series, text %d", resp.Header.Get("Content-Type"), len(pb["vigil_findings_open"].GetMetric()), len(fams["vigil_findings_open"].GetMetric()))
	}

	// A metrics token of project shop sees no series of pay; a metrics
	// token reads nothing else.
	shopMetrics := e.token(store.RoleMetrics, "shop")
	fams = scrape(t, e, shopMetrics)
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			if labelsMatch(m, map[string]string{"project": "pay"}) {
				t.Errorf("shop's metrics token sees %s of pay", name)
			}
		}
	}
	if sum("vigil_findings_open", nil) != 2 {
		t.Errorf("shop's vigil_findings_open = %v, want 2", sum("vigil_findings_open", nil))
	}
	if code := e.do("GET", "/api/v1/findings", metricsTok, nil, nil); code != 403 {
		t.Errorf("metrics token on /api/v1/findings: %d, want 403", code)
	}
	if code := e.do("GET", "/metrics", "", nil, nil); code != 401 {
		t.Errorf("/metrics without a token: %d, want 401", code)
	}

	// Trends come from the snapshots: today's, taken now.
	var snap store.SnapshotResult
	if code := e.do("POST", "/api/v1/admin/metrics/snapshot", e.admin, nil, &snap); code != 200 || snap.Rows == 0 {
		t.Fatalf("snapshot: %d, %+v", code, snap)
	}
	var tr struct {
		Points []store.TrendPoint `json:"points"`
	}
	if code := e.do("GET", "/api/v1/metrics/trends", e.admin, nil, &tr); code != 200 {
		t.Fatalf("trends: %d", code)
	}
	today := store.DayOf(clock.Now())
	// Default due-within is 7 days: a2's H1 (due in 15) is not due soon.
	if diff := cmp.Diff([]store.TrendPoint{{Day: today, Open: 3, Breached: 2}}, tr.Points); diff != "" {
		t.Errorf("trends (-want +got):\n%s", diff)
	}
	if code := e.do("GET", "/api/v1/metrics/trends?project=pay&by=severity", shopReader, nil, &tr); code != 200 || len(tr.Points) != 0 {
		t.Errorf("shop reader's trends of pay: %d, %+v", code, tr.Points)
	}
}

func testPkg(name string) inventory.Package {
	return inventory.Package{Name: name, Version: "1.0.0", Ecosystem: "npm", PURL: "pkg:npm/" + name + "@1.0.0", Extractor: "test/lock"}
}

func testVuln(id string, p inventory.Package, sev severity.Level) store.NewFinding {
	return store.NewFinding{Kind: store.KindVulnerability, Key: id + "|" + p.Name, VulnerabilityID: id, Package: &p, Severity: sev, Summary: id}
}

func labelsMatch(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, lp := range m.GetLabel() {
		if v, ok := want[lp.GetName()]; ok {
			if v != lp.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(want)
}

// scrape reads /metrics with tok and parses the text exposition.
func scrape(t *testing.T, e *env, tok string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest("GET", e.url+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("/metrics: %d %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("/metrics Content-Type %q", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

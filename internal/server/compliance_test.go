package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/audit"
	"github.com/vigil-sec/vigil/internal/compliance"
	"github.com/vigil-sec/vigil/internal/gate"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// iacReport is a vigil JSON report with one failed Kubernetes check that
// carries its PSS and CIS control ids.
func iacReport(t *testing.T) string {
	t.Helper()
	r := scan.Result{SchemaVersion: scan.SchemaVersion, Tool: scan.Tool{Name: "vigil", Version: "test"}, CreatedAt: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		Target: scan.Target{Kind: "dir", Name: "deploy"}, Scanners: []string{"misconfig"}, Packages: nil,
		Misconfigurations: []scan.Misconfiguration{{CheckID: "VGL-K8S-001", Title: "Container runs privileged", Severity: severity.High,
			Message: "Container 'web' runs privileged", Resource: "Deployment/default/web", Location: scan.Location{Path: "deploy/web.yaml", Line: 21},
			Controls: map[string]string{"pss": "baseline", "cis": "5.2.1"}}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestComplianceQuarter scripts a quarter with the stopped clock: scans
// (one gated by the CI, with its claim), an acceptance, fixes by hand and
// by a deployment that replaces the artifact; the report's figures equal
// the remediation metrics API's, every scan shows its gate, every fix
// links to the record of the change that fixed it, and every audit
// reference names an existing record with that hash. One body, SQLite and
// PostgreSQL.
func TestComplianceQuarter(t *testing.T) { testComplianceQuarter(t, "") }

func TestComplianceQuarterPostgres(t *testing.T) {
	testComplianceQuarter(t, testutil.PostgresSchema(t))
}

// pushGated pushes body with a Vigil-Gate header (raw: sent as is).
func (e *env) pushGated(project, body, gateHeader string, out any) int {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.url+"/api/v1/projects/"+project+"/artifacts", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.admin)
	req.Header.Set(gate.ClaimHeader, gateHeader)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatal(err)
		}
	}
	if resp.StatusCode/100 != 2 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		e.t.Errorf("push: %d answered with %q, want application/problem+json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode
}

func claimHeader(t *testing.T, c any) string {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

type pushAnswer struct {
	Artifact struct {
		ID     int64  `json:"id"`
		Digest string `json:"digest"`
	} `json:"artifact"`
}

func testComplianceQuarter(t *testing.T, storeURL string) {
	q0 := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	clock := server.NewStoppedClock(q0)
	e := startWith(t, startOptions{storeURL: storeURL, clock: clock, ecosystems: []string{"npm"}})
	bom := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"lodash","version":"4.17.4","purl":"pkg:npm/lodash@4.17.4"},{"type":"library","name":"moment","version":"2.10.0","purl":"pkg:npm/moment@2.10.0"},{"type":"library","name":"jquery","version":"1.8.0","purl":"pkg:npm/jquery@1.8.0"},{"type":"library","name":"handlebars","version":"4.0.0","purl":"pkg:npm/handlebars@4.0.0"}]}`
	var first pushAnswer
	if code := e.do("POST", "/api/v1/projects/shop/artifacts", e.admin, strings.NewReader(bom), &first); code != 201 {
		t.Fatalf("push sbom: %d", code)
	}
	if code := e.do("POST", "/api/v1/projects/shop/deployments", e.admin, strings.NewReader(`{"artifact":"`+first.Artifact.Digest+`","environment":"prod"}`), nil); code != 201 {
		t.Fatalf("deploy: %d", code)
	}
	clock.Advance(3 * 24 * time.Hour)
	if code := e.do("POST", "/api/v1/projects/shop/artifacts", e.admin, strings.NewReader(iacReport(t)), nil); code != 201 {
		t.Fatalf("push iac report: %d", code)
	}
	fs := e.findings(e.admin, "project=shop&kind=vulnerability")
	if len(fs) < 3 {
		t.Fatalf("%d vulnerability findings, want at least 3", len(fs))
	}
	// Day 10: accept one; day 20 and 40: fix two.
	clock.Advance(7 * 24 * time.Hour)
	expires := q0.Add(120 * 24 * time.Hour).Format(time.RFC3339)
	if code := e.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", fs[0].ID), e.admin, strings.NewReader(`{"state":"accepted","reason":"compensating WAF rule","expires":"`+expires+`"}`), nil); code != 200 {
		t.Fatalf("accept: %d", code)
	}
	clock.Advance(10 * 24 * time.Hour)
	if code := e.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", fs[1].ID), e.admin, strings.NewReader(`{"state":"fixed","reason":"upgraded"}`), nil); code != 200 {
		t.Fatalf("fix: %d", code)
	}
	clock.Advance(20 * 24 * time.Hour)
	if code := e.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", fs[2].ID), e.admin, strings.NewReader(`{"state":"fixed","reason":"upgraded"}`), nil); code != 200 {
		t.Fatalf("fix: %d", code)
	}
	// Day 50: the CI pushes an upgrade (lodash only) with its failed gate,
	// and deploys it in place of the first artifact.
	clock.Advance(10 * 24 * time.Hour)
	upgrade := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"lodash","version":"4.17.4","purl":"pkg:npm/lodash@4.17.4"}]}`
	policy := strings.Repeat("ab", 32)
	claim := map[string]any{"passed": false, "exit_code": 1, "failed_findings": 4, "reasons": []string{"4 finding(s) at or above MEDIUM"},
		"thresholds": map[string]any{"fail_on": "MEDIUM"}, "policy_files": []map[string]string{{"path": "vigil.yaml", "sha256": policy}},
		"vulndb": map[string]any{"sha256": strings.Repeat("cd", 32), "updated_at": "2026-08-19T00:00:00Z", "age_days": 1}}
	for name, bad := range map[string]string{
		"not base64":         "!!!",
		"not JSON":           base64.RawURLEncoding.EncodeToString([]byte("{")),
		"unknown field":      claimHeader(t, map[string]any{"passed": true, "exit_code": 0, "failed_findings": 0, "thresholds": map[string]any{}, "policy_files": []any{}, "vulndb": nil, "extra": 1}),
		"passed, reasons":    claimHeader(t, map[string]any{"passed": true, "exit_code": 0, "failed_findings": 0, "reasons": []string{"x"}, "thresholds": map[string]any{}, "policy_files": []any{}, "vulndb": nil}),
		"bad digest":         claimHeader(t, map[string]any{"passed": true, "exit_code": 0, "failed_findings": 0, "thresholds": map[string]any{}, "policy_files": []map[string]string{{"path": "p", "sha256": "x"}}, "vulndb": nil}),
		"larger than 16 KiB": claimHeader(t, map[string]any{"passed": false, "exit_code": 1, "failed_findings": 1, "reasons": []string{strings.Repeat("r", 17<<10)}, "thresholds": map[string]any{}, "policy_files": []any{}, "vulndb": nil}),
	} {
		if code := e.pushGated("shop", upgrade, bad, nil); code != 400 {
			t.Errorf("gate claim %s: %d, want 400", name, code)
		}
	}
	var b pushAnswer
	if code := e.pushGated("shop", upgrade, claimHeader(t, claim), &b); code != 201 {
		t.Fatalf("gated push: %d", code)
	}
	var deployed struct {
		Resolved []json.RawMessage `json:"resolved"`
	}
	if code := e.do("POST", "/api/v1/projects/shop/deployments", e.admin, strings.NewReader(`{"artifact":"`+b.Artifact.Digest+`","environment":"prod"}`), &deployed); code != 201 || len(deployed.Resolved) == 0 {
		t.Fatalf("deploy the upgrade: %d, %d resolved", code, len(deployed.Resolved))
	}
	// The server's own gate on the upgrade: its findings at or above
	// MEDIUM, or unscored (the client's threshold, the server's match).
	serverFailed := 0
	for _, f := range e.findings(e.admin, fmt.Sprintf("artifact=%d", b.Artifact.ID)) {
		if f.Severity != "LOW" {
			serverFailed++
		}
	}
	clock.Advance(40 * 24 * time.Hour) // past every SLA of what is still open
	from, to := q0.Add(-time.Hour), q0.Add(91*24*time.Hour)
	qs := "from=" + url.QueryEscape(from.Format(time.RFC3339)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339))

	reader := e.token("reader", "shop")
	var rep compliance.EvidenceReport
	if code := e.do("GET", "/api/v1/projects/shop/compliance/pci-dss-4.0?"+qs, reader, nil, &rep); code != 200 {
		t.Fatalf("compliance report: %d", code)
	}
	var metrics struct {
		Totals struct {
			Open, Breached, Remediated int
			DueSoon                    int     `json:"due_soon"`
			RemediatedLate             int     `json:"remediated_late"`
			MTTRDays                   float64 `json:"mttr_days"`
		}
	}
	if code := e.do("GET", "/api/v1/metrics/remediation?project=shop&"+qs, reader, nil, &metrics); code != 200 {
		t.Fatalf("remediation metrics: %d", code)
	}
	m := metrics.Totals
	if rep.Open.Open != m.Open || rep.Open.Breached != m.Breached || rep.Open.DueSoon != m.DueSoon ||
		rep.Remediation.Remediated != m.Remediated || rep.Remediation.RemediatedLate != m.RemediatedLate || rep.Remediation.MTTRDays != m.MTTRDays {
		t.Fatalf("report open %+v remediation %+v; metrics API %+v", rep.Open, rep.Remediation, m)
	}
	// Two fixed by hand (days 20 and 40), the rest of the first artifact's
	// findings not on the upgrade by its deployment (day 50).
	byDeploy := len(deployed.Resolved)
	wantMTTR := float64(20+40+50*byDeploy) / float64(2+byDeploy)
	if m.Remediated != 2+byDeploy || math.Abs(m.MTTRDays-wantMTTR) > 0.01 || m.Open == 0 || m.Breached == 0 {
		t.Errorf("metrics %+v: want %d remediated in a mean of %.2f days, some open past their SLA", m, 2+byDeploy, wantMTTR)
	}
	if len(rep.Scans) != 3 || len(rep.Acceptances) != 1 || len(rep.IaC) != 1 {
		t.Fatalf("%d scans, %d acceptances, %d IaC checks; want 3, 1, 1", len(rep.Scans), len(rep.Acceptances), len(rep.IaC))
	}
	// Each scan's gate: the SBOM and the IaC report were not gated; the
	// upgrade carries the CI's claim and the server's decision.
	if rep.Scans[0].Gate != nil || rep.Scans[1].Gate != nil {
		t.Errorf("ungated scans show gates %+v, %+v", rep.Scans[0].Gate, rep.Scans[1].Gate)
	}
	wantGate := compliance.ScanGate{Passed: false, ExitCode: 1, FailedFindings: 4, FailOn: "MEDIUM", PolicyFiles: []compliance.PolicyFile{{Path: "vigil.yaml", SHA256: policy}},
		VulnDBSHA256: strings.Repeat("cd", 32), VulnDBAgeDays: 1, ServerPassed: serverFailed == 0, ServerFailedFindings: serverFailed}
	if g := rep.Scans[2].Gate; g == nil || !reflect.DeepEqual(*g, wantGate) || rep.Scans[2].ArtifactID != b.Artifact.ID {
		t.Errorf("gated scan %+v gate %+v; want %+v", rep.Scans[2], g, wantGate)
	}
	if serverFailed == 0 {
		t.Errorf("the upgrade has no finding at or above MEDIUM: the server's gate is not exercised")
	}
	for _, c := range rep.Controls {
		want := &compliance.ScanCounts{Total: 3, Gated: 1, Failed: 1, ServerFailed: 1, Ungated: 2}
		if slices.Contains(c.Evidence, compliance.EvidenceScans) != (c.Scans != nil) || (c.Scans != nil && *c.Scans != *want) {
			t.Errorf("control %s (evidence %v) scan counts %+v, want %+v", c.ID, c.Evidence, c.Scans, want)
		}
	}
	a := rep.Acceptances[0]
	if a.FindingID != fs[0].ID || a.Approver == "" || a.Reason != "compensating WAF rule" || a.Until.Format(time.RFC3339) != expires {
		t.Errorf("acceptance %+v", a)
	}
	if c := rep.IaC[0]; c.CheckID != "VGL-K8S-001" || c.Controls["cis"] != "5.2.1" || c.Controls["pss"] != "baseline" {
		t.Errorf("IaC check %+v", c)
	}
	if len(rep.Controls) != 3 || rep.Controls[0].ID != "6.3.1" {
		t.Errorf("controls %+v", rep.Controls)
	}

	// Every reference is a record of the audit log, with that hash, at or
	// before the head the report states.
	var recs struct {
		Items []audit.Record
	}
	if code := e.do("GET", "/api/v1/audit?limit=1000", e.admin, nil, &recs); code != 200 {
		t.Fatalf("audit: %d", code)
	}
	hashes := map[int64]string{}
	records := map[int64]audit.Record{}
	for _, r := range recs.Items {
		hashes[r.Seq] = r.Hash
		records[r.Seq] = r
	}
	if hashes[rep.AuditHead.Seq] != rep.AuditHead.Hash {
		t.Errorf("audit head %+v is not a record of the log", rep.AuditHead)
	}
	refs := rep.Refs()
	if len(refs) < 6 {
		t.Errorf("%d audit references, want one per scan, acceptance, check and more", len(refs))
	}
	for _, r := range refs {
		if r.Seq == 0 || hashes[r.Seq] != r.Hash || r.Seq > rep.AuditHead.Seq {
			t.Errorf("reference %+v names no record of the log", r)
		}
	}

	// Every fix links to the record of the change that fixed it: that
	// record names the finding (finding.state: its subject; a deployment:
	// its state changes) and the change made it fixed.
	fixes := rep.Remediation.Fixes
	if len(fixes) != m.Remediated {
		t.Fatalf("%d fix rows, %d remediated", len(fixes), m.Remediated)
	}
	byKind := map[string]int{}
	for _, fx := range fixes {
		byKind[fx.By]++
		if fx.VulnerabilityID == "" || fx.ArtifactID != first.Artifact.ID {
			t.Errorf("fix %+v: want the vulnerability id and the first artifact", fx)
		}
		rec, ok := records[fx.Audit.Seq]
		if !ok || rec.Hash != fx.Audit.Hash || rec.Kind != fx.By {
			t.Errorf("fix %+v links to %+v", fx, rec)
			continue
		}
		var p struct {
			To      string `json:"to"`
			Changes []struct {
				FindingID int64  `json:"finding_id"`
				To        string `json:"to"`
			} `json:"state_changes"`
		}
		if err := json.Unmarshal(rec.Payload, &p); err != nil {
			t.Fatal(err)
		}
		named := rec.Subject == fmt.Sprintf("finding:%d", fx.FindingID) && p.To == "fixed"
		for _, c := range p.Changes {
			named = named || (c.FindingID == fx.FindingID && c.To == "fixed")
		}
		if !named {
			t.Errorf("fix of finding %d links to record %d (%s %s %s), which does not fix it", fx.FindingID, rec.Seq, rec.Kind, rec.Subject, rec.Payload)
		}
	}
	if byKind["finding.state"] != 2 || byKind["deployment.start"] != byDeploy {
		t.Errorf("fixes by %v; want 2 by finding.state, %d by deployment.start", byKind, byDeploy)
	}
	// The ingest records: null gate for an ungated push, the claim as the
	// client's and the server's decision for the gated one.
	for _, sc := range rep.Scans {
		var p struct {
			Gate *server.IngestGate `json:"gate"`
		}
		rec := records[sc.Audit.Seq]
		if err := json.Unmarshal(rec.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if sc.Gate == nil {
			if !strings.Contains(string(rec.Payload), `"gate":null`) {
				t.Errorf("ungated ingest record %s has no explicit null gate", rec.Payload)
			}
			continue
		}
		if p.Gate == nil || p.Gate.Client == nil || p.Gate.Client.Passed || p.Gate.Client.FailedFindings != 4 || p.Gate.Server.Rules != "thresholds" || p.Gate.Server.FailedFindings != serverFailed || p.Gate.Server.VulnDBRevision == 0 {
			t.Errorf("gated ingest record %s", rec.Payload)
		}
	}

	// Out of scope, unknown framework.
	if code := e.do("GET", "/api/v1/projects/shop/compliance/pci-dss-4.0", e.token("reader", "other"), nil, nil); code != 403 {
		t.Errorf("reader of another project: %d, want 403", code)
	}
	if code := e.do("GET", "/api/v1/projects/shop/compliance/nist-800-53", reader, nil, nil); code != 404 {
		t.Errorf("unknown framework: %d, want 404", code)
	}

	// The HTML rendering: self-contained, escaped, one screenshot per page.
	var html bytes.Buffer
	if err := compliance.WriteHTML(&html, &rep); err != nil {
		t.Fatal(err)
	}
	checkSelfContained(t, html.String())
	if storeURL == "" {
		screenshot(t, &rep, html.Bytes(), "compliance-pci-dss-4.0")
	}
}

// checkSelfContained: no scripts and nothing loaded from elsewhere.
func checkSelfContained(t *testing.T, doc string) {
	t.Helper()
	for _, bad := range []string{"<script", "src=", "@import", "url(", `href="http`, "<link"} {
		if strings.Contains(doc, bad) {
			t.Errorf("HTML report contains %q", bad)
		}
	}
}

// screenshot renders each page of the report (compliance.Pages: the
// cover, each control, each evidence section) in headless Chromium to a
// PNG, and the whole report to a PDF, in the test artefacts directory
// ($VIGIL_E2E_ARTIFACTS, as TestDashboardE2E; else the test's temp dir).
// Skips only when Chromium is absent.
func screenshot(t *testing.T, rep *compliance.EvidenceReport, doc []byte, name string) {
	t.Helper()
	bin := ""
	for _, c := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(c); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("chromium is not installed: the HTML report was checked but not rendered (.ci/run installs it)")
	}
	dir := os.Getenv("VIGIL_E2E_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), name+".html")
	if err := os.WriteFile(page, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	profile := t.TempDir()
	run := func(target string, args ...string) {
		cmd := exec.CommandContext(t.Context(), bin, append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile}, append(args, target)...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, out)
		}
	}
	var files []string
	for i, id := range compliance.Pages(rep) {
		png := filepath.Join(dir, fmt.Sprintf("%s-%02d-%s.png", name, i+1, strings.ReplaceAll(id, ".", "_")))
		run("file://"+page+"#"+id, "--screenshot="+png, "--window-size=1240,1754")
		files = append(files, png)
	}
	pdf := filepath.Join(dir, name+".pdf")
	run("file://"+page, "--print-to-pdf="+pdf, "--no-pdf-header-footer")
	distinct := map[[32]byte]bool{}
	for _, p := range append(files, pdf) {
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 1000 {
			t.Fatalf("chromium wrote no %s: %v", p, err)
		}
		if strings.HasSuffix(p, ".png") && !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Fatalf("%s is not a PNG", p)
		}
		distinct[sha256.Sum256(b)] = true
	}
	// Each page shows only itself: every screenshot differs.
	if len(distinct) != len(files)+1 {
		t.Errorf("%d distinct renderings of %d pages and the PDF: the pages do not show alone", len(distinct), len(files))
	}
	t.Logf("rendered %d pages to %s, and %s", len(files), dir, pdf)
}

// TestComplianceCLI: `vigil compliance report --server` writes the JSON and
// the HTML of the server's report.
func TestComplianceCLI(t *testing.T) {
	e := startWith(t, startOptions{ecosystems: []string{"npm"}})
	minimalIngest(t, e, "shop")
	t.Setenv("VIGIL_TOKEN", e.token("reader", "shop"))
	dir := t.TempDir()
	jsonOut, htmlOut := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	code, _, stderr := vigil(t, "compliance", "report", "--framework", "soc2", "--project", "shop", "--server", e.url, "--json", jsonOut, "--html", htmlOut)
	if code != 0 {
		t.Fatalf("compliance report: %d %s", code, stderr)
	}
	var rep compliance.EvidenceReport
	b, err := os.ReadFile(jsonOut)
	if err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("JSON output: %v", err)
	}
	if rep.Framework != "soc2" || len(rep.Scans) != 1 || rep.AuditHead.Seq == 0 || !strings.Contains(stderr, "audit head #") {
		t.Errorf("report %+v; stderr %s", rep, stderr)
	}
	h, err := os.ReadFile(htmlOut)
	if err != nil || !strings.Contains(string(h), "CC7.1") {
		t.Fatalf("HTML output: %v", err)
	}
	checkSelfContained(t, string(h))

	// From the database directly: the same evidence.
	direct := filepath.Join(dir, "direct.json")
	code, _, stderr = vigil(t, "compliance", "report", "--framework", "soc2", "--project", "shop", "--data-dir", e.data,
		"--from", rep.From.Format(time.RFC3339Nano), "--to", rep.To.Format(time.RFC3339Nano), "--json", direct)
	if code != 0 {
		t.Fatalf("compliance report --data-dir: %d %s", code, stderr)
	}
	var rep2 compliance.EvidenceReport
	if b, err := os.ReadFile(direct); err != nil || json.Unmarshal(b, &rep2) != nil {
		t.Fatalf("direct JSON: %v", err)
	}
	if len(rep2.Scans) != 1 || rep2.Scans[0].Audit != rep.Scans[0].Audit || rep2.Open.Open != rep.Open.Open || rep2.AuditHead != rep.AuditHead {
		t.Errorf("direct report differs: scans %+v open %+v head %+v; server: scans %+v open %+v head %+v", rep2.Scans, rep2.Open, rep2.AuditHead, rep.Scans, rep.Open, rep.AuditHead)
	}
	if code, _, stderr := vigil(t, "compliance", "report", "--framework", "nope", "--project", "shop", "--server", e.url, "--json", jsonOut); code == 0 || !strings.Contains(stderr, "no framework") {
		t.Errorf("unknown framework: %d %s", code, stderr)
	}
}

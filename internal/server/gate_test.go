package server_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
)

var gateNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// pushImage pushes a Vigil JSON report of an image holding lodash 4.17.15
// (which the shared corpus knows vulnerable), built at built with layers.
func pushImage(t *testing.T, e *env, project, digest string, built time.Time, layers ...string) {
	t.Helper()
	r := scan.Result{SchemaVersion: scan.SchemaVersion, Tool: scan.Tool{Name: "vigil", Version: "test"}, CreatedAt: gateNow,
		Target: scan.Target{Kind: "image", Name: "registry.example/" + project},
		Image:  &scan.Image{Reference: "registry.example/" + project + ":" + digest[7:11], Digest: digest, Created: built},
		Packages: []inventory.Package{{Name: "lodash", Version: "4.17.15", Ecosystem: "npm", PURL: "pkg:npm/lodash@4.17.15",
			Locations: []inventory.Location{{Path: "app/node_modules/lodash/package.json"}}}},
		Vulnerabilities: []scan.Vulnerability{}, Misconfigurations: []scan.Misconfiguration{}, Secrets: []scan.Secret{}}
	for _, l := range layers {
		r.Image.Layers = append(r.Image.Layers, scan.Layer{Digest: l})
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Findings int `json:"findings"`
	}
	if code := e.do("POST", "/api/v1/projects/"+project+"/artifacts", e.admin, bytes.NewReader(b), &out); code != 201 || out.Findings == 0 {
		t.Fatalf("push %s: %d, %d findings", digest, code, out.Findings)
	}
}

func deploy(t *testing.T, e *env, project, digest, envName string) {
	t.Helper()
	body := `{"artifact":"` + digest + `","environment":"` + envName + `"}`
	if code := e.do("POST", "/api/v1/projects/"+project+"/deployments", e.admin, strings.NewReader(body), nil); code != 201 {
		t.Fatalf("deploy %s to %s: %d", digest, envName, code)
	}
}

// TestGateAgainstServer runs `vigil gate` and `vigil scan --server`
// against a real server on loopback: production affected fails (1) naming
// the finding and the environment, a clean project passes (0), and a
// server that is down, refuses or answers garbage is an error (2).
func TestGateAgainstServer(t *testing.T) { testGateAgainstServer(t, "") }

func TestGateAgainstServerPostgres(t *testing.T) {
	testGateAgainstServer(t, testutil.PostgresSchema(t))
}

func testGateAgainstServer(t *testing.T, storeURL string) {
	clock := server.NewStoppedClock(gateNow)
	e := startWith(t, startOptions{ecosystems: []string{"npm"}, clock: clock, storeURL: storeURL})
	pushImage(t, e, "shop", "sha256:aaaa0001", gateNow.AddDate(0, 0, -45), "sha256:l1", "sha256:l2")
	deploy(t, e, "shop", "sha256:aaaa0001", "prod")
	if _, err := e.st.EnsureProject(t.Context(), "clean"); err != nil {
		t.Fatal(err)
	}
	prodFinding := e.findings(e.admin, "project=shop&state=open")[0].VulnerabilityID
	reader := e.token(store.RoleReader, "shop")
	cleanReader := e.token(store.RoleReader, "clean")
	t.Setenv("VIGIL_TOKEN", "")

	t.Run("production affected", func(t *testing.T) {
		code, stdout, stderr := vigil(t, "gate", "--server", e.url, "--project", "shop", "--token", reader, "--fail-on", "low")
		if code != 1 {
			t.Fatalf("exit %d, want 1\n%s%s", code, stdout, stderr)
		}
		for _, want := range []string{prodFinding, "lodash@4.17.15", "sha256:aaaa0001", "deployed in prod"} {
			if !strings.Contains(stderr, want) || !strings.Contains(stdout, want) {
				t.Errorf("output lacks %q:\nstdout %s\nstderr %s", want, stdout, stderr)
			}
		}
	})
	t.Run("clean project", func(t *testing.T) {
		log := filepath.Join(t.TempDir(), "audit.jsonl")
		code, stdout, stderr := vigil(t, "gate", "--server", e.url, "--project", "clean", "--token", cleanReader, "--fail-on", "low", "--audit-log", log)
		if code != 0 || !strings.Contains(stdout, "server gate passed: project clean, 0 open findings") {
			t.Errorf("exit %d, want 0\n%s%s", code, stdout, stderr)
		}
		b, err := os.ReadFile(log)
		if err != nil || !strings.Contains(string(b), `"kind":"gate"`) || !strings.Contains(string(b), `"passed":true`) || strings.Contains(string(b), cleanReader) {
			t.Errorf("audit log = %s, %v; want a gate record without the token", b, err)
		}
		if code, _, stderr := vigil(t, "audit", "verify", "--file", log); code != 0 {
			t.Errorf("audit verify: exit %d\n%s", code, stderr)
		}
	})
	t.Run("artifact", func(t *testing.T) {
		// Another build, not deployed: with --artifact of it, its own
		// findings and those of prod count.
		pushImage(t, e, "shop", "sha256:aaaa0002", gateNow, "sha256:l1", "sha256:l3")
		code, stdout, stderr := vigil(t, "gate", "--server", e.url, "--project", "shop", "--token", reader, "--fail-on", "low", "--artifact", "sha256:aaaa0002")
		if code != 1 || !strings.Contains(stdout, "on registry.example/shop:aaaa sha256:aaaa0002 (not deployed)") || !strings.Contains(stdout, "sha256:aaaa0001 (deployed in prod)") {
			t.Errorf("exit %d, want 1 naming both artifacts\n%s%s", code, stdout, stderr)
		}
		code, _, stderr = vigil(t, "gate", "--server", e.url, "--project", "shop", "--token", reader, "--artifact", "sha256:ffff")
		if code != 2 || !strings.Contains(stderr, "404") {
			t.Errorf("unknown artifact: exit %d, want 2 with 404\n%s", code, stderr)
		}
	})
	t.Run("token of another project", func(t *testing.T) {
		code, _, stderr := vigil(t, "gate", "--server", e.url, "--project", "shop", "--token", cleanReader, "--fail-on", "low")
		if code != 2 || !strings.Contains(stderr, "403") {
			t.Errorf("exit %d, want 2 with 403\n%s", code, stderr)
		}
	})
	t.Run("unknown project", func(t *testing.T) {
		code, _, stderr := vigil(t, "gate", "--server", e.url, "--project", "nope", "--token", e.admin)
		if code != 2 || !strings.Contains(stderr, "404") {
			t.Errorf("exit %d, want 2 with 404\n%s", code, stderr)
		}
	})
	t.Run("image too old", func(t *testing.T) {
		cfg := filepath.Join(t.TempDir(), "vigil.yaml")
		if err := os.WriteFile(cfg, []byte("gate:\n  max_image_age_days: 30\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := vigil(t, "gate", "--server", e.url, "--project", "shop", "--token", reader, "--config", cfg)
		if code != 1 || !strings.Contains(stdout, "was built 45 days ago (2026-09-17), more than max_image_age_days 30 (deployed in prod)") {
			t.Errorf("exit %d, want 1 naming the image age\n%s%s", code, stdout, stderr)
		}
		if err := os.WriteFile(cfg, []byte("gate:\n  max_image_age_days: 60\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, stdout, stderr := vigil(t, "gate", "--server", e.url, "--project", "shop", "--token", reader, "--config", cfg); code != 0 {
			t.Errorf("max 60 days: exit %d, want 0\n%s%s", code, stdout, stderr)
		}
	})
	t.Run("rego policy", func(t *testing.T) {
		// The policy is written against a local scan's JSON report; on the
		// server it sees each artifact's findings plus input.server.
		deny, allow, broken := t.TempDir(), t.TempDir(), t.TempDir()
		for dir, src := range map[string]string{
			deny: `package vigil

deny contains msg if {
	input.server.deployed
	some v in input.vulnerabilities
	v.package.name == "lodash"
	msg := sprintf("%s: lodash %s is banned in production", [v.id, v.package.version])
}
`,
			allow:  "package vigil\n\ndeny contains msg if {\n\tfalse\n\tmsg := \"never\"\n}\n",
			broken: "package vigil\ndeny contains x if {\n",
		} {
			if err := os.WriteFile(filepath.Join(dir, "gate.rego"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		code, stdout, stderr := vigil(t, "gate", "--server", e.url, "--project", "shop", "--token", reader, "--policy", deny)
		want := "policy: " + prodFinding + ": lodash 4.17.15 is banned in production (on registry.example/shop:aaaa sha256:aaaa0001, deployed in prod)"
		if code != 1 || !strings.Contains(stdout, want) {
			t.Errorf("deny policy: exit %d, want 1 with %q\n%s%s", code, want, stdout, stderr)
		}
		if code, stdout, stderr := vigil(t, "gate", "--server", e.url, "--project", "shop", "--token", reader, "--policy", allow); code != 0 {
			t.Errorf("allow-all policy: exit %d, want 0\n%s%s", code, stdout, stderr)
		}
		code, _, stderr = vigil(t, "gate", "--server", e.url, "--project", "shop", "--token", reader, "--policy", broken)
		if code != 2 || !strings.Contains(stderr, "--policy") || !strings.Contains(stderr, "gate.rego:") {
			t.Errorf("broken policy: exit %d, want 2 naming the file\n%s", code, stderr)
		}
		dir := t.TempDir()
		code, _, stderr = vigil(t, "scan", dir, "--offline", "--db-dir", filepath.Join(e.data, "vulndb"), "--server", e.url, "--project", "shop", "--token", reader, "--policy", deny)
		if code != 1 || !strings.Contains(stderr, "server: "+want) {
			t.Errorf("scan --server --policy: exit %d, want 1 with the server's deny\n%s", code, stderr)
		}
	})
	t.Run("scan --server adds what is deployed", func(t *testing.T) {
		dir := t.TempDir()
		code, _, stderr := vigil(t, "scan", dir, "--offline", "--db-dir", filepath.Join(e.data, "vulndb"), "--server", e.url, "--project", "shop", "--token", reader, "--fail-on", "low")
		if code != 1 || !strings.Contains(stderr, "server: ") || !strings.Contains(stderr, prodFinding) || !strings.Contains(stderr, "deployed in prod") {
			t.Errorf("exit %d, want 1 naming the deployed finding\n%s", code, stderr)
		}
		code, _, stderr = vigil(t, "scan", dir, "--offline", "--db-dir", filepath.Join(e.data, "vulndb"), "--server", e.url, "--project", "clean", "--token", cleanReader, "--fail-on", "low")
		if code != 0 {
			t.Errorf("clean: exit %d, want 0\n%s", code, stderr)
		}
	})
	t.Run("SLA breach", func(t *testing.T) {
		// lodash 4.17.15's finding is medium: its SLA (90 days) is past
		// after 91.
		clock.Advance(91 * 24 * time.Hour)
		code, stdout, _ := vigil(t, "gate", "--server", e.url, "--project", "shop", "--token", reader, "-f", "json")
		if code != 1 || !strings.Contains(stdout, "is past its SLA") {
			t.Errorf("exit %d, want 1 with an SLA breach\n%s", code, stdout)
		}
		cfg := filepath.Join(t.TempDir(), "vigil.yaml")
		if err := os.WriteFile(cfg, []byte("gate:\n  ignore_sla_breach: true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, stdout, _ := vigil(t, "gate", "--server", e.url, "--project", "shop", "--token", reader, "--config", cfg); code != 0 {
			t.Errorf("ignore_sla_breach: exit %d, want 0\n%s", code, stdout)
		}
	})
}

func TestGateFailsClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	garbage := func(body string) string {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(body))
		}))
		t.Cleanup(hs.Close)
		return hs.URL
	}
	tests := []struct {
		name, url, want string
	}{
		{"server down", down, "connection refused"},
		{"not JSON", garbage("<html>oops</html>"), "read answer"},
		{"empty body", garbage(""), "unusable answer"},
		{"another API", garbage(`{"items":[],"next_cursor":""}`), "unusable answer"},
		{"wrong project", garbage(`{"project":"other","now":"2026-11-01T00:00:00Z","findings":[],"images":[]}`), "unusable answer"},
		{"bad severity", garbage(`{"project":"shop","now":"2026-11-01T00:00:00Z","findings":[{"id":1,"kind":"vulnerability","severity":"SEVERE","artifact":"sha256:a","environments":[]}],"images":[]}`), "unknown severity"},
		{"truncated JSON", garbage(`{"project":"shop","now":"2026-11-01T00:00:00Z","findings":[`), "read answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := vigil(t, "gate", "--server", tt.url, "--project", "shop", "--token", "vgl_x", "--fail-on", "high")
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want 2 with %q\n%s", code, tt.want, stderr)
			}
		})
	}
	// A well-formed, empty answer passes: the cases above fail for their
	// garbage, not for the fake server.
	ok := garbage(`{"project":"shop","now":"2026-11-01T00:00:00Z","findings":[],"images":[]}`)
	if code, _, stderr := vigil(t, "gate", "--server", ok, "--project", "shop", "--token", "vgl_x", "--fail-on", "high"); code != 0 {
		t.Errorf("well-formed empty answer: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := vigil(t, "gate", "--server", ok, "--project", "shop"); code != 2 || !strings.Contains(stderr, "needs a token") {
		t.Errorf("no token: exit %d\n%s", code, stderr)
	}
	for _, args := range [][]string{
		{"gate", "--project", "shop"},
		{"gate", "--server", "ftp://x", "--project", "shop"},
		{"gate", "--server", ok, "--project", "shop", "--fail-on", "urgent"},
		{"scan", t.TempDir(), "--server", ok},
	} {
		if code, _, stderr := vigil(t, args...); code != 2 || !strings.Contains(stderr, "Run 'vigil --help'") {
			t.Errorf("%q: exit %d, want a usage error\n%s", args, code, stderr)
		}
	}
}

// TestFreshnessAndScore checks the freshness and score routes and the
// oldest-image gauge over a real server.
func TestFreshnessAndScore(t *testing.T) {
	clock := server.NewStoppedClock(gateNow)
	e := startWith(t, startOptions{ecosystems: []string{"npm"}, clock: clock, options: func(o *server.Options) { o.MaxImageAge = 60 * store.Day }})
	pushImage(t, e, "base", "sha256:bbbb0001", gateNow.AddDate(0, 0, -100), "sha256:l1")
	pushImage(t, e, "shop", "sha256:aaaa0001", gateNow.AddDate(0, 0, -45), "sha256:l1", "sha256:l2")
	deploy(t, e, "shop", "sha256:aaaa0001", "prod")
	if _, err := e.st.EnsureProject(t.Context(), "clean"); err != nil {
		t.Fatal(err)
	}
	reader := e.token(store.RoleReader, "shop")

	var fr server.FreshnessReport
	if code := e.do("GET", "/api/v1/projects/shop/freshness", reader, nil, &fr); code != 200 || len(fr.Deployments) != 1 {
		t.Fatalf("freshness: %d %+v", code, fr)
	}
	d := fr.Deployments[0]
	if d.Environment != "prod" || d.AgeDays != 45 || !d.KnownAge || d.Base != nil || d.TooOld || fr.MaxImageAgeDays != 60 {
		t.Errorf("shop freshness (scoped token: base not visible) = %+v", d)
	}
	if old, err := e.srv.ImagesTooOld(t.Context(), store.FreshnessFilter{}, 0); err != nil || len(old) != 0 {
		t.Errorf("ImagesTooOld(60 days) = %+v, %v; want none at 45 days", old, err)
	}
	if old, err := e.srv.ImagesTooOld(t.Context(), store.FreshnessFilter{}, 40*store.Day); err != nil || len(old) != 1 || old[0].Digest != "sha256:aaaa0001" {
		t.Errorf("ImagesTooOld(40 days) = %+v, %v; want shop's image", old, err)
	}
	if code := e.do("GET", "/api/v1/freshness?environment=prod", e.admin, nil, &fr); code != 200 || len(fr.Deployments) != 1 || fr.Deployments[0].Base == nil || fr.Deployments[0].Base.Digest != "sha256:bbbb0001" || fr.Deployments[0].Base.AgeDays != 100 {
		t.Errorf("portfolio freshness = %d %+v", code, fr)
	}
	if code := e.do("GET", "/api/v1/freshness?environment=staging", e.admin, nil, &fr); code != 200 || len(fr.Deployments) != 0 {
		t.Errorf("staging freshness = %d %+v", code, fr)
	}

	var ps server.ProjectScore
	if code := e.do("GET", "/api/v1/projects/shop/score", reader, nil, &ps); code != 200 {
		t.Fatalf("score: %d", code)
	}
	if ps.Score.Score >= 100 || ps.Grade == "" || len(ps.Components) != 7 {
		t.Errorf("shop score = %+v", ps)
	}
	var prod server.ProjectScore
	if code := e.do("GET", "/api/v1/projects/shop/score?environment=prod", reader, nil, &prod); code != 200 || prod.Score.Score != ps.Score.Score {
		t.Errorf("prod score = %d %+v, want the project's %d (only prod runs)", code, prod, ps.Score.Score)
	}
	if code := e.do("GET", "/api/v1/projects/shop/score?environment=staging", reader, nil, nil); code != 404 {
		t.Errorf("staging score: %d, want 404 (nothing runs there)", code)
	}
	var list struct {
		Items []server.ProjectScore `json:"items"`
	}
	if code := e.do("GET", "/api/v1/scores", e.admin, nil, &list); code != 200 || len(list.Items) != 3 {
		t.Fatalf("scores: %d %+v", code, list)
	}
	if list.Items[0].Score.Score > list.Items[1].Score.Score || list.Items[2].Project != "clean" || list.Items[2].Score.Score != 100 {
		t.Errorf("scores not worst first / clean not 100: %+v", list.Items)
	}
	if code := e.do("GET", "/api/v1/scores", reader, nil, &list); code != 200 || len(list.Items) != 1 || list.Items[0].Project != "shop" {
		t.Errorf("scoped scores = %d %+v", code, list.Items)
	}
	// SLA breaches lower the score.
	clock.Advance(200 * 24 * time.Hour)
	var later server.ProjectScore
	if code := e.do("GET", "/api/v1/projects/shop/score", reader, nil, &later); code != 200 || later.Score.Score >= ps.Score.Score {
		t.Errorf("score after the SLAs ran out = %d, want below %d", later.Score.Score, ps.Score.Score)
	}

	if code := e.do("GET", "/api/v1/projects/shop/freshness", reader, nil, &fr); code != 200 || len(fr.Deployments) != 1 || !fr.Deployments[0].TooOld {
		t.Errorf("freshness after 200 more days = %d %+v, want too old", code, fr)
	}
	fams := scrape(t, e, e.admin)
	fam := fams["vigil_image_oldest_age_seconds"]
	if fam == nil || len(fam.Metric) != 1 || !labelsMatch(fam.Metric[0], map[string]string{"project": "shop", "environment": "prod"}) {
		t.Fatalf("vigil_image_oldest_age_seconds = %v", fam)
	}
	if got, want := fam.Metric[0].GetGauge().GetValue(), (245 * 24 * time.Hour).Seconds(); got != want {
		t.Errorf("oldest image age = %v s, want %v", got, want)
	}
}

package web_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestDashboardE2E drives the dashboard in headless Chromium (Debian's
// chromium, through playwright-core; web/e2e/dashboard.mjs) against a real
// `vigil serve` on loopback, whose advisories come from a loopback mirror
// of the shared npm archive that the script adds an advisory to. The
// script logs in, sees the new advisory's finding appear on the overview
// after a refresh, opens it (its <script> and javascript: reference stay
// inert), accepts it with an expiry, sees the count drop, searches by
// alias and by package name, checks that the trends page draws every
// chart and has its tables (an image with a creation time runs in prod for
// the image age, from the freshness API), checks the security scores (the
// overview's worst scores, the project's score with its components and
// per environment) and the freshness sections (the overview's oldest
// images, the project's image age and too-old badge: the serve config
// sets freshness.max_image_age_days), moves the test clock 175 days on to see SLA breaches and
// findings due soon badged, and logs out; it checks every page with
// axe-core and compares the overview and finding screenshots with
// web/e2e/reference (pixelmatch, with a tolerance).
// Screenshots go to $VIGIL_E2E_ARTIFACTS (default web/test-results).
//
// It needs node, web/node_modules (npm ci in web/) and /usr/bin/chromium:
// without them it is skipped, except under CI, where .ci/run installs them
// and a missing one fails.
func TestDashboardE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: not in -short")
	}
	root := testutil.ModuleRoot(t)
	shared := testutil.Shared(t)
	chromium := os.Getenv("VIGIL_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	var missing []string
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(filepath.Join(root, "web", "node_modules", "playwright-core")); err != nil {
		missing = append(missing, "web/node_modules (run npm ci in web/)")
	}
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium+" (apt-get install chromium)")
	}
	if len(missing) > 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser test under CI without %s: .ci/run installs them", strings.Join(missing, ", "))
		}
		t.Skipf("browser test skipped: missing %s", strings.Join(missing, ", "))
	}

	bin := filepath.Join(t.TempDir(), "vigil")
	build := exec.Command("go", "build", "-o", bin, "./cmd/vigil")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/vigil: %v\n%s", err, out)
	}

	m := newMirror(t, filepath.Join(shared, "vulndb", "osv", "npm", "all.zip"))
	data := t.TempDir()
	admin := run(t, bin, "token", "create", "--data-dir", data, "--role", "admin", "--name", "e2e-admin")
	writer := run(t, bin, "token", "create", "--data-dir", data, "--role", "writer", "--name", "alice")
	// The serve config's freshness limit: the image built 2025-06-01 is
	// too old (docs/freshness.md).
	config := filepath.Join(t.TempDir(), "vigil-serve.yaml")
	if err := os.WriteFile(config, []byte("freshness:\n  max_image_age_days: 90\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, bin, "--config", config, "--data-dir", data, "--vulndb-from", m.url, "--refresh-interval", "0", "--test-clock")

	// Real SBOMs through the API: Vigil's and Syft's CycloneDX of npm
	// projects, and one holding left-pad, which no advisory names yet.
	pushes := []struct{ project, file, doc string }{
		{"shop", filepath.Join(root, "internal", "server", "testdata", "push", "cyclonedx.json"), ""},
		{"web", filepath.Join(root, "internal", "server", "testdata", "syft", "sbom.cdx.json"), ""},
		{"pad", "", `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"component":{"type":"application","name":"pad"}},"components":[` +
			`{"type":"library","name":"left-pad","version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0"},` +
			`{"type":"library","name":"minimist","version":"1.2.6","purl":"pkg:npm/minimist@1.2.6"}]}`},
		// An image (a vigil report with the image's creation time and
		// its declared base image) for the image ages and the freshness.
		{"img", "", `{"schema_version":"1.0.0","tool":{"name":"vigil","version":"test"},"target":{"kind":"image","name":"registry.example/img:1"},` +
			`"image":{"reference":"registry.example/img:1","digest":"sha256:` + strings.Repeat("ab", 32) + `","created":"2025-06-01T00:00:00Z","base_name":"docker.io/library/alpine:3.22"},` +
			`"packages":[{"name":"minimist","version":"1.2.6","ecosystem":"npm","purl":"pkg:npm/minimist@1.2.6","locations":[{"path":"package-lock.json"}],"extractor":"npm/packagelock"}],"vulnerabilities":[]}`},
	}
	digests := map[string]string{}
	for _, p := range pushes {
		doc := []byte(p.doc)
		if p.file != "" {
			var err error
			if doc, err = os.ReadFile(p.file); err != nil {
				t.Fatal(err)
			}
		}
		var out struct {
			Artifact struct{ Digest string } `json:"artifact"`
		}
		apiCall(t, srv, admin, "POST", "/api/v1/projects/"+p.project+"/artifacts?version=1.0.0", doc, &out)
		digests[p.project] = out.Artifact.Digest
	}
	// In a fixed order: the screenshots compared show the events.
	for _, d := range []struct{ project, env string }{{"shop", "prod"}, {"web", "prod"}, {"pad", "staging"}, {"img", "prod"}} {
		body := fmt.Sprintf(`{"artifact":%q,"environment":%q,"at":"2026-11-01T00:00:00Z"}`, digests[d.project], d.env)
		apiCall(t, srv, admin, "POST", "/api/v1/projects/"+d.project+"/deployments", []byte(body), nil)
	}

	artifacts := os.Getenv("VIGIL_E2E_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(root, "web", "test-results")
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join("e2e", "dashboard.mjs"))
	cmd.Dir = filepath.Join(root, "web")
	cmd.Env = append(os.Environ(),
		"VIGIL_URL="+srv,
		"VIGIL_TOKEN="+writer,
		"VIGIL_ADMIN_TOKEN="+admin,
		"VIGIL_MIRROR="+m.url,
		"VIGIL_CHROMIUM="+chromium,
		"VIGIL_E2E_ARTIFACTS="+artifacts,
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("dashboard.mjs:\n%s", out.String())
	if err != nil {
		t.Fatalf("dashboard.mjs: %v (screenshots in %s)", err, artifacts)
	}
}

// mirror is a loopback OSV mirror of the shared npm archive. POST
// /_control/publish adds the test's advisory to it (to the archive and to
// the change listing), as an upstream publication would.
type mirror struct {
	url  string
	dir  string
	src  string
	mu   sync.Mutex
	recs map[string]string
	list []string
}

// e2eAdvisory is what the script publishes: its text carries markup and a
// javascript: reference, which the finding page must render inert.
const e2eAdvisory = `{"schema_version":"1.6.0","id":"VGL-E2E-0001","modified":"2026-11-30T00:00:00Z","published":"2026-11-30T00:00:00Z",
"summary":"left-pad pads <script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\"> too much",
"details":"<script>window.__xss=3</script> see [this](javascript:window.__xss=4)",
"aliases":["CVE-2099-0001"],
"database_specific":{"severity":"HIGH"},
"references":[{"type":"ADVISORY","url":"https://example.org/advisories/VGL-E2E-0001"},{"type":"WEB","url":"javascript:window.__xss=5"}],
"affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.1"}]}]}]}`

func newMirror(t *testing.T, src string) *mirror {
	m := &mirror{dir: t.TempDir(), src: src, recs: map[string]string{}}
	if err := os.MkdirAll(filepath.Join(m.dir, "npm"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(m.dir, "ecosystems.txt"), []byte("npm\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.write(); err != nil {
		t.Fatal(err)
	}
	files := http.FileServer(http.Dir(m.dir))
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_control/publish" && r.Method == http.MethodPost {
			m.mu.Lock()
			m.recs["VGL-E2E-0001"] = e2eAdvisory
			m.list = append([]string{"2026-11-30T00:00:00Z,VGL-E2E-0001\n"}, m.list...)
			err := m.write()
			m.mu.Unlock()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	m.url = hs.URL
	return m
}

// write lays out the archive (the shared one plus the published records),
// the records alone and the change listing.
func (m *mirror) write() error {
	src, err := zip.OpenReader(m.src)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp := filepath.Join(m.dir, "npm", "all.zip.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, e := range src.File {
		if err := zw.Copy(e); err != nil {
			f.Close()
			return err
		}
	}
	for id, body := range m.recs {
		w, err := zw.Create(id + ".json")
		if err != nil {
			f.Close()
			return err
		}
		io.WriteString(w, body)
		if err := os.WriteFile(filepath.Join(m.dir, "npm", id+".json"), []byte(body), 0o644); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(m.dir, "npm", "all.zip")); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(m.dir, "npm", "modified_id.csv"), []byte(strings.Join(m.list, "")), 0o644)
}

func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("vigil %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// serve runs `vigil serve` on a free loopback port until the test ends
// and returns its URL once it is ready.
func serve(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logs bytes.Buffer
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			mu.Lock()
			logs.Write(sc.Bytes())
			logs.WriteByte('\n')
			mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
			}
		}
		cmd.Wait()
	}()
	log := func() string { mu.Lock(); defer mu.Unlock(); return logs.String() }
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("vigil serve log:\n%s", log())
		}
	})
	var url string
	select {
	case a := <-addr:
		url = "http://" + a
	case <-done:
		t.Fatalf("vigil serve exited:\n%s", log())
	case <-time.After(2 * time.Minute):
		t.Fatalf("vigil serve not listening after 2m:\n%s", log())
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("vigil serve not ready after 2m:\n%s", log())
		}
	}
}

func apiCall(t *testing.T, base, tok, method, path string, body []byte, out any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

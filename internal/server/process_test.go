package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// The real `vigil serve`: cmd/vigil built once per test binary (or
// VIGIL_TEST_BINARY), run as a child process.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func vigilBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("VIGIL_TEST_BINARY"); p != "" {
		return p
	}
	root := testutil.ModuleRoot(t)
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "vigil-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "vigil")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/vigil")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/vigil: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// serveProc is a running `vigil serve`.
type serveProc struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	logs bytes.Buffer
	done chan struct{}
}

func (p *serveProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// startServe runs `vigil serve` on a free loopback port with args and
// waits until it is ready (database and vulnerability database loaded).
func startServe(t *testing.T, bin string, args ...string) *serveProc {
	t.Helper()
	p := &serveProc{done: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = append(os.Environ(), "VIGIL_LOG_LEVEL=info")
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			p.mu.Lock()
			p.logs.Write(line)
			p.logs.WriteByte('\n')
			p.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
			}
		}
		p.cmd.Wait()
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-p.done:
		t.Fatalf("vigil serve exited before listening:\n%s", p.log())
	case <-time.After(2 * time.Minute):
		t.Fatalf("vigil serve not listening after 2m:\n%s", p.log())
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("vigil serve not ready after 1m (%v):\n%s", err, p.log())
		}
	}
}

// kill is kill -9.
func (p *serveProc) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// runVigil runs the binary to completion and returns its stdout.
func runVigil(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("vigil %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func TestServeDurabilitySQLite(t *testing.T) { testServeDurability(t, "") }

func TestServeDurabilityPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the server")
	}
	testServeDurability(t, testutil.PostgresSchema(t))
}

// durFillers is how many packages of its own each pushed SBOM has, beside
// the two vulnerable ones all share.
const durFillers = 150

// durSBOM is push n: lodash 4.17.4 and minimist 1.2.0 (advisories in the
// shared corpus) and durFillers packages no advisory names.
func durSBOM(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[`)
	b.WriteString(`{"type":"library","name":"lodash","version":"4.17.4","purl":"pkg:npm/lodash@4.17.4"},`)
	b.WriteString(`{"type":"library","name":"minimist","version":"1.2.0","purl":"pkg:npm/minimist@1.2.0"}`)
	for j := range durFillers {
		fmt.Fprintf(&b, `,{"type":"library","name":"vigil-dur-%d-%d","version":"1.0.%d","purl":"pkg:npm/vigil-dur-%d-%d@1.0.%d"}`, n, j, j, n, j, j)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// durPackages are the package names of push n, sorted.
func durPackages(n int) []string {
	names := []string{"lodash@4.17.4", "minimist@1.2.0"}
	for j := range durFillers {
		names = append(names, fmt.Sprintf("vigil-dur-%d-%d@1.0.%d", n, j, j))
	}
	slices.Sort(names)
	return names
}

type durAck struct {
	n        int
	id       int64
	digest   string
	findings int
}

// testServeDurability runs the real `vigil serve` (SQLite in its data
// dir, or the PostgreSQL database at pgURL), pushes from 8 concurrent
// clients, kill -9s it mid-burst, restarts it and checks that every push
// that got a 2xx is there with all its packages and findings, and that
// no artifact at all is half-written.
func testServeDurability(t *testing.T, pgURL string) {
	if testing.Short() {
		t.Skip("builds and kills the server")
	}
	bin := vigilBinary(t)
	data := t.TempDir()
	db := []string{"--data-dir", data}
	if pgURL != "" {
		db = append(db, "--database", pgURL)
	}
	const project = "dur"
	tok := strings.TrimSpace(runVigil(t, bin, append([]string{"token", "create", "--role", "writer", "--project", project}, db...)...))
	if !strings.HasPrefix(tok, "vgl_") || strings.ContainsAny(tok, " \n") {
		t.Fatalf("token create printed %q, want the token alone", tok)
	}
	flags := append(db, "--read-header-timeout", "5s", "--read-timeout", "30s", "--shutdown-grace", "1s")
	p := startServe(t, bin, append(flags, "--vulndb-from", vulndbURL(t, "npm"))...)

	client := &http.Client{Timeout: time.Minute}
	push := func(n int) (durAck, int, error) {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/projects/%s/artifacts?name=push-%d", p.url, project, n), bytes.NewReader(durSBOM(n)))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return durAck{}, 0, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode/100 != 2 {
			return durAck{}, resp.StatusCode, err
		}
		var out struct {
			Artifact struct {
				ID       int64  `json:"id"`
				Digest   string `json:"digest"`
				Packages int    `json:"packages"`
			} `json:"artifact"`
			Findings int `json:"findings"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return durAck{}, resp.StatusCode, fmt.Errorf("decode %s: %w", body, err)
		}
		if out.Artifact.Packages != durFillers+2 {
			return durAck{}, resp.StatusCode, fmt.Errorf("push %d answered %d packages, want %d", n, out.Artifact.Packages, durFillers+2)
		}
		return durAck{n: n, id: out.Artifact.ID, digest: out.Artifact.Digest, findings: out.Findings}, resp.StatusCode, nil
	}

	// 8 clients push until the server dies; it is killed once 24 pushes
	// were acknowledged, with the other clients' pushes in flight.
	var (
		mu     sync.Mutex
		acked  []durAck
		next   atomic.Int64
		killed = make(chan struct{})
		once   sync.Once
		wg     sync.WaitGroup
	)
	deadline := time.Now().Add(90 * time.Second)
	for range 8 {
		wg.Go(func() {
			for {
				n := int(next.Add(1))
				a, code, err := push(n)
				select {
				case <-killed:
					if err == nil && code/100 == 2 {
						mu.Lock()
						acked = append(acked, a) // answered before the kill landed
						mu.Unlock()
					}
					return
				default:
				}
				if err != nil || code/100 != 2 {
					t.Errorf("push %d before the kill: %d %v", n, code, err)
					once.Do(func() { close(killed); p.kill() })
					return
				}
				mu.Lock()
				acked = append(acked, a)
				enough := len(acked) >= 24 || time.Now().After(deadline)
				mu.Unlock()
				if enough {
					once.Do(func() { close(killed); p.kill() })
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.Fatalf("server log:\n%s", p.log())
	}
	sent := int(next.Load())
	t.Logf("%d pushes sent, %d acknowledged before the kill", sent, len(acked))
	if len(acked) < 10 {
		t.Fatalf("only %d acknowledged pushes", len(acked))
	}

	// Restart on the same database. The vulnerability database source is
	// unreachable, so the start-up refresh fails and re-matches nothing:
	// what is checked is what the killed process committed.
	p = startServe(t, bin, append(flags, "--vulndb-from", "http://127.0.0.1:1/")...)
	get := func(path string, out any) {
		t.Helper()
		req, _ := http.NewRequest("GET", p.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var arts struct {
		Items []struct {
			ID       int64  `json:"id"`
			Name     string `json:"name"`
			Digest   string `json:"digest"`
			Packages int    `json:"packages"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	get("/api/v1/projects/"+project+"/artifacts?limit=1000", &arts)
	if arts.NextCursor != "" {
		t.Fatalf("more than 1000 artifacts after %d pushes", sent)
	}
	type stored struct {
		id       int64
		digest   string
		packages []string
		findings []string
	}
	byN := map[int]stored{}
	for _, a := range arts.Items {
		var n int
		if _, err := fmt.Sscanf(a.Name, "push-%d", &n); err != nil {
			t.Errorf("artifact %d named %q", a.ID, a.Name)
			continue
		}
		s := stored{id: a.ID, digest: a.Digest}
		for cursor := ""; ; {
			var page struct {
				Items []struct {
					Name, Version string
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			get(fmt.Sprintf("/api/v1/artifacts/%d/packages?limit=1000&cursor=%s", a.ID, cursor), &page)
			for _, pk := range page.Items {
				s.packages = append(s.packages, pk.Name+"@"+pk.Version)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		slices.Sort(s.packages)
		for cursor := ""; ; {
			var page struct {
				Items      []finding `json:"items"`
				NextCursor string    `json:"next_cursor"`
			}
			get(fmt.Sprintf("/api/v1/findings?project=%s&artifact=%d&limit=1000&cursor=%s", project, a.ID, cursor), &page)
			for _, f := range page.Items {
				s.findings = append(s.findings, f.VulnerabilityID+" "+f.Package.Name+"@"+f.Package.Version)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		slices.Sort(s.findings)
		if a.Packages != len(s.packages) {
			t.Errorf("push %d: the artifact says %d packages, %d are stored", n, a.Packages, len(s.packages))
		}
		byN[n] = s
	}

	// Every artifact, acknowledged or not, is whole: all its packages and
	// the same findings as every other (they share their vulnerable
	// packages).
	var want []string
	for _, a := range acked {
		if s, ok := byN[a.n]; ok && len(s.findings) == a.findings {
			want = s.findings
			break
		}
	}
	if len(want) == 0 {
		t.Fatal("no acknowledged push has its findings: nothing to compare with")
	}
	for _, f := range want {
		if !strings.HasSuffix(f, " lodash@4.17.4") && !strings.HasSuffix(f, " minimist@1.2.0") {
			t.Errorf("finding %q is not on a vulnerable package", f)
		}
	}
	for _, a := range acked {
		s, ok := byN[a.n]
		switch {
		case !ok:
			t.Errorf("acknowledged push %d (artifact %d) is missing after the restart", a.n, a.id)
		case s.id != a.id || s.digest != a.digest:
			t.Errorf("acknowledged push %d was artifact %d %s, is %d %s", a.n, a.id, a.digest, s.id, s.digest)
		case len(s.findings) != a.findings:
			t.Errorf("acknowledged push %d answered %d findings, %d are stored", a.n, a.findings, len(s.findings))
		}
	}
	for n, s := range byN {
		if !slices.Equal(s.packages, durPackages(n)) {
			t.Errorf("push %d half-written: %d of %d packages", n, len(s.packages), durFillers+2)
		}
		if !slices.Equal(s.findings, want) {
			t.Errorf("push %d half-written: findings %v, want %v", n, s.findings, want)
		}
	}
	t.Logf("%d artifacts stored (%d acknowledged), %d findings each", len(byN), len(acked), len(want))
}

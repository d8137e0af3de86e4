package registrywatch

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vigil-sec/vigil/internal/source/imagetest"
)

// testRegistry is go-containerregistry's in-process registry on loopback,
// behind a handler that counts requests and can refuse them.
type testRegistry struct {
	host string
	mu   sync.Mutex
	// reqs are the requests seen, "METHOD path", with their times.
	reqs  []string
	times []time.Time
	// refuse, when set, answers a request instead of the registry.
	refuse func(r *http.Request, n int) (status int, header http.Header)
	// user and password, when set, are required (basic auth).
	user, password string
}

func newTestRegistry(t *testing.T) *testRegistry {
	t.Helper()
	tr := &testRegistry{}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.mu.Lock()
		tr.reqs = append(tr.reqs, r.Method+" "+r.URL.Path)
		tr.times = append(tr.times, time.Now())
		user, pw := tr.user, tr.password
		var status int
		var h http.Header
		if tr.refuse != nil {
			status, h = tr.refuse(r, len(tr.reqs))
		}
		tr.mu.Unlock()
		if status != 0 {
			for k, v := range h {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			return
		}
		if user != "" {
			u, p, ok := r.BasicAuth()
			if !ok || u != user || p != pw {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	tr.host = strings.TrimPrefix(hs.URL, "http://")
	return tr
}

func (tr *testRegistry) requests() ([]string, []time.Time) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.reqs...), append([]time.Time(nil), tr.times...)
}

// set changes the registry's behaviour under its lock.
func (tr *testRegistry) set(fn func()) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	fn()
}

func (tr *testRegistry) reset() {
	tr.mu.Lock()
	tr.reqs, tr.times = nil, nil
	tr.mu.Unlock()
}

// push writes a one-layer image holding a file of body to repo:tag and
// returns its digest.
func (tr *testRegistry) push(t *testing.T, repo, tag, body string, opts ...remote.Option) string {
	t.Helper()
	l, err := imagetest.Layer([]imagetest.Entry{{Name: "app/VERSION", Body: body}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagetest.Image([]v1.Layer{l}, []string{"COPY VERSION"}, v1.Platform{OS: "linux", Architecture: "amd64"}, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := imagetest.Push(tr.host+"/"+repo+":"+tag, img, nil, opts...); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

func testConfig(t *testing.T, yaml string, envs map[string]string) *Config {
	t.Helper()
	c, err := Parse([]byte(yaml), env(envs))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTags(t *testing.T) {
	tr := newTestRegistry(t)
	v1d := tr.push(t, "team/app", "v1", "1")
	v2d := tr.push(t, "team/app", "v2", "2")
	tr.push(t, "team/app", "latest", "3")
	again := tr.push(t, "team/app", "v2-again", "2")
	if again != v2d {
		t.Fatalf("same image, two digests: %s %s", again, v2d)
	}
	c := testConfig(t, fmt.Sprintf("repositories:\n  - repository: %s/team/app\n    tags: 'v*'\n    project: app\n", tr.host), nil)
	w, err := New(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.Tags(t.Context(), &c.Repositories[0])
	if err != nil {
		t.Fatal(err)
	}
	want := []Tagged{{"v1", v1d}, {"v2", v2d}, {"v2-again", v2d}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Tags = %v, want %v", got, want)
	}
	if err := w.CheckSize(t.Context(), &c.Repositories[0], v1d); err != nil {
		t.Errorf("CheckSize: %v", err)
	}
	if ref := Reference(&c.Repositories[0], v1d); ref != tr.host+"/team/app@"+v1d {
		t.Errorf("Reference = %q", ref)
	}
}

func TestLimits(t *testing.T) {
	tr := newTestRegistry(t)
	var d string
	for i := range 5 {
		d = tr.push(t, "team/app", fmt.Sprintf("v%d", i), fmt.Sprint(i))
	}
	c := testConfig(t, fmt.Sprintf("max_tags: 3\nmax_image_bytes: 10\nrepositories:\n  - repository: %s/team/app\n    project: app\n", tr.host), nil)
	w, err := New(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Tags(t.Context(), &c.Repositories[0]); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "more than 3 tags") {
		t.Errorf("Tags past max_tags = %v, want ErrTooLarge", err)
	}
	if err := w.CheckSize(t.Context(), &c.Repositories[0], d); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "max_image_bytes") {
		t.Errorf("CheckSize past max_image_bytes = %v, want ErrTooLarge", err)
	}
	c.MaxManifestBytes = 10
	c.MaxTags = 10
	if _, err := w.Tags(t.Context(), &c.Repositories[0]); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "max_manifest_bytes") {
		t.Errorf("Tags past max_manifest_bytes = %v, want ErrTooLarge", err)
	}
}

// TestBasicAuth: a registry that requires basic auth is listed with the
// repository's credentials from the config (password from the
// environment), and refuses the watcher without them.
func TestBasicAuth(t *testing.T) {
	tr := newTestRegistry(t)
	tr.push(t, "team/app", "v1", "1")
	tr.set(func() { tr.user, tr.password = "bot", "s3cret" })
	with := testConfig(t, fmt.Sprintf("repositories:\n  - repository: %s/team/app\n    project: app\n    username: bot\n    password_env: PW\n", tr.host), map[string]string{"PW": "s3cret"})
	w, err := New(with, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := w.Tags(t.Context(), &with.Repositories[0]); err != nil || len(got) != 1 {
		t.Fatalf("Tags with credentials = %v, %v", got, err)
	}
	wrong := testConfig(t, fmt.Sprintf("repositories:\n  - repository: %s/team/app\n    project: app\n    username: bot\n    password_env: PW\n", tr.host), map[string]string{"PW": "nope"})
	w, err = New(wrong, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Tags(t.Context(), &wrong.Repositories[0])
	if err == nil || !strings.Contains(err.Error(), "401") && !strings.Contains(strings.ToLower(err.Error()), "unauthorized") {
		t.Fatalf("Tags with a wrong password = %v, want unauthorized", err)
	}
	if strings.Contains(err.Error(), "nope") {
		t.Errorf("error shows the password: %v", err)
	}
}

// TestDockerConfig: credentials come from the docker_config file.
func TestDockerConfig(t *testing.T) {
	tr := newTestRegistry(t)
	tr.push(t, "team/app", "v1", "1")
	tr.set(func() { tr.user, tr.password = "ci", "from-docker-config" })
	file := filepath.Join(t.TempDir(), "config.json")
	auth := base64.StdEncoding.EncodeToString([]byte("ci:from-docker-config"))
	if err := os.WriteFile(file, []byte(fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, tr.host, auth)), 0o600); err != nil {
		t.Fatal(err)
	}
	c := testConfig(t, fmt.Sprintf("docker_config: %s\nrepositories:\n  - repository: %s/team/app\n    project: app\n", file, tr.host), nil)
	w, err := New(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := w.Tags(t.Context(), &c.Repositories[0]); err != nil || len(got) != 1 {
		t.Fatalf("Tags with the docker config = %v, %v", got, err)
	}
	a, err := w.Keychain(&c.Repositories[0]).Resolve(mustRepo(t, tr.host+"/other"))
	if err != nil {
		t.Fatal(err)
	}
	if a == authn.Anonymous {
		t.Errorf("the docker config's registry resolved to anonymous")
	}
	if _, err := New(&Config{DockerConfig: filepath.Join(t.TempDir(), "missing.json")}, Options{}); err == nil {
		t.Errorf("New with a missing docker_config: want an error")
	}
}

func mustRepo(t *testing.T, s string) authn.Resource {
	t.Helper()
	r := &Repository{Repository: s}
	ref, err := r.Ref()
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// TestRateLimit: a 429 with Retry-After: 1 makes the watcher wait a second
// before it asks again (the registry counts the requests), and then it
// gets its answer.
func TestRateLimit(t *testing.T) {
	tr := newTestRegistry(t)
	tr.push(t, "team/app", "v1", "1")
	tr.reset()
	refused := false
	tr.set(func() {
		tr.refuse = func(r *http.Request, _ int) (int, http.Header) {
			if strings.HasSuffix(r.URL.Path, "/tags/list") && !refused {
				refused = true
				return http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}
			}
			return 0, nil
		}
	})
	c := testConfig(t, fmt.Sprintf("repositories:\n  - repository: %s/team/app\n    project: app\n", tr.host), nil)
	w, err := New(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.Tags(t.Context(), &c.Repositories[0])
	if err != nil || len(got) != 1 {
		t.Fatalf("Tags = %v, %v", got, err)
	}
	reqs, times := tr.requests()
	var lists []time.Time
	for i, r := range reqs {
		if strings.HasSuffix(r, "/tags/list") {
			lists = append(lists, times[i])
		}
	}
	if len(lists) != 2 {
		t.Fatalf("tag list requests = %d (%v), want the refused one and one retry", len(lists), reqs)
	}
	if gap := lists[1].Sub(lists[0]); gap < time.Second {
		t.Errorf("retried after %s, before the Retry-After of 1s", gap)
	}
}

// TestRateLimitLong: a Retry-After past max_retry_wait is not waited for
// in place: the poll ends with a RateLimitError saying when to come back,
// after one request.
func TestRateLimitLong(t *testing.T) {
	tr := newTestRegistry(t)
	tr.set(func() {
		tr.refuse = func(*http.Request, int) (int, http.Header) {
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"3600"}}
		}
	})
	c := testConfig(t, fmt.Sprintf("max_retry_wait: 10s\nrepositories:\n  - repository: %s/team/app\n    project: app\n", tr.host), nil)
	w, err := New(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = w.Tags(t.Context(), &c.Repositories[0])
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Until.Before(start.Add(59*time.Minute)) {
		t.Fatalf("Tags = %v, want a RateLimitError an hour ahead", err)
	}
	if reqs, _ := tr.requests(); len(reqs) != 1 {
		t.Errorf("requests = %v, want one (no hammering)", reqs)
	}
}

func countSuffix(reqs []string, suffix string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasSuffix(r, suffix) {
			n++
		}
	}
	return n
}

// TestServerErrorRetried: 5xx answers are retried with backoff, up to
// the retries, then reported.
func TestServerErrorRetried(t *testing.T) {
	tr := newTestRegistry(t)
	tr.push(t, "team/app", "v1", "1")
	tr.reset()
	var fail int
	tr.set(func() {
		tr.refuse = func(r *http.Request, n int) (int, http.Header) {
			if strings.HasSuffix(r.URL.Path, "/tags/list") && fail > 0 {
				fail--
				return http.StatusBadGateway, nil
			}
			return 0, nil
		}
	})
	c := testConfig(t, fmt.Sprintf("retries: 2\nrepositories:\n  - repository: %s/team/app\n    project: app\n", tr.host), nil)
	w, err := New(c, Options{Backoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tr.set(func() { fail = 2 })
	if got, err := w.Tags(t.Context(), &c.Repositories[0]); err != nil || len(got) != 1 {
		t.Fatalf("Tags after two 502s = %v, %v", got, err)
	}
	reqs, times := tr.requests()
	var lists []time.Time
	for i, r := range reqs {
		if strings.HasSuffix(r, "/tags/list") {
			lists = append(lists, times[i])
		}
	}
	if len(lists) != 3 || lists[1].Sub(lists[0]) < 20*time.Millisecond || lists[2].Sub(lists[1]) < 40*time.Millisecond {
		t.Errorf("tag list requests at %v, want 3 with 20ms then 40ms between", lists)
	}
	tr.reset()
	tr.set(func() { fail = 10 })
	if _, err := w.Tags(t.Context(), &c.Repositories[0]); err == nil || !strings.Contains(err.Error(), "502") {
		t.Errorf("Tags after more 502s than retries = %v, want the 502", err)
	}
	if reqs, _ := tr.requests(); countSuffix(reqs, "/tags/list") != 3 {
		t.Errorf("requests = %v, want 1 tag list + 2 retries", reqs)
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", -1}, {"x", -1}, {"-3", -1}, {"0", 0}, {"7", 7 * time.Second},
		{testNow.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{testNow.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"999999999999", maxBackoffUntil},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, testNow); got != tt.want {
			t.Errorf("retryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestRetryCancelled: a wait ends with the context.
func TestRetryCancelled(t *testing.T) {
	tr := newTestRegistry(t)
	tr.set(func() {
		tr.refuse = func(*http.Request, int) (int, http.Header) {
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"30"}}
		}
	})
	c := testConfig(t, fmt.Sprintf("repositories:\n  - repository: %s/team/app\n    project: app\n", tr.host), nil)
	w, err := New(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := w.Tags(ctx, &c.Repositories[0]); err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("Tags = %v after %s, want a prompt cancellation", err, time.Since(start))
	}
}

// TestRateLimitShared: while one request waits for a Retry-After, the
// watcher's other requests to that registry wait too.
func TestRateLimitShared(t *testing.T) {
	tr := newTestRegistry(t)
	tr.push(t, "team/app", "v1", "1")
	tr.reset()
	refused := false
	tr.set(func() {
		tr.refuse = func(r *http.Request, _ int) (int, http.Header) {
			if strings.HasSuffix(r.URL.Path, "/tags/list") && !refused {
				refused = true
				return http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}
			}
			return 0, nil
		}
	})
	c := testConfig(t, fmt.Sprintf("repositories:\n  - repository: %s/team/app\n    project: app\n", tr.host), nil)
	w, err := New(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := w.Tags(t.Context(), &c.Repositories[0]); err != nil {
				t.Error(err)
			}
		})
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	reqs, times := tr.requests()
	var lists []time.Time
	for i, r := range reqs {
		if strings.HasSuffix(r, "/tags/list") {
			lists = append(lists, times[i])
		}
	}
	if len(lists) != 3 {
		t.Fatalf("tag lists = %d (%v), want the refused one, its retry and the other poll's", len(lists), reqs)
	}
	for _, at := range lists[1:] {
		if gap := at.Sub(lists[0]); gap < time.Second {
			t.Errorf("a request %s after the 429, before its Retry-After of 1s", gap)
		}
	}
}

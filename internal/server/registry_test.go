package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/registrywatch"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/source/imagetest"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// watchedRegistry is go-containerregistry's in-process registry on
// loopback behind a handler that counts requests by kind, can refuse
// them (rate limits) and can require basic auth.
type watchedRegistry struct {
	host string
	mu   sync.Mutex
	// lists are the times of the tag list requests that reached the
	// handler (refused or not).
	lists []time.Time
	// refuse answers a tag list request instead of the registry when it
	// returns a status (n counts the tag list requests, from 1).
	refuse         func(n int) (int, http.Header)
	user, password string
}

func newWatchedRegistry(t *testing.T) *watchedRegistry {
	t.Helper()
	wr := &watchedRegistry{}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wr.mu.Lock()
		user, pw := wr.user, wr.password
		var status int
		var h http.Header
		if strings.HasSuffix(r.URL.Path, "/tags/list") {
			wr.lists = append(wr.lists, time.Now())
			if wr.refuse != nil {
				status, h = wr.refuse(len(wr.lists))
			}
		}
		wr.mu.Unlock()
		if status != 0 {
			for k, v := range h {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			return
		}
		if user != "" {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pw {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	wr.host = strings.TrimPrefix(hs.URL, "http://")
	return wr
}

// set changes the registry's behaviour under its lock.
func (wr *watchedRegistry) set(fn func()) {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	fn()
}

func (wr *watchedRegistry) listTimes() []time.Time {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return slices.Clone(wr.lists)
}

// lockfile is an npm lockfile with lodash at version (4.17.4 has several
// advisories in the shared npm data).
func lockfile(version string) string {
	return fmt.Sprintf(`{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{
"":{"name":"app","version":"1.0.0","dependencies":{"lodash":%q}},
"node_modules/lodash":{"version":%q,"resolved":"https://registry.npmjs.org/lodash/-/lodash-%s.tgz"}}}`, version, version, version)
}

// push writes an image whose one layer holds app/package-lock.json with
// lodash at version to repo:tag, and returns the image's digest.
func (wr *watchedRegistry) push(t *testing.T, repo, tag, version string) string {
	t.Helper()
	img := lockfileImage(t, version)
	wr.mu.Lock()
	user, pw := wr.user, wr.password
	wr.user = ""
	wr.mu.Unlock()
	defer func() {
		wr.mu.Lock()
		wr.user, wr.password = user, pw
		wr.mu.Unlock()
	}()
	if err := imagetest.Push(wr.host+"/"+repo+":"+tag, img, nil); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// lockfileImage is an image whose one layer holds app/package-lock.json
// with lodash at version.
func lockfileImage(t *testing.T, version string) v1.Image {
	t.Helper()
	l, err := imagetest.Layer([]imagetest.Entry{{Name: "app/package-lock.json", Body: lockfile(version)}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagetest.Image([]v1.Layer{l}, []string{"COPY package-lock.json /app/"}, v1.Platform{OS: "linux", Architecture: "amd64"}, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// watchServer is a running server (background work on) watching
// registries.
type watchServer struct {
	*env
	name string
	// stop stops the server (once; the test's cleanup calls it too).
	stop func()
}

// startWatching starts a server with the registries section yaml (its
// password variables from envs; "": no section), and its background work.
func startWatching(t *testing.T, storeURL, from, name, yaml string, envs map[string]string, extra ...func(*server.Options)) *watchServer {
	t.Helper()
	var cfg *registrywatch.Config
	if yaml != "" {
		var err error
		if cfg, err = registrywatch.Parse([]byte(yaml), func(k string) string { return envs[k] }); err != nil {
			t.Fatal(err)
		}
	}
	e := startWith(t, startOptions{storeURL: storeURL, from: from, options: func(o *server.Options) {
		for _, f := range extra {
			f(o)
		}
		o.Registries = cfg
		o.Replica = name
		o.JobPoll = 50 * time.Millisecond
		o.JobLease = 3 * time.Second
		o.Logger = testLogger(t, name)
	}})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Run(ctx, l, e.srv.HTTPServer(), time.Second) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return &watchServer{env: e, name: name, stop: stop}
}

// waitWithin polls cond every 50ms until it holds or d has passed.
func waitWithin(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

func (w *watchServer) artifacts(t *testing.T, project string) []store.Artifact {
	t.Helper()
	as, _, err := w.st.ListArtifacts(t.Context(), store.ArtifactFilter{Project: project})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func (w *watchServer) registries(t *testing.T, tok string) []server.RegistryDTO {
	t.Helper()
	var out struct {
		Items []server.RegistryDTO `json:"items"`
	}
	if code := w.do("GET", "/api/v1/registries", tok, nil, &out); code != 200 {
		t.Fatalf("GET /api/v1/registries = %d", code)
	}
	return out.Items
}

func digestEvents(t *testing.T, st store.API) []store.Event {
	t.Helper()
	evs, err := st.LatestEvents(t.Context(), store.Scope{}, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(evs, func(e store.Event) bool { return e.Kind != store.EventRegistryDigestSeen })
}

// vulnSet is the vulnerabilities of a finding list or a scan, as
// "id package@version" lines, sorted.
func vulnSet(fs []store.FindingView) []string {
	var out []string
	for _, f := range fs {
		if f.Kind != store.KindVulnerability || f.Package == nil {
			continue
		}
		out = append(out, f.VulnerabilityID+" "+f.Package.Name+"@"+f.Package.Version+" "+f.Severity.String())
	}
	slices.Sort(out)
	return out
}

// TestRegistryWatch: an image with a vulnerable lockfile pushed to a
// watched repository becomes, within one poll interval, a scanned
// artifact of the project, tagged as seen in the registry, whose findings
// are what `vigil scan image` reports on the same image, with its
// registry.digest_seen event; the same digest under another tag makes
// nothing new; a new image under a matching tag is scanned; a tag outside
// the glob is not; GET /api/v1/registries shows the status.
func TestRegistryWatch(t *testing.T) {
	wr := newWatchedRegistry(t)
	d1 := wr.push(t, "team/app", "v1", "4.17.4")
	wr.push(t, "team/app", "latest", "4.17.3")
	const interval = 2 * time.Second
	from := vulndbURL(t, "npm")
	// Its findings notify: a signed webhook for the new digest and for
	// each new finding.
	h := newHook(t)
	ncfg, err := notify.Parse([]byte(fmt.Sprintf(`sinks:
  - {name: hook, type: webhook, url: '%s', secret: %s}
rules:
  - {name: registry, select: {kinds: [registry.new_digest, finding.new], projects: [app]}, sinks: [hook], digest: per_event}
`, h.srv.URL, hookSecret)), "test.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	w := startWatching(t, "", from, "a", fmt.Sprintf(`repositories:
  - repository: %s/team/app
    tags: "v*"
    project: app
    interval: %s
`, wr.host, interval), nil, func(o *server.Options) { o.Notify = ncfg })
	took := waitWithin(t, interval+10*time.Second, "the first image scanned", func() bool { return len(w.artifacts(t, "app")) == 1 })
	t.Logf("first image scanned %s after start", took)

	a := w.artifacts(t, "app")[0]
	ref := wr.host + "/team/app@" + d1
	if a.Digest != d1 || a.Kind != "image" || a.Build[server.BuildSource] != server.BuildSourceRegistry || a.Build[server.BuildRegistryTag] != "v1" ||
		a.Build[server.BuildRegistryRepository] != wr.host+"/team/app" || a.Image == nil || a.Image.Reference != ref {
		t.Errorf("artifact = %+v (image %+v)", a, a.Image)
	}
	// The API shows the artifact with its registry metadata.
	var got store.Artifact
	if code := w.do("GET", fmt.Sprintf("/api/v1/artifacts/%d", a.ID), w.admin, nil, &got); code != 200 || got.Build[server.BuildSource] != server.BuildSourceRegistry {
		t.Errorf("GET artifact = %d, build %v", code, got.Build)
	}

	// The findings are those of `vigil scan image` on the same image.
	fs, _, err := w.st.ListFindings(t.Context(), store.FindingFilter{ArtifactID: a.ID, Page: store.Page{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := scan.Run(t.Context(), scan.Options{Target: "registry:" + ref, Image: scan.ImageOptions{Kind: scan.KindImage, NoCache: true},
		DB: scan.DBOptions{Dir: filepath.Join(t.TempDir(), "db"), Source: from}})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range res.Vulnerabilities {
		want = append(want, v.ID+" "+v.Package.Name+"@"+v.Package.Version+" "+v.Severity.String())
	}
	slices.Sort(want)
	if len(want) == 0 {
		t.Fatal("vigil scan image found nothing in lodash 4.17.4: the fixture is wrong")
	}
	t.Logf("vigil scan image: %d vulnerabilities", len(want))
	if gotSet := vulnSet(fs); !slices.Equal(gotSet, want) {
		t.Errorf("server findings:\n%s\nvigil scan image:\n%s", strings.Join(gotSet, "\n"), strings.Join(want, "\n"))
	}

	evs := digestEvents(t, w.st)
	if len(evs) != 1 || evs[0].ArtifactID != a.ID || evs[0].Project != "app" {
		t.Fatalf("registry.digest_seen events = %+v", evs)
	}
	var data map[string]string
	if err := json.Unmarshal(evs[0].Data, &data); err != nil || data["repository"] != wr.host+"/team/app" || data["tag"] != "v1" || data["digest"] != d1 {
		t.Errorf("event data = %s", evs[0].Data)
	}

	// The webhook receiver gets the new digest and every new finding.
	byKind := func() map[string]int {
		n := map[string]int{}
		for _, r := range h.requests() {
			for _, e := range r.Payload.Data.Events {
				if r.Payload.Type == notify.KindRegistryDigest && (e.Digest != d1 || e.Repository != wr.host+"/team/app" || e.Project != "app") {
					t.Errorf("registry.new_digest event = %+v", e)
				}
				n[r.Payload.Type]++
			}
		}
		return n
	}
	notifyWait(t, "the registry webhooks", func() bool {
		n := byKind()
		return n[notify.KindRegistryDigest] == 1 && n[notify.KindFindingNew] == len(fs)
	})

	// The same image under another tag: polled, nothing new.
	if again := wr.push(t, "team/app", "v1-again", "4.17.4"); again != d1 {
		t.Fatalf("the same image has two digests")
	}
	polls := func() int64 { return w.registries(t, w.admin)[0].Polls }
	p0 := polls()
	waitWithin(t, 3*interval+5*time.Second, "two more polls", func() bool { return polls() >= p0+2 })
	if as := w.artifacts(t, "app"); len(as) != 1 {
		t.Errorf("artifacts after the same digest under another tag = %d, want 1", len(as))
	}
	if evs := digestEvents(t, w.st); len(evs) != 1 {
		t.Errorf("registry.digest_seen events = %d, want 1", len(evs))
	}

	// A new image under a matching tag is scanned.
	d2 := wr.push(t, "team/app", "v2", "4.17.21")
	waitWithin(t, interval+10*time.Second, "the second image scanned", func() bool { return len(w.artifacts(t, "app")) == 2 })
	// The poll that scanned it is recorded after the scan's commit.
	waitWithin(t, 5*time.Second, "the poll recorded", func() bool { return w.registries(t, w.admin)[0].TagsMatched == 3 })
	st := w.registries(t, w.admin)
	if len(st) != 1 {
		t.Fatalf("registries = %+v", st)
	}
	r := st[0]
	if !r.Watched || r.Project != "app" || r.Tags != "v*" || r.DigestsSeen != 2 || r.TagsMatched != 3 || r.LastError != "" ||
		r.LastPoll.IsZero() || r.LastSuccess.IsZero() || r.LastPoller != "a" || r.LastDigest != d2 {
		t.Errorf("registry status = %+v", r)
	}
	// The latest tag (outside the glob) was never scanned.
	for _, a := range w.artifacts(t, "app") {
		if a.Build[server.BuildRegistryTag] == "latest" {
			t.Errorf("scanned a tag outside the glob: %+v", a)
		}
	}
	// An image its CI pushed already (same digest in the project) is
	// linked as seen, neither scanned again nor overwritten.
	dg, err := lockfileImage(t, "4.17.10").Digest()
	if err != nil {
		t.Fatal(err)
	}
	pushed, err := w.st.Ingest(t.Context(), store.Ingest{Project: "app", Actor: "ci",
		Artifact: store.Artifact{Kind: "image", Digest: dg.String(), Name: "app", Format: "cyclonedx-json", Build: store.BuildMetadata{"pipeline": "https://ci/9"}}})
	if err != nil {
		t.Fatal(err)
	}
	wr.push(t, "team/app", "v3", "4.17.10")
	waitWithin(t, interval+10*time.Second, "the pushed image seen", func() bool { return w.registries(t, w.admin)[0].DigestsSeen == 3 })
	if got, err := w.st.GetArtifact(t.Context(), pushed.Artifact.ID); err != nil || got.Build["pipeline"] != "https://ci/9" || got.Packages != 0 {
		t.Errorf("the artifact CI pushed = %+v, %v; want it unchanged", got, err)
	}
	if n := len(w.artifacts(t, "app")); n != 3 {
		t.Errorf("artifacts = %d, want 3", n)
	}
	if evs := digestEvents(t, w.st); len(evs) != 3 || evs[2].ArtifactID != pushed.Artifact.ID {
		t.Errorf("registry.digest_seen events = %+v, want the third on the pushed artifact", evs)
	}

	// A reader limited to another project sees no repository.
	if st := w.registries(t, w.token(store.RoleReader, "other")); len(st) != 0 {
		t.Errorf("registries for a reader of another project = %+v", st)
	}
}

// TestRegistryWatchRateLimit: a registry that answers 429 with
// Retry-After: 2 is asked again only after two seconds (counted by the
// registry's handler), and the image is then scanned; one whose
// Retry-After is past max_retry_wait is not asked again before it, and
// the status shows the error and the backoff.
func TestRegistryWatchRateLimit(t *testing.T) {
	from := vulndbURL(t, "npm")
	t.Run("short", func(t *testing.T) {
		wr := newWatchedRegistry(t)
		wr.push(t, "team/app", "v1", "4.17.4")
		wr.set(func() {
			wr.refuse = func(n int) (int, http.Header) {
				if n == 1 {
					return http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}}
				}
				return 0, nil
			}
		})
		w := startWatching(t, "", from, "a", fmt.Sprintf("repositories:\n  - repository: %s/team/app\n    project: app\n    interval: 30s\n", wr.host), nil)
		waitWithin(t, 15*time.Second, "the image scanned", func() bool { return len(w.artifacts(t, "app")) == 1 })
		// Every later tag list (the retry, and a poll of the next slot if
		// the test straddles one) waited for the Retry-After.
		lists := wr.listTimes()
		if len(lists) < 2 {
			t.Fatalf("tag list requests = %d, want the refused one and one after the wait", len(lists))
		}
		for _, at := range lists[1:] {
			if gap := at.Sub(lists[0]); gap < 2*time.Second {
				t.Errorf("asked again after %s, before the Retry-After of 2s", gap)
			}
		}
	})
	t.Run("long", func(t *testing.T) {
		wr := newWatchedRegistry(t)
		wr.set(func() {
			wr.refuse = func(int) (int, http.Header) {
				return http.StatusTooManyRequests, http.Header{"Retry-After": {"3600"}}
			}
		})
		w := startWatching(t, "", from, "a", fmt.Sprintf("max_retry_wait: 5s\nrepositories:\n  - repository: %s/team/app\n    project: app\n    interval: 1s\n", wr.host), nil)
		waitWithin(t, 10*time.Second, "the error recorded", func() bool {
			st := w.registries(t, w.admin)
			return len(st) == 1 && st[0].LastError != ""
		})
		time.Sleep(3 * time.Second) // three more poll intervals
		if n := len(wr.listTimes()); n != 1 {
			t.Errorf("tag list requests = %d during the Retry-After, want 1", n)
		}
		r := w.registries(t, w.admin)[0]
		if !strings.Contains(r.LastError, "429") || time.Until(r.BackoffUntil) < 50*time.Minute || r.DigestsSeen != 0 {
			t.Errorf("status = %+v, want the 429 and an hour of backoff", r)
		}
	})
}

// TestRegistryWatchBasicAuth: a registry that requires basic auth is
// polled and its image scanned with the credentials of the config file
// (password from the environment).
func TestRegistryWatchBasicAuth(t *testing.T) {
	wr := newWatchedRegistry(t)
	wr.set(func() { wr.user, wr.password = "bot", "s3cret" })
	wr.push(t, "team/app", "v1", "4.17.4")
	w := startWatching(t, "", vulndbURL(t, "npm"), "a", fmt.Sprintf(`repositories:
  - repository: %s/team/app
    project: app
    interval: 1s
    username: bot
    password_env: VIGIL_TEST_REGISTRY_PASSWORD
`, wr.host), map[string]string{"VIGIL_TEST_REGISTRY_PASSWORD": "s3cret"})
	waitWithin(t, 15*time.Second, "the image scanned", func() bool { return len(w.artifacts(t, "app")) == 1 })
	fs, _, err := w.st.ListFindings(t.Context(), store.FindingFilter{ArtifactID: w.artifacts(t, "app")[0].ID})
	if err != nil || len(fs) == 0 {
		t.Errorf("findings of the authenticated image = %d, %v", len(fs), err)
	}
	if st := w.registries(t, w.admin); st[0].LastError != "" {
		t.Errorf("status = %+v", st[0])
	}

	// Without the right password: the error is recorded, the password
	// never shown.
	wr2 := newWatchedRegistry(t)
	wr2.set(func() { wr2.user, wr2.password = "bot", "right" })
	wr2.push(t, "team/app", "v1", "4.17.4")
	w2 := startWatching(t, "", vulndbURL(t, "npm"), "b", fmt.Sprintf("repositories:\n  - repository: %s/team/app\n    project: app\n    interval: 1s\n    username: bot\n    password_env: PW\n", wr2.host), map[string]string{"PW": "wrong-password"})
	waitWithin(t, 10*time.Second, "the error recorded", func() bool {
		st := w2.registries(t, w2.admin)
		return len(st) == 1 && st[0].LastError != ""
	})
	r := w2.registries(t, w2.admin)[0]
	if !strings.Contains(strings.ToLower(r.LastError), "unauthorized") || strings.Contains(r.LastError, "wrong-password") {
		t.Errorf("last error = %q", r.LastError)
	}
	if len(w2.artifacts(t, "app")) != 0 {
		t.Errorf("scanned without credentials")
	}
}

// TestRegistryWatchReplicasPostgres: two servers on one PostgreSQL watch
// the same repository: each interval's poll runs on one of them (the
// registry counts the tag lists; the servers count the poll jobs), and the
// image becomes one artifact with one event.
func TestRegistryWatchReplicasPostgres(t *testing.T) {
	url := testutil.PostgresSchema(t)
	wr := newWatchedRegistry(t)
	wr.push(t, "team/app", "v1", "4.17.4")
	from := vulndbURL(t, "npm")
	yaml := fmt.Sprintf("repositories:\n  - repository: %s/team/app\n    project: app\n    interval: 1s\n", wr.host)
	start := time.Now()
	a := startWatching(t, url, from, "a", yaml, nil)
	b := startWatching(t, url, from, "b", yaml, nil)
	waitWithin(t, 20*time.Second, "the image scanned", func() bool { return len(a.artifacts(t, "app")) == 1 })
	time.Sleep(4 * time.Second)
	_, ca := a.srv.JobsRun()
	_, cb := b.srv.JobsRun()
	elapsed := time.Since(start)
	lists := len(wr.listTimes())
	polls := ca["registry-poll"] + cb["registry-poll"]
	t.Logf("%s: %d tag lists, polls a=%d b=%d", elapsed, lists, ca["registry-poll"], cb["registry-poll"])
	// One poll per one-second slot between the two servers: at most the
	// slots elapsed (plus the one in progress), never one per server.
	slots := int(elapsed/time.Second) + 2
	if polls > slots || lists > slots {
		t.Errorf("%d polls and %d tag lists in %s (%d slots): polled by more than one server per interval", polls, lists, elapsed, slots)
	}
	if polls < 4 || lists < polls {
		t.Errorf("%d polls, %d tag lists in %s: want one poll per interval, each listing the tags", polls, lists, elapsed)
	}
	if n := len(a.artifacts(t, "app")); n != 1 {
		t.Errorf("artifacts = %d, want 1", n)
	}
	if evs := digestEvents(t, a.st); len(evs) != 1 {
		t.Errorf("registry.digest_seen events = %d, want 1", len(evs))
	}
	if st := a.registries(t, a.admin); len(st) != 1 || st[0].Polls != int64(polls) {
		t.Errorf("status = %+v, want %d polls", st, polls)
	}
}

// TestRegistryWatchSharedListPostgres: only replica A has a registries
// section; it publishes it as the shared list, and B, without one, polls
// from the list too. A new tag is scanned exactly once between them, and
// once A is stopped B takes the polls and scans the next new tag.
func TestRegistryWatchSharedListPostgres(t *testing.T) {
	url := testutil.PostgresSchema(t)
	wr := newWatchedRegistry(t)
	wr.push(t, "team/app", "v1", "4.17.4")
	from := vulndbURL(t, "npm")
	yaml := fmt.Sprintf("repositories:\n  - repository: %s/team/app\n    project: app\n    interval: 1s\n", wr.host)
	fast := func(o *server.Options) { o.RegistrySync = 200 * time.Millisecond }
	a := startWatching(t, url, from, "a", yaml, nil, fast)
	b := startWatching(t, url, from, "b", "", nil, fast)
	waitWithin(t, 20*time.Second, "v1 scanned", func() bool { return len(a.artifacts(t, "app")) == 1 })
	// B follows the list: it lists the repository as watched.
	waitWithin(t, 5*time.Second, "B watching the shared list", func() bool {
		st := b.registries(t, b.admin)
		return len(st) == 1 && st[0].Watched
	})
	d2 := wr.push(t, "team/app", "v2", "4.17.21")
	waitWithin(t, 20*time.Second, "v2 scanned", func() bool { return len(a.artifacts(t, "app")) == 2 })
	time.Sleep(2 * time.Second) // more polls: nothing is scanned twice
	if n := len(a.artifacts(t, "app")); n != 2 {
		t.Fatalf("artifacts = %d, want 2", n)
	}
	if evs := digestEvents(t, a.st); len(evs) != 2 {
		t.Fatalf("registry.digest_seen events = %d, want 2 (each digest once)", len(evs))
	}

	a.stop()
	_, before := b.srv.JobsRun()
	d3 := wr.push(t, "team/app", "v3", "4.17.10")
	waitWithin(t, 20*time.Second, "v3 scanned by B", func() bool { return len(b.artifacts(t, "app")) == 3 })
	// B keeps polling on its own (a poll of B's in flight when A stopped
	// may be the one that saw v3, so wait for more than that one).
	waitWithin(t, 10*time.Second, "B polling after A stopped", func() bool {
		_, after := b.srv.JobsRun()
		return after["registry-poll"] > before["registry-poll"]+1
	})
	st := b.registries(t, b.admin)
	if len(st) != 1 || st[0].LastDigest != d3 || st[0].LastPoller != "b" {
		t.Errorf("status after A stopped = %+v, want B polling, last digest %s (v2 was %s)", st, d3, d2)
	}
	if evs := digestEvents(t, b.st); len(evs) != 3 {
		t.Errorf("registry.digest_seen events = %d, want 3", len(evs))
	}
	// The list is versioned and audited once (A's section, unchanged).
	v, err := b.st.RegistryConfig(t.Context())
	if err != nil || v.Version == 0 || !strings.Contains(string(v.Spec), "team/app") || strings.Contains(string(v.Spec), "docker_config") {
		t.Errorf("shared list = %+v, %v", v, err)
	}
}

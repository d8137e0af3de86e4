package server_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// startOptions vary the test server of startWith.
type startOptions struct {
	// storeURL is the database (default: SQLite in the data dir).
	storeURL     string
	authFailures int
	http         server.HTTPLimits
	limits       server.Limits
	// ecosystems limit the vulnerability database (default: all).
	ecosystems []string
	// from is the vulnerability database's source (default: the shared
	// corpus over loopback HTTP).
	from string
	// clock is the server's clock (default: the wall clock).
	clock *server.Clock
	// options changes the server's options before it starts.
	options func(*server.Options)
}

// startWith runs a server over a real store, its vulnerability database
// refreshed from the shared OSV corpus over loopback HTTP, behind a real
// http.Server with the server's own HTTP limits.
func startWith(t testing.TB, o startOptions) *env {
	t.Helper()
	data := t.TempDir()
	clock := o.clock
	if clock == nil {
		clock = &server.Clock{}
	}
	from := o.from
	if from == "" {
		from = vulndbURL(t, o.ecosystems...)
	}
	url := o.storeURL
	if url == "" {
		url = filepath.Join(data, "vigil.db")
	}
	st, err := store.Open(t.Context(), store.Options{URL: url, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opts := server.Options{
		Store: st, VulnDBDir: filepath.Join(data, "vulndb"), VulnDBFrom: from,
		Clock: clock, TestClock: true, Version: "test", AuthFailures: o.authFailures,
		HTTP: o.http, Limits: o.limits, Notify: exampleNotify(t),
	}
	if o.options != nil {
		o.options(&opts)
	}
	srv, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	hs.Config = srv.HTTPServer()
	hs.Start()
	t.Cleanup(hs.Close)
	_, admin, err := server.IssueToken(t.Context(), st, "test", "admin", store.RoleAdmin, nil, "", clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: hs.URL, srv: srv, st: st, clock: clock, data: data, admin: admin}
}

// vulndbURL serves the shared OSV corpus (laid out like the OSV bucket)
// over loopback HTTP for the test. With ecosystems, ecosystems.txt lists
// only those, so that a refresh imports only them.
func vulndbURL(t testing.TB, ecosystems ...string) string {
	t.Helper()
	dir := filepath.Join(testutil.Shared(t), "vulndb", "osv")
	files := http.FileServer(http.Dir(dir))
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(ecosystems) > 0 && r.URL.Path == "/ecosystems.txt" {
			w.Write([]byte(strings.Join(ecosystems, "\n") + "\n"))
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

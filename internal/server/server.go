// Package server is `vigil serve`: the portfolio server. It keeps what is
// built and deployed where, matches every pushed inventory with the same
// engine as `vigil scan`, and serves the findings and their lifecycle over
// an authenticated JSON API (/api/v1, OpenAPI 3.1 at /api/openapi.json).
package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/registrywatch"
	"github.com/vigil-sec/vigil/internal/server/auth"
	"github.com/vigil-sec/vigil/internal/server/web"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/tracker"
)

// Options configure a server.
type Options struct {
	Store store.API
	// VulnDBDir holds the server's vulnerability database; VulnDBFrom is
	// where refreshes read it from (vigil db update --from).
	VulnDBDir  string
	VulnDBFrom string
	Logger     *slog.Logger
	Version    string
	// Dev serves without authentication (loopback only; the CLI enforces).
	Dev bool
	// TestClock enables POST /api/v1/admin/clock.
	TestClock bool
	Clock     *Clock
	Limits    Limits
	// HTTP bounds connections; zero fields take DefaultHTTPLimits.
	HTTP HTTPLimits
	// AuthFailures is how many failed authentications an address may make
	// per minute before it gets 429 (default 20).
	AuthFailures int
	// SweepInterval is how often expired acceptances are re-opened.
	SweepInterval time.Duration
	// ReadCache bounds, in bytes, the cache of findings lists and summaries
	// (default 64 MiB; negative: no cache). It is used only where the
	// store's generation identifies its data (SQLite).
	ReadCache int
	// RefreshInterval is how often the vulnerability database is refreshed
	// in the background (with up to 10% jitter; 0: only on demand). A failed
	// refresh keeps the database in use and is retried with backoff.
	RefreshInterval time.Duration
	// Replica names this server in job leases (default host/pid/random).
	Replica string
	// JobLease is how long a job stays taken without a renewal (default
	// 1 min; renewed every third of it): a killed server's job is taken
	// again by another once it runs out. JobPoll is how often idle workers
	// look for jobs other servers queued (default 1 s); JobWorkers is how
	// many jobs this server runs at once (default 2).
	JobLease   time.Duration
	JobPoll    time.Duration
	JobWorkers int
	// SyncInterval is how often this server checks whether another
	// published a newer vulnerability database revision (default 10 s).
	SyncInterval time.Duration
	// AuditKey, when set, signs a checkpoint of the audit log's head every
	// AuditCheckpoint (default 1 h) and at shutdown; /api/v1/audit/verify
	// checks checkpoints against it.
	AuditKey        ed25519.PrivateKey
	AuditCheckpoint time.Duration
	// JobHook, in tests, runs when a job starts (its error fails the job).
	JobHook func(ctx context.Context, kind string) error

	// SLA is the SLA days by severity and project of the remediation
	// metrics (zero: store.DefaultSLADays everywhere). DueWithin is how
	// close to its due time an open finding counts as due soon in /metrics
	// and the snapshots (default 7 days; the API takes due_within).
	SLA       store.SLAPolicy
	DueWithin time.Duration
	// MetricsInterval is how often the aggregate behind /metrics is
	// recomputed (default 30 s; a scrape never waits for it unless it is
	// older than twice that).
	MetricsInterval time.Duration
	// SnapshotRetention is how long daily metric snapshots are kept
	// (default 400 days; negative: forever). SnapshotCheck is how often the
	// server looks whether yesterday's snapshot is due (default 1 min).
	SnapshotRetention time.Duration
	SnapshotCheck     time.Duration
	// MaxImageAge marks running images built longer ago as too old in the
	// freshness answers and ImagesTooOld (0: no limit; docs/freshness.md).
	MaxImageAge time.Duration
	// Notify is the notifications section (internal/notify; nil: no
	// sinks, no rules, but the API works).
	Notify *notify.Config

	// Registries are the watched registry repositories (registry.go;
	// nil: none). RegistryTransport and RegistryBackoff, in tests, are the
	// transport under the retries and the first 5xx backoff. LayerCacheDir
	// caches the layers of registry scans (default: beside VulnDBDir).
	// The section is published to the store as the list every replica
	// polls (a server without one polls the list another published);
	// RegistrySync is how often the list is read (default 30s) and
	// RegistryEnv the environment the repositories' password_env are read
	// from (default os.Getenv).
	Registries        *registrywatch.Config
	RegistrySync      time.Duration
	RegistryEnv       func(string) string
	RegistryTransport http.RoundTripper
	RegistryBackoff   time.Duration
	LayerCacheDir     string
	// Trackers are the issue-tracker sinks (trackers.go; nil: none).
	Trackers *tracker.Set
	// Exploit is where KEV and EPSS data are refreshed from (exploit.go).
	Exploit ExploitOptions
	// ComplianceDir holds compliance framework mappings added to the
	// built-in ones (compliance.go; "": only the built-in ones).
	ComplianceDir string
}

// HTTPLimits bound what one connection may hold of the server before and
// while its request is handled: slow or oversized headers, slow bodies,
// slow readers and idle keep-alive connections.
type HTTPLimits struct {
	// ReadHeaderTimeout is how long a client may take to send the headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout is how long it may take to send the whole request; no
	// route's body deadline goes past it.
	ReadTimeout time.Duration
	// WriteTimeout is how long a response may take, handling included.
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its
	// next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes is the most header bytes a request may have (431 past it).
	MaxHeaderBytes int
}

// DefaultHTTPLimits let a CI job push the largest SBOM over a slow link.
var DefaultHTTPLimits = HTTPLimits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       2 * time.Minute,
	WriteTimeout:      5 * time.Minute,
	IdleTimeout:       2 * time.Minute,
	MaxHeaderBytes:    64 << 10,
}

// withDefaults fills the zero fields of l from DefaultHTTPLimits.
func (l HTTPLimits) withDefaults() HTTPLimits {
	d := DefaultHTTPLimits
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = d.ReadTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = d.WriteTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return l
}

// Server is the HTTP server's state.
type Server struct {
	opts      Options
	store     store.API
	log       *slog.Logger
	clock     *Clock
	match     *matcher
	exploit   *exploitData
	api       huma.API
	mux       *http.ServeMux
	routes    []Route
	failures  *auth.FailureLimiter
	ingestSem chan struct{}
	reads     *readCache
	jobs      *jobRunner
	metrics   *metrics
	notifier  *notify.Notifier
	// rev is the vulnerability database revision this server's database
	// is at (pushes are stored with it); synced is set once a refresh
	// compared this server's database with the store's revision.
	rev       atomic.Int64
	synced    atomic.Bool
	refreshMu sync.Mutex // one refresh at a time
	// unpublished is a change swapped into the database in use whose
	// publication failed (guarded by refreshMu): the next refresh
	// publishes it.
	unpublished changeSet
	// ingestMu is read-held by a push from its match to its commit and
	// held by a database swap.
	ingestMu sync.RWMutex
	// watch polls the watched registries (registry.go).
	watch    registryWatch
	trackers *trackerRunner
}

// New builds a server; it opens the vulnerability database if there is one.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("server: no store")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	clock := opts.Clock
	if clock == nil {
		clock = &Clock{}
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	opts.HTTP = opts.HTTP.withDefaults()
	if opts.AuthFailures <= 0 {
		opts.AuthFailures = 20
	}
	if opts.SweepInterval <= 0 {
		opts.SweepInterval = 30 * time.Second
	}
	if opts.ReadCache == 0 {
		opts.ReadCache = 64 << 20
	}
	s := &Server{
		opts:      opts,
		store:     opts.Store,
		log:       log,
		clock:     clock,
		mux:       http.NewServeMux(),
		failures:  &auth.FailureLimiter{Max: opts.AuthFailures, Window: time.Minute},
		ingestSem: make(chan struct{}, 8),
		reads:     newReadCache(opts.Store, opts.ReadCache, log),
	}
	if opts.SyncInterval <= 0 {
		opts.SyncInterval = defaultSyncInterval
	}
	s.opts.SyncInterval = opts.SyncInterval
	if s.opts.SLA.Default == (store.SLADays{}) && s.opts.SLA.Projects == nil {
		s.opts.SLA.Default = store.DefaultSLADays
	}
	if s.opts.DueWithin <= 0 {
		s.opts.DueWithin = defaultDueWithin
	}
	if s.opts.MetricsInterval <= 0 {
		s.opts.MetricsInterval = defaultMetricsInterval
	}
	if s.opts.SnapshotRetention == 0 {
		s.opts.SnapshotRetention = defaultSnapshotRetention
	}
	if s.opts.SnapshotCheck <= 0 {
		s.opts.SnapshotCheck = time.Minute
	}
	s.metrics = newMetrics(s)
	s.jobs = newJobRunner(opts)
	if err := s.newNotifier(); err != nil {
		return nil, err
	}
	// This server's own section, checked now (a bad Docker config stops
	// it) and polled until the shared list is read (registryLoops).
	w, err := newRegistryWatch(opts, opts.Registries)
	if err != nil {
		return nil, err
	}
	if w != nil {
		s.watch.cur.Store(&watcherVersion{w: w})
	}
	if s.trackers, err = newTrackers(s); err != nil {
		return nil, err
	}
	s.match = newMatcher(opts.VulnDBDir, opts.VulnDBFrom, log, s.now)
	s.exploit = newExploitData(opts.VulnDBDir, opts.Exploit, log)
	if err := s.match.open(); err != nil {
		return nil, err
	}
	// A database on disk that the findings follow already serves pushes
	// at once, even before (or without) a successful refresh.
	if st, err := opts.Store.VulnDBState(context.Background()); err != nil {
		return nil, err
	} else if fp := s.match.fingerprint(); fp != "" && st.Revision > 0 && fp == st.Fingerprint {
		s.rev.Store(st.Revision)
		s.synced.Store(true)
	}
	cfg := huma.DefaultConfig("Vigil", opts.Version)
	cfg.OpenAPIPath = "/api/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.Transformers = nil
	cfg.CreateHooks = nil
	cfg.Info.Description = "The Vigil portfolio server: artifacts, deployments and their findings."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "a token from `vigil token create`"},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}}
	cfg.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	s.api = humago.New(s.mux, cfg)
	s.register()
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("POST /api/session", s.login)
	s.mux.HandleFunc("GET /api/session", s.session)
	s.mux.HandleFunc("DELETE /api/session", s.logout)
	s.mux.Handle("GET /", web.Handler())
	return s, nil
}

func (s *Server) now() time.Time { return s.clock.Now() }

// Handler is the server's HTTP handler with request ids and access logs.
func (s *Server) Handler() http.Handler {
	return s.withRequestID(s.mux)
}

// HTTPServer is an http.Server for Handler with the server's HTTP limits.
func (s *Server) HTTPServer() *http.Server {
	l := s.opts.HTTP
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Refresh updates the vulnerability database and re-matches every artifact.
func (s *Server) Refresh(ctx context.Context) (RefreshResult, error) {
	return s.refresh(ctx)
}

// Run serves on l until ctx ends, then drains in-flight requests (up to
// grace) and stops the background work.
func (s *Server) Run(ctx context.Context, l net.Listener, hs *http.Server, grace time.Duration) error {
	hs.Handler = s.Handler()
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		wg.Go(func() { s.sweep(bg) })
		if s.opts.RefreshInterval > 0 {
			wg.Go(func() { s.scheduleLoop(bg, s.opts.RefreshInterval) })
		}
		wg.Go(func() { s.syncLoop(bg, s.opts.SyncInterval) })
		if s.opts.AuditKey != nil {
			every := s.opts.AuditCheckpoint
			if every <= 0 {
				every = time.Hour
			}
			wg.Go(func() { s.checkpointLoop(bg, every) })
		}
		wg.Go(func() { s.statsLoop(bg) })
		wg.Go(func() { s.snapshotLoop(bg) })
		wg.Go(func() { s.notifier.Run(bg) })
		wg.Go(func() { s.registryLoops(bg) })
		wg.Go(func() { s.trackerLoop(bg) })
		s.jobs.runMu.Lock()
		s.jobs.running = true
		s.jobs.runMu.Unlock()
		for range s.jobs.workers {
			wg.Go(func() { s.work(bg) })
		}
		wg.Wait()
		s.jobs.runMu.Lock()
		s.jobs.running = false
		s.jobs.runMu.Unlock()
	}()
	errc := make(chan error, 1)
	go func() {
		if hs.TLSConfig != nil {
			errc <- hs.ServeTLS(l, "", "")
		} else {
			errc <- hs.Serve(l)
		}
	}()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		s.log.Info("shutting down", "grace", grace.String())
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
		err = hs.Shutdown(sctx)
		cancel()
	}
	stop()
	<-done
	s.match.close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// sweep re-opens expired acceptances on a timer.
func (s *Server) sweep(ctx context.Context) {
	t := time.NewTicker(s.opts.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.expire(ctx)
		}
	}
}

func (s *Server) expire(ctx context.Context) {
	n, err := s.store.ExpireAcceptances(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("re-open expired acceptances", "err", err)
		}
		return
	}
	if n > 0 {
		s.log.Info("re-opened expired acceptances", "findings", n)
	}
	if n, err := s.store.DeleteExpiredSessions(ctx); err != nil {
		if ctx.Err() == nil {
			s.log.Error("delete expired sessions", "err", err)
		}
	} else if n > 0 {
		s.log.Info("deleted expired sessions", "sessions", n)
	}
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintln(w, `{"status":"ok"}`)
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, `{"status":"unavailable","reason":"database"}`)
		return
	}
	if !s.match.ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, `{"status":"unavailable","reason":"vulnerability database not loaded"}`)
		return
	}
	fmt.Fprintln(w, `{"status":"ready"}`)
}

// rawJSON is a response body that is already encoded (a cached page).
type rawJSON interface{ RawJSON() ([]byte, error) }

// jsonFormat is huma's JSON format, except that an already encoded body is
// written as it is.
var jsonFormat = huma.Format{
	Marshal: func(w io.Writer, v any) error {
		if r, ok := v.(rawJSON); ok {
			b, err := r.RawJSON()
			if err != nil {
				return err
			}
			_, err = w.Write(b)
			return err
		}
		return huma.DefaultJSONFormat.Marshal(w, v)
	},
	Unmarshal: huma.DefaultJSONFormat.Unmarshal,
}

type requestIDKey struct{}

type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader passes the first status on. A second one (an error written
// after the body started, typically because the client went away
// mid-response) cannot reach the client anyway; it is dropped rather than
// logged by net/http as a superfluous call.
func (w *statusWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController (and huma's per-route body read
// deadlines) reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// withRequestID gives every request an id (X-Request-Id), echoes it and
// logs the request with it.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		securityHeaders(w.Header())
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		req := r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		next.ServeHTTP(sw, req)
		// The mux sets the pattern it matched on req: a bounded route label.
		s.metrics.observeRequest(r.Method, req.Pattern, sw.status, time.Since(start))
		s.log.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start).String(), "remote", clientIP(r.RemoteAddr))
	})
}

package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vigil-sec/vigil/internal/registrywatch"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/store"
)

// Registry watch (docs/registry-watch.md): each watched repository is
// polled once per interval by one of the servers on the store, as a job
// whose key is the repository's interval slot (every server queues the
// slot's job; the queue keeps one). A poll lists the tags matching the
// repository's glob, resolves them to digests, and scans each digest not
// seen for the repository before, in this server, with the code of
// `vigil scan image`; the scan's packages are matched with the engine a
// push uses, and the artifact, its seen row and a registry.digest_seen
// event are one transaction.

// jobRegistryPoll is the job kind of one poll of one repository.
const jobRegistryPoll = "registry-poll"

// registryActor is the actor of the artifacts and events the watch writes.
const registryActor = "registry-watch"

// Build metadata keys of an artifact the registry watch scanned.
const (
	BuildSource             = "source"
	BuildSourceRegistry     = "registry"
	BuildRegistryRepository = "registry.repository"
	BuildRegistryTag        = "registry.tag"
)

type registryPollPayload struct {
	Repository string `json:"repository"`
}

// registryPollResult is a poll job's result.
type registryPollResult struct {
	Tags    int      `json:"tags"`
	New     []string `json:"new,omitempty"`
	Skipped string   `json:"skipped,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// registryWatch is the server's registry watch.
type registryWatch struct {
	// cur polls the watched repositories of the shared list version
	// (nil: none).
	cur atomic.Pointer[watcherVersion]
	// pruned is when this server last pruned finished poll jobs (Unix ms).
	pruned atomic.Int64
}

// Finished poll jobs are pruned once an hour, a day after they finished.
const (
	registryPruneEvery = time.Hour
	registryPruneAfter = 24 * time.Hour
)

// pruneRegistryJobs deletes the poll jobs that finished a day ago, at most
// once an hour per server (one job row per repository and interval would
// otherwise pile up).
func (s *Server) pruneRegistryJobs(ctx context.Context) {
	last := s.watch.pruned.Load()
	now := time.Now()
	if now.Sub(time.UnixMilli(last)) < registryPruneEvery || !s.watch.pruned.CompareAndSwap(last, now.UnixMilli()) {
		return
	}
	n, err := s.store.PruneFinishedJobs(ctx, jobRegistryPoll, now.Add(-registryPruneAfter))
	if err != nil {
		s.log.Warn("prune registry poll jobs", "err", err)
		return
	}
	if n > 0 {
		s.log.Debug("pruned registry poll jobs", "jobs", n)
	}
}

// watcherVersion is a watcher and the shared list version it polls (0:
// this server's own section, before it is published).
type watcherVersion struct {
	w       *registrywatch.Watcher
	version int64
}

// watcher is the current watcher (nil: no repository is watched).
func (s *Server) watcher() *registrywatch.Watcher {
	if v := s.watch.cur.Load(); v != nil {
		return v.w
	}
	return nil
}

// newRegistryWatch builds the watcher of cfg's repositories (nil without
// any).
func newRegistryWatch(o Options, cfg *registrywatch.Config) (*registrywatch.Watcher, error) {
	if cfg == nil || len(cfg.Repositories) == 0 {
		return nil, nil
	}
	return registrywatch.New(cfg, registrywatch.Options{Transport: o.RegistryTransport, Backoff: o.RegistryBackoff, Logger: o.Logger})
}

// layerCacheDir is where registry scans cache layer results.
func (s *Server) layerCacheDir() string {
	if s.opts.LayerCacheDir != "" {
		return s.opts.LayerCacheDir
	}
	return filepath.Join(filepath.Dir(s.opts.VulnDBDir), "layer-cache")
}

// registryLoops publishes this server's registries section as the shared
// list (when it has one), then follows the list in the store: every
// RegistrySync it reads the newest version and, when it changed, polls
// that one's repositories (docs/decisions/registry-watch.md). Each
// repository's poll is queued once per interval (the first at once).
func (s *Server) registryLoops(ctx context.Context) {
	if s.opts.Registries != nil {
		if err := s.publishRegistries(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Error("publish the registries section", "err", err)
		}
	}
	every := s.opts.RegistrySync
	if every <= 0 {
		every = 30 * time.Second
	}
	var loops repoLoops
	defer loops.stop()
	for {
		if started, err := s.syncRegistries(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Error("read the shared registry list", "err", err)
		} else if started != nil {
			loops.stop()
			loops.start(ctx, func(ctx context.Context) {
				for i := range started.Config().Repositories {
					r := &started.Config().Repositories[i]
					if r.MissingCredentials() {
						s.log.Warn("registry repository not polled by this server: its password variable is not set here", "repository", r.Repository, "password_env", r.PasswordEnv)
						continue
					}
					loops.wg.Go(func() { s.registryLoop(ctx, r) })
				}
			})
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// repoLoops are the running per-repository loops of one list version.
type repoLoops struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (l *repoLoops) start(ctx context.Context, run func(context.Context)) {
	ctx, l.cancel = context.WithCancel(ctx)
	run(ctx)
}

// stop cancels the loops and waits for them.
func (l *repoLoops) stop() {
	if l.cancel != nil {
		l.cancel()
		l.cancel = nil
	}
	l.wg.Wait()
}

// publishRegistries writes this server's section as the newest shared
// list unless it already is, and warns, naming every difference, when it
// replaces a different one.
func (s *Server) publishRegistries(ctx context.Context) error {
	spec, err := s.opts.Registries.Shared()
	if err != nil {
		return err
	}
	cur, prev, changed, err := s.store.PutRegistryConfig(ctx, spec, "replica:"+s.jobs.owner)
	if err != nil {
		return err
	}
	if !changed {
		return nil
	}
	s.log.Info("registries section published as the shared registry list", "version", cur.Version)
	if prev.Version == 0 {
		return nil
	}
	old, err := registrywatch.FromShared(prev.Spec, "", func(string) string { return "" })
	if err != nil {
		return fmt.Errorf("previous shared registry list (version %d): %w", prev.Version, err)
	}
	s.log.Warn("this server's registries section differs from the shared list it replaces: every replica now polls this one",
		"version", cur.Version, "previous_version", prev.Version, "previous_written_by", prev.WrittenBy,
		"differences", strings.Join(registrywatch.Diff(old, s.opts.Registries, fmt.Sprintf("version %d", prev.Version), "this section"), "; "))
	return nil
}

// syncRegistries reads the newest shared list and, when it is not the
// one polled, makes a watcher of it current and returns it (nil: nothing
// changed). A server whose own section differs from the list it now polls
// warns, naming the differences.
func (s *Server) syncRegistries(ctx context.Context) (*registrywatch.Watcher, error) {
	v, err := s.store.RegistryConfig(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if cur := s.watch.cur.Load(); cur != nil && cur.version == v.Version {
		return nil, nil
	}
	docker := ""
	env := s.opts.RegistryEnv
	if env == nil {
		env = os.Getenv
	}
	// Passwords this server's own section read at start come first.
	own := map[string]string{}
	if s.opts.Registries != nil {
		docker = s.opts.Registries.DockerConfig
		for _, r := range s.opts.Registries.Repositories {
			if r.PasswordEnv != "" {
				own[r.PasswordEnv] = r.Password()
			}
		}
	}
	getenv := func(k string) string {
		if p, ok := own[k]; ok {
			return p
		}
		return env(k)
	}
	cfg, err := registrywatch.FromShared(v.Spec, docker, getenv)
	if err != nil {
		return nil, fmt.Errorf("shared registry list version %d: %w", v.Version, err)
	}
	if own := s.opts.Registries; own != nil {
		if d := registrywatch.Diff(own, cfg, "this server's section", fmt.Sprintf("version %d", v.Version)); len(d) > 0 {
			s.log.Warn("this server's registries section differs from the shared registry list; it polls the shared list",
				"version", v.Version, "written_by", v.WrittenBy, "differences", strings.Join(d, "; "))
		}
	}
	w, err := newRegistryWatch(s.opts, cfg)
	if err != nil {
		return nil, fmt.Errorf("shared registry list version %d: %w", v.Version, err)
	}
	s.watch.cur.Store(&watcherVersion{w: w, version: v.Version})
	s.log.Info("polling the shared registry list", "version", v.Version, "repositories", len(cfg.Repositories))
	if w == nil {
		return nil, nil
	}
	return w, nil
}

func (s *Server) registryLoop(ctx context.Context, r *registrywatch.Repository) {
	every := r.Interval.Milliseconds()
	for {
		now := time.Now().UnixMilli()
		slot := now / every
		payload, _ := json.Marshal(registryPollPayload{Repository: r.Repository})
		key := fmt.Sprintf("registry:%s:%d:%d", r.Repository, every, slot)
		if _, _, err := s.store.EnqueueJob(ctx, store.JobSpec{Kind: jobRegistryPoll, Key: key, Payload: payload, MaxAttempts: 1}); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Error("schedule registry poll", "repository", r.Repository, "err", err)
		} else {
			s.jobs.nudge()
		}
		t := time.NewTimer(time.Duration((slot+1)*every-now) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// repository is the configured repository named name, or nil.
func (s *Server) repository(w *registrywatch.Watcher, name string) *registrywatch.Repository {
	if w == nil {
		return nil
	}
	repos := w.Config().Repositories
	for i := range repos {
		if repos[i].Repository == name {
			return &repos[i]
		}
	}
	return nil
}

// pollRegistry runs one poll job. A registry's failure is the
// repository's recorded error, not the job's: the next interval polls
// again (or, after a Retry-After, the first one past it).
func (s *Server) pollRegistry(ctx context.Context, j *store.Job) ([]byte, error) {
	var p registryPollPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return nil, fmt.Errorf("registry poll payload: %w", err)
	}
	w := s.watcher()
	r := s.repository(w, p.Repository)
	if r == nil {
		// Queued under a shared list version this server has not read
		// yet (or no longer polls).
		return nil, fmt.Errorf("repository %q is not in the registry list this server polls", p.Repository)
	}
	if r.MissingCredentials() {
		return nil, fmt.Errorf("repository %q: its password variable %s is not set on this server", p.Repository, r.PasswordEnv)
	}
	res, err := s.pollRepository(ctx, w, r)
	if err != nil {
		return nil, err
	}
	s.pruneRegistryJobs(ctx)
	return json.Marshal(res)
}

func (s *Server) pollRepository(ctx context.Context, w *registrywatch.Watcher, r *registrywatch.Repository) (registryPollResult, error) {
	var res registryPollResult
	log := s.log.With("repository", r.Repository, "project", r.Project)
	sts, err := s.store.RegistryStatuses(ctx, store.Scope{Projects: []string{r.Project}})
	if err != nil {
		return res, err
	}
	for _, st := range sts {
		if st.Repository == r.Repository && time.Now().Before(st.BackoffUntil) {
			res.Skipped = "the registry asked to wait until " + st.BackoffUntil.Format(time.RFC3339)
			return res, nil
		}
	}
	poll := store.RegistryPoll{Repository: r.Repository, Project: r.Project, Poller: s.jobs.owner}
	record := func(err error) error {
		poll.At = time.Now()
		if err != nil {
			poll.Err = err.Error()
			res.Error = poll.Err
			var rl *registrywatch.RateLimitError
			if errors.As(err, &rl) {
				poll.BackoffUntil = rl.Until
			}
			log.Warn("registry poll failed", "err", err)
		}
		return s.store.RecordRegistryPoll(context.WithoutCancel(ctx), poll)
	}
	tags, err := w.Tags(ctx, r)
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return res, record(err)
	}
	res.Tags, poll.TagsMatched = len(tags), len(tags)
	seen, err := s.store.RegistryDigestsSeen(ctx, r.Repository)
	if err != nil {
		return res, err
	}
	var errs []error
	for _, tg := range tags {
		if seen[tg.Digest] {
			continue
		}
		seen[tg.Digest] = true
		if len(res.New) == w.Config().MaxNewPerPoll {
			log.Info("more new digests than max_new_per_poll; the rest wait for the next poll", "max_new_per_poll", len(res.New))
			break
		}
		if err := s.scanRegistryDigest(ctx, w, r, tg); err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("scan %s (%s): %w", tg.Tag, tg.Digest, err))
			continue
		}
		res.New = append(res.New, tg.Digest)
	}
	return res, record(errors.Join(errs...))
}

// scanRegistryDigest scans repository@digest as `vigil scan image` does,
// matches its packages with the server's engine and stores it as an
// artifact of the repository's project, with its registry.digest_seen
// event, in one transaction.
func (s *Server) scanRegistryDigest(ctx context.Context, w *registrywatch.Watcher, r *registrywatch.Repository, tg registrywatch.Tagged) error {
	ref := registrywatch.Reference(r, tg.Digest)
	seen := store.RegistryDigest{Repository: r.Repository, Project: r.Project, Tag: tg.Tag, Digest: tg.Digest, Reference: ref, Actor: registryActor}
	if a, err := s.store.FindArtifact(ctx, r.Project, tg.Digest); err == nil {
		// Its CI pushed it already: recorded as seen, not scanned again.
		_, err := s.store.RecordRegistryDigest(ctx, seen, nil)
		s.log.Info("registry digest already an artifact", "repository", r.Repository, "tag", tg.Tag, "digest", tg.Digest, "artifact_id", a.ID)
		return err
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := w.CheckSize(ctx, r, tg.Digest); err != nil {
		return err
	}
	start := time.Now()
	res, err := scan.Run(ctx, scan.Options{
		Target: "registry:" + ref,
		// The vulnerabilities are matched below, with the server's
		// database (as for a push); the image's secrets are scanned here.
		Scanners:    []string{scan.ScannerSecret},
		ToolVersion: s.opts.Version,
		Logger:      s.log,
		Image: scan.ImageOptions{Kind: scan.KindImage, Platform: r.Platform, Insecure: r.Insecure, CacheDir: s.layerCacheDir(),
			Transport: w.Transport(), Keychain: w.Keychain(r)},
	})
	if err != nil {
		return err
	}
	art := artifactOf(&document{Format: "vigil-json", Report: res}, &pushInput{Digest: tg.Digest})
	art.Name = r.Repository + ":" + tg.Tag
	if art.Image != nil {
		art.Image.Reference = ref
	}
	art.Build = store.BuildMetadata{BuildSource: BuildSourceRegistry, BuildRegistryRepository: r.Repository, BuildRegistryTag: tg.Tag}
	for attempt := 1; ; attempt++ {
		var rr store.RegistryDigestResult
		rr, err = s.recordRegistryScan(ctx, seen, art, res)
		if err == nil {
			s.log.Info("registry digest scanned", "repository", r.Repository, "tag", tg.Tag, "digest", tg.Digest, "new", rr.New,
				"artifact_id", rr.Ingest.Artifact.ID, "packages", len(res.Packages), "findings", rr.Ingest.NewFindings, "duration", time.Since(start).String())
			return nil
		}
		if !errors.Is(err, store.ErrStaleDatabase) || attempt == 3 {
			return err
		}
		// Another server published a newer vulnerability database.
		if _, err := s.refreshDB(ctx, 0); err != nil {
			return fmt.Errorf("follow the vulnerability database: %w", err)
		}
	}
}

// recordRegistryScan matches a scan and stores it with its seen row, the
// ingest lock held from the match to the commit (as for a push).
func (s *Server) recordRegistryScan(ctx context.Context, d store.RegistryDigest, art store.Artifact, res *scan.Result) (store.RegistryDigestResult, error) {
	s.ingestMu.RLock()
	defer s.ingestMu.RUnlock()
	rev := s.rev.Load()
	vulns, _, hashes, err := s.match.matchHashed(ctx, res.Packages)
	if err != nil {
		return store.RegistryDigestResult{}, fmt.Errorf("match: %w", err)
	}
	ing := store.Ingest{Project: d.Project, Actor: registryActor, Artifact: art, Packages: res.Packages, DBRevision: &rev, MatchHashes: hashes}
	if ing.Findings, err = newFindings(res, vulns); err != nil {
		return store.RegistryDigestResult{}, err
	}
	return s.store.RecordRegistryDigest(ctx, d, &ing)
}

// RegistryDTO is a watched repository's configuration and status.
type RegistryDTO struct {
	Repository string `json:"repository"`
	Project    string `json:"project"`
	Tags       string `json:"tags" doc:"glob of the watched tags"`
	Interval   string `json:"interval"`
	// Status is the recorded state of its polls (none before the first).
	Polls        int64     `json:"polls"`
	LastPoll     time.Time `json:"last_poll,omitzero"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	LastErrorAt  time.Time `json:"last_error_at,omitzero"`
	BackoffUntil time.Time `json:"backoff_until,omitzero" doc:"no poll before this time (the registry's Retry-After)"`
	TagsMatched  int64     `json:"tags_matched"`
	DigestsSeen  int64     `json:"digests_seen"`
	LastDigest   string    `json:"last_digest,omitempty"`
	LastPoller   string    `json:"last_poller,omitempty"`
	// Watched is false for a repository with recorded polls that this
	// server's configuration no longer lists.
	Watched bool `json:"watched"`
}

func (s *Server) registerRegistries() {
	add(s, Route{
		Op: huma.Operation{OperationID: "list-registries", Method: http.MethodGet, Path: "/api/v1/registries", Tags: []string{"registries"},
			Summary:     "List the watched registry repositories with the status of their polls",
			Description: "Each repository of the server's registries configuration: its last poll, last success, last error, Retry-After backoff and the digests seen. Filtered by the token's projects."},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeFilter},
	}, func(ctx context.Context, _ *struct{}) (*List[RegistryDTO], error) {
		scope := principal(ctx).Scope()
		sts, err := s.store.RegistryStatuses(ctx, scope)
		if err != nil {
			return nil, storeErr(err)
		}
		byRepo := map[string]store.RegistryStatus{}
		for _, st := range sts {
			byRepo[st.Repository] = st
		}
		out := []RegistryDTO{}
		if w := s.watcher(); w != nil {
			for _, r := range w.Config().Repositories {
				if scope.Projects != nil && !slices.Contains(scope.Projects, r.Project) {
					continue
				}
				st := byRepo[r.Repository]
				delete(byRepo, r.Repository)
				out = append(out, registryDTO(st, r.Repository, r.Project, r.Tags, r.Interval.String(), true))
			}
		}
		for _, st := range sts {
			if _, left := byRepo[st.Repository]; left {
				out = append(out, registryDTO(st, st.Repository, st.Project, "", "", false))
			}
		}
		slices.SortFunc(out, func(a, b RegistryDTO) int { return strings.Compare(a.Repository, b.Repository) })
		return list(out, ""), nil
	})
}

func registryDTO(st store.RegistryStatus, repo, project, tags, interval string, watched bool) RegistryDTO {
	return RegistryDTO{Repository: repo, Project: project, Tags: tags, Interval: interval, Polls: st.Polls, LastPoll: st.LastPoll,
		LastSuccess: st.LastSuccess, LastError: st.LastError, LastErrorAt: st.LastErrorAt, BackoffUntil: st.BackoffUntil,
		TagsMatched: st.TagsMatched, DigestsSeen: st.DigestsSeen, LastDigest: st.LastDigest, LastPoller: st.LastPoller, Watched: watched}
}

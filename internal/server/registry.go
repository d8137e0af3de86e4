package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
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
	// w polls the watched repositories (nil: none are configured).
	w *registrywatch.Watcher
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

// newRegistryWatch builds the watcher of the configured repositories (nil
// without any).
func newRegistryWatch(o Options) (*registrywatch.Watcher, error) {
	if o.Registries == nil || len(o.Registries.Repositories) == 0 {
		return nil, nil
	}
	return registrywatch.New(o.Registries, registrywatch.Options{Transport: o.RegistryTransport, Backoff: o.RegistryBackoff, Logger: o.Logger})
}

// layerCacheDir is where registry scans cache layer results.
func (s *Server) layerCacheDir() string {
	if s.opts.LayerCacheDir != "" {
		return s.opts.LayerCacheDir
	}
	return filepath.Join(filepath.Dir(s.opts.VulnDBDir), "layer-cache")
}

// registryLoops queues each watched repository's poll once per interval
// (the first at start) until ctx ends.
func (s *Server) registryLoops(ctx context.Context) {
	if s.watch.w == nil {
		return
	}
	repos := s.watch.w.Config().Repositories
	done := make(chan struct{}, len(repos))
	for i := range repos {
		r := &repos[i]
		go func() {
			defer func() { done <- struct{}{} }()
			s.registryLoop(ctx, r)
		}()
	}
	for range repos {
		<-done
	}
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
func (s *Server) repository(name string) *registrywatch.Repository {
	if s.watch.w == nil {
		return nil
	}
	repos := s.watch.w.Config().Repositories
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
	r := s.repository(p.Repository)
	if r == nil {
		// Queued by a server that watches a repository this one does not.
		return nil, fmt.Errorf("repository %q is not watched by this server", p.Repository)
	}
	res, err := s.pollRepository(ctx, r)
	if err != nil {
		return nil, err
	}
	s.pruneRegistryJobs(ctx)
	return json.Marshal(res)
}

func (s *Server) pollRepository(ctx context.Context, r *registrywatch.Repository) (registryPollResult, error) {
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
	tags, err := s.watch.w.Tags(ctx, r)
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
		if len(res.New) == s.watch.w.Config().MaxNewPerPoll {
			log.Info("more new digests than max_new_per_poll; the rest wait for the next poll", "max_new_per_poll", len(res.New))
			break
		}
		if err := s.scanRegistryDigest(ctx, r, tg); err != nil {
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
func (s *Server) scanRegistryDigest(ctx context.Context, r *registrywatch.Repository, tg registrywatch.Tagged) error {
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
	if err := s.watch.w.CheckSize(ctx, r, tg.Digest); err != nil {
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
			Transport: s.watch.w.Transport(), Keychain: s.watch.w.Keychain(r)},
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
	vulns, _, err := s.match.match(ctx, res.Packages)
	if err != nil {
		return store.RegistryDigestResult{}, fmt.Errorf("match: %w", err)
	}
	ing := store.Ingest{Project: d.Project, Actor: registryActor, Artifact: art, Packages: res.Packages, DBRevision: &rev}
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
		if s.watch.w != nil {
			for _, r := range s.watch.w.Config().Repositories {
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

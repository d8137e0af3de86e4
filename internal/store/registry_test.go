package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
)

// testRegistry (contract): a new digest's artifact, seen row and
// registry.digest_seen event are written together; the same digest again
// (another tag) writes nothing; poll outcomes are the repository's status;
// a failing ingest leaves the digest unseen.
func testRegistry(t *testing.T, s *Store, c *clock, _ string) {
	ctx := t.Context()
	const repo = "registry.example.com/team/app"
	p := pkg("npm", "lodash", "4.17.4")
	in := Ingest{Project: "app", Actor: "registry-watch",
		Artifact: Artifact{Kind: "image", Digest: "sha256:d1", Name: repo + ":v1", Format: "vigil-json",
			Image: &ImageMeta{Reference: repo + "@sha256:d1"}, Build: BuildMetadata{"source": "registry", "registry.tag": "v1"}},
		Packages: []inventory.Package{p},
		Findings: []NewFinding{vuln("GHSA-x", p, severity.High, "4.17.5")},
	}
	d := RegistryDigest{Repository: repo, Project: "app", Tag: "v1", Digest: "sha256:d1", Reference: repo + "@sha256:d1", Actor: "registry-watch"}
	before, err := s.LatestEvents(ctx, Scope{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.RecordRegistryDigest(ctx, d, &in)
	if err != nil {
		t.Fatal(err)
	}
	if !r.New || !r.Ingest.Created || r.Ingest.NewFindings != 1 || r.Ingest.Artifact.Build["source"] != "registry" {
		t.Fatalf("RecordRegistryDigest = %+v", r)
	}
	evs, err := s.LatestEvents(ctx, Scope{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var seen []Event
	for _, e := range evs[len(before):] {
		if e.Kind == EventRegistryDigestSeen {
			seen = append(seen, e)
		}
	}
	if len(seen) != 1 || seen[0].Project != "app" || seen[0].ArtifactID != r.Ingest.Artifact.ID {
		t.Fatalf("registry.digest_seen events = %+v", seen)
	}
	var data map[string]string
	if err := json.Unmarshal(seen[0].Data, &data); err != nil || data["repository"] != repo || data["tag"] != "v1" || data["digest"] != "sha256:d1" {
		t.Errorf("event data = %s (%v)", seen[0].Data, err)
	}

	// The same digest under another tag: nothing written.
	d2, in2 := d, in
	d2.Tag = "v1-again"
	r, err = s.RecordRegistryDigest(ctx, d2, &in2)
	if err != nil || r.New || r.Ingest.Artifact.ID != 0 {
		t.Fatalf("RecordRegistryDigest(same digest) = %+v, %v; want nothing new", r, err)
	}
	after, _ := s.LatestEvents(ctx, Scope{}, 1000)
	if len(after) != len(evs) {
		t.Errorf("events %d -> %d for a digest already seen", len(evs), len(after))
	}
	got, err := s.RegistryDigestsSeen(ctx, repo)
	if err != nil || len(got) != 1 || !got["sha256:d1"] {
		t.Errorf("RegistryDigestsSeen = %v, %v", got, err)
	}

	// An ingest that fails leaves the digest unseen and no event.
	bad := in
	bad.Artifact.Digest = "sha256:d2"
	bad.Findings = []NewFinding{{Kind: KindVulnerability, Key: "", VulnerabilityID: "X"}}
	d3 := d
	d3.Digest, d3.Tag = "sha256:d2", "v2"
	if _, err := s.RecordRegistryDigest(ctx, d3, &bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("RecordRegistryDigest(bad findings) = %v, want ErrInvalid", err)
	}
	mismatch := in
	if _, err := s.RecordRegistryDigest(ctx, d3, &mismatch); !errors.Is(err, ErrInvalid) {
		t.Errorf("RecordRegistryDigest(digest of another ingest) = %v, want ErrInvalid", err)
	}
	if got, _ := s.RegistryDigestsSeen(ctx, repo); got["sha256:d2"] {
		t.Errorf("a failed ingest's digest is seen")
	}

	// A digest its CI pushed already is linked, its metadata kept, and
	// the ingest of the registry scan is not applied.
	ci := in
	ci.Artifact.Digest, ci.Artifact.Build = "sha256:ci", BuildMetadata{"pipeline": "https://ci/7"}
	ci.Findings = nil
	pushed, err := s.Ingest(ctx, ci)
	if err != nil {
		t.Fatal(err)
	}
	dci := d
	dci.Digest, dci.Tag = "sha256:ci", "v3"
	fromRegistry := in
	fromRegistry.Artifact.Digest = "sha256:ci"
	r, err = s.RecordRegistryDigest(ctx, dci, &fromRegistry)
	if err != nil || !r.New || r.Ingest.Created || r.Ingest.Artifact.ID != pushed.Artifact.ID || r.Ingest.Artifact.Build["pipeline"] != "https://ci/7" {
		t.Fatalf("RecordRegistryDigest(pushed by CI) = %+v, %v", r, err)
	}
	if fs, _, _ := s.ListFindings(ctx, FindingFilter{ArtifactID: pushed.Artifact.ID}); len(fs) != 0 {
		t.Errorf("the registry scan's findings were added to the pushed artifact: %d", len(fs))
	}
	dnil := d
	dnil.Digest, dnil.Tag = "sha256:none", "v4"
	if r, err := s.RecordRegistryDigest(ctx, dnil, nil); err != nil || !r.New || r.Ingest.Artifact.ID != 0 {
		t.Errorf("RecordRegistryDigest(no ingest) = %+v, %v", r, err)
	}

	// Poll status: a success, then a rate limit.
	c.Advance(time.Minute)
	at := time.Date(2026, 3, 1, 12, 5, 0, 0, time.UTC)
	if err := s.RecordRegistryPoll(ctx, RegistryPoll{Repository: repo, Project: "app", Poller: "a", At: at, TagsMatched: 2}); err != nil {
		t.Fatal(err)
	}
	until := at.Add(time.Hour)
	if err := s.RecordRegistryPoll(ctx, RegistryPoll{Repository: repo, Project: "app", Poller: "b", At: at.Add(time.Minute), Err: "429 " + strings.Repeat("x", 5000), BackoffUntil: until}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordRegistryPoll(ctx, RegistryPoll{Repository: "other.example/x", Project: "other", At: at}); err != nil {
		t.Fatal(err)
	}
	sts, err := s.RegistryStatuses(ctx, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 2 || sts[1].Repository != repo {
		t.Fatalf("RegistryStatuses = %+v", sts)
	}
	st := sts[1]
	if st.Polls != 2 || !st.LastSuccess.Equal(at) || !st.LastPoll.Equal(at.Add(time.Minute)) || !st.BackoffUntil.Equal(until) ||
		st.TagsMatched != 2 || st.DigestsSeen != 3 || st.LastPoller != "b" ||
		!strings.HasPrefix(st.LastError, "429 ") || len(st.LastError) > maxRegistryError {
		t.Errorf("status = %+v", st)
	}
	if sts, err := s.RegistryStatuses(ctx, Scope{Projects: []string{"other"}}); err != nil || len(sts) != 1 || sts[0].Project != "other" {
		t.Errorf("RegistryStatuses(scope other) = %+v, %v", sts, err)
	}
	if err := s.RecordRegistryPoll(ctx, RegistryPoll{Repository: "", Project: "app"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("RecordRegistryPoll(no repository) = %v, want ErrInvalid", err)
	}

	// Finished poll jobs are pruned; queued ones and other kinds stay.
	var done []int64
	for _, key := range []string{"poll:1", "poll:2"} {
		id, _, err := s.EnqueueJob(ctx, JobSpec{Kind: "registry-poll", Key: key})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, id)
	}
	for range done {
		j, err := s.ClaimJob(ctx, "w", []string{"registry-poll"}, time.Minute)
		if err != nil || j == nil {
			t.Fatalf("ClaimJob = %v, %v", j, err)
		}
		if err := s.CompleteJob(ctx, j.ID, "w", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	queued, _, _ := s.EnqueueJob(ctx, JobSpec{Kind: "registry-poll", Key: "poll:3", RunAt: time.Now().Add(time.Hour)})
	other, _, _ := s.EnqueueJob(ctx, JobSpec{Kind: "refresh", Key: "refresh:x"})
	if n, err := s.PruneFinishedJobs(ctx, "registry-poll", time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("PruneFinishedJobs(an hour ago) = %d, %v; want 0", n, err)
	}
	if n, err := s.PruneFinishedJobs(ctx, "registry-poll", time.Now().Add(time.Second)); err != nil || n != 2 {
		t.Errorf("PruneFinishedJobs(now) = %d, %v; want 2", n, err)
	}
	for _, id := range done {
		if _, err := s.GetJob(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("pruned job %d: %v", id, err)
		}
	}
	for _, id := range []int64{queued, other} {
		if _, err := s.GetJob(ctx, id); err != nil {
			t.Errorf("job %d: %v, want kept", id, err)
		}
	}
	if _, created, _ := s.EnqueueJob(ctx, JobSpec{Kind: "registry-poll", Key: "poll:1"}); !created {
		t.Errorf("a pruned slot's key is still taken")
	}
}

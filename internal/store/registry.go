package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Registry watch (docs/registry-watch.md): the server polls configured
// repositories, scans each image digest it has not seen for the
// repository, and records it here. A new digest's artifact, its seen row
// and its registry.digest_seen event are one transaction, so a crash
// between the scan's ingest and the seen row cannot drop the event or
// scan the digest twice.

// EventRegistryDigestSeen is the change-log event of a digest seen for the
// first time in a watched repository: project and artifact set, Data
// {"repository", "tag", "digest", "reference"}. The notifier turns it into
// a registry.new_digest notification.
const EventRegistryDigestSeen = "registry.digest_seen"

// Limits of registry watch records.
const (
	maxRepositoryLen = 1000
	maxRegistryError = 2000
)

// RegistryDigest is a digest seen in a watched repository.
type RegistryDigest struct {
	Repository string
	Project    string
	Tag        string
	Digest     string
	// Reference is the image reference scanned (repository@digest).
	Reference string
	Actor     string
}

// RegistryDigestEvent is the Data of an EventRegistryDigestSeen event
// (the notifier reads it back).
type RegistryDigestEvent struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
	Digest     string `json:"digest"`
	Reference  string `json:"reference"`
}

// RegistryDigestResult tells what RecordRegistryDigest did.
type RegistryDigestResult struct {
	// New is false when the digest was seen for the repository before:
	// nothing was written.
	New    bool
	Ingest IngestResult
}

// RegistryPoll is the outcome of one poll of a repository.
type RegistryPoll struct {
	Repository string
	Project    string
	Poller     string
	At         time.Time
	// Err is empty for a poll that succeeded.
	Err string
	// BackoffUntil, when set, is when the registry asked us to come back
	// (Retry-After): no poll runs before it.
	BackoffUntil time.Time
	TagsMatched  int
}

// RegistryStatus is the recorded state of a watched repository.
type RegistryStatus struct {
	Repository    string    `json:"repository"`
	Project       string    `json:"project"`
	Polls         int64     `json:"polls"`
	LastPoll      time.Time `json:"last_poll,omitzero"`
	LastSuccess   time.Time `json:"last_success,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
	LastErrorAt   time.Time `json:"last_error_at,omitzero"`
	BackoffUntil  time.Time `json:"backoff_until,omitzero"`
	TagsMatched   int64     `json:"tags_matched"`
	DigestsSeen   int64     `json:"digests_seen"`
	LastPoller    string    `json:"last_poller,omitempty"`
	LastDigest    string    `json:"last_digest,omitempty"`
	LastDigestTag string    `json:"last_digest_tag,omitempty"`
}

func validRepository(repo string) error {
	if repo == "" || len(repo) > maxRepositoryLen {
		return fmt.Errorf("%w: repository empty or longer than %d bytes", ErrInvalid, maxRepositoryLen)
	}
	return nil
}

// ensureRegistryRepo returns the id of a watched repository's row.
func (t *tx) ensureRegistryRepo(ctx context.Context, repo, project string) (int64, error) {
	if _, err := t.exec(ctx, "INSERT INTO registry_repos (repository, project) VALUES (?, ?) ON CONFLICT (repository) DO NOTHING", repo, project); err != nil {
		return 0, fmt.Errorf("registry repository %q: %w", repo, err)
	}
	var id int64
	if err := t.queryRow(ctx, "SELECT id FROM registry_repos WHERE repository = ?", repo).Scan(&id); err != nil {
		return 0, fmt.Errorf("registry repository %q: %w", repo, err)
	}
	if _, err := t.exec(ctx, "UPDATE registry_repos SET project = ? WHERE id = ? AND project <> ?", project, id, project); err != nil {
		return 0, fmt.Errorf("registry repository %q: %w", repo, err)
	}
	return id, nil
}

// RegistryDigestsSeen lists the digests seen for a repository.
func (s *Store) RegistryDigestsSeen(ctx context.Context, repo string) (map[string]bool, error) {
	rows, err := s.query(ctx, "SELECT d.digest FROM registry_digests d JOIN registry_repos r ON r.id = d.repo_id WHERE r.repository = ?", repo)
	if err != nil {
		return nil, fmt.Errorf("digests seen in %q: %w", repo, err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		seen[d] = true
	}
	return seen, rows.Err()
}

// RecordRegistryDigest stores a digest seen for the first time in a
// repository: in one transaction the ingest of its scan (when in is not
// nil and the project has no artifact of the digest yet; an existing one
// is linked unchanged), the seen row and a registry.digest_seen event. A
// digest already seen for the repository writes nothing (New false).
func (s *Store) RecordRegistryDigest(ctx context.Context, d RegistryDigest, in *Ingest) (RegistryDigestResult, error) {
	var res RegistryDigestResult
	if err := validRepository(d.Repository); err != nil {
		return res, err
	}
	if err := validName("project", d.Project); err != nil {
		return res, err
	}
	if d.Digest == "" || len(d.Digest) > maxKeyLen || len(d.Tag) > maxKeyLen {
		return res, fmt.Errorf("%w: digest empty, or digest or tag longer than %d bytes", ErrInvalid, maxKeyLen)
	}
	var pkgs []*pkgEntry
	if in != nil {
		if in.Project != d.Project || in.Artifact.Digest != d.Digest {
			return res, fmt.Errorf("%w: registry digest %q of project %q with an ingest of %q in %q", ErrInvalid, d.Digest, d.Project, in.Artifact.Digest, in.Project)
		}
		if len(in.Packages) > MaxIngestPackages || len(in.Findings) > MaxIngestFindings {
			return res, fmt.Errorf("%w: more than %d packages or %d findings", ErrInvalid, MaxIngestPackages, MaxIngestFindings)
		}
		if in.MatchHashes != nil && len(in.MatchHashes) != len(in.Packages) {
			return res, fmt.Errorf("%w: %d match hashes for %d packages", ErrInvalid, len(in.MatchHashes), len(in.Packages))
		}
		if err := validFindings(in.Findings); err != nil {
			return res, err
		}
		pkgs = groupPackages(in.Packages, in.MatchHashes)
	}
	data, err := json.Marshal(RegistryDigestEvent{Repository: d.Repository, Tag: d.Tag, Digest: d.Digest, Reference: d.Reference})
	if err != nil {
		return res, err
	}
	err = s.write(ctx, func(t *tx) error {
		res = RegistryDigestResult{}
		repoID, err := t.ensureRegistryRepo(ctx, d.Repository, d.Project)
		if err != nil {
			return err
		}
		var one int
		err = t.queryRow(ctx, "SELECT 1 FROM registry_digests WHERE repo_id = ? AND digest = ?", repoID, d.Digest).Scan(&one)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("look up digest %q: %w", d.Digest, err)
		}
		projectID, err := t.ensureProject(ctx, d.Project)
		if err != nil {
			return err
		}
		// An artifact of the digest already in the project (pushed by its
		// CI) is linked as it is: its metadata and findings stay.
		var artifactID int64
		err = t.queryRow(ctx, "SELECT id FROM artifacts WHERE project_id = ? AND digest = ?", projectID, d.Digest).Scan(&artifactID)
		switch {
		case err == nil:
			if res.Ingest.Artifact, err = scanArtifact(t.queryRow(ctx, artifactCols+" WHERE a.id = ?", artifactID)); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("look up artifact %q: %w", d.Digest, err)
		case in != nil:
			r, err := t.ingest(ctx, *in, pkgs)
			if err != nil {
				return err
			}
			res.Ingest, artifactID = r, r.Artifact.ID
		}
		if _, err := t.exec(ctx, "INSERT INTO registry_digests (repo_id, digest, tag, artifact_id, first_seen_at) VALUES (?, ?, ?, ?, ?)",
			repoID, d.Digest, d.Tag, nullID(artifactID), s.now().UnixMilli()); err != nil {
			return fmt.Errorf("record digest %q: %w", d.Digest, err)
		}
		res.New = true
		return t.events(ctx, []event{{kind: EventRegistryDigestSeen, projectID: projectID, artifactID: artifactID, actor: d.Actor, data: string(data)}})
	})
	if err != nil {
		return RegistryDigestResult{}, fmt.Errorf("record registry digest %q of %q: %w", d.Digest, d.Repository, err)
	}
	return res, nil
}

// RecordRegistryPoll records the outcome of a poll of a repository.
func (s *Store) RecordRegistryPoll(ctx context.Context, p RegistryPoll) error {
	if err := validRepository(p.Repository); err != nil {
		return err
	}
	if err := validName("project", p.Project); err != nil {
		return err
	}
	msg := p.Err
	if len(msg) > maxRegistryError {
		msg = msg[:maxRegistryError]
	}
	at := p.At
	if at.IsZero() {
		at = s.now()
	}
	var backoff int64
	if !p.BackoffUntil.IsZero() {
		backoff = p.BackoffUntil.UnixMilli()
	}
	err := s.jobWrite(ctx, func(t *tx) error {
		id, err := t.ensureRegistryRepo(ctx, p.Repository, p.Project)
		if err != nil {
			return err
		}
		if msg == "" {
			_, err = t.exec(ctx, `UPDATE registry_repos SET polls = polls + 1, last_poll_at = ?, last_success_at = ?, last_error = '',
 backoff_until = ?, tags_matched = ?, last_poller = ? WHERE id = ?`, at.UnixMilli(), at.UnixMilli(), backoff, p.TagsMatched, p.Poller, id)
		} else {
			_, err = t.exec(ctx, `UPDATE registry_repos SET polls = polls + 1, last_poll_at = ?, last_error = ?, last_error_at = ?,
 backoff_until = ?, last_poller = ? WHERE id = ?`, at.UnixMilli(), msg, at.UnixMilli(), backoff, p.Poller, id)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("record poll of %q: %w", p.Repository, err)
	}
	return nil
}

// RegistryStatuses lists the recorded state of every watched repository
// in scope, by repository.
func (s *Store) RegistryStatuses(ctx context.Context, sc Scope) ([]RegistryStatus, error) {
	rows, err := s.query(ctx, `SELECT r.repository, r.project, r.polls, r.last_poll_at, r.last_success_at, r.last_error, r.last_error_at,
 r.backoff_until, r.tags_matched, r.last_poller,
 (SELECT COUNT(*) FROM registry_digests d WHERE d.repo_id = r.id),
 COALESCE((SELECT d.digest FROM registry_digests d WHERE d.repo_id = r.id ORDER BY d.first_seen_at DESC, d.digest LIMIT 1), ''),
 COALESCE((SELECT d.tag FROM registry_digests d WHERE d.repo_id = r.id ORDER BY d.first_seen_at DESC, d.digest LIMIT 1), '')
 FROM registry_repos r ORDER BY r.repository`)
	if err != nil {
		return nil, fmt.Errorf("registry statuses: %w", err)
	}
	defer rows.Close()
	out := []RegistryStatus{}
	for rows.Next() {
		var st RegistryStatus
		var last, success, errAt, backoff int64
		if err := rows.Scan(&st.Repository, &st.Project, &st.Polls, &last, &success, &st.LastError, &errAt, &backoff,
			&st.TagsMatched, &st.LastPoller, &st.DigestsSeen, &st.LastDigest, &st.LastDigestTag); err != nil {
			return nil, err
		}
		st.LastPoll, st.LastSuccess, st.LastErrorAt, st.BackoffUntil = optTime(last), optTime(success), optTime(errAt), optTime(backoff)
		if sc.Projects != nil && !slices.Contains(sc.Projects, st.Project) {
			continue
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// optTime is a stored Unix-millisecond time, zero for 0.
func optTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return msTime(ms)
}

// PruneFinishedJobs deletes the finished (done or failed) root jobs of a
// kind that finished before before, and returns how many. Scheduled
// polls leave one job per interval slot; a pruned slot's key is free
// again, so at worst a late server polls that slot once more (polls are
// idempotent).
func (s *Store) PruneFinishedJobs(ctx context.Context, kind string, before time.Time) (int, error) {
	var n int64
	err := s.jobWrite(ctx, func(t *tx) error {
		r, err := t.exec(ctx, "DELETE FROM jobs WHERE kind = ? AND state IN (?, ?) AND root_id IS NULL AND finished_at < ?",
			kind, JobDone, JobFailed, before.UnixMilli())
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune %s jobs: %w", kind, err)
	}
	return int(n), nil
}

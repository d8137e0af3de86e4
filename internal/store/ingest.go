package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
)

// Limits of one ingest.
const (
	MaxIngestPackages = 100_000
	MaxIngestFindings = 100_000
	maxKeyLen         = 1000
)

// rows per multi-row INSERT: well under SQLite's 32766 and PostgreSQL's
// 65535 placeholders for the widest table.
const batchRows = 400

// Ingest stores an artifact with its packages and findings in one
// transaction; a known digest only refreshes the artifact's metadata.
// Concurrent ingests are committed together (group commit, see
// ingestQueued): Ingest returns once the transaction holding this one is
// durable.
func (s *Store) Ingest(ctx context.Context, in Ingest) (IngestResult, error) {
	a := in.Artifact
	if err := validName("project", in.Project); err != nil {
		return IngestResult{}, err
	}
	if a.Digest == "" || len(a.Digest) > maxKeyLen {
		return IngestResult{}, fmt.Errorf("%w: artifact digest empty or longer than %d bytes", ErrInvalid, maxKeyLen)
	}
	if len(in.Packages) > MaxIngestPackages || len(in.Findings) > MaxIngestFindings {
		return IngestResult{}, fmt.Errorf("%w: more than %d packages or %d findings", ErrInvalid, MaxIngestPackages, MaxIngestFindings)
	}
	if in.MatchHashes != nil && len(in.MatchHashes) != len(in.Packages) {
		return IngestResult{}, fmt.Errorf("%w: %d match hashes for %d packages", ErrInvalid, len(in.MatchHashes), len(in.Packages))
	}
	pkgs := groupPackages(in.Packages, in.MatchHashes)
	if err := validFindings(in.Findings); err != nil {
		return IngestResult{}, err
	}
	r := &ingestReq{ctx: ctx, in: in, pkgs: pkgs, done: make(chan struct{})}
	s.ingestQueued(ctx, r)
	if r.err != nil {
		return IngestResult{}, fmt.Errorf("ingest %q: %w", a.Digest, r.err)
	}
	return r.res, nil
}

// Bounds of one group commit.
const (
	maxGroupIngests  = 64
	maxGroupPackages = 50_000
)

// ingestReq is one ingest waiting in the group-commit queue.
type ingestReq struct {
	ctx  context.Context
	in   Ingest
	pkgs []*pkgEntry
	res  IngestResult
	err  error
	done chan struct{} // closed when res and err are final
}

// ingestQueued queues r and returns once it is committed or failed.
//
// Group commit: whoever holds the writer lock takes every ingest queued
// so far (up to maxGroupIngests and maxGroupPackages) and runs them in one
// transaction, so concurrent pushes share one commit (one WAL sync on
// SQLite, one fsync on PostgreSQL) and the pages they both touch are
// written once. Ingests queued while that transaction runs are taken by
// the next holder of the lock, which is one of their own callers. No
// caller is answered before the commit of its transaction returned.
func (s *Store) ingestQueued(ctx context.Context, r *ingestReq) {
	s.qmu.Lock()
	s.queue = append(s.queue, r)
	s.qmu.Unlock()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	for {
		select {
		case <-r.done:
			return
		default:
		}
		// The batch's fate must not hang on one client going away.
		s.runGroup(context.WithoutCancel(ctx), s.takeGroup())
	}
}

// takeGroup dequeues the next group: a prefix of the queue within the
// bounds, at least one ingest.
func (s *Store) takeGroup() []*ingestReq {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	n, pkgs := 0, 0
	for n < len(s.queue) && n < maxGroupIngests {
		pkgs += len(s.queue[n].pkgs)
		if n > 0 && pkgs > maxGroupPackages {
			break
		}
		n++
	}
	group := slices.Clone(s.queue[:n])
	s.queue = slices.Delete(s.queue, 0, n)
	return group
}

// runGroup ingests a group in one transaction, with s.wmu held. Ingests
// whose caller has gone are dropped. When the transaction fails, each
// ingest is run again alone, so that one bad ingest fails only itself.
func (s *Store) runGroup(ctx context.Context, group []*ingestReq) {
	live := group[:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	err := s.writeOn(ctx, s.ic, func(t *tx) error {
		for _, r := range live {
			res, err := t.ingest(ctx, r.in, r.pkgs)
			if err != nil {
				return err
			}
			r.res = res
		}
		return nil
	})
	if err == nil {
		s.stats.groups.Add(1)
		s.stats.ingests.Add(int64(len(live)))
	}
	if err == nil || len(live) == 1 {
		for _, r := range live {
			r.err = err
			close(r.done)
		}
		return
	}
	for _, r := range live {
		r.err = s.writeOn(ctx, s.ic, func(t *tx) error {
			var err error
			r.res, err = t.ingest(ctx, r.in, r.pkgs)
			return err
		})
		if r.err == nil {
			s.stats.groups.Add(1)
			s.stats.ingests.Add(1)
		}
		close(r.done)
	}
}

// ingest stores one artifact within t.
func (t *tx) ingest(ctx context.Context, in Ingest, pkgs []*pkgEntry) (IngestResult, error) {
	a := in.Artifact
	var res IngestResult
	if err := t.checkRevision(ctx, in.DBRevision); err != nil {
		return res, err
	}
	now := t.s.now().UnixMilli()
	projectID, err := t.ensureProject(ctx, in.Project)
	if err != nil {
		return res, err
	}
	var id int64
	err = t.queryRow(ctx, "SELECT id FROM artifacts WHERE project_id = ? AND digest = ?", projectID, a.Digest).Scan(&id)
	switch {
	case err == nil:
		_, err = t.exec(ctx, `UPDATE artifacts SET name = COALESCE(NULLIF(?, ''), name), version = COALESCE(NULLIF(?, ''), version),
 tool_name = COALESCE(NULLIF(?, ''), tool_name), tool_version = COALESCE(NULLIF(?, ''), tool_version),
 build = COALESCE(?, build), image = COALESCE(?, image), updated_at = ? WHERE id = ?`,
			a.Name, a.Version, a.ToolName, a.ToolVersion, marshalBuild(a.Build), marshalImage(a.Image), now, id)
		if err != nil {
			return res, fmt.Errorf("refresh artifact %q: %w", a.Digest, err)
		}
		if err := t.events(ctx, []event{{kind: EventArtifactIngested, projectID: projectID, artifactID: id, actor: in.Actor, data: `{"created":false}`}}); err != nil {
			return res, err
		}
	case errors.Is(err, sql.ErrNoRows):
		id, err = t.insertID(ctx, `INSERT INTO artifacts (project_id, kind, digest, name, version, vcs_url, vcs_commit, format,
 tool_name, tool_version, image, build, packages, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			projectID, a.Kind, a.Digest, a.Name, a.Version, a.VCSURL, a.VCSCommit, a.Format, a.ToolName, a.ToolVersion,
			marshalImage(a.Image), marshalBuild(a.Build), len(pkgs), now, now)
		if err != nil {
			return res, fmt.Errorf("insert artifact %q: %w", a.Digest, err)
		}
		n, err := t.ingestNew(ctx, projectID, id, pkgs, in.Findings, in.Actor, now)
		if err != nil {
			return res, err
		}
		res.Created, res.NewFindings = true, n
	default:
		return res, fmt.Errorf("look up artifact %q: %w", a.Digest, err)
	}
	res.Artifact, err = scanArtifact(t.queryRow(ctx, artifactCols+" WHERE a.id = ?", id))
	if err != nil {
		return res, err
	}
	rec := ingestAudit{Project: in.Project, ArtifactID: id, Digest: a.Digest, Kind: a.Kind, Name: a.Name, Version: a.Version,
		Format: a.Format, Tool: strings.TrimSpace(a.ToolName + " " + a.ToolVersion), Created: res.Created, DBRevision: in.DBRevision, Gate: in.Gate}
	if res.Created {
		rec.Packages, rec.Findings, rec.FindingsSHA256 = len(pkgs), len(in.Findings), findingsDigest(in.Findings)
	}
	return res, t.audit(ctx, in.Actor, AuditIngest, subject("artifact", id), rec)
}

// ingestAudit is the audit record of an ingest: what was pushed, and what
// it decided (the findings, by digest).
type ingestAudit struct {
	Project        string `json:"project"`
	ArtifactID     int64  `json:"artifact_id"`
	Digest         string `json:"digest"`
	Kind           string `json:"kind"`
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	Format         string `json:"format"`
	Tool           string `json:"tool,omitempty"`
	Created        bool   `json:"created"`
	Packages       int    `json:"packages"`
	Findings       int    `json:"findings"`
	FindingsSHA256 string `json:"findings_sha256,omitempty"`
	DBRevision     *int64 `json:"vulndb_revision,omitempty"`
	// Gate is the push's gate decision (null: not gated).
	Gate json.RawMessage `json:"gate"`
}

// pkgEntry is one distinct package of an ingest.
type pkgEntry struct {
	key, attrs string
	matchHash  string // "": not known
	pkg        inventory.Package
	ord        int
	id         int64
	// locations and dependsOn are the JSON of the artifact_packages row
	// (dependsOn nil: none), encoded before the ingest waits for the
	// writer.
	locations string
	dependsOn any
}

// groupPackages merges packages of the same identity (their locations
// joined) and orders them by identity, so concurrent writers on
// PostgreSQL take row locks in one order.
func groupPackages(in []inventory.Package, hashes []string) []*pkgEntry {
	byKey := make(map[string]*pkgEntry, len(in))
	out := make([]*pkgEntry, 0, len(in))
	for i := range in {
		key, attrs := identity(&in[i])
		if e, ok := byKey[key]; ok {
			e.pkg.Locations = append(e.pkg.Locations, in[i].Locations...)
			continue
		}
		e := &pkgEntry{key: key, attrs: attrs, pkg: in[i], ord: len(out)}
		if hashes != nil {
			e.matchHash = hashes[i]
		}
		e.pkg.Locations = slices.Clone(in[i].Locations)
		byKey[key] = e
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *pkgEntry) int { return cmp.Compare(a.key, b.key) })
	// Most packages of a document share its one location: encode each
	// distinct list once.
	var last []inventory.Location
	lastText := ""
	for _, e := range out {
		locs := e.pkg.Locations
		if lastText == "" || !slices.Equal(locs, last) {
			if locs == nil {
				lastText = jsonText([]inventory.Location{})
			} else {
				lastText = jsonText(locs)
			}
			last = locs
		}
		e.locations = lastText
		if len(e.pkg.DependsOn) > 0 {
			e.dependsOn = jsonText(e.pkg.DependsOn)
		}
	}
	return out
}

func validFindings(fs []NewFinding) error {
	seen := make(map[string]bool, len(fs))
	for i := range fs {
		f := &fs[i]
		switch f.Kind {
		case KindVulnerability, KindMisconfiguration, KindSecret, KindStaticAnalysis:
		default:
			return fmt.Errorf("%w: finding %q: unknown kind %q", ErrInvalid, f.Key, f.Kind)
		}
		if f.Key == "" || len(f.Key) > maxKeyLen {
			return fmt.Errorf("%w: finding key empty or longer than %d bytes", ErrInvalid, maxKeyLen)
		}
		if seen[f.Key] {
			return fmt.Errorf("%w: finding key %q twice", ErrInvalid, f.Key)
		}
		seen[f.Key] = true
		if len(f.Detail) > 0 && !json.Valid(f.Detail) {
			return fmt.Errorf("%w: finding %q: detail is not JSON", ErrInvalid, f.Key)
		}
	}
	return nil
}

// ingestNew stores the inventory and findings of a new artifact.
func (t *tx) ingestNew(ctx context.Context, projectID, artifactID int64, pkgs []*pkgEntry, fs []NewFinding, actor string, now int64) (int, error) {
	if err := t.resolvePackages(ctx, pkgs); err != nil {
		return 0, err
	}
	ids := make(map[string]int64, len(pkgs))
	for _, e := range pkgs {
		ids[e.key] = e.id
	}
	err := batches(len(pkgs), batchRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*5)
		for _, e := range pkgs[lo:hi] {
			args = append(args, artifactID, e.id, e.ord, e.locations, e.dependsOn)
		}
		_, err := t.exec(ctx, insertOrFail+"artifact_packages (artifact_id, package_id, ord, locations, depends_on) VALUES "+rowsOf(hi-lo, 5), args...)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("link packages: %w", err)
	}
	if err := t.indexPackages(ctx, artifactID, pkgs); err != nil {
		return 0, err
	}
	if err := t.createFindings(ctx, projectID, artifactID, fs, ids, actor, now); err != nil {
		return 0, err
	}
	ev := event{kind: EventArtifactIngested, projectID: projectID, artifactID: artifactID, actor: actor, data: fmt.Sprintf(`{"created":true,"packages":%d,"findings":%d}`, len(pkgs), len(fs))}
	return len(fs), t.events(ctx, []event{ev})
}

// bucketSize is how many consecutive artifact ids share a package_buckets
// row (migration 00002 has the same number).
const bucketSize = 256

// indexPackages records in package_buckets that the artifact's bucket
// holds its packages: the rows the bucket lacks, known from the cache of
// the newest bucket or, failing that, ON CONFLICT.
func (t *tx) indexPackages(ctx context.Context, artifactID int64, pkgs []*pkgEntry) error {
	bucket := artifactID / bucketSize
	if t.bucket != bucket {
		// A newer bucket: forget the older one's rows (they would only
		// spare the cache a look-up it never makes).
		t.bucket, t.bucketPkgs = bucket, nil
	}
	s := t.s
	var ids []int64
	s.bucketMu.Lock()
	if s.bucket != bucket {
		s.bucket, s.bucketPkgs = bucket, make(map[int64]bool)
	}
	for _, e := range pkgs {
		if !s.bucketPkgs[e.id] && !t.bucketPkgs[e.id] {
			ids = append(ids, e.id)
		}
	}
	s.bucketMu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if t.bucketPkgs == nil {
		t.bucketPkgs = make(map[int64]bool, len(ids))
	}
	slices.Sort(ids)
	err := batches(len(ids), batchRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*2)
		for _, id := range ids[lo:hi] {
			args = append(args, id, bucket)
		}
		_, err := t.exec(ctx, insertOrFail+"package_buckets (package_id, bucket) VALUES "+rowsOf(hi-lo, 2)+" ON CONFLICT (package_id, bucket) DO NOTHING", args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("index packages: %w", err)
	}
	for _, id := range ids {
		t.bucketPkgs[id] = true
	}
	return nil
}

// resolvePackages sets the id of every entry: from the cache, else by
// inserting the package, else (it existed) by selecting it.
func (t *tx) resolvePackages(ctx context.Context, pkgs []*pkgEntry) error {
	var missing []*pkgEntry
	t.s.pkgMu.RLock()
	for _, e := range pkgs {
		e.id = 0 // from an earlier, rolled back attempt
		if id, ok := t.s.pkgs[e.key]; ok {
			e.id = id
		} else if id, ok := t.pkgs[e.key]; ok {
			e.id = id
		} else {
			missing = append(missing, e)
		}
	}
	t.s.pkgMu.RUnlock()
	if len(missing) == 0 {
		return nil
	}
	if t.pkgs == nil {
		t.pkgs = make(map[string]int64, len(missing))
	}
	byKey := make(map[string]*pkgEntry, len(missing))
	for _, e := range missing {
		byKey[e.key] = e
	}
	if t.s.backend == BackendSQLite {
		return t.insertPackagesSQLite(ctx, missing, byKey)
	}
	err := batches(len(missing), batchRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*9)
		for _, e := range missing[lo:hi] {
			args = packageArgs(args, e)
		}
		rows, err := t.query(ctx, insertOrFail+"packages (ecosystem, name, version, purl, purl_base, attrs, data, match_key, match_hash) VALUES "+rowsOf(hi-lo, 9)+
			" ON CONFLICT (ecosystem, name, version, purl, attrs) DO NOTHING RETURNING id, ecosystem, name, version, purl, attrs", args...)
		if err != nil {
			return err
		}
		return t.readPackageIDs(rows, byKey)
	})
	if err != nil {
		return fmt.Errorf("insert packages: %w", err)
	}
	return t.selectPackageIDs(ctx, missing, byKey)
}

// packageArgs are the values of a packages row, without its id.
func packageArgs(args []any, e *pkgEntry) []any {
	p := &e.pkg
	return append(args, p.Ecosystem, p.Name, p.Version, p.PURL, purlBase(p.PURL), e.attrs, jsonText(packageData{p.Licenses, p.Hashes}), match.PackageQueryKey(p), nullIfEmpty(e.matchHash))
}

// insertPackagesSQLite inserts packages with ids it assigns itself, past
// the largest one stored (read in this transaction: there is one writer),
// so that the statement returns nothing to read back. A batch that
// inserted fewer rows than it sent met packages stored already (before
// this process started); its ids are then read by identity, as are the
// rows it inserted.
func (t *tx) insertPackagesSQLite(ctx context.Context, missing []*pkgEntry, byKey map[string]*pkgEntry) error {
	var next int64
	if err := t.queryRow(ctx, "SELECT COALESCE(max(id), 0) + 1 FROM packages").Scan(&next); err != nil {
		return fmt.Errorf("insert packages: %w", err)
	}
	var unsure []*pkgEntry
	err := batches(len(missing), batchRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*10)
		for i, e := range missing[lo:hi] {
			args = packageArgs(append(args, next+int64(i)), e)
		}
		res, err := t.exec(ctx, insertOrFail+"packages (id, ecosystem, name, version, purl, purl_base, attrs, data, match_key, match_hash) VALUES "+rowsOf(hi-lo, 10)+
			" ON CONFLICT (ecosystem, name, version, purl, attrs) DO NOTHING", args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == int64(hi-lo) {
			for i, e := range missing[lo:hi] {
				e.id = next + int64(i)
				t.pkgs[e.key] = e.id
			}
		} else {
			unsure = append(unsure, missing[lo:hi]...)
		}
		next += int64(hi - lo)
		return nil
	})
	if err != nil {
		return fmt.Errorf("insert packages: %w", err)
	}
	return t.selectPackageIDs(ctx, unsure, byKey)
}

// selectPackageIDs reads the ids of the entries whose id is not known
// yet, by identity.
func (t *tx) selectPackageIDs(ctx context.Context, missing []*pkgEntry, byKey map[string]*pkgEntry) error {
	// The ones that existed (stored before this process started, or by
	// another process).
	var rest []*pkgEntry
	for _, e := range missing {
		if e.id == 0 {
			rest = append(rest, e)
		}
	}
	err := batches(len(rest), batchRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*5)
		for _, e := range rest[lo:hi] {
			args = append(args, e.pkg.Ecosystem, e.pkg.Name, e.pkg.Version, e.pkg.PURL, e.attrs)
		}
		rows, err := t.query(ctx, "SELECT id, ecosystem, name, version, purl, attrs FROM packages WHERE (ecosystem, name, version, purl, attrs) IN (VALUES "+rowsOf(hi-lo, 5)+")", args...)
		if err != nil {
			return err
		}
		return t.readPackageIDs(rows, byKey)
	})
	if err != nil {
		return fmt.Errorf("select packages: %w", err)
	}
	for _, e := range rest {
		if e.id == 0 {
			return fmt.Errorf("package %s@%s: neither inserted nor found", e.pkg.Name, e.pkg.Version)
		}
	}
	return nil
}

func (t *tx) readPackageIDs(rows *sql.Rows, byKey map[string]*pkgEntry) error {
	return eachPackageID(rows, func(key string, id int64) {
		if e, ok := byKey[key]; ok {
			e.id = id
			t.pkgs[key] = id
		}
	})
}

// eachPackageID reads rows of (id, ecosystem, name, version, purl, attrs)
// and closes them.
func eachPackageID(rows *sql.Rows, fn func(key string, id int64)) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		var eco, name, version, purl, attrs string
		if err := rows.Scan(&id, &eco, &name, &version, &purl, &attrs); err != nil {
			return err
		}
		fn(packageKey(eco, name, version, purl, attrs), id)
	}
	return rows.Err()
}

// createFindings inserts new findings (state open) with their aliases and
// finding.created events. pkgIDs maps package identity to id.
func (t *tx) createFindings(ctx context.Context, projectID, artifactID int64, fs []NewFinding, pkgIDs map[string]int64, actor string, now int64) error {
	w := reconcileWrites{created: make([]findingRow, len(fs))}
	for i := range fs {
		w.created[i] = findingRow{projectID: projectID, artifactID: artifactID, f: &fs[i]}
	}
	if err := w.resolvePackageIDs(func(int64) map[string]int64 { return pkgIDs }); err != nil {
		return err
	}
	return t.insertFindings(ctx, w.created, actor, now)
}

// insertFindings inserts new findings (state open), of one artifact or of
// many, with their aliases and finding.created events.
func (t *tx) insertFindings(ctx context.Context, fs []findingRow, actor string, now int64) error {
	if len(fs) == 0 {
		return nil
	}
	type at struct {
		artifactID int64
		key        string
	}
	ids := make(map[at]int64, len(fs))
	err := batches(len(fs), batchRows/2, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*15)
		for i := range fs[lo:hi] {
			r := &fs[lo+i]
			f := r.f
			var fixSince any
			if f.FixedVersion != "" {
				fixSince = now
			}
			args = append(args, r.artifactID, r.projectID, f.Kind, f.Key, f.VulnerabilityID, jsonText(nonNil(f.Aliases)), nullID(r.packageID),
				int(f.Severity), f.Summary, f.FixedVersion, nullText(f.Detail), StateOpen, now, fixSince, now)
		}
		rows, err := t.query(ctx, insertOrFail+`findings (artifact_id, project_id, kind, key, vulnerability_id, aliases, package_id,
 severity, summary, fixed_version, detail, state, first_seen, fix_available_since, updated_at) VALUES `+rowsOf(hi-lo, 15)+" RETURNING id, artifact_id, key", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var k at
			if err := rows.Scan(&id, &k.artifactID, &k.key); err != nil {
				return err
			}
			ids[k] = id
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("insert findings: %w", err)
	}
	if err := t.countNew(ctx, fs); err != nil {
		return err
	}
	var aliases [][2]any
	var byPackage []aliasPackage
	evs := make([]event, 0, len(fs))
	for i := range fs {
		r := &fs[i]
		id := ids[at{r.artifactID, r.f.Key}]
		for _, a := range aliasSet(r.f.VulnerabilityID, r.f.Aliases) {
			if r.packageID != 0 {
				byPackage = append(byPackage, aliasPackage{a, r.packageID})
			} else {
				aliases = append(aliases, [2]any{a, id})
			}
		}
		evs = append(evs, event{kind: EventFindingCreated, projectID: r.projectID, artifactID: r.artifactID, findingID: id, actor: actor, to: StateOpen})
	}
	if err := t.insertAliases(ctx, aliases); err != nil {
		return err
	}
	if err := t.insertAliasPackages(ctx, byPackage); err != nil {
		return err
	}
	return t.events(ctx, evs)
}

// countNew adds new findings (state open) to finding_counts, one upsert
// per project and severity (migration 00020: no trigger counts inserts).
func (t *tx) countNew(ctx context.Context, fs []findingRow) error {
	type cell struct {
		projectID int64
		severity  int
	}
	n := make(map[cell]int64)
	for i := range fs {
		n[cell{fs[i].projectID, int(fs[i].f.Severity)}]++
	}
	cells := slices.SortedFunc(maps.Keys(n), func(a, b cell) int {
		return cmp.Or(cmp.Compare(a.projectID, b.projectID), cmp.Compare(a.severity, b.severity))
	})
	err := batches(len(cells), batchRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*4)
		for _, c := range cells[lo:hi] {
			args = append(args, c.projectID, StateOpen, c.severity, n[c])
		}
		_, err := t.exec(ctx, "INSERT INTO finding_counts (project_id, state, severity, n) VALUES "+rowsOf(hi-lo, 4)+
			" ON CONFLICT (project_id, state, severity) DO UPDATE SET n = finding_counts.n + excluded.n", args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("count findings: %w", err)
	}
	return nil
}

// aliasPackage is a row of alias_packages: a finding on the package has
// carried the id or alias (migration 00019).
type aliasPackage struct {
	alias     string
	packageID int64
}

// maxAliasCache bounds the cache of committed alias_packages rows.
const maxAliasCache = 500_000

// insertAliasPackages inserts the rows of alias_packages that are
// neither in the store's cache of committed rows nor inserted by t
// already.
func (t *tx) insertAliasPackages(ctx context.Context, in []aliasPackage) error {
	var rows []aliasPackage
	t.s.aliasMu.RLock()
	for _, ap := range in {
		if _, ok := t.s.aliasPkgs[ap]; ok {
			continue
		}
		if _, ok := t.aliasPkgs[ap]; ok {
			continue
		}
		if t.aliasPkgs == nil {
			t.aliasPkgs = make(map[aliasPackage]struct{})
		}
		t.aliasPkgs[ap] = struct{}{}
		rows = append(rows, ap)
	}
	t.s.aliasMu.RUnlock()
	err := batches(len(rows), batchRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*2)
		for _, ap := range rows[lo:hi] {
			args = append(args, ap.alias, ap.packageID)
		}
		_, err := t.exec(ctx, insertOrFail+"alias_packages (alias, package_id) VALUES "+rowsOf(hi-lo, 2)+" ON CONFLICT (alias, package_id) DO NOTHING", args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("insert alias packages: %w", err)
	}
	return nil
}

// commitAliases adds the alias_packages rows t inserted to the store's
// cache once t's transaction committed.
func (t *tx) commitAliases() {
	if len(t.aliasPkgs) == 0 {
		return
	}
	s := t.s
	s.aliasMu.Lock()
	defer s.aliasMu.Unlock()
	if s.aliasPkgs == nil || len(s.aliasPkgs)+len(t.aliasPkgs) > maxAliasCache {
		s.aliasPkgs = make(map[aliasPackage]struct{}, len(t.aliasPkgs))
	}
	for ap := range t.aliasPkgs {
		s.aliasPkgs[ap] = struct{}{}
	}
}

func (t *tx) insertAliases(ctx context.Context, aliases [][2]any) error {
	err := batches(len(aliases), batchRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*2)
		for _, a := range aliases[lo:hi] {
			args = append(args, a[0], a[1])
		}
		_, err := t.exec(ctx, insertOrFail+"finding_aliases (alias, finding_id) VALUES "+rowsOf(hi-lo, 2), args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("insert aliases: %w", err)
	}
	return nil
}

// aliasSet is the id and its aliases, each once.
func aliasSet(id string, aliases []string) []string {
	out := make([]string, 0, len(aliases)+1)
	if id != "" {
		out = append(out, id)
	}
	for _, a := range aliases {
		if a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// event is one row of the change log to insert.
type event struct {
	kind                             string
	projectID, artifactID, findingID int64
	actor, from, to, reason, data    string
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// events appends to the change log.
func (t *tx) events(ctx context.Context, evs []event) error {
	now := t.s.now().UnixMilli()
	err := batches(len(evs), batchRows, func(lo, hi int) error {
		args := make([]any, 0, (hi-lo)*10)
		for _, e := range evs[lo:hi] {
			var data any
			if e.data != "" {
				data = e.data
			}
			args = append(args, now, e.kind, nullID(e.projectID), nullID(e.artifactID), nullID(e.findingID), e.actor, e.from, e.to, e.reason, data)
		}
		_, err := t.exec(ctx, insertOrFail+"events (at, kind, project_id, artifact_id, finding_id, actor, from_state, to_state, reason, data) VALUES "+rowsOf(hi-lo, 10), args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	return nil
}

// batches calls fn for [lo, hi) windows of at most size over n items:
// windows of size, then the rest in windows of falling powers of two, so
// that a batched statement comes in few shapes (and its prepared
// statement is reused) whatever n is.
func batches(n, size int, fn func(lo, hi int) error) error {
	lo := 0
	for ; n-lo >= size; lo += size {
		if err := fn(lo, lo+size); err != nil {
			return err
		}
	}
	for w := 1 << (bits.Len(uint(size)) - 1); lo < n; w >>= 1 {
		if n-lo >= w {
			if err := fn(lo, lo+w); err != nil {
				return err
			}
			lo += w
		}
	}
	return nil
}

// rowsOf is "(?, ?), (?, ?)" for n rows of cols columns.
func rowsOf(n, cols int) string {
	row := "(" + placeholders(cols) + ")"
	var b strings.Builder
	b.Grow(n * (len(row) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

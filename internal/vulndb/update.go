package vulndb

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sync/errgroup"
)

// UpdateOptions configures Update. The zero value updates every ecosystem
// of the public OSV bucket into DefaultDir().
type UpdateOptions struct {
	// Dir is the database directory; "" means DefaultDir().
	Dir string
	// From is an http(s) base URL laid out like the OSV bucket
	// (<From>/ecosystems.txt, <From>/<Ecosystem>/all.zip) or a directory
	// with the same layout (also as a file:// URL); "" means DefaultSource.
	From string
	// Ecosystems to update (archive names such as "PyPI", "Debian"); empty
	// means every name in the source's ecosystems.txt. Ecosystems already in
	// the database but not listed are kept as they are.
	Ecosystems []string
	// HTTPClient is used for http(s) sources; nil means a client with
	// connect, TLS and response-header timeouts.
	HTTPClient *http.Client
	// FetchTimeout bounds the download of one archive. Default 30 minutes.
	FetchTimeout time.Duration
	// Progress, when set, receives progress events (never concurrently).
	Progress func(Progress)
	// Logger receives warnings and milestones; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Limits on archives; zero fields take their defaults.
	Limits Limits
	// Parallel is how many ecosystems are imported at once; 0 means 2.
	// Records of each ecosystem are also parsed by GOMAXPROCS workers.
	Parallel int

	batch int // records per write transaction (tests)
}

// EcosystemStatusKind is the outcome of updating one ecosystem.
type EcosystemStatusKind string

// Outcomes of one ecosystem.
const (
	StatusUnchanged EcosystemStatusKind = "unchanged" // archive unchanged (HTTP 304 or same sha256)
	StatusUpdated   EcosystemStatusKind = "updated"   // re-imported
	StatusNew       EcosystemStatusKind = "new"       // not in the database before
	StatusFailed    EcosystemStatusKind = "failed"    // see Err; the previous data, if any, is kept
)

// EcosystemReport is what Update did to one ecosystem.
type EcosystemReport struct {
	Name   string
	Status EcosystemStatusKind
	// Records is the number of valid records now in the database.
	Records int
	// Added, Modified and Removed compare with the previous import (all
	// zero when unchanged; Added == Records when new).
	Added, Modified, Removed int
	// AddedIDs, ModifiedIDs and RemovedIDs are the advisory ids behind the
	// counts, sorted: the change feed that a re-match starts from. A record
	// is modified when its normalised content changed. Full is set instead
	// when there was no previous import to compare with (every record is
	// new and the id lists are empty).
	AddedIDs, ModifiedIDs, RemovedIDs []string
	Full                              bool
	// Incremental is set when the change listing (modified_id.csv) was
	// read instead of the archive; Fetched records were downloaded.
	Incremental bool
	Fetched     int
	// Invalid counts members that were skipped: bad JSON, failed
	// validation, not .json, too large, duplicate id. InvalidSamples holds
	// the first few as "<member>: <reason>".
	Invalid        int
	InvalidSamples []string
	// Bytes is how much was transferred from the source (0 on HTTP 304).
	Bytes int64
	// Err is why the ecosystem failed (Status == StatusFailed).
	Err error
}

// UpdateReport is the result of Update, ecosystems sorted by name.
type UpdateReport struct {
	Dir        string
	Source     string
	Ecosystems []EcosystemReport
	Duration   time.Duration
}

// Failed returns the number of ecosystems that failed.
func (r *UpdateReport) Failed() int {
	n := 0
	for _, e := range r.Ecosystems {
		if e.Status == StatusFailed {
			n++
		}
	}
	return n
}

// Update downloads the OSV archives of the chosen ecosystems and imports
// the changed ones. It is safe against crashes and concurrent use: new
// files only become visible when the manifest is atomically replaced at the
// end, and a lock file makes a second concurrent Update fail with
// ErrLocked. Readers (Open) never block and are never blocked.
//
// One failing ecosystem does not stop the others: its previous data is kept,
// it is reported with StatusFailed, and the returned error joins the
// failures (the report is returned too). When the context is cancelled
// nothing is changed and the context's error is returned.
func Update(ctx context.Context, opts UpdateOptions) (*UpdateReport, error) {
	start := time.Now()
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir := opts.Dir
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	limits := opts.Limits.withDefaults()
	timeout := cmp.Or(opts.FetchTimeout, 30*time.Minute)
	parallel := cmp.Or(opts.Parallel, 2)

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create database dir: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()

	old, err := readManifest(dir)
	switch {
	case errors.Is(err, ErrNoDatabase):
		old = &manifest{}
	case err != nil:
		log.Warn("rebuilding database", "path", dir, "err", err)
		old = &manifest{}
	}

	src, err := newSource(opts.From, opts.HTTPClient, dir, limits.MaxArchiveSize, timeout)
	if err != nil {
		return nil, err
	}
	ecos := slices.Clone(opts.Ecosystems)
	if len(ecos) == 0 {
		if ecos, err = src.list(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			return nil, groupFailures([]EcosystemReport{{Err: err}})
		}
	}
	for _, e := range ecos {
		if err := validEcosystem(e); err != nil {
			return nil, err
		}
	}
	slices.Sort(ecos)
	ecos = slices.Compact(ecos)

	workers := runtime.GOMAXPROCS(0)
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(workers*parallel), zstd.WithEncoderCRC(false))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	defer enc.Close()
	b := &builder{enc: enc, workers: workers, limits: limits, log: log, batch: opts.batch}
	p := &progressSink{fn: opts.Progress}
	u := &updater{dir: dir, src: src, b: b, p: p, log: log, now: now}

	log.Info("update database", "path", dir, "source", src.String(), "ecosystems", len(ecos))
	reports := make([]EcosystemReport, len(ecos))
	entries := make([]*manifestEntry, len(ecos))
	g := errgroup.Group{}
	g.SetLimit(parallel)
	for i, eco := range ecos {
		g.Go(func() error {
			reports[i], entries[i] = u.one(ctx, eco, old.entry(eco))
			return nil
		})
	}
	g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// The new manifest: every ecosystem processed now (or its previous entry
	// if it failed), plus those not asked for this time.
	next := &manifest{SchemaVersion: SchemaVersion, Source: src.String()}
	var failed []EcosystemReport
	for i, r := range reports {
		if r.Status == StatusFailed {
			failed = append(failed, r)
			if prev := old.entry(r.Name); prev != nil {
				next.Ecosystems = append(next.Ecosystems, *prev)
			}
			continue
		}
		next.Ecosystems = append(next.Ecosystems, *entries[i])
	}
	for _, e := range old.Ecosystems {
		if _, found := slices.BinarySearch(ecos, e.Name); !found {
			next.Ecosystems = append(next.Ecosystems, e)
		}
	}
	slices.SortFunc(next.Ecosystems, func(a, b manifestEntry) int { return strings.Compare(a.Name, b.Name) })
	for i, e := range next.Ecosystems {
		if i == 0 || e.UpdatedAt.Before(next.UpdatedAt) {
			next.UpdatedAt = e.UpdatedAt
		}
	}
	report := &UpdateReport{Dir: dir, Source: src.String(), Ecosystems: reports}
	if len(next.Ecosystems) > 0 {
		if err := writeManifest(dir, next); err != nil {
			return nil, err
		}
		u.collectGarbage(next)
	}
	report.Duration = time.Since(start)
	log.Info("updated database", "path", dir, "duration", report.Duration, "failed", len(failed))
	return report, groupFailures(failed)
}

type updater struct {
	dir string
	src source
	b   *builder
	p   *progressSink
	log *slog.Logger
	now func() time.Time
}

// one updates one ecosystem. It returns the new manifest entry, or nil when
// the ecosystem failed.
func (u *updater) one(ctx context.Context, eco string, prev *manifestEntry) (EcosystemReport, *manifestEntry) {
	r := EcosystemReport{Name: eco}
	e, err := u.fetchAndBuild(ctx, eco, prev, &r)
	if err != nil {
		r.Status, r.Err = StatusFailed, err
		// Not a warning: Update returns the failures grouped by cause.
		u.log.Debug("ecosystem update failed", "ecosystem", eco, "err", err)
	} else {
		r.Records = e.Records
		u.log.Info("ecosystem", "ecosystem", eco, "status", r.Status, "records", r.Records,
			"added", r.Added, "modified", r.Modified, "removed", r.Removed, "invalid", r.Invalid)
	}
	u.p.send(Progress{Ecosystem: eco, Phase: PhaseDone, Status: r.Status})
	return r, e
}

func (u *updater) fetchAndBuild(ctx context.Context, eco string, prev *manifestEntry, r *EcosystemReport) (*manifestEntry, error) {
	healthy := false
	if prev != nil {
		if err := checkFile(filepath.Join(u.dir, prev.File), prev.Records); err != nil {
			u.log.Warn("database file damaged, re-importing", "ecosystem", eco, "path", prev.File, "err", err)
		} else {
			healthy = true
		}
	}
	var cond *manifestEntry // conditional request only when the file is usable
	if healthy {
		cond = prev
		if e, ok, err := u.incremental(ctx, eco, prev, r); ok {
			return e, err
		}
	}
	f, err := u.src.fetch(ctx, eco, cond, u.p)
	if err != nil {
		return nil, err
	}
	defer f.cleanup()
	r.Bytes = f.transferred
	if healthy && (f.unchanged || f.sha256 == prev.SHA256) {
		e := *prev
		e.ETag, e.LastModified, e.UpdatedAt, e.Source = f.etag, f.lastModified, u.now().UTC(), u.src.String()
		r.Status, r.Invalid, r.InvalidSamples = StatusUnchanged, e.Invalid, e.InvalidSamples
		return &e, nil
	}
	r.Status = StatusNew
	prevPath := ""
	if prev != nil {
		r.Status = StatusUpdated
	}
	if healthy {
		prevPath = filepath.Join(u.dir, prev.File)
	}
	name := dbFileName(eco, f.sha256)
	u.p.send(Progress{Ecosystem: eco, Phase: PhaseImport})
	res, err := u.b.build(ctx, eco, f.path, filepath.Join(u.dir, name), prevPath, u.p)
	if err != nil {
		return nil, fmt.Errorf("import %q: %w", u.src.String()+"/"+eco+"/"+archiveFile, err)
	}
	r.Added, r.Modified, r.Removed = res.added, res.modified, res.removed
	r.AddedIDs, r.ModifiedIDs, r.RemovedIDs, r.Full = res.addedIDs, res.modifiedIDs, res.removedIDs, res.full
	r.Invalid, r.InvalidSamples = res.invalid, res.samples
	for _, s := range res.samples {
		u.log.Warn("invalid record", "ecosystem", eco, "err", s)
	}
	return &manifestEntry{
		Name: eco, File: name, Source: u.src.String(), Records: res.records,
		Invalid: res.invalid, InvalidSamples: res.samples,
		ETag: f.etag, LastModified: f.lastModified, SHA256: f.sha256, Bytes: f.size,
		UpdatedAt: u.now().UTC(), FeedCursor: res.newest, FeedCursorIDs: res.newestIDs,
	}, nil
}

// dbFileName names an ecosystem's file by its archive's content:
// <ecosystem, unsafe bytes as '_'>-<12 hex digits of sha256(schema, archive sha256)>.db
func dbFileName(eco, archiveSHA string) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%d\x00%s\x00%s", SchemaVersion, eco, archiveSHA))
	safe := []byte(eco)
	for i, c := range safe {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			safe[i] = '_'
		}
	}
	return string(safe) + "-" + hex.EncodeToString(h[:6]) + ".db"
}

// validFileName accepts names dbFileName makes, so that a tampered manifest
// cannot point outside the directory.
func validFileName(s string) bool {
	return len(s) > len(".db") && strings.HasSuffix(s, ".db") && !strings.ContainsAny(s, `/\`) &&
		!strings.HasPrefix(s, ".")
}

// checkFile opens an ecosystem file read-only and checks that it holds the
// number of records the manifest says. It costs O(1).
func checkFile(path string, records int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	db, err := bolt.Open(path, 0o444, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if m == nil || tx.Bucket(bucketRecords) == nil || tx.Bucket(bucketIndex) == nil {
			return fmt.Errorf("%w: missing bucket", ErrCorrupt)
		}
		if got := string(m.Get([]byte("records"))); got != strconv.Itoa(records) {
			return fmt.Errorf("%w: %s records, manifest says %d", ErrCorrupt, got, records)
		}
		return nil
	})
}

// collectGarbage removes database files the manifest does not name and
// leftovers of interrupted updates. It runs under the update lock. Readers
// that still have an old file open keep their mapping (on Unix); a removal
// that fails (Windows, file in use) is retried by the next update.
func (u *updater) collectGarbage(m *manifest) {
	keep := map[string]bool{}
	for _, e := range m.Ecosystems {
		keep[e.File] = true
	}
	ents, err := os.ReadDir(u.dir)
	if err != nil {
		u.log.Warn("garbage collection", "path", u.dir, "err", err)
		return
	}
	for _, d := range ents {
		n := d.Name()
		stale := strings.HasSuffix(n, ".db") && !keep[n] ||
			strings.Contains(n, ".db.tmp-") ||
			strings.HasPrefix(n, manifestName+".tmp-") ||
			strings.HasPrefix(n, ".dl-")
		if !stale || !d.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(u.dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			u.log.Warn("remove old file", "path", n, "err", err)
		} else {
			u.log.Debug("removed old file", "path", n)
		}
	}
}

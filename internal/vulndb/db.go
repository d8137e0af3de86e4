package vulndb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// MaxAge is how old a database may get before a scan should warn.
const MaxAge = 7 * 24 * time.Hour

// DB is an open database. Opening reads only the manifest; the file of an
// ecosystem is memory-mapped on its first Query. A DB is safe for
// concurrent use.
type DB struct {
	dir string
	dec *zstd.Decoder

	mu     sync.Mutex
	m      *manifest
	files  map[string]*reader // by archive name
	closed bool
}

// reader is the open file of one archive with one read transaction kept
// for the life of the DB: a scan makes a query per package, and a
// transaction per query would cost more than the lookup. The files are
// never written after import, so the long transaction holds nothing back.
// A bbolt transaction is not safe for concurrent use: mu guards it.
type reader struct {
	mu        sync.Mutex
	f         *bolt.DB
	tx        *bolt.Tx
	idx, recs *bolt.Bucket
}

func openReader(path string) (*reader, error) {
	f, err := bolt.Open(path, 0o444, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	tx, err := f.Begin(false)
	if err != nil {
		f.Close()
		return nil, err
	}
	r := &reader{f: f, tx: tx, idx: tx.Bucket(bucketIndex), recs: tx.Bucket(bucketRecords)}
	if r.idx == nil || r.recs == nil {
		r.close()
		return nil, fmt.Errorf("%w: missing bucket", ErrCorrupt)
	}
	return r, nil
}

func (r *reader) close() error {
	return errors.Join(r.tx.Rollback(), r.f.Close())
}

// Open opens the database in dir. It returns an error wrapping ErrNoDatabase
// when there is none, and ErrSchema when it was written by an incompatible
// vigil. Its cost does not depend on the size of the database.
func Open(dir string) (*DB, error) {
	m, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(2*osv.MaxRecordSize))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return &DB{dir: dir, dec: dec, m: m, files: map[string]*reader{}}, nil
}

// Has reports whether the database holds the archive of an ecosystem
// ("Debian:12" -> "Debian").
func (db *DB) Has(ecosystem string) bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.m.entry(archiveOf(ecosystem)) != nil
}

// Query returns the records that affect the package name in ecosystem,
// sorted by id. The name is normalised as at import (see NormalizeName).
// An ecosystem with a suffix ("Debian:12", "Alpine:v3.18") matches records
// for exactly that release plus records for the bare ecosystem ("Debian");
// a bare ecosystem matches only bare records. It returns an error wrapping
// ErrNoEcosystem when the database lacks the ecosystem's archive.
func (db *DB) Query(ctx context.Context, ecosystem, name string) (_ []*osv.Vulnerability, err error) {
	defer recoverCorrupt(&err, ecosystem)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	archive := archiveOf(ecosystem)
	f, err := db.file(archive)
	if err != nil {
		return nil, err
	}
	prefixes := [][]byte{indexPrefix(ecosystem, name)}
	if archive != ecosystem {
		prefixes = append(prefixes, indexPrefix(archive, name))
	}
	var out []*osv.Vulnerability
	err = func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		var ids []string
		c := f.idx.Cursor()
		for _, p := range prefixes {
			for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
				ids = append(ids, string(k[len(p):]))
			}
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		out = make([]*osv.Vulnerability, 0, len(ids))
		for _, id := range ids {
			v, err := db.decode(f.recs.Get([]byte(id)))
			if err != nil {
				return fmt.Errorf("record %q: %w", id, err)
			}
			out = append(out, v)
		}
		return nil
	}()
	if err != nil {
		return nil, fmt.Errorf("query %s %q: %w", ecosystem, name, err)
	}
	return out, nil
}

// Get returns the record with an id from the archive of ecosystem, or nil
// when there is none.
func (db *DB) Get(ctx context.Context, ecosystem, id string) (_ *osv.Vulnerability, err error) {
	defer recoverCorrupt(&err, ecosystem)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := db.file(archiveOf(ecosystem))
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var v *osv.Vulnerability
	if val := f.recs.Get([]byte(id)); val != nil {
		v, err = db.decode(val)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %q: %w", ecosystem, id, err)
	}
	return v, nil
}

// recoverCorrupt turns a panic of bbolt on a damaged file (it panics on
// invalid pages) into an error.
func recoverCorrupt(err *error, ecosystem string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %s file is damaged (%v); delete the database directory and update", ErrCorrupt, archiveOf(ecosystem), r)
	}
}

func (db *DB) decode(val []byte) (*osv.Vulnerability, error) {
	if len(val) == 0 || val[0] != codecZstd {
		return nil, errors.New("unknown encoding")
	}
	data, err := db.dec.DecodeAll(val[1:], nil)
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	v := new(osv.Vulnerability)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return v, nil
}

// file returns the open bbolt file of an archive, opening it read-only on
// first use. If an update replaced and removed the file since Open, the
// manifest is read again and the new file is used.
func (db *DB) file(archive string) (*reader, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return nil, errors.New("database is closed")
	}
	if f := db.files[archive]; f != nil {
		return f, nil
	}
	for attempt := 0; ; attempt++ {
		e := db.m.entry(archive)
		if e == nil {
			return nil, fmt.Errorf("%w: %q (run a database update with this ecosystem)", ErrNoEcosystem, archive)
		}
		path := filepath.Join(db.dir, e.File)
		f, err := openReader(path)
		if err == nil {
			db.files[archive] = f
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) || attempt > 0 {
			return nil, fmt.Errorf("open %q: %w", path, err)
		}
		m, merr := readManifest(db.dir)
		if merr != nil {
			return nil, fmt.Errorf("open %q: %w", path, err)
		}
		db.m = m
	}
}

// Status describes the database.
type Status struct {
	Dir           string
	Source        string
	SchemaVersion int
	// UpdatedAt is the time of the oldest last successful check among the
	// ecosystems: the database is at least this fresh.
	UpdatedAt  time.Time
	Ecosystems []EcosystemStatus // sorted by name
}

// EcosystemStatus describes one ecosystem's data.
type EcosystemStatus struct {
	Name           string
	File           string
	Source         string
	Records        int
	Invalid        int
	InvalidSamples []string
	ETag           string
	LastModified   string
	SHA256         string
	Bytes          int64     // archive size
	UpdatedAt      time.Time // last successful check or import
}

// Fingerprint identifies the database's content: per ecosystem its data
// file (named by the content's hash) and record count, hashed. Two
// databases that imported the same records agree on it.
func (s Status) Fingerprint() string {
	h := sha256.New()
	for _, e := range s.Ecosystems {
		fmt.Fprintf(h, "%s\x00%s\x00%d\n", e.Name, e.File, e.Records)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Age is how old the database is at now.
func (s Status) Age(now time.Time) time.Duration { return now.Sub(s.UpdatedAt) }

// Stale reports whether the database is older than MaxAge at now.
func (s Status) Stale(now time.Time) bool { return s.Age(now) > MaxAge }

// Records is the total number of records.
func (s Status) Records() int {
	n := 0
	for _, e := range s.Ecosystems {
		n += e.Records
	}
	return n
}

// Status returns the state recorded in the manifest read at Open.
func (db *DB) Status() Status {
	db.mu.Lock()
	defer db.mu.Unlock()
	s := Status{Dir: db.dir, Source: db.m.Source, SchemaVersion: db.m.SchemaVersion, UpdatedAt: db.m.UpdatedAt}
	for _, e := range db.m.Ecosystems {
		s.Ecosystems = append(s.Ecosystems, EcosystemStatus{
			Name: e.Name, File: e.File, Source: e.Source, Records: e.Records, Invalid: e.Invalid,
			InvalidSamples: slices.Clone(e.InvalidSamples), ETag: e.ETag, LastModified: e.LastModified,
			SHA256: e.SHA256, Bytes: e.Bytes, UpdatedAt: e.UpdatedAt,
		})
	}
	return s
}

// Close releases the open files.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	var errs []error
	for _, f := range db.files {
		errs = append(errs, f.close())
	}
	db.files = nil
	db.dec.Close()
	return errors.Join(errs...)
}

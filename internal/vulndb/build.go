package vulndb

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sync/errgroup"

	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// Buckets of an ecosystem file.
var (
	bucketRecords = []byte("records") // id -> codec byte + compressed compact JSON
	bucketIndex   = []byte("index")   // <ecosystem>\x00<normalised name>\x00<id> -> empty
	bucketSums    = []byte("sums")    // id -> 8 bytes of sha256(compact JSON), for diffs
	bucketMeta    = []byte("meta")    // "schema", "archive", "records"
)

const codecZstd = 1

// Limits on one archive.
type Limits struct {
	// MaxArchiveSize caps the zip file (bytes). Default 2 GiB.
	MaxArchiveSize int64
	// MaxMemberSize caps the uncompressed size of one zip member: a larger
	// member is counted invalid. Default 16 MiB.
	MaxMemberSize int64
	// MaxTotalSize caps the sum of the uncompressed sizes of the members of
	// one archive; going over it fails the ecosystem. Default 16 GiB.
	MaxTotalSize int64
	// MaxMembers caps the number of zip members. Default 5,000,000.
	MaxMembers int
}

func (l Limits) withDefaults() Limits {
	if l.MaxArchiveSize <= 0 {
		l.MaxArchiveSize = 2 << 30
	}
	if l.MaxMemberSize <= 0 {
		l.MaxMemberSize = osv.MaxRecordSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = 16 << 30
	}
	if l.MaxMembers <= 0 {
		l.MaxMembers = 5_000_000
	}
	return l
}

const (
	maxInvalidSamples = 10
	batchRecords      = 20_000
	batchBytes        = 32 << 20
	reorderWindow     = 4096
	progressEvery     = 1000
)

// buildResult is what importing one archive found.
type buildResult struct {
	records  int
	invalid  int
	samples  []string
	added    int
	modified int
	removed  int
	// The ids behind the counts, when there was a previous file to compare
	// with (a first import has every record added and lists none).
	addedIDs, modifiedIDs, removedIDs []string
	// full: no previous file to compare with; everything counts as added.
	full bool
	// newest is the latest `modified` time of the records imported: where
	// the next incremental refresh starts reading the change listing.
	newest    time.Time
	newestIDs []string
}

func (r *buildResult) addInvalid(member string, err error) {
	r.invalid++
	if len(r.samples) < maxInvalidSamples {
		r.samples = append(r.samples, fmt.Sprintf("%s: %v", member, err))
	}
}

// builder holds what the workers of all imports share.
type builder struct {
	enc     *zstd.Encoder
	workers int
	limits  Limits
	log     *slog.Logger
	batch   int // records per write transaction; 0 means batchRecords
}

type job struct {
	seq  int
	f    *zip.File
	skip bool  // a directory
	err  error // rejected before reading
}

type item struct {
	seq      int
	member   string
	skip     bool
	err      error
	id       string
	modified time.Time
	value    []byte
	sum      [8]byte
	keys     [][]byte
}

// build imports the zip at zipPath into a new bbolt file at outPath (via a
// temporary file renamed into place when complete and synced). prevPath, if
// not empty, is the previous file of the ecosystem, used to count added,
// modified and removed records. Records are never written to disk paths
// named by the archive: they go from the zip reader to the store.
func (b *builder) build(ctx context.Context, eco, zipPath, outPath, prevPath string, p *progressSink) (*buildResult, error) {
	zf, err := os.Open(zipPath)
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	defer zf.Close()
	fi, err := zf.Stat()
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	zr, err := zip.NewReader(zf, fi.Size())
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// Names are never used as paths, so insecure ones are harmless.
		return nil, fmt.Errorf("read zip %q: %w", zipPath, err)
	}
	if len(zr.File) > b.limits.MaxMembers {
		return nil, fmt.Errorf("read zip %q: %d members, over the limit of %d", zipPath, len(zr.File), b.limits.MaxMembers)
	}

	tmp := fmt.Sprintf("%s.tmp-%d", outPath, os.Getpid())
	os.Remove(tmp)
	db, err := bolt.Open(tmp, 0o644, &bolt.Options{
		NoSync: true, NoGrowSync: true, NoFreelistSync: true, Timeout: time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("create %q: %w", tmp, err)
	}
	ok := false
	defer func() {
		if !ok {
			db.Close()
			os.Remove(tmp)
		}
	}()
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketRecords, bucketIndex, bucketSums, bucketMeta} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("create %q: %w", tmp, err)
	}

	res, err := b.load(ctx, eco, zr, db, p)
	if err != nil {
		return nil, err
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		return errors.Join(
			m.Put([]byte("schema"), fmt.Appendf(nil, "%d", SchemaVersion)),
			m.Put([]byte("archive"), []byte(eco)),
			m.Put([]byte("records"), fmt.Appendf(nil, "%d", res.records)),
		)
	}); err != nil {
		return nil, fmt.Errorf("write %q: %w", tmp, err)
	}
	if err := b.diff(db, prevPath, res); err != nil {
		return nil, err
	}
	if err := db.Sync(); err != nil {
		return nil, fmt.Errorf("sync %q: %w", tmp, err)
	}
	if err := db.Close(); err != nil {
		return nil, fmt.Errorf("close %q: %w", tmp, err)
	}
	if err := os.Rename(tmp, outPath); err != nil {
		return nil, fmt.Errorf("rename %q: %w", tmp, err)
	}
	ok = true
	return res, syncDir(filepath.Dir(outPath))
}

// load runs the pipeline: a dispatcher walks the zip directory in order,
// workers read, validate, compact and compress members in parallel, and
// this goroutine writes them in zip order (so that which duplicate wins and
// which invalid records are sampled does not depend on scheduling) in
// bounded batches.
func (b *builder) load(ctx context.Context, eco string, zr *zip.Reader, db *bolt.DB, p *progressSink) (*buildResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan job, b.workers*4)
	results := make(chan item, b.workers*4)
	window := make(chan struct{}, reorderWindow)

	g.Go(func() error {
		defer close(jobs)
		var total uint64
		for i, f := range zr.File {
			select {
			case window <- struct{}{}:
			case <-gctx.Done():
				return gctx.Err()
			}
			j := job{seq: i, f: f}
			switch {
			case strings.HasSuffix(f.Name, "/") || f.Mode().IsDir():
				j.skip = true
			case !strings.HasSuffix(f.Name, ".json"):
				j.err = errors.New("not a .json member")
			case f.UncompressedSize64 > uint64(b.limits.MaxMemberSize):
				j.err = fmt.Errorf("member of %d bytes is over the limit of %d", f.UncompressedSize64, b.limits.MaxMemberSize)
			default:
				total += f.UncompressedSize64
				if total > uint64(b.limits.MaxTotalSize) {
					return fmt.Errorf("archive expands to more than %d bytes", b.limits.MaxTotalSize)
				}
			}
			select {
			case jobs <- j:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	var wg sync.WaitGroup
	for range b.workers {
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			w := worker{b: b}
			for j := range jobs {
				it := w.process(j)
				select {
				case results <- it:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
	}
	go func() { wg.Wait(); close(results) }()

	wr := writer{db: db, res: &buildResult{}, seen: map[string]struct{}{}, max: cmp.Or(b.batch, batchRecords)}
	pending := map[int]item{}
	next, done := 0, 0
	var werr error
	for it := range results {
		if werr != nil {
			continue // drain
		}
		pending[it.seq] = it
		for {
			cur, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-window
			if werr = wr.add(cur); werr != nil {
				cancel()
				break
			}
			done++
			if done%progressEvery == 0 {
				if werr = ctx.Err(); werr != nil {
					break
				}
				p.send(Progress{Ecosystem: eco, Phase: PhaseImport, Records: done, TotalRecords: len(zr.File)})
			}
		}
	}
	gerr := g.Wait()
	if werr != nil {
		return nil, werr
	}
	if gerr != nil {
		return nil, gerr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := wr.flush(); err != nil {
		return nil, err
	}
	p.send(Progress{Ecosystem: eco, Phase: PhaseImport, Records: done, TotalRecords: len(zr.File)})
	return wr.res, nil
}

type worker struct {
	b    *builder
	buf  bytes.Buffer
	cbuf bytes.Buffer
}

func (w *worker) process(j job) item {
	it := item{seq: j.seq, member: j.f.Name, skip: j.skip, err: j.err}
	if it.skip || it.err != nil {
		return it
	}
	data, err := w.read(j.f)
	if err != nil {
		it.err = err
		return it
	}
	v, err := osv.Parse(data)
	if err != nil {
		it.err = err
		return it
	}
	w.cbuf.Reset()
	if err := json.Compact(&w.cbuf, data); err != nil {
		it.err = fmt.Errorf("compact json: %w", err)
		return it
	}
	compact := w.cbuf.Bytes()
	s := sha256.Sum256(compact)
	copy(it.sum[:], s[:8])
	val := make([]byte, 1, 1+len(compact)/3)
	val[0] = codecZstd
	it.value = w.b.enc.EncodeAll(compact, val)
	it.id, it.modified = v.ID, v.Modified
	for _, a := range v.Affected {
		if a.Package.Name == "" || a.Package.Ecosystem == "" {
			continue
		}
		k := append(indexPrefix(a.Package.Ecosystem, a.Package.Name), v.ID...)
		if !slices.ContainsFunc(it.keys, func(x []byte) bool { return bytes.Equal(x, k) }) {
			it.keys = append(it.keys, k)
		}
	}
	return it
}

// read returns the uncompressed member. The zip reader already fails a
// member that inflates past its declared size; the LimitReader is a second
// guard.
func (w *worker) read(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open member: %w", err)
	}
	defer rc.Close()
	w.buf.Reset()
	w.buf.Grow(int(f.UncompressedSize64) + bytes.MinRead)
	n, err := w.buf.ReadFrom(io.LimitReader(rc, w.b.limits.MaxMemberSize+1))
	if err != nil {
		return nil, fmt.Errorf("read member: %w", err)
	}
	if n > w.b.limits.MaxMemberSize {
		return nil, fmt.Errorf("member inflates past the limit of %d bytes", w.b.limits.MaxMemberSize)
	}
	return w.buf.Bytes(), nil
}

// writer collects records into batches and writes each batch in one bbolt
// transaction, keys sorted.
type writer struct {
	db    *bolt.DB
	res   *buildResult
	batch []item
	bytes int
	seen  map[string]struct{} // ids of the current batch
	max   int                 // records per batch
}

func (w *writer) add(it item) error {
	switch {
	case it.skip:
		return nil
	case it.err != nil:
		w.res.addInvalid(it.member, it.err)
		return nil
	}
	if _, dup := w.seen[it.id]; dup {
		w.res.addInvalid(it.member, fmt.Errorf("duplicate id %q", it.id))
		return nil
	}
	w.seen[it.id] = struct{}{}
	switch {
	case it.modified.After(w.res.newest):
		w.res.newest, w.res.newestIDs = it.modified, []string{it.id}
	case it.modified.Equal(w.res.newest):
		w.res.newestIDs = append(w.res.newestIDs, it.id)
	}
	w.batch = append(w.batch, it)
	w.bytes += len(it.value)
	if len(w.batch) >= w.max || w.bytes >= batchBytes {
		return w.flush()
	}
	return nil
}

func (w *writer) flush() error {
	if len(w.batch) == 0 {
		return nil
	}
	slices.SortFunc(w.batch, func(a, b item) int { return strings.Compare(a.id, b.id) })
	err := w.db.Update(func(tx *bolt.Tx) error {
		recs, sums, idx := tx.Bucket(bucketRecords), tx.Bucket(bucketSums), tx.Bucket(bucketIndex)
		fill(recs, []byte(w.batch[0].id))
		fill(sums, []byte(w.batch[0].id))
		var keys [][]byte
		for i := range w.batch {
			it := &w.batch[i]
			id := []byte(it.id)
			if recs.Get(id) != nil {
				// Already written by an earlier batch: the first member wins.
				w.res.addInvalid(it.member, fmt.Errorf("duplicate id %q", it.id))
				continue
			}
			if err := recs.Put(id, it.value); err != nil {
				return fmt.Errorf("put %q: %w", it.id, err)
			}
			if err := sums.Put(id, it.sum[:]); err != nil {
				return fmt.Errorf("put %q: %w", it.id, err)
			}
			keys = append(keys, it.keys...)
			w.res.records++
		}
		if len(keys) == 0 {
			return nil
		}
		slices.SortFunc(keys, bytes.Compare)
		fill(idx, keys[0])
		for _, k := range keys {
			if err := idx.Put(k, nil); err != nil {
				return fmt.Errorf("put index: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write batch: %w", err)
	}
	w.batch, w.bytes = nil, 0
	clear(w.seen)
	return nil
}

// fill packs pages full when a batch only appends (the usual case: archive
// members come sorted by id), and leaves room for inserts otherwise.
func fill(b *bolt.Bucket, first []byte) {
	b.FillPercent = bolt.DefaultFillPercent
	if last, _ := b.Cursor().Last(); last == nil || bytes.Compare(last, first) < 0 {
		b.FillPercent = 1.0
	}
}

// diff counts added, modified and removed records against the previous file
// of the ecosystem by a merge of the two sorted "sums" buckets.
func (b *builder) diff(db *bolt.DB, prevPath string, res *buildResult) (err error) {
	defer func() {
		if r := recover(); r != nil {
			// bbolt panics on a damaged file: count everything as added.
			b.log.Warn("cannot diff with previous file", "path", prevPath, "err", r)
			res.added, res.modified, res.removed, err = res.records, 0, 0, nil
			res.addedIDs, res.modifiedIDs, res.removedIDs = nil, nil, nil
			res.full = true
		}
	}()
	if prevPath == "" {
		res.added, res.full = res.records, true
		return nil
	}
	old, err := bolt.Open(prevPath, 0o444, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		b.log.Warn("cannot diff with previous file", "path", prevPath, "err", err)
		res.added, res.full = res.records, true
		return nil
	}
	defer old.Close()
	return old.View(func(otx *bolt.Tx) error {
		return db.View(func(ntx *bolt.Tx) error {
			ob, nb := otx.Bucket(bucketSums), ntx.Bucket(bucketSums)
			if ob == nil {
				res.added, res.full = res.records, true
				return nil
			}
			oc, nc := ob.Cursor(), nb.Cursor()
			ok, ov := oc.First()
			nk, nv := nc.First()
			for ok != nil || nk != nil {
				switch c := compareKeys(ok, nk); {
				case c < 0:
					res.removed++
					res.removedIDs = append(res.removedIDs, string(ok))
					ok, ov = oc.Next()
				case c > 0:
					res.added++
					res.addedIDs = append(res.addedIDs, string(nk))
					nk, nv = nc.Next()
				default:
					if !bytes.Equal(ov, nv) {
						res.modified++
						res.modifiedIDs = append(res.modifiedIDs, string(nk))
					}
					ok, ov = oc.Next()
					nk, nv = nc.Next()
				}
			}
			return nil
		})
	})
}

// compareKeys orders keys with nil (an exhausted cursor) last.
func compareKeys(a, b []byte) int {
	switch {
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return bytes.Compare(a, b)
}

package vulndb

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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

// The OSV bucket lists, per ecosystem, every record with its modified time
// (<Ecosystem>/modified_id.csv, lines "<RFC 3339 time>,<id>", newest
// first) and serves each record alone (<Ecosystem>/<id>.json). A refresh
// reads the listing and fetches only what changed since the newest record
// it holds, instead of the whole archive.
const (
	feedFile = "modified_id.csv"
	// maxFeedSize bounds the listing (the public npm listing is ~10 MB).
	maxFeedSize = 256 << 20
	// maxIncremental: past this many changed records one archive is
	// cheaper than that many requests.
	maxIncremental = 5000
	// feedFetchers is how many records are fetched at once.
	feedFetchers = 8
)

// errNoFile means the source does not have the file (HTTP 404, no such
// file): the caller falls back to the archive.
var errNoFile = errors.New("not in the source")

// feedEntry is one line of a change listing.
type feedEntry struct {
	modified time.Time
	id       string
}

// parseFeed reads a change listing; a malformed line is an error naming
// the line.
func parseFeed(name string, data []byte) ([]feedEntry, error) {
	var out []feedEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 4096)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		ts, id, ok := strings.Cut(line, ",")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want <time>,<id>", name, n)
		}
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		if err := validRecordID(id); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		out = append(out, feedEntry{modified: t, id: id})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return out, nil
}

// validRecordID rejects ids that could escape a directory or a URL path.
func validRecordID(id string) error {
	switch {
	case id == "" || id == "." || id == ".." || len(id) > 200:
		return fmt.Errorf("invalid record id %q", id)
	case strings.ContainsAny(id, "/\\"), strings.ContainsFunc(id, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("invalid record id %q", id)
	}
	return nil
}

// incremental refreshes eco from its change listing. ok is false when the
// archive must be read instead: no listing, no previous import to start
// from, or more changes than maxIncremental.
func (u *updater) incremental(ctx context.Context, eco string, prev *manifestEntry, r *EcosystemReport) (_ *manifestEntry, ok bool, _ error) {
	if prev == nil || prev.FeedCursor.IsZero() {
		return nil, false, nil
	}
	data, err := u.src.file(ctx, eco, feedFile, maxFeedSize)
	if errors.Is(err, errNoFile) {
		u.log.Debug("no change listing; reading the archive", "ecosystem", eco)
		return nil, false, nil
	}
	if err != nil {
		u.log.Warn("change listing unreadable; reading the archive", "ecosystem", eco, "err", err)
		return nil, false, nil
	}
	transferred := int64(len(data))
	entries, err := parseFeed(u.src.String()+"/"+eco+"/"+feedFile, data)
	if err != nil {
		u.log.Warn("change listing malformed; reading the archive", "ecosystem", eco, "err", err)
		return nil, false, nil
	}
	// Everything after the cursor, and what carries the cursor's own time
	// but was not processed then (listed in the same instant, later).
	seen := map[string]bool{}
	var changed []string
	cursor, atCursor := prev.FeedCursor, prev.FeedCursorIDs
	for _, e := range entries {
		if e.modified.Before(prev.FeedCursor) || seen[e.id] ||
			e.modified.Equal(prev.FeedCursor) && slices.Contains(prev.FeedCursorIDs, e.id) {
			continue
		}
		seen[e.id] = true
		changed = append(changed, e.id)
		switch {
		case e.modified.After(cursor):
			cursor, atCursor = e.modified, []string{e.id}
		case e.modified.Equal(cursor):
			atCursor = append(slices.Clip(atCursor), e.id)
		}
	}
	slices.Sort(atCursor)
	if len(changed) == 0 {
		e := *prev
		e.UpdatedAt = u.now().UTC()
		r.Status, r.Bytes, r.Incremental = StatusUnchanged, transferred, true
		r.Invalid, r.InvalidSamples = e.Invalid, e.InvalidSamples
		return &e, true, nil
	}
	if len(changed) > maxIncremental {
		u.log.Info("many changes; reading the archive", "ecosystem", eco, "changed", len(changed))
		return nil, false, nil
	}
	slices.Sort(changed)
	fetched := make([][]byte, len(changed))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(feedFetchers)
	for i, id := range changed {
		g.Go(func() error {
			b, err := u.src.file(gctx, eco, id+".json", u.b.limits.MaxMemberSize)
			if errors.Is(err, errNoFile) {
				return nil // listed but gone: withdrawn from the source
			}
			if err != nil {
				return err
			}
			mu.Lock()
			transferred += int64(len(b))
			mu.Unlock()
			fetched[i] = b
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, true, err
	}
	prevPath := filepath.Join(u.dir, prev.File)
	zipPath, sum, err := u.mergeArchive(prevPath, changed, fetched)
	if err != nil {
		return nil, true, err
	}
	defer os.Remove(zipPath)
	name := dbFileName(eco, "incremental-"+sum)
	u.p.send(Progress{Ecosystem: eco, Phase: PhaseImport})
	res, err := u.b.build(ctx, eco, zipPath, filepath.Join(u.dir, name), prevPath, u.p)
	if err != nil {
		return nil, true, fmt.Errorf("import the changes of %s: %w", eco, err)
	}
	r.Status, r.Bytes = StatusUpdated, transferred
	if len(res.addedIDs)+len(res.modifiedIDs)+len(res.removedIDs) == 0 {
		r.Status = StatusUnchanged
	}
	r.Added, r.Modified, r.Removed = res.added, res.modified, res.removed
	r.AddedIDs, r.ModifiedIDs, r.RemovedIDs = res.addedIDs, res.modifiedIDs, res.removedIDs
	r.Invalid, r.InvalidSamples = res.invalid, res.samples
	r.Incremental, r.Fetched = true, len(changed)
	return &manifestEntry{
		Name: eco, File: name, Source: u.src.String(), Records: res.records,
		Invalid: res.invalid, InvalidSamples: res.samples,
		// No archive was read: the next archive download is unconditional.
		SHA256: "", Bytes: transferred, UpdatedAt: u.now().UTC(), FeedCursor: cursor, FeedCursorIDs: atCursor,
	}, true, nil
}

// mergeArchive writes a zip of the records of prevPath, with the changed
// ids replaced by their fetched content (nil: dropped), for build. It
// returns the zip's path (a temporary file in the database directory) and
// its sha256.
func (u *updater) mergeArchive(prevPath string, changed []string, fetched [][]byte) (string, string, error) {
	old, err := bolt.Open(prevPath, 0o444, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return "", "", fmt.Errorf("open %s: %w", prevPath, err)
	}
	defer old.Close()
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(2*osv.MaxRecordSize))
	if err != nil {
		return "", "", err
	}
	defer dec.Close()
	f, err := os.CreateTemp(u.dir, ".inc-*.zip")
	if err != nil {
		return "", "", err
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	zw := zip.NewWriter(io.MultiWriter(f, h))
	add := func(id string, data []byte) error {
		w, err := zw.Create(id + ".json")
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	err = old.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		if b == nil {
			return errors.New("no records bucket")
		}
		return b.ForEach(func(k, v []byte) error {
			if _, found := slices.BinarySearch(changed, string(k)); found {
				return nil
			}
			if len(v) == 0 || v[0] != codecZstd {
				return fmt.Errorf("record %s: unknown codec", k)
			}
			data, err := dec.DecodeAll(v[1:], nil)
			if err != nil {
				return fmt.Errorf("record %s: %w", k, err)
			}
			return add(string(k), data)
		})
	})
	if err != nil {
		return "", "", fmt.Errorf("read %s: %w", prevPath, err)
	}
	for i, id := range changed {
		if fetched[i] != nil {
			if err := add(id, fetched[i]); err != nil {
				return "", "", err
			}
		}
	}
	if err := zw.Close(); err != nil {
		return "", "", err
	}
	if err := f.Close(); err != nil {
		return "", "", err
	}
	done = true
	return f.Name(), hex.EncodeToString(h.Sum(nil)), nil
}

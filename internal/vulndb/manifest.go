package vulndb

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// SchemaVersion is the version of the on-disk layout (manifest and bbolt
// buckets). Bump it when a change makes old files unreadable; Open then
// returns ErrSchema and the next update rebuilds every ecosystem.
const SchemaVersion = 1

const (
	manifestName = "manifest.json"
	lockName     = ".lock"
	maxManifest  = 16 << 20
)

// manifest is the root of the database: it names the one bbolt file of each
// ecosystem. It is replaced atomically (tmp + fsync + rename) and written
// last, so readers only ever see complete files.
type manifest struct {
	SchemaVersion int             `json:"schema_version"`
	Source        string          `json:"source"`
	UpdatedAt     time.Time       `json:"updated_at"`
	Ecosystems    []manifestEntry `json:"ecosystems"`
}

type manifestEntry struct {
	Name           string    `json:"name"`
	File           string    `json:"file"`
	Source         string    `json:"source"`
	Records        int       `json:"records"`
	Invalid        int       `json:"invalid"`
	InvalidSamples []string  `json:"invalid_samples,omitempty"`
	ETag           string    `json:"etag,omitempty"`
	LastModified   string    `json:"last_modified,omitempty"`
	SHA256         string    `json:"sha256"`
	Bytes          int64     `json:"bytes"`
	UpdatedAt      time.Time `json:"updated_at"` // last successful check or import
	// FeedCursor is the newest `modified` time among the imported records;
	// an incremental refresh fetches what <Ecosystem>/modified_id.csv lists
	// at or after it.
	FeedCursor time.Time `json:"feed_cursor,omitzero"`
	// FeedCursorIDs are the listed ids at exactly FeedCursor that were
	// processed (so that they are not fetched again).
	FeedCursorIDs []string `json:"feed_cursor_ids,omitempty"`
}

func (m *manifest) entry(name string) *manifestEntry {
	for i := range m.Ecosystems {
		if m.Ecosystems[i].Name == name {
			return &m.Ecosystems[i]
		}
	}
	return nil
}

// readManifest reads dir/manifest.json. It returns ErrNoDatabase when the
// file does not exist and ErrSchema when it has another schema version.
func readManifest(dir string) (*manifest, error) {
	path := filepath.Join(dir, manifestName)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %q", ErrNoDatabase, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open manifest: %w", err)
	}
	defer f.Close()
	var m manifest
	dec := json.NewDecoder(&limitedReader{r: f, n: maxManifest})
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("read manifest %q: %w", path, err)
	}
	if m.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%w: %q has schema %d, this vigil reads %d (run a database update)",
			ErrSchema, path, m.SchemaVersion, SchemaVersion)
	}
	for _, e := range m.Ecosystems {
		if !validFileName(e.File) {
			return nil, fmt.Errorf("read manifest %q: bad file name %q", path, e.File)
		}
	}
	return &m, nil
}

// writeManifest replaces dir/manifest.json atomically.
func writeManifest(dir string, m *manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	return writeFileAtomic(dir, manifestName, append(data, '\n'))
}

// writeFileAtomic writes dir/name through a temporary file, fsyncs it,
// renames it into place and fsyncs the directory.
func writeFileAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, name+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("rename %s: %w", name, err)
	}
	ok = true
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Errors are ignored on systems that
// cannot fsync a directory.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	defer d.Close()
	_ = d.Sync()
	return nil
}

type limitedReader struct {
	r interface{ Read([]byte) (int, error) }
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("file too large")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

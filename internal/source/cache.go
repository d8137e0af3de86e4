package source

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// cacheFormat is bumped when layerResult or the walk's semantics change.
const cacheFormat = 1

// layerCache stores layer results by diff-id and extractor-set version.
// Writes go to a temporary file renamed into place, so concurrent scans
// never see a partial entry.
type layerCache struct {
	dir     string
	version string
}

// DefaultCacheDir is os.UserCacheDir()/vigil/layers.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "vigil", "layers"), nil
}

// extractorSetVersion identifies the extractors and limits whose results
// a cache entry holds.
func extractorSetVersion(exs []inventory.Extractor, limit int64) string {
	var names []string
	for _, ex := range exs {
		names = append(names, ex.Name()+"@"+strconv.Itoa(ex.Version()))
	}
	slices.Sort(names)
	h := sha256.New()
	fmt.Fprintf(h, "format=%d limit=%d\n", cacheFormat, limit)
	for _, n := range names {
		fmt.Fprintln(h, n)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func (c *layerCache) path(diffID string) string {
	h := sha256.Sum256([]byte(diffID + "\x00" + c.version))
	return filepath.Join(c.dir, hex.EncodeToString(h[:])+".json")
}

func (c *layerCache) get(diffID string) (*layerResult, bool) {
	if c == nil || diffID == "" {
		return nil, false
	}
	b, err := os.ReadFile(c.path(diffID))
	if err != nil {
		return nil, false
	}
	var lr layerResult
	if err := json.Unmarshal(b, &lr); err != nil || lr.DiffID != diffID {
		return nil, false
	}
	return &lr, true
}

func (c *layerCache) put(lr *layerResult) error {
	if c == nil || lr.DiffID == "" {
		return nil
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(lr)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), c.path(lr.DiffID))
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

package rpmdb

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// FuzzExtract hands arbitrary bytes to the rpmdb reader under each of the
// database's file names: no panic escapes (inventory.Run recovers the
// third-party reader's), no hang, and the temporary copy is removed.
func FuzzExtract(f *testing.F) {
	b, err := os.ReadFile("testdata/sqlite/var/lib/rpm/rpmdb.sqlite")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b, uint8(0))
	f.Add([]byte("SQLite format 3\x00"), uint8(0))
	f.Add([]byte("\x00\x06\x15\x61"), uint8(1)) // BerkeleyDB hash magic
	f.Add([]byte("RpmP"), uint8(2))             // NDB
	names := []string{"var/lib/rpm/rpmdb.sqlite", "var/lib/rpm/Packages", "var/lib/rpm/Packages.db"}
	f.Fuzz(func(t *testing.T, b []byte, which uint8) {
		dir := t.TempDir()
		ex := &Extractor{TempDir: dir}
		_, _ = inventory.Run(t.Context(), ex, &inventory.Input{Path: names[int(which)%len(names)], Reader: bytes.NewReader(b)})
		if left, _ := filepath.Glob(filepath.Join(dir, "vigil-rpmdb-*")); len(left) > 0 {
			t.Errorf("temporary copies left behind: %v", left)
		}
	})
}

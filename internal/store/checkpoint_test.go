package store

import (
	"context"
	"encoding/binary"
	"os"
	"testing"
	"time"
)

// walIndex reads the WAL's last frame (mxFrame) and how many frames are
// copied into the database file (nBackfill) from SQLite's wal-index, the
// -shm file: the index header's mxFrame at offset 16, the checkpoint
// information's nBackfill at offset 96, both native-endian (little on
// every platform this runs on).
func walIndex(t *testing.T, dbPath string) (mxFrame, nBackfill uint32) {
	t.Helper()
	b, err := os.ReadFile(dbPath + "-shm")
	if err != nil || len(b) < 100 {
		t.Fatalf("read wal-index: %v (%d bytes)", err, len(b))
	}
	return binary.LittleEndian.Uint32(b[16:]), binary.LittleEndian.Uint32(b[96:])
}

// Commits far below wal_autocheckpoint are copied into the database file
// by the checkpointer, not left in the WAL for the writer's own
// checkpoint to copy inside a later commit.
func TestCheckpointerBackfills(t *testing.T) {
	s, path := openSQLite(t, nil)
	ctx := context.Background()
	for i := range 3 {
		if _, err := s.Ingest(ctx, fixture("p", i, 50, 40, 3)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mx, backfilled := walIndex(t, path)
		if mx > 0 && backfilled == mx {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %d of %d WAL frames in the database file", backfilled, mx)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Close stops the checkpointer.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

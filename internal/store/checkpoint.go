package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointEvery is how often, at most, the checkpointer copies the
// frames committed to SQLite's WAL into the database file.
const checkpointEvery = 250 * time.Millisecond

// checkpointer runs SQLite's WAL checkpoints on a connection of its own,
// beside the writer instead of in its commits.
//
// SQLite's automatic checkpoint runs inside the commit that takes the WAL
// over wal_autocheckpoint pages: the writer copies every frame into the
// database file and syncs it while the next group of ingests waits for
// it (some 40 ms every ninety ingests, 8% of the writer's time at
// 140 SBOMs/s). A PASSIVE checkpoint on another connection takes no
// write lock, so the writer goes on committing meanwhile; the writers
// keep their automatic checkpoint, which then finds nearly every frame
// already copied and only resets the WAL (a checkpoint that runs while
// commits go on can never catch up with the last frame by itself).
type checkpointer struct {
	db   *sql.DB
	kick chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
	err  error
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	c.wg.Go(c.run)
	return c
}

// poke tells the checkpointer that a transaction committed; it never
// blocks.
func (c *checkpointer) poke() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	t := time.NewTimer(0)
	<-t.C
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		// Gather the commits of the next interval into one checkpoint.
		t.Reset(checkpointEvery)
		select {
		case <-c.stop:
			t.Stop()
			return
		case <-t.C:
		}
		// A failure (the database busy, the disk full) only leaves the
		// work to the writer's automatic checkpoint.
		c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)") //nolint:errcheck
	}
}

// close stops the checkpointer and closes its connection; closing again
// does nothing.
func (c *checkpointer) close() error {
	c.once.Do(func() {
		close(c.stop)
		c.wg.Wait()
		c.err = c.db.Close()
	})
	return c.err
}

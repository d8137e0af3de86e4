//go:build unix

package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"syscall"
)

// fileLocker is goose's migration lock for SQLite: an exclusive flock on a
// file beside the database, so that two processes opening the same file
// never migrate it at once.
type fileLocker struct {
	path string
	f    *os.File
}

func (l *fileLocker) Lock(ctx context.Context, _ *sql.DB) error {
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return fmt.Errorf("migration lock %q: %w", l.path, err)
	}
	l.f = f
	return nil
}

func (l *fileLocker) Unlock(context.Context, *sql.DB) error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close() // closing releases the flock
	l.f = nil
	return err
}

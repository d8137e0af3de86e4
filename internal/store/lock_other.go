//go:build !unix

package store

import (
	"context"
	"database/sql"
)

// fileLocker is a no-op where flock is missing: the migration then relies
// on SQLite's own write lock (each migration is one IMMEDIATE transaction).
type fileLocker struct{ path string }

func (l *fileLocker) Lock(context.Context, *sql.DB) error   { return nil }
func (l *fileLocker) Unlock(context.Context, *sql.DB) error { return nil }

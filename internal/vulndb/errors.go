package vulndb

import (
	"context"
	"errors"
	"fmt"
)

// ErrNoDatabase is returned by Open when the directory holds no database
// (no manifest.json): run an update first.
var ErrNoDatabase = errors.New("no vulnerability database")

// ErrSchema is returned by Open when the database was written by an
// incompatible version of vigil: run an update to rebuild it.
var ErrSchema = errors.New("unsupported database schema")

// ErrNoEcosystem is returned by Query when the database holds no archive for
// the ecosystem asked for.
var ErrNoEcosystem = errors.New("ecosystem not in database")

// ErrCorrupt is returned by Query and Get when an ecosystem file is
// damaged.
var ErrCorrupt = errors.New("corrupt database")

// ErrLocked is returned by Update when another update of the same directory
// is running.
var ErrLocked = errors.New("database is locked by another update")

// ErrUnreachable matches (with errors.Is) a FetchError caused by the
// network: DNS, connection refused, timeout, TLS. The CLI suggests
// --offline or --from DIR.
var ErrUnreachable = errors.New("source unreachable")

// FetchError is a failed download or read of one source object.
type FetchError struct {
	URL        string // URL or file path
	StatusCode int    // HTTP status, 0 when no response was received
	Err        error
}

func (e *FetchError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("fetch %q: HTTP status %d", e.URL, e.StatusCode)
	}
	return fmt.Sprintf("fetch %q: %v", e.URL, e.Err)
}

func (e *FetchError) Unwrap() error { return e.Err }

// Is reports network failures as ErrUnreachable.
func (e *FetchError) Is(target error) bool {
	if target != ErrUnreachable || e.StatusCode != 0 || e.Err == nil {
		return false
	}
	return !errors.Is(e.Err, context.Canceled) && isNetworkError(e.Err)
}

package store

import "errors"

// ErrNotFound is returned when the asked-for record does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned when a record with the same identity exists.
var ErrExists = errors.New("already exists")

// ErrInvalid wraps a rejected change (a state change without a reason, an
// acceptance without a future expiry, an unknown state).
var ErrInvalid = errors.New("invalid")

// ErrSchemaTooNew is returned by Open when the database was migrated by a
// newer Vigil than this binary.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// ErrConflict means a compare-and-set lost: another process changed the
// record first (a notification cursor another replica advanced).
var ErrConflict = errors.New("conflict")

package secrets

import "errors"

// ErrTooLarge is returned (or recorded for a file) when input exceeds
// Options.MaxFileSize.
var ErrTooLarge = errors.New("file exceeds maximum size")

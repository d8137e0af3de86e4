//go:build !unix

package audit

import "os"

// lockFile does nothing where flock is missing: appends from concurrent
// processes are then the caller's to serialise.
func lockFile(*os.File) error { return nil }

//go:build !unix

package vulndb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// lockDir creates dir/.lock exclusively. Unlike flock on Unix, a crashed
// update leaves the file behind; remove it by hand after checking that no
// update is running.
func lockDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%w (%q)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("lock database: %w", err)
	}
	return func() {
		f.Close()
		os.Remove(path)
	}, nil
}

package vulndb

import (
	"fmt"
	"os"
	"path/filepath"
)

// EnvDir is the environment variable that overrides the database directory.
const EnvDir = "VIGIL_DB_DIR"

// DefaultDir returns the database directory: $VIGIL_DB_DIR when set, else
// <user cache dir>/vigil/db, where the user cache dir is $XDG_CACHE_HOME or
// ~/.cache on Linux (os.UserCacheDir elsewhere).
func DefaultDir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find cache dir (set %s): %w", EnvDir, err)
	}
	return filepath.Join(c, "vigil", "db"), nil
}

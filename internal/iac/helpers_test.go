package iac

import (
	"context"
	"io/fs"
	"os"
	"testing"
)

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}

func osDirFS(dir string) fs.FS { return os.DirFS(dir) }

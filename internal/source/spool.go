package source

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// MaxSpool bounds a binary from an image layer that is spooled to a
// temporary file so that the binary extractors can read it by random
// access (kubelet, terraform providers: 100-250 MB). Larger files are
// reported as too large.
var MaxSpool int64 = 1 << 30

// spoolable reports whether every matched extractor reads by random access
// and the file fits the spool.
func spoolable(exs []inventory.Extractor, size int64) bool {
	if size > MaxSpool {
		return false
	}
	for _, ex := range exs {
		if inventory.LimitFor(ex, 0) == 0 {
			return false
		}
	}
	return len(exs) > 0
}

// spoolAndExtract copies one tar member into a temporary file that is
// unlinked at once (so it is gone on every exit path, a crash included)
// and runs the extractors on it.
func spoolAndExtract(ctx context.Context, name string, hdr *tar.Header, tr io.Reader, exs []inventory.Extractor, hook FileHook, diffID string) (fileResult, error) {
	fr := fileResult{Path: name}
	f, err := os.CreateTemp("", "vigil-spool-*")
	if err != nil {
		return fr, fmt.Errorf("spool %q: %w", name, err)
	}
	os.Remove(f.Name())
	defer f.Close()
	if n, err := io.CopyN(f, tr, hdr.Size); err != nil || n != hdr.Size {
		return fr, fmt.Errorf("%w: read %q: %v", ErrHostileLayer, name, err)
	}
	if hook != nil {
		if err := hook(diffID, hdr, io.NewSectionReader(f, 0, hdr.Size)); err != nil {
			return fr, err
		}
	}
	info := hdr.FileInfo()
	for _, ex := range exs {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fr, err
		}
		pkgs, err := inventory.Run(ctx, ex, &inventory.Input{Path: name, Info: info, Reader: f})
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return fr, ctxErr
			}
			fr.Issues = append(fr.Issues, inventory.IssueFromError(name, ex.Name(), err))
		}
		fr.Packages = append(fr.Packages, pkgs...)
	}
	return fr, nil
}

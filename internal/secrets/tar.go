package secrets

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// ScanTar scans the regular files of one tar stream, typically a container
// image layer (uncompressed). Every file in the layer is scanned, including
// files a later layer deletes; whiteout markers (.wh.*) are skipped. layer
// (for example the layer digest) is copied into each finding. On a corrupt
// archive the findings so far are returned with an error naming the layer.
func (s *Scanner) ScanTar(ctx context.Context, r io.Reader, layer string) ([]Finding, error) {
	st := s.pool.Get().(*scratch)
	defer s.put(st)
	tr := tar.NewReader(r)
	var out []Finding
	tmpl := Finding{Layer: layer}
	for {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			sortFindings(out)
			return out, fmt.Errorf("read layer %q: %w", layer, err)
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA { //nolint:staticcheck // TypeRegA appears in old layers
			continue
		}
		name := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		if strings.HasPrefix(path.Base(name), ".wh.") || hdr.Size == 0 {
			continue
		}
		if s.maxSize >= 0 && hdr.Size > s.maxSize {
			s.log.Debug("skip oversize file", "path", name, "layer", layer, "size", hdr.Size)
			continue
		}
		out, err = s.scanStream(st, name, tr, tmpl, out)
		if err != nil {
			sortFindings(out)
			return out, fmt.Errorf("read layer %q: file %q: %w", layer, name, err)
		}
	}
	sortFindings(out)
	return out, nil
}

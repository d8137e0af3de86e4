package source

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/os/osrelease"
)

// Limits of the layer walk.
const (
	// maxRatio and ratioFloor flag decompression bombs: more than
	// maxRatio output bytes per input byte once past ratioFloor bytes.
	maxRatio = 200

	// maxEntries bounds the number of tar entries in one layer.
	maxEntries = 5_000_000
)

// ratioFloor is the decompressed size past which maxRatio applies (a
// variable so tests can lower it).
var ratioFloor int64 = 1 << 30

// FileHook is called for every regular file of every layer, in tar order,
// with the file's content (other scanners, e.g. secrets, use it). An error
// stops the scan.
type FileHook func(layer string, hdr *tar.Header, r io.Reader) error

// cleanEntry normalises a tar entry name to a root-relative slash path
// ("" for the root). ok is false when the name climbs out of the root.
func cleanEntry(n string) (string, bool) {
	n = strings.ReplaceAll(n, "\\", "/")
	c := path.Clean("/" + n)
	// A name whose lexical cleaning differs after removing the leading
	// ".." means it tried to climb out.
	raw := path.Clean(n)
	if raw == ".." || strings.HasPrefix(raw, "../") {
		return strings.TrimPrefix(c, "/"), false
	}
	return strings.TrimPrefix(c, "/"), true
}

// layerResult is what one layer yields; it is cached by diff-id, so it
// must not depend on other layers.
type layerResult struct {
	DiffID string `json:"diff_id"`
	// Files are the per-file results of the files extractors wanted.
	Files []fileResult `json:"files,omitempty"`
	// OSFiles are the distribution release files found in the layer.
	OSFiles map[string][]byte `json:"os_files,omitempty"`
	// Whiteouts are paths the layer deletes from lower layers.
	Whiteouts []string `json:"whiteouts,omitempty"`
	// Opaque are directories whose lower-layer content the layer hides.
	Opaque []string `json:"opaque,omitempty"`
	// Entries are the layer's paths; directories end in "/". A path here
	// replaces the same path of lower layers, and a non-directory also
	// hides everything below it.
	Entries []string `json:"entries,omitempty"`
	// Issues are layer-level problems (bad entry names).
	Issues []inventory.Issue `json:"issues,omitempty"`
}

type fileResult struct {
	Path     string              `json:"path"`
	Packages []inventory.Package `json:"packages,omitempty"`
	Issues   []inventory.Issue   `json:"issues,omitempty"`
}

// decompress sniffs gzip, zstd or plain tar.
func decompress(r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(4)
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, func() { zr.Close() }, nil
	case bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(128<<20), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, nil, fmt.Errorf("zstd: %w", err)
		}
		return zr, zr.Close, nil
	}
	return br, func() {}, nil
}

// countReader counts bytes read.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// walkLayer reads one layer stream in a single pass: it records whiteouts
// and paths, keeps release files, and hands the content of files an
// extractor wants (by path only) to those extractors.
func walkLayer(ctx context.Context, diffID string, raw io.Reader, exs []inventory.Extractor, limit int64, hook FileHook) (*layerResult, error) {
	return walkLayerWith(ctx, diffID, raw, nil, exs, limit, hook)
}

// walkLayerWith is walkLayer with wrap applied to the decompressed stream
// (for hashing).
func walkLayerWith(ctx context.Context, diffID string, raw io.Reader, wrap func(io.Reader) io.Reader, exs []inventory.Extractor, limit int64, hook FileHook) (*layerResult, error) {
	in := &countReader{r: raw}
	dr, closeFn, err := decompress(in)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHostileLayer, err)
	}
	defer closeFn()
	if _, plain := dr.(*bufio.Reader); !plain {
		ar := newAsyncReader(dr)
		defer ar.Close()
		dr = ar
	}
	if wrap != nil {
		dr = wrap(dr)
	}
	out := &countReader{r: dr}
	tr := tar.NewReader(out)
	res := &layerResult{DiffID: diffID}
	var buf bytes.Buffer
	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if n > maxEntries {
			return nil, fmt.Errorf("%w: more than %d entries", ErrHostileLayer, maxEntries)
		}
		if out.n > ratioFloor && out.n > maxRatio*in.n {
			return nil, fmt.Errorf("%w: decompresses to over %dx its size (bomb?)", ErrHostileLayer, maxRatio)
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: read tar: %v", ErrHostileLayer, err)
		}
		name, ok := cleanEntry(hdr.Name)
		if !ok {
			res.Issues = append(res.Issues, inventory.Issue{Path: hdr.Name, Message: "tar entry climbs out of the root; skipped"})
			continue
		}
		if name == "" {
			continue
		}
		dir, base := path.Split(name)
		if strings.HasPrefix(base, ".wh.") {
			if base == ".wh..wh..opq" {
				res.Opaque = append(res.Opaque, strings.TrimSuffix(dir, "/"))
			} else {
				res.Whiteouts = append(res.Whiteouts, dir+base[len(".wh."):])
			}
			continue
		}
		if hdr.Typeflag == tar.TypeDir {
			res.Entries = append(res.Entries, name+"/")
			continue
		}
		res.Entries = append(res.Entries, name)
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA {
			continue
		}
		var matched []inventory.Extractor
		var de fs.DirEntry
		for _, ex := range exs {
			if de == nil {
				de = fs.FileInfoToDirEntry(hdr.FileInfo())
			}
			if ex.Match(name, de) {
				matched = append(matched, ex)
			}
		}
		isOS := osrelease.IsCandidate(name)
		if len(matched) == 0 && !isOS {
			if hook != nil {
				if err := hook(diffID, hdr, tr); err != nil {
					return nil, err
				}
			}
			continue
		}
		if hdr.Size > limit && spoolable(matched, hdr.Size) {
			fr, err := spoolAndExtract(ctx, name, hdr, tr, matched, hook, diffID)
			if err != nil {
				return nil, err
			}
			res.Files = append(res.Files, fr)
			continue
		}
		if hdr.Size > limit {
			fr := fileResult{Path: name}
			for _, ex := range matched {
				fr.Issues = append(fr.Issues, inventory.IssueFromError(name, ex.Name(),
					fmt.Errorf("%w: %d bytes (limit %d)", inventory.ErrTooLarge, hdr.Size, limit)))
			}
			res.Files = append(res.Files, fr)
			if hook != nil {
				if err := hook(diffID, hdr, tr); err != nil {
					return nil, err
				}
			}
			continue
		}
		buf.Reset()
		if _, err := buf.ReadFrom(io.LimitReader(tr, limit)); err != nil {
			return nil, fmt.Errorf("%w: read %q: %v", ErrHostileLayer, name, err)
		}
		content := buf.Bytes()
		if hook != nil {
			if err := hook(diffID, hdr, bytes.NewReader(content)); err != nil {
				return nil, err
			}
		}
		if isOS && len(content) <= osrelease.MaxSize {
			if res.OSFiles == nil {
				res.OSFiles = map[string][]byte{}
			}
			res.OSFiles[name] = bytes.Clone(content)
		}
		if len(matched) == 0 {
			continue
		}
		fr := fileResult{Path: name}
		info := hdr.FileInfo()
		for _, ex := range matched {
			pkgs, err := inventory.Run(ctx, ex, &inventory.Input{Path: name, Info: info, Reader: bytes.NewReader(content)})
			if err != nil {
				if ctxErr := ctx.Err(); ctxErr != nil {
					return nil, ctxErr
				}
				fr.Issues = append(fr.Issues, inventory.IssueFromError(name, ex.Name(), err))
			}
			fr.Packages = append(fr.Packages, pkgs...)
		}
		res.Files = append(res.Files, fr)
		if buf.Cap() > 16<<20 {
			buf = bytes.Buffer{} // do not pin a large buffer
		}
	}
	// Drain trailing data so a truncated stream is noticed, and verify.
	if _, err := io.Copy(io.Discard, io.LimitReader(out, 1<<20)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHostileLayer, err)
	}
	return res, nil
}

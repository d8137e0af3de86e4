package source

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"
)

// MaxInflatedArchive bounds what a compressed image archive may expand to
// (a decompression bomb stops here with an error).
var MaxInflatedArchive int64 = 32 << 30

// errInflateLimit is returned past MaxInflatedArchive.
var errInflateLimit = errors.New("compressed archive expands past the limit")

// decompressor returns a reader of the decompressed content of r when it
// starts with gzip or zstd magic (told by content, not by file name), and
// r itself otherwise.
func decompressor(r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(4)
	nop := func() {}
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nop, fmt.Errorf("gzip: %w", err)
		}
		return &capReader{r: zr, n: MaxInflatedArchive}, func() { zr.Close() }, nil
	case len(magic) == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(64<<20))
		if err != nil {
			return nil, nop, fmt.Errorf("zstd: %w", err)
		}
		return &capReader{r: zr, n: MaxInflatedArchive}, zr.Close, nil
	}
	return br, nop, nil
}

// capReader fails past n bytes.
type capReader struct {
	r io.Reader
	n int64
}

func (c *capReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n -= int64(n)
	if c.n < 0 {
		return n, fmt.Errorf("%w (%d bytes)", errInflateLimit, MaxInflatedArchive)
	}
	return n, err
}

// openArchive opens an image archive for random access. A gzip'd or
// zstd'd archive (docker save | gzip) is decompressed in one streaming pass
// into a temporary file that is unlinked at once, so it is gone on every
// exit path, a crash included.
func openArchive(p string) (*os.File, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	r, closeDec, err := decompressor(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read %q: %w", p, err)
	}
	defer closeDec()
	if _, plain := r.(*bufio.Reader); plain {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	defer f.Close()
	tmp, err := os.CreateTemp("", "vigil-archive-*")
	if err != nil {
		return nil, fmt.Errorf("spool %q: %w", p, err)
	}
	os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("decompress %q: %w", p, err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		tmp.Close()
		return nil, err
	}
	return tmp, nil
}

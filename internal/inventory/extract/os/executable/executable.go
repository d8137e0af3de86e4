// Package executable decides cheaply which files may be native executables
// (for the Go and Rust binary extractors) and gives them random access.
package executable

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// MaxSize bounds a binary read into memory when it cannot be read in place.
const MaxSize = 512 << 20

// binDirs hold executables by convention; files there are candidates
// without a stat.
var binDirs = []string{"bin/", "sbin/", "libexec/"}

// skipPrefixes never hold executables worth reading.
var skipPrefixes = []string{"usr/share/", "usr/include/", "etc/", "var/lib/dpkg/", "var/cache/", "usr/lib/python", "proc/", "sys/", "dev/"}

// Candidate reports whether the file at p may be an executable: a regular
// file in a bin directory, or an extension-less file with an exec bit.
// It stats only extension-less files outside bin directories.
func Candidate(p string, d fs.DirEntry) bool {
	if d != nil && !d.Type().IsRegular() {
		return false
	}
	for _, s := range skipPrefixes {
		if strings.HasPrefix(p, s) || strings.Contains(p, "/"+s) {
			return false
		}
	}
	dir, base := splitLast(p)
	for _, b := range binDirs {
		if strings.HasSuffix(dir, "/"+b) || dir == b {
			return true
		}
	}
	if strings.Contains(base, ".") {
		return strings.HasSuffix(base, ".exe")
	}
	if d == nil {
		return false
	}
	info, err := d.Info()
	return err == nil && info.Mode().Perm()&0o111 != 0
}

func splitLast(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/')
	return p[:i+1], p[i+1:]
}

// Kind is a native binary format.
type Kind int

// Kinds.
const (
	None Kind = iota
	ELF
	MachO
	PE
)

// Sniff reports the format from the first bytes.
func Sniff(b []byte) Kind {
	if len(b) < 4 {
		return None
	}
	switch {
	case bytes.Equal(b[:4], []byte("\x7fELF")):
		return ELF
	case b[0] == 'M' && b[1] == 'Z':
		return PE
	}
	switch m := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]); m {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe:
		return MachO
	}
	return None
}

// Open returns random access to the input and its kind; kind None (and a
// nil reader) means not a native binary. Only 4 bytes are read from a file
// that is not one.
func Open(in *inventory.Input) (io.ReaderAt, int64, Kind, func(), error) {
	nop := func() {}
	if br, ok := in.Reader.(*bytes.Reader); ok {
		var magic [4]byte
		n, _ := br.ReadAt(magic[:], 0)
		k := Sniff(magic[:n])
		return br, br.Size(), k, nop, nil
	}
	var magic [4]byte
	n, err := io.ReadFull(in.Reader, magic[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, 0, None, nop, err
	}
	k := Sniff(magic[:n])
	if k == None {
		return nil, 0, None, nop, nil
	}
	// A spooled file (a large binary from an image layer): random access
	// without reading it into memory.
	if f, ok := in.Reader.(interface {
		io.ReaderAt
		Stat() (fs.FileInfo, error)
	}); ok {
		if st, err := f.Stat(); err == nil {
			return f, st.Size(), k, nop, nil
		}
	}
	if in.FS != nil {
		if f, err := in.FS.Open(in.Path); err == nil {
			if ra, ok := f.(io.ReaderAt); ok {
				if st, err := f.Stat(); err == nil {
					return ra, st.Size(), k, func() { f.Close() }, nil
				}
			}
			f.Close()
		}
	}
	rest, err := io.ReadAll(io.LimitReader(in.Reader, MaxSize))
	if err != nil {
		return nil, 0, None, nop, fmt.Errorf("read binary: %w", err)
	}
	b := append(magic[:n:n], rest...)
	return bytes.NewReader(b), int64(len(b)), k, nop, nil
}

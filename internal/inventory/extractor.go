package inventory

import (
	"context"
	"io"
	"io/fs"
)

// Extractor finds packages in one kind of file.
type Extractor interface {
	// Name is unique, path-like and stable ("npm/packagelock"); it is used
	// in flags and output.
	Name() string
	// Version is bumped when the extractor's results change.
	Version() int
	// Match reports whether the extractor wants the file. It is called for
	// every file in a walk: no stat, no regexp, no I/O.
	Match(path string, d fs.DirEntry) bool
	// Extract reads the file and returns the packages it declares. Locations
	// must use in.Path. A parse error should be a *ParseError.
	Extract(ctx context.Context, in *Input) ([]Package, error)
}

// Input is one file handed to an extractor.
type Input struct {
	// FS is the filesystem being scanned, for extractors that must read a
	// sibling file (e.g. requirements "-r other.txt"). Paths are slash
	// separated and relative to the scan root.
	FS fs.FS
	// Path is the slash-separated path of the file relative to the root.
	Path string
	// Info is the file's FileInfo (may be nil when the file comes from a
	// stream, e.g. an image layer).
	Info fs.FileInfo
	// Reader yields the file's content, limited to MaxFileSize.
	Reader io.Reader
}

package source

import "errors"

// ErrUnknownTarget means Detect could not tell what the argument is.
var ErrUnknownTarget = errors.New("not a directory, image archive or image reference")

// ErrNoPlatform means an image index has no image for the requested
// platform.
var ErrNoPlatform = errors.New("no image for platform")

// ErrHostileLayer means a layer is not a well-formed tar or is a
// decompression bomb.
var ErrHostileLayer = errors.New("malformed layer")

// ErrHostileArchive means a file that is a (compressed) tar by its content
// or name cannot be read as one: truncated, corrupt, or a decompression
// bomb.
var ErrHostileArchive = errors.New("malformed archive")

// ErrNotImageArchive means a readable tar is neither a docker nor an OCI
// image archive.
var ErrNotImageArchive = errors.New("not an image archive")

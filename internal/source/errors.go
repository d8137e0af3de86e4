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

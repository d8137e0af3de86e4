package version

import "errors"

// ErrUnknownEcosystem is returned by ForEcosystem and Compare for an OSV
// ecosystem that has no version scheme here.
var ErrUnknownEcosystem = errors.New("unknown ecosystem")

// ErrInvalid is returned (wrapped) for a string that is not a version of
// the scheme, including the empty string and strings over MaxLen bytes.
var ErrInvalid = errors.New("invalid version")

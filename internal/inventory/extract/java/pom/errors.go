package pom

import "errors"

// ErrEntityDeclaration is returned for a DOCTYPE that declares entities:
// Maven never needs them and they are the vehicle of entity-expansion
// attacks. (encoding/xml does not expand them anyway.)
var ErrEntityDeclaration = errors.New("DOCTYPE with entity declarations refused")

// errUnresolved marks a value whose ${...} references could not be
// resolved from this file alone.
var errUnresolved = errors.New("unresolved property")

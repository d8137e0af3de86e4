package osv

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxRecordSize is the largest record Parse accepts, in bytes.
const MaxRecordSize = 16 << 20

// Limits on identifiers. They are far above anything in the public data and
// keep index keys small.
const (
	maxIDLen   = 256
	maxNameLen = 1024
)

// ErrTooLarge is returned by Parse for a record over MaxRecordSize bytes.
var ErrTooLarge = errors.New("record too large")

// ValidationError reports why a record is not a usable OSV record.
// Field is a path into the record such as "affected[2].ranges[0].events[1]".
type ValidationError struct {
	Field string
	Msg   string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// vulnFields has the fields of Vulnerability without its methods, so that
// wireVulnerability can shadow one field without recursing into a custom
// decoder.
type vulnFields Vulnerability

// wireVulnerability decodes a record in one pass while telling an absent
// "modified" (an error) from a zero one (accepted: PyPA publishes one).
type wireVulnerability struct {
	*vulnFields
	Modified *time.Time `json:"modified"`
}

// Parse decodes one OSV record from JSON and validates it (see Validate).
// Unknown fields are ignored, as the OSV schema allows. It never panics.
func Parse(data []byte) (*Vulnerability, error) {
	if len(data) > MaxRecordSize {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(data), MaxRecordSize)
	}
	v := new(Vulnerability)
	w := wireVulnerability{vulnFields: (*vulnFields)(v)}
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("decode json: %w", err)
	}
	if w.Modified == nil {
		return nil, invalid("modified", "missing")
	}
	v.Modified = *w.Modified
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return v, nil
}

// Validate checks what a matcher relies on: an id, known range types,
// events that each name exactly one version, at least one "introduced" per
// range, no range mixing "fixed" with "last_affected", a repo for GIT ranges,
// and package names and ecosystems that can be indexed. It returns a
// *ValidationError for the first problem found.
func (v *Vulnerability) Validate() error {
	if err := checkKey("id", v.ID, maxIDLen); err != nil {
		return err
	}
	for i := range v.Affected {
		a := &v.Affected[i]
		field := fmt.Sprintf("affected[%d]", i)
		if a.Package != (Package{}) {
			if err := checkKey(field+".package.ecosystem", a.Package.Ecosystem, maxNameLen); err != nil {
				return err
			}
			if err := checkKey(field+".package.name", a.Package.Name, maxNameLen); err != nil {
				return err
			}
		}
		for j := range a.Ranges {
			if err := validateRange(fmt.Sprintf("%s.ranges[%d]", field, j), &a.Ranges[j]); err != nil {
				return err
			}
		}
		for j, ver := range a.Versions {
			if ver == "" {
				return invalid(fmt.Sprintf("%s.versions[%d]", field, j), "empty version")
			}
		}
	}
	return nil
}

func validateRange(field string, r *Range) error {
	switch r.Type {
	case RangeSemver, RangeEcosystem:
	case RangeGit:
		if r.Repo == "" {
			return invalid(field+".repo", "missing for a GIT range")
		}
	case "":
		return invalid(field+".type", "missing")
	default:
		return invalid(field+".type", "unknown range type %q", r.Type)
	}
	if len(r.Events) == 0 {
		return invalid(field+".events", "empty")
	}
	var introduced, fixed, lastAffected bool
	for k, e := range r.Events {
		n := 0
		for _, s := range [...]string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
			if s != "" {
				n++
			}
		}
		switch {
		case n == 0:
			return invalid(fmt.Sprintf("%s.events[%d]", field, k), "no version")
		case n > 1:
			return invalid(fmt.Sprintf("%s.events[%d]", field, k), "more than one version")
		}
		introduced = introduced || e.Introduced != ""
		fixed = fixed || e.Fixed != ""
		lastAffected = lastAffected || e.LastAffected != ""
	}
	if !introduced {
		return invalid(field+".events", "no introduced event")
	}
	if fixed && lastAffected {
		return invalid(field+".events", "both fixed and last_affected")
	}
	return nil
}

// checkKey rejects values that cannot be part of an index key: empty, too
// long, not UTF-8, or holding a NUL (the key separator) or another control
// character.
func checkKey(field, s string, limit int) error {
	switch {
	case s == "":
		return invalid(field, "missing")
	case len(s) > limit:
		return invalid(field, "longer than %d bytes", limit)
	case !utf8.ValidString(s):
		return invalid(field, "not valid UTF-8")
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return invalid(field, "control character in %q", s)
	}
	return nil
}

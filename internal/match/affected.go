package match

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// installed is a package version parsed once, lazily per scheme (the
// ecosystem's, and SemVer for SEMVER ranges), and reused for every range
// of every record queried for the package.
type installed struct {
	raw   string
	eco   version.Scheme // nil when the ecosystem has no scheme
	cache [2]parsedAs
}

// parsedAs is the installed version under one scheme; v is nil when it
// does not parse.
type parsedAs struct {
	s version.Scheme
	v version.Version
}

func newInstalled(eco, raw string) *installed {
	s, _ := version.ForEcosystem(eco)
	return &installed{raw: raw, eco: s}
}

// in returns the version parsed under s, or nil when it does not parse.
func (in *installed) in(s version.Scheme) version.Version {
	for i := range in.cache {
		c := &in.cache[i]
		if c.s == s {
			return c.v
		}
		if c.s == nil {
			v, err := s.Parse(in.raw)
			if err != nil {
				v = nil
			}
			*c = parsedAs{s: s, v: v}
			return v
		}
	}
	v, err := s.Parse(in.raw)
	if err != nil {
		return nil
	}
	return v
}

// fix is a fixed version found in a range that affects the package.
type fix struct {
	raw string
	v   version.Version
}

// verdict is the result of evaluating one affected entry.
type verdict struct {
	affected bool
	// fixes are the fixed events above the installed version in the ranges
	// that affect it.
	fixes []fix
}

// evaluate applies the OSV evaluation algorithm
// (https://ossf.github.io/osv-schema/#evaluation) to one affected entry:
// the package is affected when its version is in the versions list or in
// any SEMVER or ECOSYSTEM range. GIT ranges are skipped. A range whose
// event versions do not parse is skipped (see docs/matching.md).
func evaluate(c *cache, in *installed, a *osv.Affected) verdict {
	var out verdict
	evaluable := false
	for i := range a.Ranges {
		r := &a.Ranges[i]
		var s version.Scheme
		switch r.Type {
		case osv.RangeSemver:
			s = version.SemVer
		case osv.RangeEcosystem:
			s = in.eco
		default:
			continue
		}
		if s == nil {
			continue
		}
		v := in.in(s)
		if v == nil {
			continue
		}
		hit, fixes, err := evalRange(c, s, v, r.Events)
		if err != nil {
			continue
		}
		evaluable = true
		if hit {
			out.affected = true
			out.fixes = append(out.fixes, fixes...)
		}
	}
	if !out.affected && inVersions(c, in, a.Versions, !evaluable) {
		out.affected = true
	}
	return out
}

// inVersions reports whether the installed version is in the list: equal
// as a string or, when byScheme is set, equal under the ecosystem's scheme
// ("v1.2.3" and "1.2.3" in Go, "1.0" and "1.0.0" in PyPI). The scheme is
// only consulted for entries without a range the matcher could evaluate:
// where there is one, the list (which osv.dev expands from the ranges and
// can hold hundreds of versions) adds nothing but exact strings.
func inVersions(c *cache, in *installed, versions []string, byScheme bool) bool {
	if len(versions) == 0 {
		return false
	}
	if slices.Contains(versions, in.raw) {
		return true
	}
	if !byScheme || in.eco == nil {
		return false
	}
	v := in.in(in.eco)
	if v == nil {
		return false
	}
	for _, s := range versions {
		w, err := c.parse(in.eco, s)
		if err != nil {
			continue
		}
		if cmp, err := version.CompareVersions(v, w); err == nil && cmp == 0 {
			return true
		}
	}
	return false
}

// Event kinds, in the order that breaks ties between equal versions when
// events are sorted: an introduced and a fixed at the same version give
// an empty interval, an introduced and a last_affected one version.
const (
	kindIntroduced = iota
	kindFixed
	kindLastAffected
	kindLimit
)

type event struct {
	kind int
	raw  string
	v    version.Version // nil for introduced "0" and for a "*" limit
}

// maxEvents bounds the events of one range; real ranges have a handful.
const maxEvents = 1024

// evalRange evaluates one range for version v (parsed under s). It returns
// whether v is affected and, if so, the fixed events above v.
func evalRange(cache *cache, s version.Scheme, v version.Version, raw []osv.Event) (bool, []fix, error) {
	if len(raw) > maxEvents {
		return false, nil, fmt.Errorf("range has %d events (limit %d)", len(raw), maxEvents)
	}
	events := make([]event, 0, len(raw))
	var limits []event
	for _, e := range raw {
		var ev event
		switch {
		case e.Introduced != "":
			ev = event{kind: kindIntroduced, raw: e.Introduced}
		case e.Fixed != "":
			ev = event{kind: kindFixed, raw: e.Fixed}
		case e.LastAffected != "":
			ev = event{kind: kindLastAffected, raw: e.LastAffected}
		case e.Limit != "":
			ev = event{kind: kindLimit, raw: e.Limit}
		default:
			continue
		}
		zero := ev.kind == kindIntroduced && ev.raw == "0"
		inf := ev.kind == kindLimit && strings.Contains(ev.raw, "*")
		if !zero && !inf {
			p, err := cache.parse(s, ev.raw)
			if err != nil {
				return false, nil, fmt.Errorf("event: %w", err)
			}
			ev.v = p
		}
		if ev.kind == kindLimit {
			limits = append(limits, ev)
			continue
		}
		events = append(events, ev)
	}

	// BeforeLimits: with limit events, v must be below at least one.
	if len(limits) > 0 {
		below := false
		for _, l := range limits {
			if l.v == nil {
				below = true
				break
			}
			c, err := version.CompareVersions(v, l.v)
			if err != nil {
				return false, nil, err
			}
			if c < 0 {
				below = true
				break
			}
		}
		if !below {
			return false, nil, nil
		}
	}

	var sortErr error
	slices.SortStableFunc(events, func(a, b event) int {
		switch {
		case a.v == nil && b.v == nil:
			return a.kind - b.kind
		case a.v == nil:
			return -1
		case b.v == nil:
			return 1
		}
		c, err := version.CompareVersions(a.v, b.v)
		if err != nil {
			sortErr = err
			return 0
		}
		if c != 0 {
			return c
		}
		return a.kind - b.kind
	})
	if sortErr != nil {
		return false, nil, sortErr
	}

	affected := false
	var fixes []fix
	for _, e := range events {
		c := -1 // v against the event version; introduced "0" is below all
		if e.v != nil {
			var err error
			if c, err = version.CompareVersions(v, e.v); err != nil {
				return false, nil, err
			}
		} else {
			c = 1
		}
		switch e.kind {
		case kindIntroduced:
			if c >= 0 {
				affected = true
			}
		case kindFixed:
			if c >= 0 {
				affected = false
			} else {
				fixes = append(fixes, fix{raw: e.raw, v: e.v})
			}
		case kindLastAffected:
			if c > 0 {
				affected = false
			}
		}
	}
	if !affected {
		return false, nil, nil
	}
	return true, fixes, nil
}

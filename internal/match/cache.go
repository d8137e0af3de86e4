package match

import (
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/version"
)

// cache holds, for one Find call, parsed event versions and CVSS vectors:
// advisories repeat both ("0", the same fix in many entries, the same
// vector in many records), and osv-scalibr's parsers allocate. A nil
// *cache parses every time.
type cache struct {
	versions map[parseKey]parsedVersion
	vectors  map[string]parsedVector
}

type parseKey struct {
	s   version.Scheme
	raw string
}

type parsedVersion struct {
	v   version.Version
	err error
}

type parsedVector struct {
	c   severity.CVSS
	err error
}

func newCache() *cache {
	return &cache{versions: map[parseKey]parsedVersion{}, vectors: map[string]parsedVector{}}
}

func (c *cache) parse(s version.Scheme, raw string) (version.Version, error) {
	if c == nil {
		return s.Parse(raw)
	}
	k := parseKey{s, raw}
	if p, ok := c.versions[k]; ok {
		return p.v, p.err
	}
	v, err := s.Parse(raw)
	c.versions[k] = parsedVersion{v, err}
	return v, err
}

func (c *cache) cvss(vector string) (severity.CVSS, error) {
	if c == nil {
		return severity.ParseCVSS(vector)
	}
	if p, ok := c.vectors[vector]; ok {
		return p.c, p.err
	}
	v, err := severity.ParseCVSS(vector)
	c.vectors[vector] = parsedVector{v, err}
	return v, err
}

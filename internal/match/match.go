// Package match matches packages against OSV advisories and produces
// findings: one per package and vulnerability group (records that are the
// same issue, linked by ids, aliases and upstream ids). It is pure: the
// only I/O is through the Source it is given. See docs/matching.md.
package match

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// Source returns the advisories that may affect a package. It may return
// more than needed (the matcher filters by ecosystem, name and version);
// the name is already normalised with NormalizeName.
type Source interface {
	Query(ctx context.Context, ecosystem, name string) ([]*osv.Vulnerability, error)
}

// Finding is one vulnerability group affecting one package.
type Finding struct {
	// ID is the id of the group's primary matched record (see
	// docs/matching.md for the choice).
	ID string `json:"id"`
	// Aliases are every other id of the group (record ids, aliases,
	// upstream ids), sorted, without ID.
	Aliases []string          `json:"aliases,omitempty"`
	Package inventory.Package `json:"package"`
	// Severity is the highest severity given by any record of the group.
	Severity severity.Level `json:"severity"`
	// CVSS is the best vector of the group (newest CVSS version, then
	// highest score); nil when no record has one.
	CVSS *severity.CVSS `json:"cvss,omitempty"`
	// SeveritySource says where Severity came from (SourceCVSSv3, ...);
	// empty when Severity is Unknown.
	SeveritySource string `json:"severity_source,omitempty"`
	// Summary is the first non-empty summary in the group, else the first
	// line of the first non-empty details.
	Summary string `json:"summary,omitempty"`
	// FixedVersion is the lowest fixed version above the installed one in
	// the ranges that affect it; empty when there is none.
	FixedVersion string `json:"fixed_version,omitempty"`
	// Published is the earliest and Modified the latest time in the group.
	Published time.Time `json:"published,omitzero"`
	Modified  time.Time `json:"modified,omitzero"`
	// References are the URLs of every record, primary first, without
	// duplicates.
	References []string `json:"references,omitempty"`
}

// ctxBatch is how many packages are matched between ctx checks.
const ctxBatch = 64

// Find matches pkgs against the advisories from src. It queries each
// (ecosystem, name) once. Packages whose identity is a guess
// (inventory.Package.Confident) are not matched. Findings are sorted by severity (highest
// first), package, then id; a package listed twice gives one finding per
// group, with the locations merged.
func Find(ctx context.Context, pkgs []inventory.Package, src Source) ([]Finding, error) {
	type queryKey struct{ eco, name string }
	queried := make(map[queryKey][]*osv.Vulnerability, len(pkgs))
	byKey := map[string]int{} // finding key -> index in out
	var out []Finding
	c := newCache()

	for i := range pkgs {
		if i%ctxBatch == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		p := &pkgs[i]
		name, ver := matchNameVersion(p)
		if name == "" || ver == "" || p.Ecosystem == "" || !p.Confident() {
			continue // a guessed identity (a jar's file name) is listed, never matched
		}
		qk := queryKey{p.Ecosystem, NormalizeName(p.Ecosystem, name)}
		vulns, ok := queried[qk]
		if !ok {
			var err error
			vulns, err = src.Query(ctx, qk.eco, qk.name)
			if err != nil {
				return nil, fmt.Errorf("query %s package %q: %w", qk.eco, qk.name, err)
			}
			queried[qk] = vulns
		}
		for _, f := range matchPackage(c, p, qk.name, ver, vulns) {
			k := p.Key() + "\x00" + f.ID
			if j, dup := byKey[k]; dup {
				out[j].Package.Locations = mergeLocations(out[j].Package.Locations, p.Locations)
				continue
			}
			byKey[k] = len(out)
			out = append(out, f)
		}
	}
	for i := range out {
		slices.SortFunc(out[i].Package.Locations, func(a, b inventory.Location) int {
			if c := cmp.Compare(a.Path, b.Path); c != 0 {
				return c
			}
			return cmp.Compare(a.Line, b.Line)
		})
	}
	slices.SortFunc(out, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := inventory.Compare(&a.Package, &b.Package); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// matchNameVersion returns the name and version advisories know the
// package by: the source package when the extractor recorded one (OS
// advisories are keyed by source package), else the package itself.
func matchNameVersion(p *inventory.Package) (string, string) {
	if p.SourceName != "" {
		v := p.SourceVersion
		if v == "" {
			v = p.Version
		}
		return p.SourceName, v
	}
	return p.Name, p.Version
}

func mergeLocations(a, b []inventory.Location) []inventory.Location {
	out := slices.Clone(a)
	for _, l := range b {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// hit is one record that affects the package, with the entries that
// matched and the fixes they offer.
type hit struct {
	v       *osv.Vulnerability
	matched []*osv.Affected
	fixes   []fix
}

// matchPackage evaluates every record for one package and groups the hits.
func matchPackage(c *cache, p *inventory.Package, normName, ver string, vulns []*osv.Vulnerability) []Finding {
	in := newInstalled(p.Ecosystem, ver)
	var hits []hit
	for _, v := range vulns {
		if v == nil || !v.Withdrawn.IsZero() {
			continue
		}
		var h hit
		for i := range v.Affected {
			a := &v.Affected[i]
			if a.Package.Ecosystem != p.Ecosystem || NormalizeName(a.Package.Ecosystem, a.Package.Name) != normName {
				continue
			}
			if p.Platform != "" && !platformApplies(a, p.Platform) {
				continue
			}
			vd := evaluate(c, in, a)
			if !vd.affected {
				continue
			}
			h.matched = append(h.matched, a)
			h.fixes = append(h.fixes, vd.fixes...)
		}
		if len(h.matched) > 0 {
			h.v = v
			hits = append(hits, h)
		}
	}
	if len(hits) == 0 {
		return nil
	}
	groups := group(hits)
	out := make([]Finding, 0, len(groups))
	for _, g := range groups {
		out = append(out, finding(c, p, g))
	}
	return out
}

// recordIDs are the ids that link records into a group: the id, aliases
// and upstream ids.
func recordIDs(v *osv.Vulnerability) []string {
	ids := make([]string, 0, 1+len(v.Aliases)+len(v.Upstream))
	ids = append(ids, v.ID)
	ids = append(ids, v.Aliases...)
	ids = append(ids, v.Upstream...)
	return ids
}

// group partitions hits into groups of records sharing any id
// (transitively), with a union-find over the ids. Each group is ordered
// primary first (see primaryLess), and groups by their primary id.
func group(hits []hit) [][]hit {
	parent := make([]int, len(hits))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, h := range hits {
		for _, id := range recordIDs(h.v) {
			if id == "" {
				continue
			}
			if j, ok := owner[id]; ok {
				ri, rj := find(i), find(j)
				if ri != rj {
					parent[max(ri, rj)] = min(ri, rj)
				}
				continue
			}
			owner[id] = i
		}
	}
	byRoot := map[int][]hit{}
	var roots []int
	for i, h := range hits {
		r := find(i)
		if _, ok := byRoot[r]; !ok {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], h)
	}
	out := make([][]hit, 0, len(roots))
	for _, r := range roots {
		g := byRoot[r]
		slices.SortFunc(g, func(a, b hit) int { return primaryCompare(a.v, b.v) })
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b []hit) int { return cmp.Compare(a[0].v.ID, b[0].v.ID) })
	return out
}

// primaryCompare orders the records of a group, primary first: the record
// with the most upstream ids (the most downstream advisory, as
// OSV-Scanner does), then by id prefix (DSA/DLA/USN, then CVE, then
// ecosystem databases such as GO, PYSEC, RUSTSEC, then GHSA), then by id.
func primaryCompare(a, b *osv.Vulnerability) int {
	if c := cmp.Compare(len(b.Upstream), len(a.Upstream)); c != 0 {
		return c
	}
	if c := cmp.Compare(prefixRank(b.ID), prefixRank(a.ID)); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func prefixRank(id string) int {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "DSA", "DLA", "USN":
		return 3
	case "CVE":
		return 2
	case "GHSA":
		return 0
	}
	return 1
}

// finding builds the finding for one group (primary record first).
func finding(c *cache, p *inventory.Package, g []hit) Finding {
	f := Finding{ID: g[0].v.ID, Package: *p}
	f.Package.Locations = slices.Clone(p.Locations)

	ids := map[string]bool{}
	sev := assessment{cache: c}
	var best *fix
	seenRef := map[string]bool{}
	for _, h := range g {
		v := h.v
		for _, id := range recordIDs(v) {
			if id != "" && id != f.ID {
				ids[id] = true
			}
		}
		sev.addRecord(v, h.matched)
		if f.Summary == "" {
			f.Summary = strings.TrimSpace(v.Summary)
		}
		if !v.Published.IsZero() && (f.Published.IsZero() || v.Published.Before(f.Published)) {
			f.Published = v.Published
		}
		if v.Modified.After(f.Modified) {
			f.Modified = v.Modified
		}
		for _, r := range v.References {
			if r.URL != "" && !seenRef[r.URL] {
				seenRef[r.URL] = true
				f.References = append(f.References, r.URL)
			}
		}
		for i := range h.fixes {
			if best == nil || lowerFix(h.fixes[i], *best) {
				best = &h.fixes[i]
			}
		}
	}
	if f.Summary == "" {
		for _, h := range g {
			if d := strings.TrimSpace(h.v.Details); d != "" {
				f.Summary, _, _ = strings.Cut(d, "\n")
				f.Summary = strings.TrimSpace(f.Summary)
				break
			}
		}
	}
	for id := range ids {
		f.Aliases = append(f.Aliases, id)
	}
	slices.Sort(f.Aliases)
	f.Severity, f.SeveritySource, f.CVSS = sev.level, sev.source, sev.cvss
	if best != nil {
		f.FixedVersion = best.raw
	}
	return f
}

// lowerFix reports whether x is a lower version than y; versions that do
// not compare fall back to string order so the choice stays deterministic.
func lowerFix(x, y fix) bool {
	c, err := version.CompareVersions(x.v, y.v)
	if err != nil || c == 0 {
		return x.raw < y.raw
	}
	return c < 0
}

// platformApplies reports whether an affected entry can apply to a binary
// built for platform ("os/arch"). Go advisories list the vulnerable
// packages in ecosystem_specific.imports, each optionally limited to some
// goos and goarch values (as govulncheck reads them); the entry applies when
// any import is not excluded. Entries without such data always apply.
func platformApplies(a *osv.Affected, platform string) bool {
	if len(a.EcosystemSpecific) == 0 {
		return true
	}
	var es struct {
		Imports []struct {
			GOOS   []string `json:"goos"`
			GOARCH []string `json:"goarch"`
		} `json:"imports"`
	}
	if json.Unmarshal(a.EcosystemSpecific, &es) != nil || len(es.Imports) == 0 {
		return true
	}
	goos, goarch, _ := strings.Cut(platform, "/")
	for _, imp := range es.Imports {
		if (len(imp.GOOS) == 0 || slices.Contains(imp.GOOS, goos)) && (len(imp.GOARCH) == 0 || slices.Contains(imp.GOARCH, goarch)) {
			return true
		}
	}
	return false
}

package scan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// coverage wraps the database, treats an ecosystem the database does not
// hold as one without advisories (the scan warns about it once), and notes, for release-qualified ecosystems
// ("Debian:12", "Alpine:v3.20"), whether any advisory names that release.
// The database holds a whole archive ("Debian") even when no record covers
// the scanned release, and a scan that finds nothing there must say so
// rather than look clean.
type coverage struct {
	src  match.Source
	mu   sync.Mutex
	seen map[string]bool // release ecosystem -> an advisory named it
}

func newCoverage(src match.Source) *coverage {
	return &coverage{src: src, seen: map[string]bool{}}
}

func (c *coverage) Query(ctx context.Context, ecosystem, name string) ([]*osv.Vulnerability, error) {
	vs, err := c.src.Query(ctx, ecosystem, name)
	if errors.Is(err, vulndb.ErrNoEcosystem) {
		// Not downloaded: openDB has already warned that these packages
		// were not checked; the rest of the scan goes on.
		return nil, nil
	}
	if err != nil || !strings.Contains(ecosystem, ":") {
		return vs, err
	}
	hit := slices.ContainsFunc(vs, func(v *osv.Vulnerability) bool {
		return slices.ContainsFunc(v.Affected, func(a osv.Affected) bool { return a.Package.Ecosystem == ecosystem })
	})
	c.mu.Lock()
	c.seen[ecosystem] = c.seen[ecosystem] || hit
	c.mu.Unlock()
	return vs, nil
}

// warnings names the releases no advisory covered, when enough packages
// were looked up for that to mean the database lacks the release.
func (c *coverage) warnings(counts map[string]int) []string {
	var out []string
	for eco, hit := range c.seen {
		if !hit && counts[eco] >= 10 {
			out = append(out, fmt.Sprintf("the database has no advisories for %s (none of its %d packages is named by one): findings for this release may be missing", eco, counts[eco]))
		}
	}
	slices.Sort(out)
	return out
}

package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// opener opens a fresh, empty store; reopen opens the same database again.
type opener func(t testing.TB, now func() time.Time) (s *Store, url string)

func openSQLite(t testing.TB, now func() time.Time) (*Store, string) {
	t.Helper()
	url := filepath.Join(t.TempDir(), "vigil.db")
	return mustOpen(t, url, now), url
}

func mustOpen(t testing.TB, url string, now func() time.Time) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{URL: url, Now: now})
	if err != nil {
		t.Fatalf("Open(%q): %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// postgresSchema is a schema of the test's own on the test PostgreSQL
// server (testutil.PostgresSchema).
func postgresSchema(t testing.TB) string { return testutil.PostgresSchema(t) }

func openPostgres(t testing.TB, now func() time.Time) (*Store, string) {
	t.Helper()
	url := postgresSchema(t)
	return mustOpen(t, url, now), url
}

// pkg is a test package.
func pkg(eco, name, version string) inventory.Package {
	return inventory.Package{
		Name: name, Version: version, Ecosystem: eco,
		PURL:      fmt.Sprintf("pkg:%s/%s@%s", strings.ToLower(eco), name, version),
		Extractor: "test/lock",
		Locations: []inventory.Location{{Path: "app/lock", Line: 3}},
		Licenses:  []string{"MIT"},
	}
}

func vuln(id string, p inventory.Package, sev severity.Level, fixed string, aliases ...string) NewFinding {
	return NewFinding{
		Kind: KindVulnerability, Key: id + "|" + p.Ecosystem + "|" + p.Name + "|" + p.Version,
		VulnerabilityID: id, Aliases: aliases, Package: &p, Severity: sev,
		Summary: "summary of " + id, FixedVersion: fixed, Detail: []byte(`{"id":"` + id + `"}`),
	}
}

// fixture is a real-shaped ingest: n packages, shared of them from a
// portfolio-wide pool (the same across artifacts), the rest unique to
// artifact i, and nf vulnerabilities.
func fixture(project string, i, n, shared, nf int) Ingest {
	in := Ingest{
		Project: project, Actor: "ci",
		Artifact: Artifact{Kind: "image", Digest: fmt.Sprintf("sha256:%064d", i), Name: "app", Version: fmt.Sprintf("1.%d", i),
			Format: "cyclonedx-json", ToolName: "vigil", ToolVersion: "0.9",
			Image: &ImageMeta{Reference: "registry/app", OS: "debian", Layers: []LayerMeta{{Digest: "sha256:l1", Packages: n}}}},
	}
	const pool = 5000
	for j := range shared {
		k := (i*37 + j*7) % pool
		in.Packages = append(in.Packages, pkg("npm", fmt.Sprintf("shared-%d", k), "1.0."+fmt.Sprint(k%9)))
	}
	for j := range n - shared {
		in.Packages = append(in.Packages, pkg("npm", fmt.Sprintf("own-%d-%d", i, j), "2.0.0"))
	}
	for j := range nf {
		p := in.Packages[(j*13)%len(in.Packages)]
		in.Findings = append(in.Findings, vuln(fmt.Sprintf("GHSA-%d-%d", i, j), p, severity.Level(1+j%4), "9.9.9", fmt.Sprintf("CVE-2026-%d", j)))
	}
	return in
}

func countRows(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.r.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

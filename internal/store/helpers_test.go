package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
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

// postgresURL is the test server: VIGIL_TEST_POSTGRES_URL or the local one.
func postgresURL() string {
	if u := os.Getenv("VIGIL_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// postgresSchema creates a schema of its own for the test (dropped after
// it) and returns a URL whose search_path is that schema. It skips when
// PostgreSQL is unreachable, unless CI is set.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := postgresURL()
	db, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL at %s unreachable under CI: %v", base, err)
		}
		t.Skipf("PostgreSQL unreachable (%v); set CI=true to make this a failure", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "vigil_test_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

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

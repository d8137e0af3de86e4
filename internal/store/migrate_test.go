package store

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"
	"github.com/vigil-sec/vigil/internal/inventory"
)

// TestMigrationsOneHistory checks both dialects carry the same versions.
func TestMigrationsOneHistory(t *testing.T) {
	versions := func(dir string) []string {
		ents, err := fs.ReadDir(migrations, "migrations/"+dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range ents {
			v, _, ok := strings.Cut(e.Name(), "_")
			if !ok || !strings.HasSuffix(e.Name(), ".sql") {
				t.Errorf("%s/%s: not NNNNN_name.sql", dir, e.Name())
			}
			out = append(out, v)
		}
		return out
	}
	sqlite, pg := versions(BackendSQLite), versions(BackendPostgres)
	if len(sqlite) == 0 || !slices.Equal(sqlite, pg) {
		t.Errorf("migration versions differ: sqlite %v, postgres %v", sqlite, pg)
	}
}

func TestMigrate00002SQLite(t *testing.T) {
	testMigrate00002(t, filepath.Join(t.TempDir(), "vigil.db"), "sqlite", goose.DialectSQLite3, BackendSQLite)
}

func TestMigrate00002Postgres(t *testing.T) {
	testMigrate00002(t, postgresSchema(t), "pgx", goose.DialectPostgres, BackendPostgres)
}

// testMigrate00002 fills a database at version 1, migrates it and checks
// that package_buckets indexes what artifact_packages held.
func testMigrate00002(t *testing.T, url, driver string, dialect goose.Dialect, backend string) {
	ctx := t.Context()
	db, err := sql.Open(driver, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sub, err := fs.Sub(migrations, "migrations/"+backend)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(dialect, db, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// Artifacts 1 and 300 (buckets 0 and 1) hold package 1; 300 also 2.
	for _, q := range []string{
		"INSERT INTO projects (id, name, created_at) VALUES (1, 'p', 0)",
		"INSERT INTO artifacts (id, project_id, kind, digest, created_at, updated_at) VALUES (1, 1, 'sbom', 'a', 0, 0), (300, 1, 'sbom', 'b', 0, 0)",
		"INSERT INTO packages (id, ecosystem, name, version, purl, purl_base, attrs) VALUES (1, 'npm', 'x', '1', '', '', '{}'), (2, 'npm', 'y', '1', '', '', '{}')",
		"INSERT INTO artifact_packages (artifact_id, package_id, ord) VALUES (1, 1, 0), (300, 1, 0), (300, 2, 1)",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if backend == BackendPostgres { // the ids above were explicit
		for _, tbl := range []string{"projects", "artifacts", "packages"} {
			if _, err := db.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('"+tbl+"', 'id'), 1000)"); err != nil {
				t.Fatal(err)
			}
		}
	}
	db.Close()
	s := mustOpen(t, url, nil)
	if n := countRows(t, s, "package_buckets"); n != 3 {
		t.Errorf("package_buckets = %d rows, want 3", n)
	}
	for ids, want := range map[int64][]int64{1: {1, 300}, 2: {300}} {
		got, err := s.PackageArtifacts(ctx, []int64{ids})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("PackageArtifacts(%d) = %v, want %v", ids, got, want)
		}
	}
	// New ingests go on from the migrated rows.
	if _, err := s.Ingest(ctx, Ingest{Project: "p", Artifact: Artifact{Digest: "c"}, Packages: []inventory.Package{pkg("npm", "z", "1")}}); err != nil {
		t.Fatal(err)
	}
}

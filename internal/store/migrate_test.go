package store

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
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

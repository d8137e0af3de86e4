package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDBUpdateChangeFeed: `vigil db update --json` names every advisory a
// refresh added, modified or withdrew, per ecosystem.
func TestDBUpdateChangeFeed(t *testing.T) {
	src := t.TempDir()
	if err := os.CopyFS(src, os.DirFS("testdata/osv")); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "db")
	update := func() ecosystemJSON {
		t.Helper()
		code, stdout, stderr := runVigil(t, "db", "update", "--db-dir", db, "--from", buildBucket(t, src), "--ecosystems", "npm", "--json")
		if code != 0 {
			t.Fatalf("db update: %d %s", code, stderr)
		}
		var rep updateJSON
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("--json output: %v\n%s", err, stdout)
		}
		if len(rep.Ecosystems) != 1 || rep.Ecosystems[0].Name != "npm" {
			t.Fatalf("report %+v", rep)
		}
		return rep.Ecosystems[0]
	}
	first := update()
	if first.Status != "new" || !first.Full || first.Added != 4 || len(first.AddedIDs) != 0 {
		t.Errorf("first import: %+v, want new, full, 4 added, no ids listed", first)
	}
	if again := update(); again.Status != "unchanged" || again.Added+again.Modified+again.Removed != 0 {
		t.Errorf("unchanged source: %+v", again)
	}
	// Modify one (its range and modified time), withdraw one, add one.
	p2 := filepath.Join(src, "npm", "VGL-TEST-0002.json")
	b, _ := os.ReadFile(p2)
	b = []byte(strings.Replace(strings.Replace(string(b), `"fixed": "1.2.3"`, `"fixed": "1.2.4"`, 1), "2026-01-10", "2026-02-01", 1))
	os.WriteFile(p2, b, 0o644)
	os.Remove(filepath.Join(src, "npm", "VGL-TEST-0003.json"))
	b, _ = os.ReadFile(filepath.Join(src, "npm", "VGL-TEST-0004.json"))
	var rec map[string]any
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	rec["id"] = "VGL-TEST-0009"
	b, _ = json.Marshal(rec)
	os.WriteFile(filepath.Join(src, "npm", "VGL-TEST-0009.json"), b, 0o644)
	got := update()
	if got.Status != "updated" || got.Full ||
		!slices.Equal(got.AddedIDs, []string{"VGL-TEST-0009"}) ||
		!slices.Equal(got.ModifiedIDs, []string{"VGL-TEST-0002"}) ||
		!slices.Equal(got.RemovedIDs, []string{"VGL-TEST-0003"}) ||
		got.Added != 1 || got.Modified != 1 || got.Removed != 1 {
		t.Errorf("change feed %+v, want +VGL-TEST-0009 ~VGL-TEST-0002 -VGL-TEST-0003", got)
	}
}

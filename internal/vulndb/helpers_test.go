package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// member is one zip member.
type member struct {
	name string
	data []byte
}

// rec returns a minimal valid record affecting name in ecosystem.
func rec(id, ecosystem, name, modified string) member {
	return member{
		name: id + ".json",
		data: fmt.Appendf(nil, `{"id": %q, "modified": %q, "summary": "s",
  "affected": [{"package": {"ecosystem": %q, "name": %q},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}`,
			id, modified, ecosystem, name),
	}
}

func fixture(t testing.TB, file string) member {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return member{name: strings.TrimSuffix(file, ".json") + ".json", data: data}
}

func zipBytes(t testing.TB, members []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeSource lays out archives like the OSV bucket under dir, replacing
// what was there for the ecosystems given.
func writeSource(t testing.TB, dir string, archives map[string][]member) {
	t.Helper()
	for eco, ms := range archives {
		if err := os.MkdirAll(filepath.Join(dir, eco), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, eco, archiveFile), zipBytes(t, ms), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	if err := os.WriteFile(filepath.Join(dir, ecosystemsFile), []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustOpen(t testing.TB, dir string) *DB {
	t.Helper()
	db, err := Open(dir)
	if err != nil {
		t.Fatalf("Open(%q): %v", dir, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queryIDs returns the ids Query finds.
func queryIDs(t testing.TB, db *DB, ecosystem, name string) []string {
	t.Helper()
	vs, err := db.Query(context.Background(), ecosystem, name)
	if err != nil {
		t.Fatalf("Query(%q, %q): %v", ecosystem, name, err)
	}
	return ids(vs)
}

func ids(vs []*osv.Vulnerability) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

// snapshot is everything a reader can see of a database, for comparing
// before and after a failed update.
func snapshot(t testing.TB, dir string, queries [][2]string) map[string][]string {
	t.Helper()
	db := mustOpen(t, dir)
	defer db.Close()
	out := map[string][]string{}
	for _, e := range db.Status().Ecosystems {
		out["status "+e.Name] = []string{e.File, e.SHA256, fmt.Sprint(e.Records)}
	}
	for _, q := range queries {
		out[q[0]+"/"+q[1]] = queryIDs(t, db, q[0], q[1])
	}
	return out
}

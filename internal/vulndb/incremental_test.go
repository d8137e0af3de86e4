package vulndb

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// writeFeed lays out what the OSV bucket serves besides the archive:
// <eco>/modified_id.csv (newest first) and <eco>/<id>.json.
func writeFeed(t *testing.T, dir, eco string, ms []member) {
	t.Helper()
	type line struct{ mod, id string }
	var lines []line
	for _, m := range ms {
		var v struct{ ID, Modified string }
		if err := json.Unmarshal(m.data, &v); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line{v.Modified, v.ID})
		if err := os.WriteFile(filepath.Join(dir, eco, v.ID+".json"), m.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	slices.SortFunc(lines, func(a, b line) int { return strings.Compare(b.mod, a.mod) })
	var sb strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&sb, "%s,%s\n", l.mod, l.id)
	}
	if err := os.WriteFile(filepath.Join(dir, eco, feedFile), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIncrementalRefresh: with a change listing the refresh fetches only
// the changed records (counted at the mirror), never the archive, and the
// result equals a full import of the new archive.
func TestIncrementalRefresh(t *testing.T) {
	src, dir := t.TempDir(), t.TempDir()
	v1 := []member{
		rec("PYSEC-2099-1", "PyPI", "alpha", "2024-01-01T00:00:00Z"),
		rec("PYSEC-2099-2", "PyPI", "beta", "2024-02-01T00:00:00Z"),
		rec("PYSEC-2099-3", "PyPI", "gamma", "2024-03-01T00:00:00Z"),
	}
	writeSource(t, src, map[string][]member{"PyPI": v1})
	writeFeed(t, src, "PyPI", v1)
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		http.FileServer(http.Dir(src)).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	reset := func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		h := hits
		hits = map[string]int{}
		return h
	}
	if _, err := Update(t.Context(), UpdateOptions{Dir: dir, From: srv.URL}); err != nil {
		t.Fatal(err)
	}
	if h := reset(); h["/PyPI/all.zip"] != 1 {
		t.Fatalf("first import: %v, want the archive", h)
	}

	// One modified (later time, new range), one withdrawn from the source,
	// one added; the archive changes too, but must not be read.
	mod := rec("PYSEC-2099-2", "PyPI", "beta", "2024-05-01T00:00:00Z")
	mod.data = []byte(strings.Replace(string(mod.data), `"fixed": "1.0"`, `"fixed": "2.0"`, 1))
	v2 := []member{v1[0], mod, rec("PYSEC-2099-4", "PyPI", "delta", "2024-05-02T00:00:00Z")}
	writeSource(t, src, map[string][]member{"PyPI": v2})
	writeFeed(t, src, "PyPI", v2)
	os.Remove(filepath.Join(src, "PyPI", "PYSEC-2099-3.json"))
	// The listing still names the withdrawn record, as at its withdrawal.
	feed, _ := os.ReadFile(filepath.Join(src, "PyPI", feedFile))
	os.WriteFile(filepath.Join(src, "PyPI", feedFile), append([]byte("2024-05-03T00:00:00Z,PYSEC-2099-3\n"), feed...), 0o644)

	rep, err := Update(t.Context(), UpdateOptions{Dir: dir, From: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	h := reset()
	if h["/PyPI/all.zip"] != 0 || h["/PyPI/"+feedFile] != 1 || h["/PyPI/PYSEC-2099-2.json"] != 1 || h["/PyPI/PYSEC-2099-4.json"] != 1 || h["/PyPI/PYSEC-2099-1.json"] != 0 {
		t.Errorf("requests %v: want the listing and the changed records only", h)
	}
	e := rep.Ecosystems[0]
	if !e.Incremental || e.Status != StatusUpdated || e.Records != 3 ||
		!slices.Equal(e.AddedIDs, []string{"PYSEC-2099-4"}) || !slices.Equal(e.ModifiedIDs, []string{"PYSEC-2099-2"}) || !slices.Equal(e.RemovedIDs, []string{"PYSEC-2099-3"}) {
		t.Errorf("report %+v", e)
	}
	db := mustOpen(t, dir)
	for name, want := range map[string][]string{"alpha": {"PYSEC-2099-1"}, "beta": {"PYSEC-2099-2"}, "gamma": nil, "delta": {"PYSEC-2099-4"}} {
		if got := queryIDs(t, db, "PyPI", name); !slices.Equal(got, want) && !(len(got) == 0 && want == nil) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	vs, _ := db.Query(t.Context(), "PyPI", "beta")
	if len(vs) != 1 || !strings.Contains(fmt.Sprint(vs[0].Affected), "2.0") {
		t.Errorf("beta's record was not replaced: %+v", vs)
	}
	db.Close()

	// Nothing changed: one request for the listing, nothing rebuilt.
	rep, err = Update(t.Context(), UpdateOptions{Dir: dir, From: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if h := reset(); len(h) != 2 || h["/PyPI/"+feedFile] != 1 || h["/ecosystems.txt"] != 1 {
		t.Errorf("unchanged refresh made requests %v", h)
	}
	if e := rep.Ecosystems[0]; e.Status != StatusUnchanged || !e.Incremental {
		t.Errorf("unchanged refresh: %+v", e)
	}

	// No listing: the archive, as before.
	os.Remove(filepath.Join(src, "PyPI", feedFile))
	v3 := append(slices.Clone(v2), rec("PYSEC-2099-5", "PyPI", "eps", "2024-06-01T00:00:00Z"))
	writeSource(t, src, map[string][]member{"PyPI": v3})
	rep, err = Update(t.Context(), UpdateOptions{Dir: dir, From: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if h := reset(); h["/PyPI/all.zip"] != 1 || rep.Ecosystems[0].Incremental || !slices.Equal(rep.Ecosystems[0].AddedIDs, []string{"PYSEC-2099-5"}) {
		t.Errorf("without a listing: requests %v, report %+v", h, rep.Ecosystems[0])
	}
}

func FuzzParseFeed(f *testing.F) {
	f.Add([]byte("2024-01-01T00:00:00Z,GHSA-1\n2023-01-01T00:00:00.5Z,PYSEC-2\n"))
	f.Add([]byte("garbage"))
	f.Add([]byte("2024-01-01T00:00:00Z,../../etc/passwd\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := parseFeed("f", data)
		if err != nil {
			return
		}
		for _, e := range es {
			if validRecordID(e.id) != nil || e.modified.IsZero() && !strings.Contains(string(data), "0001-01-01") {
				t.Fatalf("accepted %+v", e)
			}
		}
	})
}

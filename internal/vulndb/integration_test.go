package vulndb

import (
	"archive/zip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// sharedCorpus returns ../shared/vulndb relative to the module root. The
// test is skipped when it is absent, except in CI where it must be there.
func sharedCorpus(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("module root not found")
		}
		dir = parent
	}
	corpus := filepath.Join(dir, "..", "shared", "vulndb")
	if _, err := os.Stat(filepath.Join(corpus, "osv", ecosystemsFile)); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but the OSV corpus is missing at %s: %v", corpus, err)
		}
		t.Skipf("OSV corpus not found at %s (set up ../shared/vulndb to run this test)", corpus)
	}
	return corpus
}

// TestIntegrationSharedCorpus imports the real corpus over loopback HTTP,
// checks the counts against MANIFEST.json, checks that a second update
// transfers no archive, and queries records sampled from each archive.
func TestIntegrationSharedCorpus(t *testing.T) {
	corpus := sharedCorpus(t)
	var manifest struct {
		Folders map[string]struct {
			Records int    `json:"records"`
			SHA256  string `json:"all_zip_sha256"`
		} `json:"folders"`
	}
	data, err := os.ReadFile(filepath.Join(corpus, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	osvDir := filepath.Join(corpus, "osv")
	var zipBytesServed, notModified atomic.Int64
	files := http.FileServer(http.Dir(osvDir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &countingWriter{ResponseWriter: w}
		files.ServeHTTP(cw, r)
		if strings.HasSuffix(r.URL.Path, "/all.zip") {
			zipBytesServed.Add(cw.n)
			if cw.status == http.StatusNotModified {
				notModified.Add(1)
			}
		}
	}))
	defer srv.Close()

	dir := t.TempDir()
	rep, err := Update(t.Context(), UpdateOptions{Dir: dir, From: srv.URL})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if len(rep.Ecosystems) != len(manifest.Folders) {
		t.Errorf("imported %d ecosystems, MANIFEST.json has %d", len(rep.Ecosystems), len(manifest.Folders))
	}
	for _, e := range rep.Ecosystems {
		want := manifest.Folders[e.Name]
		if e.Status != StatusNew || e.Records != want.Records || e.Invalid != 0 {
			t.Errorf("%s: %s, %d records, %d invalid %v; want new, %d records, 0 invalid",
				e.Name, e.Status, e.Records, e.Invalid, e.InvalidSamples, want.Records)
		}
	}
	db := mustOpen(t, dir)
	for _, e := range db.Status().Ecosystems {
		if want := manifest.Folders[e.Name].SHA256; e.SHA256 != want {
			t.Errorf("%s sha256 %s, MANIFEST.json %s", e.Name, e.SHA256, want)
		}
	}

	zipBytesServed.Store(0)
	rep, err = Update(t.Context(), UpdateOptions{Dir: dir, From: srv.URL})
	if err != nil {
		t.Fatalf("second Update: %v", err)
	}
	for _, e := range rep.Ecosystems {
		if e.Status != StatusUnchanged || e.Bytes != 0 || e.Records != manifest.Folders[e.Name].Records {
			t.Errorf("second update %s: %s, %d bytes, %d records", e.Name, e.Status, e.Bytes, e.Records)
		}
	}
	if zipBytesServed.Load() != 0 || int(notModified.Load()) != len(manifest.Folders) {
		t.Errorf("second update: %d zip bytes, %d 304s; want 0 and %d", zipBytesServed.Load(), notModified.Load(), len(manifest.Folders))
	}

	// Known records.
	known := []struct{ eco, name, id string }{
		{"Go", "golang.org/x/text", "GO-2021-0113"},
		{"PyPI", "Loguru", "PYSEC-2022-15"}, // withdrawn, no ranges; name normalised
	}
	for _, k := range known {
		if got := queryIDs(t, db, k.eco, k.name); !slices.Contains(got, k.id) {
			t.Errorf("Query(%q, %q) = %v, want it to contain %s", k.eco, k.name, got, k.id)
		}
	}
	// Every 97th member of every archive is found through each of its packages.
	for eco := range manifest.Folders {
		zr, err := zip.OpenReader(filepath.Join(osvDir, eco, archiveFile))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(zr.File); i += 97 {
			rc, err := zr.File[i].Open()
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(rc)
			rc.Close()
			v, err := osv.Parse(data)
			if err != nil {
				t.Fatalf("%s/%s: %v", eco, zr.File[i].Name, err)
			}
			for _, a := range v.Affected {
				if a.Package.Name == "" || archiveOf(a.Package.Ecosystem) != eco {
					continue
				}
				if got := queryIDs(t, db, a.Package.Ecosystem, a.Package.Name); !slices.Contains(got, v.ID) {
					t.Errorf("Query(%q, %q) = %v, want it to contain %s", a.Package.Ecosystem, a.Package.Name, got, v.ID)
				}
			}
		}
		zr.Close()
	}
}

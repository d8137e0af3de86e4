package cli

import (
	"archive/zip"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"vigil": func() {
			os.Exit(Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScripts runs the CLI transcripts in testdata/script. Each script gets
// a loopback OSV bucket built from testdata/osv ($OSV_URL, also the default
// VIGIL_DB_SOURCE), the same bucket as a directory ($OSV_DIR), and a fresh
// database directory (VIGIL_DB_DIR=$WORK/db).
func TestScripts(t *testing.T) {
	bucket := buildBucket(t, "testdata/osv")
	srv := httptest.NewServer(http.FileServer(http.Dir(bucket)))
	t.Cleanup(srv.Close)
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			e.Setenv("OSV_URL", srv.URL)
			e.Setenv("OSV_DIR", bucket)
			e.Setenv("VIGIL_DB_SOURCE", srv.URL)
			e.Setenv("VIGIL_DB_DIR", filepath.Join(e.WorkDir, "db"))
			e.Setenv("XDG_CACHE_HOME", filepath.Join(e.WorkDir, ".cache"))
			e.Setenv("NO_COLOR", "1")
			e.Setenv("CI", "true")
			return nil
		},
	})
}

// buildBucket zips each testdata/osv/<Ecosystem>/*.json into
// <tmp>/<Ecosystem>/all.zip, laid out like the OSV bucket.
func buildBucket(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ecos, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, eco := range ecos {
		if !eco.IsDir() {
			data, err := os.ReadFile(filepath.Join(src, eco.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, eco.Name()), data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Join(dst, eco.Name()), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(dst, eco.Name(), "all.zip"))
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		recs, err := filepath.Glob(filepath.Join(src, eco.Name(), "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			data, err := os.ReadFile(r)
			if err != nil {
				t.Fatal(err)
			}
			w, err := zw.Create(filepath.Base(r))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(data); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

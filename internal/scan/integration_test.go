package scan_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestRealData downloads the real OSV corpus (../shared/vulndb/osv) over
// loopback HTTP through the production update path, scans hand-made
// lockfiles pinned to versions with well-known advisories, and validates
// every output format against its official schema.
func TestRealData(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the whole corpus")
	}
	osvDir := filepath.Join(testutil.Shared(t), "vulndb", "osv")
	srv := httptest.NewServer(http.FileServer(http.Dir(osvDir)))
	defer srv.Close()

	res, err := scan.Run(t.Context(), scan.Options{
		Target:   "testdata/realistic",
		Scanners: []string{scan.ScannerVuln},
		DB:       scan.DBOptions{Dir: t.TempDir(), Source: srv.URL},
	})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string][]string{} // package -> ids and aliases
	for _, v := range res.Vulnerabilities {
		found[v.Package.Name] = append(found[v.Package.Name], append([]string{v.ID}, v.Aliases...)...)
	}
	// Public advisories for these exact versions (ids from the advisories'
	// own databases).
	for pkg, id := range map[string]string{
		"golang.org/x/text": "GO-2021-0113", // language.Parse out-of-bounds read, fixed in 0.3.7
		"smallvec":          "RUSTSEC-2021-0003",
		"Django":            "PYSEC-2019-13",
		"rack":              "CVE-2022-44571",
	} {
		if !slices.Contains(found[pkg], id) {
			t.Errorf("%s: %s not found; found %v", pkg, id, found[pkg])
		}
	}
	if res.Database == nil || res.Database.Source != srv.URL {
		t.Errorf("database info = %+v", res.Database)
	}
	if len(res.Issues) != 0 {
		t.Errorf("issues: %+v", res.Issues)
	}

	schemas := map[string]string{"json": testutil.SchemaVigil, "sarif": testutil.SchemaSARIF210, "cyclonedx": testutil.SchemaCycloneDX16}
	for format, schema := range schemas {
		var buf bytes.Buffer
		if err := report.Write(&buf, format, res, report.Options{}); err != nil {
			t.Fatal(err)
		}
		testutil.Validate(t, schema, buf.Bytes())
	}
}

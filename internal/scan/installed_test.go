package scan_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestInstalledRootfs scans a root filesystem holding a Ruby default gem
// and two jars against the real OSV corpus: the default gem is listed with
// its location and matched (cgi 0.3.5 has CVE-2025-27219), the jars are
// listed with their evidence (and a jar known only by its file name would
// not be matched).
func TestInstalledRootfs(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the RubyGems corpus")
	}
	root := t.TempDir()
	write := func(p string, b []byte) {
		t.Helper()
		p = filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const cgiSpec = "usr/lib/ruby/gems/3.1.0/specifications/default/cgi-0.3.5.gemspec"
	write(cgiSpec, []byte("# -*- encoding: utf-8 -*-\n# stub: cgi 0.3.5 ruby lib\n# stub: ext/cgi/escape/extconf.rb\n\n"+
		"Gem::Specification.new do |s|\n  s.name = \"cgi\".freeze\n  s.version = \"0.3.5\"\n\n"+
		"  s.require_paths = [\"lib\".freeze]\n  s.licenses = [\"Ruby\".freeze, \"BSD-2-Clause\".freeze]\nend\n"))
	write("usr/share/java/commons-io-2.11.0.jar", jar(t, "META-INF/MANIFEST.MF",
		"Manifest-Version: 1.0\r\nImplementation-Title: commons-io\r\nImplementation-Vendor-Id: commons-io\r\nImplementation-Version: 2.11.0\r\n\r\n"))
	write("opt/app/lib/mystery-2.0.jar", jar(t, "a.class", "x"))

	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(testutil.Shared(t), "vulndb", "osv"))))
	defer srv.Close()
	res, err := scan.Run(t.Context(), scan.Options{
		Target: root, Scanners: []string{scan.ScannerVuln},
		DB:    scan.DBOptions{Dir: t.TempDir(), Source: srv.URL},
		Image: scan.ImageOptions{Kind: scan.KindRootFS},
	})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]inventory.Package{}
	for _, p := range res.Packages {
		byName[p.Name] = p
	}
	cgi := byName["cgi"]
	if cgi.Ecosystem != "RubyGems" || cgi.Version != "0.3.5" || len(cgi.Locations) != 1 || cgi.Locations[0].Path != cgiSpec || cgi.Locations[0].Line != 6 {
		t.Errorf("cgi = %+v, want RubyGems 0.3.5 at %s:6", cgi, cgiSpec)
	}
	if p := byName["commons-io:commons-io"]; p.Version != "2.11.0" || p.Evidence != inventory.EvidenceManifest {
		t.Errorf("commons-io = %+v, want 2.11.0 from the manifest", p)
	}
	if p := byName["mystery"]; p.Version != "2.0" || p.Evidence != inventory.EvidenceFileName {
		t.Errorf("mystery = %+v, want 2.0 from the file name", p)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, "json", res, report.Options{}); err != nil {
		t.Fatal(err)
	}
	testutil.Validate(t, testutil.SchemaVigil, buf.Bytes()) // evidence is part of the schema
	var ids []string
	for _, v := range res.Vulnerabilities {
		if v.Package.Name == "cgi" {
			ids = append(ids, v.ID)
			ids = append(ids, v.Aliases...)
		}
	}
	if !slices.Contains(ids, "CVE-2025-27219") {
		t.Errorf("cgi 0.3.5 findings %v, want CVE-2025-27219", ids)
	}
}

func jar(t *testing.T, name, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(body))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

package scan_test

import (
	"archive/zip"
	"bytes"
	"cmp"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/list"
	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/sbom"
	"github.com/vigil-sec/vigil/internal/sbom/codec"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/source/imagetest"
	"github.com/vigil-sec/vigil/internal/testutil"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// roundTripInput is one thing scanned directly and through its SBOMs.
type roundTripInput struct {
	name string
	// path is scanned with scan.Run (kind "" detects, or scan.KindRootFS /
	// scan.KindImage), unless pkgs is set: then pkgs are what one extractor
	// found in a testdata file the walker would not hand it by name.
	path string
	kind string
	pkgs []inventory.Package
}

// TestSBOMRoundTrip: for the testdata of every registered extractor, a root
// filesystem and an image, scan(x) and scan(sbom(x)) report the same
// findings in each of the four SBOM formats. Inputs are discovered from the
// registry (internal/inventory/extract/<Name()>/testdata), so a new
// extractor is covered without editing the test; every registered
// extractor must find packages in some input. The database is the real OSV
// corpus (../shared/vulndb) plus hand-made records for the ecosystems it
// lacks (testdata/roundtrip-osv).
func TestSBOMRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("imports the whole OSV corpus")
	}
	dbo := scan.DBOptions{Dir: roundTripDB(t), Offline: true}
	registered := append(list.SourceTree(nil), list.OSAndInstalled()...)
	inputs := extractorInputs(t, registered)
	inputs = append(inputs,
		roundTripInput{name: "rootfs", path: roundTripRootFS(t), kind: scan.KindRootFS},
		roundTripInput{name: "image", path: roundTripImage(t), kind: scan.KindImage})

	found := map[string]bool{} // extractor -> found packages in some input
	withFindings := 0
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			direct, inv := scanDirect(t, in, dbo)
			for _, p := range inv.Packages {
				found[p.Extractor] = true
			}
			want := findingIDs(direct)
			t.Logf("%d packages, %d findings", len(inv.Packages), len(want))
			if len(want) > 0 {
				withFindings++
			}
			doc := report.SBOMDocument(inv, false)
			for _, format := range sbom.Formats {
				var buf bytes.Buffer
				if err := codec.Encode(&buf, format, doc); err != nil {
					t.Fatalf("encode %s: %v", format, err)
				}
				file := filepath.Join(t.TempDir(), "bom."+format)
				if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				res, err := scan.Run(t.Context(), scan.Options{Target: file, Scanners: []string{scan.ScannerVuln}, DB: dbo})
				if err != nil {
					t.Fatalf("scan %s SBOM: %v", format, err)
				}
				if len(res.Packages) != len(inv.Packages) {
					t.Errorf("%s: %d packages read back, %d written", format, len(res.Packages), len(inv.Packages))
				}
				if diff := gocmp.Diff(want, findingIDs(res)); diff != "" {
					t.Errorf("scan(x) and scan(%s(x)) differ (-direct +sbom):\n%s", format, diff)
				}
			}
		})
	}
	for _, ex := range registered {
		if !found[ex.Name()] {
			t.Errorf("extractor %s found no package in any input: give it testdata (internal/inventory/extract/%s/testdata)", ex.Name(), ex.Name())
		}
	}
	// The comparison means something only when inputs have findings.
	if min := len(inputs) / 3; withFindings < min {
		t.Errorf("%d of %d inputs have findings, want at least %d", withFindings, len(inputs), min)
	}
	t.Logf("%d inputs, %d with findings", len(inputs), withFindings)
}

// scanDirect scans an input directly and returns the result and the
// inventory `vigil sbom` writes for it.
func scanDirect(t *testing.T, in roundTripInput, dbo scan.DBOptions) (direct, inv *scan.Result) {
	t.Helper()
	if in.pkgs != nil {
		direct, err := scan.MatchPackages(t.Context(), in.pkgs, dbo)
		if err != nil {
			t.Fatal(err)
		}
		return direct, &scan.Result{Target: scan.Target{Kind: "file", Name: in.name}, Packages: in.pkgs}
	}
	opts := scan.Options{Target: in.path, Scanners: []string{scan.ScannerVuln}, DB: dbo,
		Image: scan.ImageOptions{Kind: in.kind, NoCache: true}, Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }}
	direct, err := scan.Run(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.InventoryOnly = true
	inv, err = scan.Run(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return direct, inv
}

// extractorInputs lists the testdata of each registered extractor: each
// directory (and for OS and installed-package extractors the testdata
// directory itself) (scanned as a root filesystem for OS and installed-package
// extractors, else as a source tree) and each file (extracted by its
// extractor, then matched). Malformed and fuzz corpora, and files their
// extractor rejects, are not inputs.
func extractorInputs(t *testing.T, exs []inventory.Extractor) []roundTripInput {
	t.Helper()
	root := testutil.ModuleRoot(t)
	osNames := map[string]bool{}
	for _, ex := range list.OSAndInstalled() {
		osNames[ex.Name()] = true
	}
	var out []roundTripInput
	for _, ex := range exs {
		dir := filepath.Join(root, "internal", "inventory", "extract", filepath.FromSlash(ex.Name()), "testdata")
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // no testdata: the coverage check names the extractor
		}
		if osNames[ex.Name()] {
			// Installed packages are found by their place in a tree
			// (specifications/x.gemspec): the testdata directory is a root
			// filesystem of its own.
			out = append(out, roundTripInput{name: ex.Name() + "/testdata", path: dir, kind: scan.KindRootFS})
		}
		for _, e := range entries {
			name := ex.Name() + "/" + e.Name()
			switch {
			case e.Name() == "malformed" || e.Name() == "fuzz" || strings.HasSuffix(e.Name(), ".md"):
			case e.IsDir():
				kind := scan.KindAuto
				if osNames[ex.Name()] {
					kind = scan.KindRootFS
				}
				out = append(out, roundTripInput{name: name, path: filepath.Join(dir, e.Name()), kind: kind})
			default:
				pkgs, err := inventory.ExtractFile(t.Context(), os.DirFS(dir), e.Name(), nil, ex, inventory.DefaultMaxFileSize)
				if err != nil || len(pkgs) == 0 {
					continue // a file showing an error case (bad-directive.mod)
				}
				out = append(out, roundTripInput{name: name, pkgs: inventory.Merge(pkgs)})
			}
		}
	}
	return out
}

// finding is what a user sees of one finding, without the locations (an
// SBOM's packages are located in the SBOM file).
type finding struct {
	ID, Aliases                         string
	Ecosystem, Name, Version, PURL      string
	Severity, SeveritySource, CVSS      string
	Fixed, Summary, Published, Modified string
}

func findingIDs(r *scan.Result) []finding {
	out := []finding{}
	for _, v := range r.Vulnerabilities {
		f := finding{ID: v.ID, Aliases: strings.Join(v.Aliases, " "),
			Ecosystem: v.Package.Ecosystem, Name: v.Package.Name, Version: v.Package.Version, PURL: v.Package.PURL,
			Severity: v.Severity.String(), SeveritySource: v.SeveritySource, Fixed: v.FixedVersion, Summary: v.Summary,
			Published: v.Published.String(), Modified: v.Modified.String()}
		if v.CVSS != nil {
			f.CVSS = v.CVSS.Vector
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b finding) int {
		return cmp.Or(cmp.Compare(a.Ecosystem, b.Ecosystem), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// roundTripDB imports the real OSV corpus and the hand-made records of
// testdata/roundtrip-osv (Maven, NuGet, Packagist, Ubuntu and Alpine v3.20,
// which the corpus lacks; the OS records are keyed by source package, as
// distributions publish them) into one database.
func roundTripDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	fixtures := t.TempDir()
	ecos, err := os.ReadDir("testdata/roundtrip-osv")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ecos {
		names = append(names, e.Name())
		zipDir(t, filepath.Join("testdata/roundtrip-osv", e.Name()), filepath.Join(fixtures, e.Name(), "all.zip"))
	}
	corpus := filepath.Join(testutil.Shared(t), "vulndb", "osv")
	list, err := os.ReadFile(filepath.Join(corpus, "ecosystems.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// The corpus's Alpine releases are older than the testdata's (v3.20):
	// the hand-made records take their place.
	fromCorpus := slices.DeleteFunc(strings.Fields(string(list)), func(e string) bool { return slices.Contains(names, e) })
	if _, err := vulndb.Update(t.Context(), vulndb.UpdateOptions{Dir: dir, From: corpus, Ecosystems: fromCorpus}); err != nil {
		t.Fatalf("import %s: %v", corpus, err)
	}
	if err := os.WriteFile(filepath.Join(fixtures, "ecosystems.txt"), []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := vulndb.Update(t.Context(), vulndb.UpdateOptions{Dir: dir, From: fixtures, Ecosystems: names}); err != nil {
		t.Fatalf("import fixtures: %v", err)
	}
	return dir
}

func zipDir(t *testing.T, dir, file string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return err
		}
		w, err := zw.Create(p)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = os.MkdirAll(filepath.Dir(file), 0o755)
	}
	if err == nil {
		err = os.WriteFile(file, buf.Bytes(), 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// installed are packages as images and root filesystems hold them, for the
// extractors whose testdata has no such tree: node_modules, Python
// dist-info, a jar, a Go binary and a Rust one (old toolchain, so that the stdlib has
// advisories, some of them only for other platforms).
func installed(t *testing.T) []imagetest.Entry {
	t.Helper()
	var jar bytes.Buffer
	zw := zip.NewWriter(&jar)
	w, err := zw.Create("META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties")
	if err == nil {
		_, err = w.Write([]byte("groupId=com.fasterxml.jackson.core\nartifactId=jackson-databind\nversion=2.9.8\n"))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	bin := imagetest.GoBinary("go1.20.1", imagetest.GoModule{Path: "example.com/app", Version: "v1.0.0"},
		[]imagetest.GoModule{{Path: "golang.org/x/text", Version: "v0.3.5"}, {Path: "golang.org/x/net", Version: "v0.0.0-20210226172049-e18ecbb05110"}}, "linux", "amd64")
	depV0, err := os.ReadFile(filepath.Join(testutil.ModuleRoot(t), "internal", "inventory", "extract", "rust", "cargoauditable", "testdata", "dep-v0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return []imagetest.Entry{
		{Name: "usr/local/bin/rustapp", Body: string(imagetest.RustBinary(depV0)), Mode: 0o755},
		{Name: "usr/lib/node_modules/lodash/package.json", Body: `{"name":"lodash","version":"4.17.4"}`},
		{Name: "usr/lib/node_modules/minimist/package.json", Body: `{"name":"minimist","version":"1.2.5"}`},
		{Name: "usr/lib/python3/dist-packages/Django-2.2.dist-info/METADATA", Body: "Metadata-Version: 2.1\nName: Django\nVersion: 2.2\n"},
		{Name: "opt/app/lib/jackson-databind-2.9.8.jar", Body: jar.String()},
		{Name: "usr/local/bin/app", Body: string(bin), Mode: 0o755},
	}
}

// roundTripRootFS is Debian's dpkg testdata root filesystem plus the
// installed packages.
func roundTripRootFS(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(testutil.ModuleRoot(t), "internal", "inventory", "extract", "debian", "dpkg", "testdata", "rootfs")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	for _, e := range installed(t) {
		p := filepath.Join(dir, filepath.FromSlash(e.Name))
		mode := fs.FileMode(0o644)
		if e.Mode != 0 {
			mode = fs.FileMode(e.Mode)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(e.Body), mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// roundTripImage is an OCI layout: Alpine's apkdb testdata root filesystem
// as the base layer, the installed packages as a second one.
func roundTripImage(t *testing.T) string {
	t.Helper()
	base, err := imagetest.LayerFromDir(filepath.Join(testutil.ModuleRoot(t), "internal", "inventory", "extract", "alpine", "apkdb", "testdata", "rootfs"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	app, err := imagetest.Layer(installed(t))
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagetest.Image([]v1.Layer{base, app}, []string{"ADD rootfs /", "COPY app /"}, v1.Platform{OS: "linux", Architecture: "amd64"}, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	if err := imagetest.WriteLayout(dir, img, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

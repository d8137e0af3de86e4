package source

import (
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/source/imagetest"
)

// testRootFS is a real root filesystem (e.g. made with debootstrap), from
// VIGIL_TEST_ROOTFS or the benchmark data directory.
func testRootFS(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("VIGIL_TEST_ROOTFS")
	if dir == "" {
		dir = "/work/bench-data/debian12"
	}
	if _, err := os.Stat(filepath.Join(dir, "var/lib/dpkg/status")); err != nil {
		t.Skipf("no root filesystem at %s (set VIGIL_TEST_ROOTFS): %v", dir, err)
	}
	return dir
}

func nameVersions(pkgs []inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+" "+p.Version)
	}
	slices.Sort(out)
	return out
}

func nameVersionEcos(pkgs []inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Ecosystem+" "+p.Name+" "+p.Version+" src="+p.SourceName+"@"+p.SourceVersion+" "+p.PURL)
	}
	slices.Sort(out)
	return out
}

// TestRootFSAndImageForms scans a real root filesystem as a directory and
// as the four image forms built from it, and checks they agree with each
// other and with dpkg-query.
func TestRootFSAndImageForms(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a full image; skipped in -short mode")
	}
	rootfs := testRootFS(t)
	ctx := t.Context()
	exs := osAndInstalled()
	now := func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }
	opts := Options{Extractors: exs, NoCache: true, Now: now}

	dirRes, err := Scan(ctx, Target{Kind: KindRootFS, Ref: rootfs}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if q, err := exec.LookPath("dpkg-query"); err == nil {
		out, err := exec.Command(q, "-W", "--admindir="+filepath.Join(rootfs, "var/lib/dpkg"), "-f", "${Package} ${Version}\n").Output()
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Split(strings.TrimSpace(string(out)), "\n")
		slices.Sort(want)
		var got []string
		for _, p := range dirRes.Packages {
			if p.Extractor == "debian/dpkg" {
				got = append(got, p.Name+" "+p.Version)
			}
		}
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("dpkg packages differ from dpkg-query (-want +got):\n%s", diff)
		}
	}

	tmp := t.TempDir()
	layer, err := imagetest.LayerFromDir(rootfs, tmp)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	img, err := imagetest.Image([]v1.Layer{layer}, []string{"ADD rootfs /"}, v1.Platform{OS: "linux", Architecture: "amd64"}, created)
	if err != nil {
		t.Fatal(err)
	}
	layoutDir := filepath.Join(tmp, "layout")
	if err := imagetest.WriteLayout(layoutDir, img, nil); err != nil {
		t.Fatal(err)
	}
	ociArchive := filepath.Join(tmp, "oci.tar")
	if err := imagetest.WriteOCIArchive(ociArchive, layoutDir); err != nil {
		t.Fatal(err)
	}
	dockerArchive := filepath.Join(tmp, "docker.tar")
	if err := imagetest.WriteDocker(dockerArchive, "vigil.test/debian:12", img); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(os.Stderr, "", 0))))
	defer srv.Close()
	ref := strings.TrimPrefix(srv.URL, "http://") + "/test/debian:12"
	if err := imagetest.Push(ref, img, nil); err != nil {
		t.Fatal(err)
	}
	diffID, err := layer.DiffID()
	if err != nil {
		t.Fatal(err)
	}

	want := nameVersionEcos(dirRes.Packages)
	for _, arg := range []string{layoutDir, ociArchive, dockerArchive, ref} {
		tgt, err := Detect(arg)
		if err != nil {
			t.Fatalf("Detect(%q): %v", arg, err)
		}
		t.Run(tgt.Kind, func(t *testing.T) {
			res, err := Scan(ctx, tgt, opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, nameVersionEcos(res.Packages)); diff != "" {
				t.Errorf("%s differs from the directory scan (-dir +image):\n%s", tgt.Kind, diff)
			}
			for _, p := range res.Packages {
				if l := p.Locations[0]; l.Layer != diffID.String() || l.LayerCreatedBy != "ADD rootfs /" {
					t.Fatalf("package %s attributed to %q %q, want %s", p.Name, l.Layer, l.LayerCreatedBy, diffID)
				}
			}
			if res.Image == nil || res.Image.AgeDays != 325 || len(res.Image.Layers) != 1 || res.Image.Layers[0].Packages != len(res.Packages) {
				t.Errorf("image info = %+v", res.Image)
			}
			if res.OS == nil || res.OS.Ecosystem != dirRes.OS.Ecosystem {
				t.Errorf("OS = %+v, want %+v", res.OS, dirRes.OS)
			}
		})
	}

	// A warm cache gives the same result without reading the layer.
	cached := opts
	cached.NoCache = false
	cached.CacheDir = filepath.Join(tmp, "cache")
	tgt := Target{Kind: KindOCILayout, Ref: layoutDir}
	cold, err := Scan(ctx, tgt, cached)
	if err != nil {
		t.Fatal(err)
	}
	warm, err := Scan(ctx, tgt, cached)
	if err != nil {
		t.Fatal(err)
	}
	if !warm.Image.Layers[0].Cached || cold.Image.Layers[0].Cached {
		t.Errorf("cached flags: cold %v warm %v", cold.Image.Layers[0].Cached, warm.Image.Layers[0].Cached)
	}
	if diff := cmp.Diff(cold.Packages, warm.Packages); diff != "" {
		t.Errorf("warm cache result differs (-cold +warm):\n%s", diff)
	}
}

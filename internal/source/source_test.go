package source

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/source/imagetest"
)

var amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}

func fixedNow() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }

const debianRelease = "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"

func dpkgStatus(pkgs ...string) string {
	var b strings.Builder
	for _, p := range pkgs {
		name, ver, _ := strings.Cut(p, "@")
		b.WriteString("Package: " + name + "\nStatus: install ok installed\nArchitecture: amd64\nVersion: " + ver + "\n\n")
	}
	return b.String()
}

func npm(name, ver string) string { return `{"name":"` + name + `","version":"` + ver + `"}` }

func mustLayer(t *testing.T, entries ...imagetest.Entry) v1.Layer {
	t.Helper()
	l, err := imagetest.Layer(entries)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func layoutOf(t *testing.T, layers []v1.Layer, createdBy []string) (string, []string) {
	t.Helper()
	img, err := imagetest.Image(layers, createdBy, amd64, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	if err := imagetest.WriteLayout(dir, img, nil); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range layers {
		d, err := l.DiffID()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.String())
	}
	return dir, ids
}

type found struct{ Name, Version, Ecosystem, Path, Layer string }

func summarize(pkgs []inventory.Package) []found {
	var out []found
	for _, p := range pkgs {
		for _, l := range p.Locations {
			out = append(out, found{p.Name, p.Version, p.Ecosystem, l.Path, l.Layer})
		}
	}
	slices.SortFunc(out, func(a, b found) int { return strings.Compare(a.Name+a.Path, b.Name+b.Path) })
	return out
}

// TestWhiteouts checks that only the final filesystem counts: files
// deleted by a whiteout, hidden by an opaque directory, replaced by a later
// file, or below a directory replaced by a symlink are not reported, and
// each package is attributed to the layer that added its file.
func TestWhiteouts(t *testing.T) {
	l1 := mustLayer(t,
		imagetest.Entry{Name: "etc/", Type: tar.TypeDir},
		imagetest.Entry{Name: "etc/os-release", Body: debianRelease},
		imagetest.Entry{Name: "var/lib/dpkg/status", Body: dpkgStatus("a@1", "b@1")},
		imagetest.Entry{Name: "usr/lib/node_modules/gone/package.json", Body: npm("gone", "1.0.0")},
		imagetest.Entry{Name: "usr/lib/node_modules/deleted/package.json", Body: npm("deleted", "1.0.0")},
		imagetest.Entry{Name: "opt/app/node_modules/hidden/package.json", Body: npm("hidden", "1.0.0")},
		imagetest.Entry{Name: "srv/node_modules/replaced-dir/package.json", Body: npm("replaced-dir", "1.0.0")},
		imagetest.Entry{Name: "usr/lib/python3/site-packages/keep-1.0.dist-info/METADATA", Body: "Name: keep\nVersion: 1.0\n\nbody"},
	)
	l2 := mustLayer(t,
		imagetest.Entry{Name: "var/lib/dpkg/status", Body: dpkgStatus("a@1", "c@2")},
		imagetest.Entry{Name: "usr/lib/node_modules/.wh.gone"},
		imagetest.Entry{Name: "usr/lib/node_modules/deleted/.wh.package.json"},
		imagetest.Entry{Name: "opt/app/.wh..wh..opq"},
		imagetest.Entry{Name: "opt/app/node_modules/new/package.json", Body: npm("new", "2.0.0")},
		imagetest.Entry{Name: "srv/node_modules", Type: tar.TypeSymlink, Linkname: "/elsewhere"},
	)
	l3 := mustLayer(t,
		imagetest.Entry{Name: "./app/node_modules/late/package.json", Body: npm("late", "3.0.0")},
		imagetest.Entry{Name: "/usr/lib/node_modules/gone/package.json", Body: npm("gone", "2.0.0")},
	)
	dir, ids := layoutOf(t, []v1.Layer{l1, l2, l3}, []string{"ADD base", "RUN apt-get install c", "COPY app"})
	res, err := Scan(t.Context(), Target{Kind: KindOCILayout, Ref: dir}, Options{Extractors: osAndInstalled(), NoCache: true, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	want := []found{
		{"a", "1", "Debian:12", "var/lib/dpkg/status", ids[1]},
		{"c", "2", "Debian:12", "var/lib/dpkg/status", ids[1]},
		{"gone", "2.0.0", "npm", "usr/lib/node_modules/gone/package.json", ids[2]},
		{"keep", "1.0", "PyPI", "usr/lib/python3/site-packages/keep-1.0.dist-info/METADATA", ids[0]},
		{"late", "3.0.0", "npm", "app/node_modules/late/package.json", ids[2]},
		{"new", "2.0.0", "npm", "opt/app/node_modules/new/package.json", ids[1]},
	}
	if diff := cmp.Diff(want, summarize(res.Packages)); diff != "" {
		t.Errorf("packages mismatch (-want +got):\n%s", diff)
	}
	var counts []int
	var createdBy []string
	for _, l := range res.Image.Layers {
		counts = append(counts, l.Packages)
		createdBy = append(createdBy, l.CreatedBy)
	}
	if diff := cmp.Diff([]int{1, 3, 2}, counts); diff != "" {
		t.Errorf("per-layer counts (-want +got):\n%s", diff)
	}
	if res.Packages[0].Locations[0].LayerCreatedBy != "RUN apt-get install c" {
		t.Errorf("created_by = %q", res.Packages[0].Locations[0].LayerCreatedBy)
	}
	if res.OS == nil || res.OS.Ecosystem != "Debian:12" || res.Image.AgeDays != 22 || res.Image.Platform != "linux/amd64" {
		t.Errorf("OS %+v, image %+v", res.OS, res.Image)
	}
}

// TestEOLWarning checks the warning for an end-of-life base image and for
// an unknown distribution.
func TestEOLWarning(t *testing.T) {
	for _, tt := range []struct{ release, want string }{
		{"ID=debian\nVERSION_ID=\"10\"\n", "reached end of life on 2024-06-30"},
		{"ID=plan9\nVERSION_ID=\"4\"\n", "not known to OSV"},
	} {
		dir, _ := layoutOf(t, []v1.Layer{mustLayer(t, imagetest.Entry{Name: "usr/lib/os-release", Body: tt.release})}, nil)
		res, err := Scan(t.Context(), Target{Kind: KindOCILayout, Ref: dir}, Options{Extractors: osAndInstalled(), NoCache: true, Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], tt.want) {
			t.Errorf("warnings = %q, want one containing %q", res.Warnings, tt.want)
		}
	}
}

// TestMultiPlatform picks images from an index, in a layout and in a
// registry.
func TestMultiPlatform(t *testing.T) {
	mk := func(p v1.Platform, pkg string) v1.Image {
		img, err := imagetest.Image([]v1.Layer{mustLayer(t,
			imagetest.Entry{Name: "etc/alpine-release", Body: "3.22.0\n"},
			imagetest.Entry{Name: "lib/apk/db/installed", Body: "P:" + pkg + "\nV:1.0-r0\n\n"})}, nil, p, fixedNow())
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	idx, err := imagetest.Index([]v1.Image{
		mk(amd64, "only-amd64"),
		mk(v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, "only-arm64"),
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	if err := imagetest.WriteLayout(dir, nil, idx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	ref := strings.TrimPrefix(srv.URL, "http://") + "/multi/app:1"
	if err := imagetest.Push(ref, nil, idx); err != nil {
		t.Fatal(err)
	}
	for _, tgt := range []Target{{Kind: KindOCILayout, Ref: dir}, {Kind: KindRegistry, Ref: ref}} {
		for _, tt := range []struct{ platform, wantPkg, wantPlatform string }{
			{"", "only-amd64", "linux/amd64"},
			{"linux/arm64", "only-arm64", "linux/arm64/v8"},
			{"linux/s390x", "", ""},
		} {
			t.Run(tgt.Kind+"/"+tt.platform, func(t *testing.T) {
				res, err := Scan(t.Context(), tgt, Options{Extractors: osAndInstalled(), NoCache: true, Platform: tt.platform, Insecure: true, Now: fixedNow})
				if tt.wantPkg == "" {
					if !errors.Is(err, ErrNoPlatform) {
						t.Fatalf("error = %v, want ErrNoPlatform", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Packages) != 1 || res.Packages[0].Name != tt.wantPkg || res.Packages[0].Ecosystem != "Alpine:v3.22" {
					t.Errorf("packages = %+v, want %s", res.Packages, tt.wantPkg)
				}
				if res.Image.Platform != tt.wantPlatform || len(res.Image.Platforms) != 2 {
					t.Errorf("platform = %q of %q, want %q", res.Image.Platform, res.Image.Platforms, tt.wantPlatform)
				}
			})
		}
	}
}

// TestCache checks that a second scan is served from the cache, that a
// different extractor set misses it, and that the hook forces a read.
func TestCache(t *testing.T) {
	l := mustLayer(t, imagetest.Entry{Name: "var/lib/dpkg/status", Body: dpkgStatus("a@1")})
	dir, _ := layoutOf(t, []v1.Layer{l}, nil)
	cacheDir := t.TempDir()
	tgt := Target{Kind: KindOCILayout, Ref: dir}
	opts := Options{Extractors: osAndInstalled(), CacheDir: cacheDir, Now: fixedNow}
	var cached []bool
	for _, o := range []Options{opts, opts, {Extractors: osAndInstalled()[:1], CacheDir: cacheDir}} {
		res, err := Scan(t.Context(), tgt, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Packages) != 1 {
			t.Fatalf("packages = %+v", res.Packages)
		}
		cached = append(cached, res.Image.Layers[0].Cached)
	}
	if diff := cmp.Diff([]bool{false, true, false}, cached); diff != "" {
		t.Errorf("cached (-want +got):\n%s", diff)
	}
	var seen []string
	hook := func(layer string, hdr *tar.Header, r io.Reader) error {
		b, err := io.ReadAll(r)
		seen = append(seen, hdr.Name+"="+string(b[:min(len(b), 9)]))
		return err
	}
	o := opts
	o.OnFile = hook
	res, err := Scan(t.Context(), tgt, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Image.Layers[0].Cached || len(seen) != 1 || seen[0] != "var/lib/dpkg/status=Package: " {
		t.Errorf("hook saw %q (cached %v)", seen, res.Image.Layers[0].Cached)
	}
}

func gz(_ testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func tarOf(t *testing.T, entries ...imagetest.Entry) []byte {
	var buf bytes.Buffer
	if err := imagetest.TarEntries(&buf, entries); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestHostileLayers feeds malformed layers to the walker.
func TestHostileLayers(t *testing.T) {
	exs := osAndInstalled()
	t.Run("not a tar", func(t *testing.T) {
		_, err := walkLayer(t.Context(), "x", bytes.NewReader(gz(t, []byte(strings.Repeat("not a tar ", 100)))), exs, 1<<20, nil)
		if !errors.Is(err, ErrHostileLayer) {
			t.Fatalf("error = %v, want ErrHostileLayer", err)
		}
	})
	t.Run("truncated gzip", func(t *testing.T) {
		b := gz(t, tarOf(t, imagetest.Entry{Name: "a", Body: strings.Repeat("x", 10000)}))
		_, err := walkLayer(t.Context(), "x", bytes.NewReader(b[:len(b)/2]), exs, 1<<20, nil)
		if !errors.Is(err, ErrHostileLayer) {
			t.Fatalf("error = %v, want ErrHostileLayer", err)
		}
	})
	t.Run("path traversal and symlink loop", func(t *testing.T) {
		lr, err := walkLayer(t.Context(), "x", bytes.NewReader(tarOf(t,
			imagetest.Entry{Name: "../../var/lib/dpkg/status", Body: dpkgStatus("evil@1")},
			imagetest.Entry{Name: "a", Type: tar.TypeSymlink, Linkname: "b"},
			imagetest.Entry{Name: "b", Type: tar.TypeSymlink, Linkname: "a"},
			imagetest.Entry{Name: "etc/os-release", Type: tar.TypeSymlink, Linkname: "os-release"},
		)), exs, 1<<20, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(lr.Files) != 0 || len(lr.Issues) != 1 || !strings.Contains(lr.Issues[0].Message, "climbs out") {
			t.Errorf("files %+v issues %+v", lr.Files, lr.Issues)
		}
	})
	t.Run("huge file", func(t *testing.T) {
		lr, err := walkLayer(t.Context(), "x", bytes.NewReader(tarOf(t,
			imagetest.Entry{Name: "var/lib/dpkg/status", Body: strings.Repeat("Package: x\n", 1000)},
		)), exs, 100, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(lr.Files) != 1 || len(lr.Files[0].Issues) != 1 || !strings.Contains(lr.Files[0].Issues[0].Message, "too large") {
			t.Errorf("files %+v", lr.Files)
		}
	})
	t.Run("gzip bomb", func(t *testing.T) {
		// 64 MiB of zeros in a tar entry: ratio ~1000x. Lower the floor so
		// the test stays small.
		old := ratioFloor
		ratioFloor = 16 << 20
		defer func() { ratioFloor = old }()
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		tw := tar.NewWriter(zw)
		tw.WriteHeader(&tar.Header{Name: "zeros", Size: 64 << 20, Mode: 0o644, Typeflag: tar.TypeReg})
		tw.Write(make([]byte, 64<<20))
		tw.WriteHeader(&tar.Header{Name: "after", Size: 0, Mode: 0o644, Typeflag: tar.TypeReg})
		tw.Close()
		zw.Close()
		_, err := walkLayer(t.Context(), "x", &buf, exs, 1<<20, nil)
		if !errors.Is(err, ErrHostileLayer) || !strings.Contains(err.Error(), "bomb") {
			t.Fatalf("error = %v, want a bomb error", err)
		}
	})
	t.Run("diff-id mismatch", func(t *testing.T) {
		l := mustLayer(t, imagetest.Entry{Name: "x", Body: "y"})
		dir, _ := layoutOf(t, []v1.Layer{l}, nil)
		// Corrupt the config's diff-id by swapping the layer blob.
		blobs, _ := filepath.Glob(filepath.Join(dir, "blobs/sha256/*"))
		other := gz(t, tarOf(t, imagetest.Entry{Name: "x", Body: "z"}))
		d, _ := l.Digest()
		for _, b := range blobs {
			if filepath.Base(b) == d.Hex {
				if err := os.WriteFile(b, other, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		_, err := Scan(t.Context(), Target{Kind: KindOCILayout, Ref: dir}, Options{Extractors: exs, CacheDir: t.TempDir()})
		if !errors.Is(err, ErrHostileLayer) || !strings.Contains(err.Error(), "diff-id") {
			t.Fatalf("error = %v, want a diff-id mismatch", err)
		}
	})
}

func TestDetect(t *testing.T) {
	tmp := t.TempDir()
	rootfs := filepath.Join(tmp, "rootfs")
	os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755)
	os.WriteFile(filepath.Join(rootfs, "etc/os-release"), []byte(debianRelease), 0o644)
	src := filepath.Join(tmp, "src")
	os.MkdirAll(src, 0o755)
	img, err := imagetest.Image([]v1.Layer{mustLayer(t, imagetest.Entry{Name: "x", Body: "y"})}, nil, amd64, fixedNow())
	if err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(tmp, "layout")
	ociTar := filepath.Join(tmp, "oci.tar")
	dockerTar := filepath.Join(tmp, "docker.tar")
	if err := imagetest.WriteLayout(layout, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := imagetest.WriteOCIArchive(ociTar, layout); err != nil {
		t.Fatal(err)
	}
	if err := imagetest.WriteDocker(dockerTar, "x/y:z", img); err != nil {
		t.Fatal(err)
	}
	notTar := filepath.Join(tmp, "notes.txt")
	os.WriteFile(notTar, []byte(strings.Repeat("hello ", 200)), 0o644)
	// Random bytes, gzip'd: a gzip stream whose content is no tar.
	junk := filepath.Join(tmp, "junk.tar.gz")
	var jb bytes.Buffer
	zw := gzip.NewWriter(&jb)
	noise := make([]byte, 3000)
	for i := range noise {
		noise[i] = byte(i*7919 + i>>3)
	}
	zw.Write(noise)
	zw.Close()
	os.WriteFile(junk, jb.Bytes(), 0o644)
	// A real docker archive, gzip'd and cut in half, under a neutral name:
	// told by its gzip magic.
	full, _ := os.ReadFile(dockerTar)
	jb.Reset()
	zw = gzip.NewWriter(&jb)
	zw.Write(full)
	zw.Close()
	truncated := filepath.Join(tmp, "image.bin")
	os.WriteFile(truncated, jb.Bytes()[:jb.Len()/2], 0o644)
	// A well-formed tar that is no image: told by its ustar magic.
	plainTar := filepath.Join(tmp, "files.dat")
	os.WriteFile(plainTar, tarOf(t, imagetest.Entry{Name: "a.txt", Body: "x"}), 0o644)
	tests := []struct {
		arg     string
		want    Target
		wantErr bool
	}{
		{rootfs, Target{Kind: KindRootFS, Ref: rootfs}, false},
		{src, Target{Kind: KindDir, Ref: src}, false},
		{layout, Target{Kind: KindOCILayout, Ref: layout}, false},
		{ociTar, Target{Kind: KindOCIArchive, Ref: ociTar}, false},
		{dockerTar, Target{Kind: KindDockerArchive, Ref: dockerTar}, false},
		{"alpine:3.20", Target{Kind: KindRegistry, Ref: "alpine:3.20"}, false},
		{"ghcr.io/a/b@sha256:" + strings.Repeat("a", 64), Target{Kind: KindRegistry, Ref: "ghcr.io/a/b@sha256:" + strings.Repeat("a", 64)}, false},
		{"oci:" + ociTar, Target{Kind: KindOCILayout, Ref: ociTar, Explicit: true}, false},
		{"oci-dir:" + layout, Target{Kind: KindOCILayout, Ref: layout, Explicit: true}, false},
		{"file:x.txt", Target{Kind: KindFile, Ref: "x.txt", Explicit: true}, false},
		{"sbom:b.json", Target{Kind: KindSBOM, Ref: "b.json", Explicit: true}, false},
		{"registry:", Target{}, true},
		{"docker-archive:x.tar", Target{Kind: KindDockerArchive, Ref: "x.tar", Explicit: true}, false},
		{notTar, Target{Kind: KindFile, Ref: notTar}, false},
		{junk, Target{}, true},
		{truncated, Target{}, true},
		{plainTar, Target{}, true},
		{"Not A Valid::Ref", Target{}, true},
		{"missing.tar", Target{}, true},
		{"./missing", Target{}, true},
	}
	for _, tt := range tests {
		got, err := Detect(tt.arg)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Detect(%q) = %+v, %v; want %+v (error %v)", tt.arg, got, err, tt.want, tt.wantErr)
		}
	}
	for _, p := range []string{junk, truncated} {
		if _, err := Detect(p); !errors.Is(err, ErrHostileArchive) {
			t.Errorf("Detect(%s) = %v, want ErrHostileArchive", p, err)
		}
	}
	if _, err := Detect(plainTar); !errors.Is(err, ErrNotImageArchive) {
		t.Errorf("Detect(plain tar) = %v, want ErrNotImageArchive", err)
	}
}

// TestCompressions reads the same layer plain, gzip and zstd.
func TestCompressions(t *testing.T) {
	plain := tarOf(t, imagetest.Entry{Name: "var/lib/dpkg/status", Body: dpkgStatus("a@1", "b@2")})
	var zs bytes.Buffer
	zw, err := zstd.NewWriter(&zs)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(plain)
	zw.Close()
	for name, b := range map[string][]byte{"plain": plain, "gzip": gz(t, plain), "zstd": zs.Bytes()} {
		t.Run(name, func(t *testing.T) {
			lr, err := walkLayer(t.Context(), "x", bytes.NewReader(b), osAndInstalled(), 1<<20, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(lr.Files) != 1 || len(lr.Files[0].Packages) != 2 {
				t.Errorf("files = %+v", lr.Files)
			}
		})
	}
}

// TestOSDatabases scans an rpm database in an image layer and an apk
// database in a root filesystem directory, using the extractors' fixtures.
func TestOSDatabases(t *testing.T) {
	rpmdb, err := os.ReadFile("../inventory/extract/rpm/rpmdb/testdata/sqlite/var/lib/rpm/rpmdb.sqlite")
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := layoutOf(t, []v1.Layer{mustLayer(t,
		imagetest.Entry{Name: "etc/os-release", Body: "ID=\"rocky\"\nVERSION_ID=\"9.3\"\n"},
		imagetest.Entry{Name: "usr/lib/sysimage/rpm/rpmdb.sqlite", Body: string(rpmdb)},
	)}, nil)
	res, err := Scan(t.Context(), Target{Kind: KindOCILayout, Ref: dir}, Options{Extractors: osAndInstalled(), NoCache: true, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, p.Ecosystem+" "+p.Name+" "+p.Version+" "+p.PURL)
	}
	want := []string{
		"Rocky Linux:9 vigil-other 0.9-1 pkg:rpm/rocky/vigil-other@0.9-1?arch=noarch&distro=rocky-9.3&upstream=vigil-other-0.9-1.src.rpm",
		"Rocky Linux:9 vigil-tiny 2:1.2.3-4.el9 pkg:rpm/rocky/vigil-tiny@1.2.3-4.el9?arch=noarch&distro=rocky-9.3&epoch=2&upstream=vigil-tiny-1.2.3-4.el9.src.rpm",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rpm in image (-want +got):\n%s", diff)
	}

	root := "../inventory/extract/alpine/apkdb/testdata/rootfs"
	tgt, err := Detect(root)
	if err != nil || tgt.Kind != KindRootFS {
		t.Fatalf("Detect(%s) = %+v, %v", root, tgt, err)
	}
	res, err = Scan(t.Context(), tgt, Options{Extractors: osAndInstalled(), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, p := range res.Packages {
		got = append(got, p.Ecosystem+" "+p.Name+" "+p.Version)
	}
	want = []string{"Alpine:v3.20 busybox-binsh 1.36.1-r29", "Alpine:v3.20 libcrypto3 3.3.1-r0", "Alpine:v3.20 musl 1.2.5-r0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("apk in rootfs (-want +got):\n%s", diff)
	}
	if res.OS == nil || res.OS.Status != "eol" || len(res.Warnings) != 1 {
		t.Errorf("OS %+v warnings %q: want Alpine 3.20 end of life", res.OS, res.Warnings)
	}
}

package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vigil-sec/vigil/internal/cli"
	"github.com/vigil-sec/vigil/internal/testutil"
)

var testEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestAssemble: the image built around a given binary does not depend on
// when or where it is assembled, and has the settings the Helm chart relies
// on (no Go build: fast).
func TestAssemble(t *testing.T) {
	o := Options{Version: "v1.2.3", Epoch: testEpoch}
	p := v1.Platform{OS: "linux", Architecture: "amd64"}
	exe := []byte("\x7fELF not really")
	a, err := assemble(exe, []byte("ca"), p, o, "go1.26.8")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // a wall-clock time anywhere would change the digest
	b, err := assemble(exe, []byte("ca"), p, o, "go1.26.8")
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("two assemblies differ: %s and %s", da, db)
	}
	cf, err := a.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65532:65532" || !cmp.Equal(cf.Config.Entrypoint, []string{"/vigil"}) || !cmp.Equal(cf.Config.Cmd, []string{"serve"}) {
		t.Errorf("config = %+v", cf.Config)
	}
	if !cf.Created.Time.Equal(testEpoch) || !cf.History[0].Created.Time.Equal(testEpoch) {
		t.Errorf("created %v, history %v, want %v", cf.Created, cf.History[0].Created, testEpoch)
	}
	if cf.OS != "linux" || cf.Architecture != "amd64" {
		t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
	}

	got := layerEntries(t, a)
	want := map[string]string{
		"etc/": "d 755 0:0", "etc/group": "f 644 0:0", "etc/nsswitch.conf": "f 644 0:0", "etc/passwd": "f 644 0:0",
		"etc/ssl/": "d 755 0:0", "etc/ssl/certs/": "d 755 0:0", "etc/ssl/certs/ca-certificates.crt": "f 644 0:0",
		"home/": "d 755 0:0", "home/nonroot/": "d 700 65532:65532", "tmp/": "d 1777 0:0", "vigil": "f 755 0:0",
		"var/": "d 755 0:0", "var/lib/": "d 755 0:0", "var/lib/vigil/": "d 700 65532:65532",
	}
	if diff := cmp.Diff(want, got.modes); diff != "" {
		t.Errorf("layer entries (-want +got):\n%s", diff)
	}
	if !bytes.Equal(got.files["vigil"], exe) {
		t.Error("the binary is not /vigil")
	}
	if passwd := string(got.files["etc/passwd"]); !strings.Contains(passwd, "nonroot:x:65532:65532:") {
		t.Errorf("passwd = %q", passwd)
	}
	for _, h := range got.headers {
		if !h.ModTime.Equal(testEpoch) || !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: mtime %v atime %v ctime %v owner %q:%q", h.Name, h.ModTime, h.AccessTime, h.ChangeTime, h.Uname, h.Gname)
		}
	}

	img := &Image{Images: []v1.Image{a}, Digest: da, RefName: "v1.2.3"}
	var w1, w2 bytes.Buffer
	if err := img.WriteArchive(&w1, testEpoch); err != nil {
		t.Fatal(err)
	}
	if err := img.WriteArchive(&w2, testEpoch); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w1.Bytes(), w2.Bytes()) {
		t.Error("two archives of one image differ")
	}
}

// TestIndex: several platforms give an OCI index, written as a layout that
// go-containerregistry reads back with one manifest per platform.
func TestIndex(t *testing.T) {
	o := Options{Version: "v1.2.3", Epoch: testEpoch}
	var imgs []v1.Image
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := assemble([]byte("\x7fELF "+arch), nil, v1.Platform{OS: "linux", Architecture: arch}, o, "go1.26.8")
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	img, err := newImage(imgs, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "oci")
	if err := img.WriteLayout(dir); err != nil {
		t.Fatal(err)
	}
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != img.Digest || im.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "v1.2.3" {
		t.Fatalf("index.json = %+v, want the index %s tagged v1.2.3", im.Manifests, img.Digest)
	}
	inner, err := top.ImageIndex(img.Digest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := inner.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var plats []string
	for _, d := range m.Manifests {
		plats = append(plats, d.Platform.String())
		sub, err := inner.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sub.Layers(); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]string{"linux/amd64", "linux/arm64"}, plats); diff != "" {
		t.Errorf("platforms (-want +got):\n%s", diff)
	}
	if err := img.WriteLayout(dir); err == nil {
		t.Error("WriteLayout over a non-empty directory succeeded")
	}
}

func TestSourceDateEpoch(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"", time.Unix(0, 0).UTC(), false},
		{"1767225600", testEpoch, false},
		{"-1", time.Time{}, true},
		{"2026-01-01", time.Time{}, true},
	} {
		got, err := sourceDateEpoch(tt.in)
		if (err != nil) != tt.err || !got.Equal(tt.want) {
			t.Errorf("sourceDateEpoch(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// TestImage builds the real image twice (one cold compile at most: the
// second build reuses the Go build cache for packages but links again and
// assembles again) and wants the same digest and the same archive bytes;
// then scans the archive with `vigil scan image` against the Go advisories
// of ../shared/vulndb, pushes it to an in-memory registry and runs the
// binary from the layer. Skipped with -short (about a minute on two cores
// with a cold build cache).
func TestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Vigil twice")
	}
	osv := filepath.Join(testutil.Shared(t), "vulndb", "osv")
	o := Options{Src: testutil.ModuleRoot(t), Platforms: []string{"linux/" + runtime.GOARCH},
		Version: "v0.0.0-test", CAFile: DefaultCA, Epoch: testEpoch}
	if _, err := os.Stat(DefaultCA); err != nil {
		o.CAFile = ""
		t.Logf("no CA bundle at %s: building without one", DefaultCA)
	}
	var archives [2][]byte
	var imgs [2]*Image
	for i := range imgs {
		start := time.Now()
		img, err := Build(t.Context(), o)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := img.WriteArchive(&buf, o.Epoch); err != nil {
			t.Fatal(err)
		}
		imgs[i], archives[i] = img, buf.Bytes()
		t.Logf("build %d: %s, %d bytes, %s", i+1, img.Digest, buf.Len(), time.Since(start).Round(time.Second))
	}
	if imgs[0].Digest != imgs[1].Digest || !bytes.Equal(archives[0], archives[1]) {
		t.Fatalf("two builds differ: %s and %s", imgs[0].Digest, imgs[1].Digest)
	}
	img := imgs[0]
	archive := filepath.Join(t.TempDir(), "vigil-image.tar")
	if err := os.WriteFile(archive, archives[0], 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("scan", func(t *testing.T) {
		db := t.TempDir()
		vigil(t, "db", "update", "--from", osv, "--db-dir", db, "--ecosystems", "Go")
		out := vigil(t, "scan", "image", "--offline", "--no-cache", "--db-dir", db, "--scanners", "vuln,secret",
			"--config", filepath.Join(o.Src, "vigil.yaml"), "--format", "json", archive)
		var rep struct {
			Image    struct{ Digest string }
			Packages []struct{ Name, Version, Extractor string }
			Vulns    []struct {
				ID      string
				Package struct{ Name, Version string }
				Fixed   string          `json:"fixed_version"`
				Supp    json.RawMessage `json:"suppressed"`
			} `json:"vulnerabilities"`
			Secrets []json.RawMessage
			Issues  []json.RawMessage
		}
		if err := json.Unmarshal(out, &rep); err != nil {
			t.Fatalf("report: %v\n%s", err, out)
		}
		if rep.Image.Digest != img.Digest.String() {
			t.Errorf("scanned digest %s, built %s", rep.Image.Digest, img.Digest)
		}
		found := map[string]string{}
		for _, p := range rep.Packages {
			found[p.Name] = p.Version
		}
		// The binary's modules must be inventoried, or "no findings" says
		// nothing.
		goVersion := strings.TrimPrefix(runtime.Version(), "go")
		for _, want := range []string{"stdlib", "helm.sh/helm/v3", "github.com/open-policy-agent/opa", "github.com/google/go-containerregistry"} {
			if found[want] == "" {
				t.Errorf("package %s not inventoried (%d packages)", want, len(rep.Packages))
			}
		}
		if found["stdlib"] != goVersion {
			t.Logf("stdlib %s, the test runs on %s", found["stdlib"], goVersion)
		}
		for _, v := range rep.Vulns {
			switch {
			case v.Fixed != "":
				t.Errorf("%s: %s %s is vulnerable, fixed in %s: upgrade it", v.ID, v.Package.Name, v.Package.Version, v.Fixed)
			case len(v.Supp) == 0 || string(v.Supp) == "null":
				t.Errorf("%s: %s %s is vulnerable and vigil.yaml records no decision", v.ID, v.Package.Name, v.Package.Version)
			default:
				t.Logf("suppressed by vigil.yaml: %s %s %s", v.ID, v.Package.Name, v.Package.Version)
			}
		}
		if len(rep.Secrets) > 0 || len(rep.Issues) > 0 {
			t.Errorf("secrets %s, issues %s", rep.Secrets, rep.Issues)
		}
		t.Logf("%d packages, %d vulnerabilities (all suppressed)", len(rep.Packages), len(rep.Vulns))
	})

	t.Run("push", func(t *testing.T) {
		srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
		defer srv.Close()
		ref, err := name.ParseReference(strings.TrimPrefix(srv.URL, "http://")+"/vigil:test", name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		if err := img.Push(t.Context(), ref); err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Head(ref, remote.WithContext(t.Context()))
		if err != nil {
			t.Fatal(err)
		}
		if desc.Digest != img.Digest {
			t.Errorf("registry has %s, built %s", desc.Digest, img.Digest)
		}
	})

	t.Run("run", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("the image's binary is for linux")
		}
		bin := filepath.Join(t.TempDir(), "vigil")
		if err := os.WriteFile(bin, layerEntries(t, img.Images[0]).files["vigil"], 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := exec.CommandContext(t.Context(), bin, "version").CombinedOutput()
		if err != nil || !strings.Contains(string(out), o.Version) {
			t.Errorf("vigil version: %v\n%s", err, out)
		}
	})
}

// vigil runs the CLI in-process and returns its standard output.
func vigil(t *testing.T, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := cli.Run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != cli.ExitOK {
		t.Fatalf("vigil %s: exit %d\n%s", strings.Join(args, " "), code, stderr.Bytes())
	}
	return stdout.Bytes()
}

type entries struct {
	modes   map[string]string // name -> "d|f MODE UID:GID"
	files   map[string][]byte
	headers []*tar.Header
}

// layerEntries reads the image's only layer.
func layerEntries(t *testing.T, img v1.Image) entries {
	t.Helper()
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %d, %v", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	e := entries{modes: map[string]string{}, files: map[string][]byte{}}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		kind := "f"
		if h.Typeflag == tar.TypeDir {
			kind = "d"
		}
		e.modes[h.Name] = fmt.Sprintf("%s %o %d:%d", kind, h.Mode, h.Uid, h.Gid)
		e.headers = append(e.headers, h)
		if kind == "f" {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			e.files[h.Name] = data
		}
	}
	return e
}

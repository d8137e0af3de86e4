package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/zstd"

	"github.com/vigil-sec/vigil/internal/source/imagetest"
)

func runVigil(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// leftPadImage is a one-layer image holding npm's left-pad 1.3.0.
func leftPadImage(t *testing.T) v1.Image {
	t.Helper()
	layer, err := imagetest.Layer([]imagetest.Entry{
		{Name: "usr/lib/node_modules/left-pad/package.json", Body: `{"name":"left-pad","version":"1.3.0"}`},
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagetest.Image([]v1.Layer{layer}, []string{"COPY app /"}, v1.Platform{OS: "linux", Architecture: "amd64"}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestSBOMOfRegistryImage: every target form reaches the image, and a bare
// reference that is not a path says how to scan it.
func TestSBOMOfRegistryImage(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	img := leftPadImage(t)
	ref := host + "/app:1"
	if err := imagetest.Push(ref, img, nil); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	for _, args := range [][]string{
		{"sbom", "image", ref, "--insecure-registry", "--no-cache"},
		{"sbom", "registry:" + ref, "--insecure-registry", "--no-cache"},
		{"sbom", "image", "registry:" + ref, "--insecure-registry", "--no-cache", "-f", "spdx-json"},
	} {
		code, stdout, stderr := runVigil(t, args...)
		if code != 0 {
			t.Errorf("vigil %v: exit %d\n%s", args, code, stderr)
			continue
		}
		if !strings.Contains(stdout, "pkg:npm/left-pad@1.3.0") {
			t.Errorf("vigil %v: the SBOM lacks the image's package:\n%.400s", args, stdout)
		}
	}
	// A bare reference is not a path: the error says what it looks like.
	for _, cmd := range []string{"sbom", "scan"} {
		args := []string{cmd, ref}
		if cmd == "scan" {
			args = append(args, "--offline")
		}
		code, _, stderr := runVigil(t, args...)
		if code != ExitError || !strings.Contains(stderr, "looks like an image reference") || !strings.Contains(stderr, "vigil "+cmd+" image") {
			t.Errorf("vigil %s %s: exit %d, %q: want exit 2 naming the image subcommand", cmd, ref, code, stderr)
		}
	}
}

// TestTargetPrefixes: dir:, file: and sbom: name paths; sbom: insists on an
// SBOM; rootfs: and vigil sbom rootfs read a root filesystem.
func TestTargetPrefixes(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(lock, []byte("django==3.2.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"dir:" + dir, "file:" + lock} {
		code, stdout, stderr := runVigil(t, "sbom", target)
		if code != 0 || !strings.Contains(stdout, "pkg:pypi/django@3.2.0") {
			t.Errorf("vigil sbom %s: exit %d %s\n%.300s", target, code, stderr, stdout)
		}
	}
	bom := filepath.Join(dir, "bom.json")
	if code, _, stderr := runVigil(t, "sbom", "file:"+lock, "-o", bom); code != 0 {
		t.Fatalf("write sbom: %s", stderr)
	}
	code, stdout, stderr := runVigil(t, "sbom", "sbom:"+bom, "-f", "spdx-json")
	if code != 0 || !strings.Contains(stdout, "django") {
		t.Errorf("vigil sbom sbom:%s: exit %d %s", bom, code, stderr)
	}
	if code, _, stderr := runVigil(t, "sbom", "sbom:"+lock); code != ExitError || !strings.Contains(stderr, "not a CycloneDX or SPDX") {
		t.Errorf("sbom: of a lockfile: exit %d %q, want exit 2", code, stderr)
	}
	root := t.TempDir()
	for p, body := range map[string]string{
		"etc/os-release": "ID=debian\nVERSION_ID=\"12\"\n",
		"usr/lib/python3/dist-packages/requests-2.0.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: requests\nVersion: 2.0.0\n",
	} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"sbom", "rootfs", root}, {"sbom", "rootfs:" + root}} {
		code, stdout, stderr := runVigil(t, args...)
		var doc struct {
			Components []struct{ Name, Version string }
		}
		_ = json.Unmarshal([]byte(stdout), &doc)
		found := false
		for _, c := range doc.Components {
			found = found || (c.Name == "requests" && c.Version == "2.0.0")
		}
		if code != 0 || !found {
			t.Errorf("vigil %v: exit %d %s: requests not in %+v", args, code, stderr, doc.Components)
		}
	}
}

// TestCompressedArchives: docker save | gzip (or zstd), and a gzip'd OCI
// archive, give the same SBOM as the plain archive.
func TestCompressedArchives(t *testing.T) {
	dir := t.TempDir()
	img := leftPadImage(t)
	docker := filepath.Join(dir, "img.tar")
	if err := imagetest.WriteDocker(docker, "app:1", img); err != nil {
		t.Fatal(err)
	}
	layoutDir := filepath.Join(dir, "layout")
	if err := imagetest.WriteLayout(layoutDir, img, nil); err != nil {
		t.Fatal(err)
	}
	oci := filepath.Join(dir, "oci.tar")
	if err := imagetest.WriteOCIArchive(oci, layoutDir); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	packages := func(target string) string {
		code, stdout, stderr := runVigil(t, "sbom", target, "--no-cache", "-f", "spdx-json")
		if code != 0 {
			t.Fatalf("vigil sbom %s: exit %d %s", target, code, stderr)
		}
		var doc struct {
			Packages []struct{ Name, VersionInfo string }
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range doc.Packages {
			if p.Name != target { // the document's root is named after the target
				out = append(out, p.Name+"@"+p.VersionInfo)
			}
		}
		return strings.Join(out, ",")
	}
	for _, plain := range []string{docker, oci} {
		want := packages(plain)
		if !strings.Contains(want, "left-pad@1.3.0") {
			t.Fatalf("%s: %s lacks left-pad", plain, want)
		}
		for _, c := range []struct{ ext, cmd string }{{".gz", "gzip"}, {".zst", "zstd"}} {
			comp := plain + c.ext
			if err := compress(plain, comp, c.cmd); err != nil {
				t.Fatal(err)
			}
			if got := packages(comp); got != want {
				t.Errorf("%s: %s, want %s", comp, got, want)
			}
		}
	}
}

// TestBrokenArchives: a garbage or truncated .tar.gz, or a tar that is no
// image, is an input error (exit 2) for scan and sbom, never a scan of
// nothing with exit 0.
func TestBrokenArchives(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	noise := make([]byte, 3000)
	for i := range noise {
		noise[i] = byte(i*131 + i>>2)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(noise)
	zw.Close()
	junk := filepath.Join(dir, "junk.tar.gz")
	os.WriteFile(junk, gz.Bytes(), 0o644)
	docker := filepath.Join(dir, "img.tar")
	if err := imagetest.WriteDocker(docker, "app:1", leftPadImage(t)); err != nil {
		t.Fatal(err)
	}
	if err := compress(docker, docker+".gz", "gzip"); err != nil {
		t.Fatal(err)
	}
	whole, _ := os.ReadFile(docker + ".gz")
	truncated := filepath.Join(dir, "cut.tar.gz")
	os.WriteFile(truncated, whole[:len(whole)*2/3], 0o644)
	plain := filepath.Join(dir, "files.tar")
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "a.txt", Mode: 0o644, Size: 1})
	tw.Write([]byte("x"))
	tw.Close()
	os.WriteFile(plain, tb.Bytes(), 0o644)
	for _, c := range []struct{ target, want string }{
		{junk, "malformed archive"},
		{truncated, "malformed archive"},
		{plain, "not an image archive"},
	} {
		for _, args := range [][]string{{"sbom", c.target}, {"scan", "--offline", c.target}, {"sbom", "image", c.target}} {
			code, _, stderr := runVigil(t, args...)
			if code != ExitError || !strings.Contains(stderr, c.want) {
				t.Errorf("vigil %v: exit %d, stderr %q; want exit %d naming %q", args, code, stderr, ExitError, c.want)
			}
		}
	}
}

func compress(in, out, kind string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch kind {
	case "gzip":
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
	case "zstd":
		zw, err := zstd.NewWriter(&buf)
		if err != nil {
			return err
		}
		zw.Write(b)
		zw.Close()
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// TestSkipDirs: --skip-dirs for source trees and root filesystems, and a
// root filesystem never enters proc/ sys/ dev/.
func TestSkipDirs(t *testing.T) {
	dir := t.TempDir()
	write := func(p, body string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("requirements.txt", "django==3.2.0\n")
	write("vendor/x/requirements.txt", "flask==1.0.0\n")
	write("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
	write("proc/1/root/usr/lib/python3/dist-packages/hidden-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: hidden\nVersion: 1.0\n")
	write("usr/lib/python3/dist-packages/requests-2.0.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: requests\nVersion: 2.0.0\n")
	code, stdout, stderr := runVigil(t, "sbom", "dir:"+dir, "--skip-dirs", "vendor")
	if code != 0 || !strings.Contains(stdout, "django") || strings.Contains(stdout, "flask") {
		t.Errorf("sbom --skip-dirs vendor: exit %d %s\n%.500s", code, stderr, stdout)
	}
	code, stdout, _ = runVigil(t, "sbom", "dir:"+dir)
	if code != 0 || !strings.Contains(stdout, "flask") {
		t.Errorf("without --skip-dirs flask is missing: the test proves nothing")
	}
	code, stdout, stderr = runVigil(t, "sbom", "rootfs", dir, "--skip-dirs", "**/x")
	if code != 0 || !strings.Contains(stdout, "requests") || strings.Contains(stdout, "hidden") || strings.Contains(stdout, "flask") {
		t.Errorf("sbom rootfs: exit %d %s: want requests, not proc/'s hidden nor the skipped flask\n%.800s", code, stderr, stdout)
	}
	if code, _, stderr := runVigil(t, "sbom", dir, "--skip-dirs", "a/[b"); code != ExitError {
		t.Errorf("invalid glob: exit %d %s, want 2", code, stderr)
	}
}

package source

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Target kinds.
const (
	KindDir           = "dir"            // a directory that is not a root filesystem
	KindRootFS        = "rootfs"         // a root filesystem directory
	KindOCILayout     = "oci-layout"     // an OCI image layout directory
	KindOCIArchive    = "oci-archive"    // a tar of an OCI image layout
	KindDockerArchive = "docker-archive" // a `docker save` tarball
	KindRegistry      = "registry"       // a registry reference
	KindFile          = "file"           // a single file (lockfile, binary, archive, SBOM)
	KindSBOM          = "sbom"           // a file that must be an SBOM
)

// Target is what to scan.
type Target struct {
	// Kind is one of the Kind* constants.
	Kind string
	// Ref is a path (dir, rootfs, oci-layout, oci-archive, docker-archive)
	// or an image reference (registry).
	Ref string
	// Explicit is set when a scheme prefix chose the kind.
	Explicit bool
}

// Prefixes are the scheme prefixes a target may carry, as Syft and Grype
// users write them.
var Prefixes = []struct{ Prefix, Kind string }{
	{"oci-archive:", KindOCIArchive}, {"oci-dir:", KindOCILayout}, {"oci:", KindOCILayout},
	{"docker-archive:", KindDockerArchive}, {"registry:", KindRegistry},
	{"docker://", KindRegistry}, {"rootfs:", KindRootFS}, {"dir:", KindDir},
	{"file:", KindFile}, {"sbom:", KindSBOM},
}

// SplitPrefix splits off a scheme prefix (Prefixes), reading nothing: ok
// is false when arg has none.
func SplitPrefix(arg string) (Target, bool) {
	for _, p := range Prefixes {
		if rest, ok := strings.CutPrefix(arg, p.Prefix); ok {
			return Target{Kind: p.Kind, Ref: rest, Explicit: true}, true
		}
	}
	return Target{}, false
}

// Detect tells what arg is. An explicit transport prefix wins
// (Prefixes: "registry:", "oci-dir:", "oci-archive:", "docker-archive:",
// "dir:", "file:", "sbom:", ...); otherwise an existing path is inspected (a directory
// with an oci-layout file is a layout; a directory with etc/ and usr/ or a
// package database is a root filesystem; a tar holding index.json and
// oci-layout is an OCI archive, one holding manifest.json a docker
// archive), and anything else that parses as an image reference is a
// registry reference.
func Detect(arg string) (Target, error) {
	if t, ok := SplitPrefix(arg); ok {
		if t.Ref == "" {
			return Target{}, fmt.Errorf("detect %q: nothing after the %q prefix", arg, arg)
		}
		return t, nil
	}
	fi, err := os.Stat(arg)
	switch {
	case err == nil && fi.IsDir():
		return Target{Kind: detectDir(arg), Ref: arg}, nil
	case err == nil:
		archive, err := looksLikeArchive(arg)
		if err != nil {
			return Target{}, fmt.Errorf("detect %q: %w", arg, err)
		}
		if !archive {
			// A lockfile, binary, jar or SBOM: scanned as a single file.
			return Target{Kind: KindFile, Ref: arg}, nil
		}
		k, err := detectArchive(arg)
		if err != nil {
			// A compressed file or tar that is not a readable image archive
			// is an error, never a single file with nothing in it.
			return Target{}, fmt.Errorf("detect %q: %w", arg, err)
		}
		return Target{Kind: k, Ref: arg}, nil
	case !errors.Is(err, os.ErrNotExist):
		return Target{}, fmt.Errorf("detect %q: %w", arg, err)
	case looksLikePath(arg):
		return Target{}, fmt.Errorf("detect %q: %w", arg, err)
	}
	if _, err := name.ParseReference(arg); err != nil {
		return Target{}, fmt.Errorf("detect %q: %w", arg, ErrUnknownTarget)
	}
	return Target{Kind: KindRegistry, Ref: arg}, nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func detectDir(dir string) string {
	if exists(filepath.Join(dir, "oci-layout")) && exists(filepath.Join(dir, "index.json")) {
		return KindOCILayout
	}
	for _, db := range []string{"var/lib/dpkg/status", "var/lib/dpkg/status.d", "lib/apk/db/installed",
		"var/lib/rpm", "usr/lib/sysimage/rpm", "etc/os-release", "usr/lib/os-release"} {
		if exists(filepath.Join(dir, db)) {
			return KindRootFS
		}
	}
	if exists(filepath.Join(dir, "etc")) && exists(filepath.Join(dir, "usr")) {
		return KindRootFS
	}
	return KindDir
}

// archiveSuffixes are the names users give image archives.
var archiveSuffixes = []string{".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst"}

// looksLikeArchive is true for a file that claims to be a (compressed)
// tar by its content (gzip or zstd magic, the ustar magic at offset 257)
// or by its name.
func looksLikeArchive(p string) (bool, error) {
	for _, s := range archiveSuffixes {
		if strings.HasSuffix(strings.ToLower(p), s) {
			return true, nil
		}
	}
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var head [262]byte
	n, _ := io.ReadFull(f, head[:])
	b := head[:n]
	switch {
	case len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b:
		return true, nil
	case len(b) >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd:
		return true, nil
	case len(b) >= 262 && string(b[257:262]) == "ustar":
		return true, nil
	}
	return false, nil
}

// detectArchive reads tar headers (not contents) until it knows the kind.
func detectArchive(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	r, closeDec, err := decompressor(f)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrHostileArchive, err)
	}
	defer closeDec()
	tr := tar.NewReader(r)
	var hasIndex, hasLayout, hasManifest bool
	for i := 0; i < 1_000_000; i++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrHostileArchive, err)
		}
		switch cleanName(hdr.Name) {
		case "index.json":
			hasIndex = true
		case "oci-layout":
			hasLayout = true
		case "manifest.json":
			hasManifest = true
		}
	}
	switch {
	case hasIndex && hasLayout:
		return KindOCIArchive, nil
	case hasManifest:
		return KindDockerArchive, nil
	}
	return "", fmt.Errorf("%w: a tar without manifest.json (docker save) or index.json and oci-layout (OCI); to scan a root filesystem, extract it and run 'vigil scan rootfs DIR'; to scan it as a plain file, use the target file:%s", ErrNotImageArchive, p)
}

// cleanName normalises a tar entry name to a root-relative slash path. ok
// is false when the name climbs out of the root.
func cleanName(n string) string {
	s, _ := cleanEntry(n)
	return s
}

// looksLikePath is true for arguments that are meant as paths (so a
// missing file is reported as such, not pulled from Docker Hub).
func looksLikePath(arg string) bool {
	return strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, ".") ||
		strings.HasSuffix(arg, ".tar") || strings.HasSuffix(arg, ".tar.gz") || strings.HasSuffix(arg, ".tgz")
}

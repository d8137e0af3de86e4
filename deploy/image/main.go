// Command image builds Vigil's container image reproducibly and without a
// container engine: it cross-compiles cmd/vigil (CGO_ENABLED=0, -trimpath,
// -buildvcs=false, fixed -ldflags), puts it in a single layer with fixed
// times and owners beside a minimal /etc (passwd, group, nsswitch.conf, CA
// certificates) and a /tmp, and writes the image with go-containerregistry.
// The same source, Go toolchain, flags, CA bundle and SOURCE_DATE_EPOCH give
// the same digest.
//
//	go run ./deploy/image -o vigil-image.tar                  # OCI archive
//	go run ./deploy/image -layout ./oci                       # OCI layout directory
//	go run ./deploy/image -version v0.1.0 -push ghcr.io/vigil-sec/vigil:v0.1.0
//	go run ./deploy/image -platform linux/amd64,linux/arm64 -o vigil-image.tar
//
// The digest to pin (the image manifest's, or the index's when several
// platforms are built) is printed alone on standard output; progress goes to
// standard error. See docs/deploy.md.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Image settings shared with the Helm chart (deploy/helm/vigil).
const (
	// UID and GID of the "nonroot" user the server runs as.
	nonRootID = 65532
	// binaryPath is the entrypoint.
	binaryPath = "/vigil"
	// caPath is where Go's crypto/x509 looks first on Linux.
	caPath = "etc/ssl/certs/ca-certificates.crt"
	// DefaultCA is the host's bundle (Debian's ca-certificates package).
	DefaultCA = "/etc/ssl/certs/ca-certificates.crt"
	// versionVar receives -version through -ldflags -X.
	versionVar = "github.com/vigil-sec/vigil/internal/cli.Version"
)

// Options say what to build.
type Options struct {
	// Src is the module root (holding go.mod and cmd/vigil).
	Src string
	// Platforms are os/arch pairs; only linux is supported.
	Platforms []string
	// Version is stamped into the binary (vigil version) and the labels.
	Version string
	// Revision, when set, is the org.opencontainers.image.revision label.
	Revision string
	// CAFile is the PEM bundle copied to /etc/ssl/certs; "" leaves it out.
	CAFile string
	// Epoch is the time of every file, the image's creation time and its
	// history: SOURCE_DATE_EPOCH, else the Unix epoch.
	Epoch time.Time
	// Log receives progress; nil discards.
	Log io.Writer
}

// Image is a built image: one manifest per platform, and an index over
// them when there are several.
type Image struct {
	// Images are the per-platform images, in the order of Options.Platforms.
	Images []v1.Image
	// Index is set when more than one platform was built.
	Index v1.ImageIndex
	// Digest is what to pin: the index's digest, else the image's.
	Digest v1.Hash
	// RefName is the tag recorded in the layout's index.json.
	RefName string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "image: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("image", flag.ContinueOnError)
	fl.SetOutput(stderr)
	out := fl.String("o", "", "write an OCI archive (a tar of an OCI layout) to `FILE`")
	layoutDir := fl.String("layout", "", "write an OCI layout to `DIR` (created; must be empty or absent)")
	push := fl.String("push", "", "push the image to `REGISTRY/REPO[:TAG]` (credentials from the Docker config)")
	insecure := fl.Bool("insecure", false, "allow a plain-HTTP registry for -push")
	platforms := fl.String("platform", "linux/amd64", "comma-separated `os/arch` list; more than one writes an image index")
	version := fl.String("version", "dev", "version stamped into the binary and the labels")
	revision := fl.String("revision", "", "source revision for the org.opencontainers.image.revision label (e.g. $(git rev-parse HEAD))")
	ca := fl.String("ca", DefaultCA, "PEM CA bundle copied to /etc/ssl/certs/ca-certificates.crt (\"\" for none)")
	src := fl.String("src", "", "module root to build (default: the module of the current directory)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fl.Args())
	}
	if *out == "" && *layoutDir == "" && *push == "" {
		return errors.New("nothing to do: give -o FILE, -layout DIR or -push REF")
	}
	epoch, err := sourceDateEpoch(os.Getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return err
	}
	root := *src
	if root == "" {
		if root, err = moduleRoot(ctx); err != nil {
			return err
		}
	}
	start := time.Now()
	img, err := Build(ctx, Options{Src: root, Platforms: strings.Split(*platforms, ","), Version: *version,
		Revision: *revision, CAFile: *ca, Epoch: epoch, Log: stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "built %s in %s\n", img.Digest, time.Since(start).Round(100*time.Millisecond))
	if *out != "" {
		if err := writeFileAtomic(*out, func(w io.Writer) error { return img.WriteArchive(w, epoch) }); err != nil {
			return fmt.Errorf("write %q: %w", *out, err)
		}
		if fi, err := os.Stat(*out); err == nil {
			fmt.Fprintf(stderr, "wrote %s (%d bytes)\n", *out, fi.Size())
		}
	}
	if *layoutDir != "" {
		if err := img.WriteLayout(*layoutDir); err != nil {
			return fmt.Errorf("write layout %q: %w", *layoutDir, err)
		}
		fmt.Fprintf(stderr, "wrote %s\n", *layoutDir)
	}
	if *push != "" {
		var opts []name.Option
		if *insecure {
			opts = append(opts, name.Insecure)
		}
		ref, err := name.ParseReference(*push, opts...)
		if err != nil {
			return fmt.Errorf("-push: %w", err)
		}
		if err := img.Push(ctx, ref, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "pushed %s@%s\n", ref.Context(), img.Digest)
	}
	fmt.Fprintln(stdout, img.Digest)
	return nil
}

// Build compiles Vigil for each platform and assembles the image.
func Build(ctx context.Context, o Options) (*Image, error) {
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	if len(o.Platforms) == 0 {
		return nil, errors.New("no platform")
	}
	var ca []byte
	if o.CAFile != "" {
		var err error
		if ca, err = os.ReadFile(o.CAFile); err != nil {
			return nil, fmt.Errorf("read CA bundle: %w", err)
		}
	}
	goVersion, err := goEnv(ctx, o.Src, "GOVERSION")
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "vigil-image-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	var imgs []v1.Image
	for _, p := range o.Platforms {
		plat, err := v1.ParsePlatform(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("-platform %q: %w", p, err)
		}
		if plat.OS != "linux" {
			return nil, fmt.Errorf("-platform %q: only linux images are built", p)
		}
		bin := filepath.Join(tmp, "vigil-"+plat.OS+"-"+plat.Architecture)
		start := time.Now()
		fmt.Fprintf(logw, "go build %s (%s)\n", plat, goVersion)
		if err := compile(ctx, o.Src, *plat, o.Version, bin); err != nil {
			return nil, err
		}
		fmt.Fprintf(logw, "compiled in %s\n", time.Since(start).Round(100*time.Millisecond))
		exe, err := os.ReadFile(bin)
		if err != nil {
			return nil, err
		}
		img, err := assemble(exe, ca, *plat, o, goVersion)
		if err != nil {
			return nil, fmt.Errorf("assemble %s: %w", plat, err)
		}
		imgs = append(imgs, img)
	}
	return newImage(imgs, o.Version)
}

// newImage wraps per-platform images: one is pinned by its manifest
// digest, several get an OCI index (platforms from their configs).
func newImage(imgs []v1.Image, refName string) (*Image, error) {
	res := &Image{Images: imgs, RefName: refName}
	var err error
	if len(imgs) == 1 {
		res.Digest, err = imgs[0].Digest()
		return res, err
	}
	var adds []mutate.IndexAddendum
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: cf.Platform()}})
	}
	res.Index = mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	res.Digest, err = res.Index.Digest()
	return res, err
}

// ldflags are the linker flags of a release build: no symbol table or
// DWARF (the build info, which scanners read, stays), no build id, and the
// version.
func ldflags(version string) string {
	return "-s -w -buildid= -X " + versionVar + "=" + version
}

// compile runs go build for the platform with every setting that changes
// the output fixed, whatever the caller's environment says.
func compile(ctx context.Context, src string, p v1.Platform, version, out string) error {
	if strings.ContainsAny(version, " \t'\"") {
		return fmt.Errorf("-version %q: no spaces or quotes", version)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags="+ldflags(version), "-o", out, "./cmd/vigil")
	cmd.Dir = src
	cmd.Env = append(os.Environ(),
		"CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture,
		"GOAMD64=v1", "GOARM64=v8.0", "GOARM=7",
		"GOFLAGS=-mod=readonly", "GOEXPERIMENT=", "GOTOOLCHAIN=local")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s/%s: %w\n%s", p.OS, p.Architecture, err, stderr.Bytes())
	}
	return nil
}

// file is one entry of the image's layer.
type file struct {
	name     string // relative, slash-separated; directories end in "/"
	mode     int64
	uid, gid int
	data     []byte
}

// rootFS lists the image's files: the binary, a minimal /etc, the CA bundle
// when given, a home and a data directory for the nonroot user and a
// world-writable /tmp.
func rootFS(exe, ca []byte) []file {
	id := nonRootID
	files := []file{
		{name: "etc/", mode: 0o755},
		{name: "etc/group", mode: 0o644, data: []byte(fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", id))},
		{name: "etc/nsswitch.conf", mode: 0o644, data: []byte("hosts: files dns\n")},
		{name: "etc/passwd", mode: 0o644, data: []byte(fmt.Sprintf(
			"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", id, id))},
		{name: "home/", mode: 0o755},
		{name: "home/nonroot/", mode: 0o700, uid: id, gid: id},
		{name: "tmp/", mode: 0o1777},
		// The data directory the chart mounts; owned by nonroot so that a
		// fresh named volume (docker run -v) inherits a writable owner.
		{name: "var/", mode: 0o755},
		{name: "var/lib/", mode: 0o755},
		{name: "var/lib/vigil/", mode: 0o700, uid: id, gid: id},
		{name: strings.TrimPrefix(binaryPath, "/"), mode: 0o755, data: exe},
	}
	if ca != nil {
		files = append(files,
			file{name: "etc/ssl/", mode: 0o755},
			file{name: "etc/ssl/certs/", mode: 0o755},
			file{name: caPath, mode: 0o644, data: ca})
	}
	slices.SortFunc(files, func(a, b file) int { return strings.Compare(a.name, b.name) })
	return files
}

// layerTar writes the files as a tar stream in name order, with the same
// time for every entry and numeric owners only.
func layerTar(files []file, epoch time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		// USTAR: no access or change times, no PAX records.
		h := &tar.Header{Name: f.name, Mode: f.mode, Uid: f.uid, Gid: f.gid,
			ModTime: epoch, Format: tar.FormatUSTAR}
		if strings.HasSuffix(f.name, "/") {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("tar %q: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// assemble makes the image of one platform: one gzip'd layer, an OCI
// manifest and config.
func assemble(exe, ca []byte, p v1.Platform, o Options, goVersion string) (v1.Image, error) {
	tb, err := layerTar(rootFS(exe, ca), o.Epoch)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(tb)), nil },
		tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(gzip.DefaultCompression), tarball.WithCompressedCaching)
	if err != nil {
		return nil, err
	}
	created := v1.Time{Time: o.Epoch.UTC()}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, MediaType: types.OCILayer, History: v1.History{
		Created:   created,
		CreatedBy: fmt.Sprintf("go run ./deploy/image: go build -trimpath -buildvcs=false -ldflags=%q ./cmd/vigil (%s, %s/%s, CGO_ENABLED=0)", ldflags(o.Version), goVersion, p.OS, p.Architecture),
		Comment:   "vigil " + o.Version,
	}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = created
	labels := map[string]string{
		"org.opencontainers.image.title":       "vigil",
		"org.opencontainers.image.description": "Vigil security scanner and portfolio server",
		"org.opencontainers.image.source":      "https://github.com/vigil-sec/vigil",
		"org.opencontainers.image.licenses":    "Apache-2.0",
		"org.opencontainers.image.version":     o.Version,
		"org.opencontainers.image.created":     created.Format(time.RFC3339),
	}
	if o.Revision != "" {
		labels["org.opencontainers.image.revision"] = o.Revision
	}
	if ca != nil {
		sum := sha256.Sum256(ca)
		labels["dev.vigil.ca-certificates.sha256"] = hex.EncodeToString(sum[:])
	}
	cf.Config = v1.Config{
		User:         fmt.Sprintf("%d:%d", nonRootID, nonRootID),
		Entrypoint:   []string{binaryPath},
		Cmd:          []string{"serve"},
		WorkingDir:   "/",
		Env:          []string{"PATH=/", "HOME=/home/nonroot", "SSL_CERT_FILE=/" + caPath},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Labels:       labels,
	}
	return mutate.ConfigFile(img, cf)
}

// blob is one file of an OCI layout.
type blob struct {
	name string
	data []byte
}

// layoutFiles are the files of the image's OCI layout, sorted: oci-layout,
// index.json (one descriptor, tagged with RefName) and the blobs.
func (m *Image) layoutFiles() ([]blob, error) {
	blobs := map[v1.Hash][]byte{}
	var top v1.Descriptor
	var err error
	if m.Index != nil {
		if top, err = describe(m.Index, types.OCIImageIndex); err != nil {
			return nil, err
		}
		raw, err := m.Index.RawManifest()
		if err != nil {
			return nil, err
		}
		blobs[top.Digest] = raw
	} else if top, err = describe(m.Images[0], types.OCIManifestSchema1); err != nil {
		return nil, err
	} else {
		cf, err := m.Images[0].ConfigFile()
		if err != nil {
			return nil, err
		}
		top.Platform = cf.Platform()
	}
	for _, img := range m.Images {
		if err := imageBlobs(img, blobs); err != nil {
			return nil, err
		}
	}
	if m.RefName != "" {
		top.Annotations = map[string]string{"org.opencontainers.image.ref.name": m.RefName}
	}
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{top}}
	idxJSON, err := json.Marshal(idx)
	if err != nil {
		return nil, err
	}
	out := []blob{{name: "oci-layout", data: []byte(`{"imageLayoutVersion":"1.0.0"}`)}, {name: "index.json", data: idxJSON}}
	hashes := make([]v1.Hash, 0, len(blobs))
	for h := range blobs {
		hashes = append(hashes, h)
	}
	slices.SortFunc(hashes, func(a, b v1.Hash) int { return strings.Compare(a.String(), b.String()) })
	for _, h := range hashes {
		out = append(out, blob{name: path.Join("blobs", h.Algorithm, h.Hex), data: blobs[h]})
	}
	return out, nil
}

type describable interface {
	RawManifest() ([]byte, error)
	Digest() (v1.Hash, error)
}

func describe(d describable, mt types.MediaType) (v1.Descriptor, error) {
	raw, err := d.RawManifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	h, err := d.Digest()
	return v1.Descriptor{MediaType: mt, Size: int64(len(raw)), Digest: h}, err
}

// imageBlobs adds the manifest, config and layers of img.
func imageBlobs(img v1.Image, blobs map[v1.Hash][]byte) error {
	raw, err := img.RawManifest()
	if err != nil {
		return err
	}
	h, err := img.Digest()
	if err != nil {
		return err
	}
	blobs[h] = raw
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	ch, err := img.ConfigName()
	if err != nil {
		return err
	}
	blobs[ch] = cfg
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return err
		}
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		blobs[d] = data
	}
	return nil
}

// WriteArchive writes the OCI layout as a tar (an "oci-archive"), every
// entry with the same time and owner 0.
func (m *Image) WriteArchive(w io.Writer, epoch time.Time) error {
	files, err := m.layoutFiles()
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	dirs := map[string]bool{}
	for _, f := range files {
		for _, d := range parents(f.name) {
			if dirs[d] {
				continue
			}
			dirs[d] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: epoch, Format: tar.FormatUSTAR}); err != nil {
				return err
			}
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: epoch, Format: tar.FormatUSTAR}); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	return tw.Close()
}

// WriteLayout writes the OCI layout into dir, which must be empty or absent.
func (m *Image) WriteLayout(dir string) error {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return errors.New("directory is not empty")
	}
	files, err := m.layoutFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Push writes the image (or the index) to ref.
func (m *Image) Push(ctx context.Context, ref name.Reference, opts ...remote.Option) error {
	opts = append(opts, remote.WithContext(ctx))
	if m.Index != nil {
		if err := remote.WriteIndex(ref, m.Index, opts...); err != nil {
			return fmt.Errorf("push %s: %w", ref, err)
		}
		return nil
	}
	if err := remote.Write(ref, m.Images[0], opts...); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	return nil
}

// parents returns the directories above a slash path, outermost first.
func parents(p string) []string {
	var out []string
	for d := path.Dir(p); d != "."; d = path.Dir(d) {
		out = append(out, d)
	}
	slices.Reverse(out)
	return out
}

// sourceDateEpoch parses SOURCE_DATE_EPOCH (https://reproducible-builds.org/specs/source-date-epoch/).
func sourceDateEpoch(s string) (time.Time, error) {
	if s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: want seconds since 1970", s)
	}
	return time.Unix(n, 0).UTC(), nil
}

func goEnv(ctx context.Context, dir, key string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", key)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", key, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// moduleRoot is the directory of the go.mod that governs the current
// directory; it must be Vigil's.
func moduleRoot(ctx context.Context) (string, error) {
	gomod, err := goEnv(ctx, ".", "GOMOD")
	if err != nil {
		return "", err
	}
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run from Vigil's checkout or give -src")
	}
	dir := filepath.Dir(gomod)
	if _, err := os.Stat(filepath.Join(dir, "cmd", "vigil")); err != nil {
		return "", fmt.Errorf("%s has no cmd/vigil: run from Vigil's checkout or give -src", dir)
	}
	return dir, nil
}

// writeFileAtomic writes through a temporary file renamed into place.
func writeFileAtomic(p string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

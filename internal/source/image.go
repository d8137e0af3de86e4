package source

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxMetaSize bounds manifests, indexes and configs.
const maxMetaSize = 8 << 20

// image is the scanner's view of an image, whatever its transport.
type image struct {
	ref       string
	digest    string // manifest digest; empty for docker archives
	id        string // config digest
	platform  string
	platforms []string // of the index, when there was one
	config    *v1.ConfigFile
	layers    []layer
	// annotations are the manifest's (none for docker archives).
	annotations map[string]string
}

type layer struct {
	digest    string // as in the manifest (compressed digest, or diff-id for docker archives)
	diffID    string
	size      int64
	createdBy string
	open      func(ctx context.Context) (io.ReadCloser, error) // raw blob (maybe compressed)
}

// blobStore opens files of an OCI layout or a docker archive.
type blobStore interface {
	open(name string) (io.ReadCloser, error)
}

func readMeta(s blobStore, name string) ([]byte, error) {
	rc, err := s.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxMetaSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", name, err)
	}
	if len(b) > maxMetaSize {
		return nil, fmt.Errorf("read %q: larger than %d bytes", name, maxMetaSize)
	}
	return b, nil
}

func blobName(h v1.Hash) (string, error) {
	if h.Algorithm == "" || h.Hex == "" || strings.ContainsAny(h.Algorithm+h.Hex, "/\\.") {
		return "", fmt.Errorf("invalid digest %q", h.String())
	}
	return "blobs/" + h.Algorithm + "/" + h.Hex, nil
}

// dirStore reads an OCI layout directory; os.Root keeps reads inside it.
type dirStore struct{ root *os.Root }

func (d dirStore) open(name string) (io.ReadCloser, error) { return d.root.Open(name) }

// tarStore reads members of a tar archive by seeking to them; the archive
// is indexed once, by headers only.
type tarStore struct {
	f       *os.File
	members map[string]tarMember
}

type tarMember struct{ off, size int64 }

func openTarStore(p string) (*tarStore, error) {
	f, err := openArchive(p)
	if err != nil {
		return nil, err
	}
	ts := &tarStore{f: f, members: map[string]tarMember{}}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("index archive %q: %w", p, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			f.Close()
			return nil, err
		}
		if n, ok := cleanEntry(hdr.Name); ok {
			ts.members[n] = tarMember{off: off, size: hdr.Size}
		}
	}
	return ts, nil
}

func (t *tarStore) open(name string) (io.ReadCloser, error) {
	m, ok := t.members[path.Clean(name)]
	if !ok {
		return nil, fmt.Errorf("open %q: %w", name, os.ErrNotExist)
	}
	return io.NopCloser(io.NewSectionReader(t.f, m.off, m.size)), nil
}

func (t *tarStore) Close() error { return t.f.Close() }

// loadLayout resolves the image of an OCI layout (directory or archive).
func loadLayout(ref string, s blobStore, want v1.Platform) (*image, error) {
	b, err := readMeta(s, "index.json")
	if err != nil {
		return nil, err
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("parse index.json: %w", err)
	}
	img := &image{ref: ref}
	desc, err := pickManifest(s, idx, want, img, 0)
	if err != nil {
		return nil, err
	}
	bn, err := blobName(desc.Digest)
	if err != nil {
		return nil, err
	}
	mb, err := readMeta(s, bn)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(mb))
	if err != nil {
		return nil, fmt.Errorf("parse manifest %s: %w", desc.Digest, err)
	}
	img.digest = desc.Digest.String()
	img.annotations = m.Annotations
	cn, err := blobName(m.Config.Digest)
	if err != nil {
		return nil, err
	}
	cb, err := readMeta(s, cn)
	if err != nil {
		return nil, err
	}
	if err := img.setConfig(cb, m.Config.Digest.String()); err != nil {
		return nil, err
	}
	var ls []layer
	for _, l := range m.Layers {
		ln, err := blobName(l.Digest)
		if err != nil {
			return nil, err
		}
		ls = append(ls, layer{digest: l.Digest.String(), size: l.Size,
			open: func(context.Context) (io.ReadCloser, error) { return s.open(ln) }})
	}
	return img, img.setLayers(ls)
}

// pickManifest walks (nested) indexes to the image manifest for want.
func pickManifest(s blobStore, idx *v1.IndexManifest, want v1.Platform, img *image, depth int) (v1.Descriptor, error) {
	if depth > 4 {
		return v1.Descriptor{}, errors.New("image indexes nested too deeply")
	}
	var cands []v1.Descriptor
	for _, d := range idx.Manifests {
		if d.Platform != nil && d.Platform.OS == "unknown" {
			continue // attestation manifests
		}
		switch d.MediaType {
		case types.OCIManifestSchema1, types.DockerManifestSchema2, types.OCIImageIndex, types.DockerManifestList, "":
			cands = append(cands, d)
		}
	}
	if len(cands) == 0 {
		return v1.Descriptor{}, errors.New("index lists no image")
	}
	var chosen *v1.Descriptor
	if len(cands) == 1 && (cands[0].Platform == nil || cands[0].MediaType.IsIndex()) {
		chosen = &cands[0]
	} else {
		for i, d := range cands {
			if d.Platform != nil {
				img.platforms = append(img.platforms, d.Platform.String())
				if chosen == nil && d.Platform.Satisfies(want) {
					chosen = &cands[i]
				}
			}
		}
		if chosen == nil {
			return v1.Descriptor{}, fmt.Errorf("%w %s (index has %s)", ErrNoPlatform, want.String(), strings.Join(img.platforms, ", "))
		}
		img.platform = chosen.Platform.String()
	}
	if !chosen.MediaType.IsIndex() {
		return *chosen, nil
	}
	bn, err := blobName(chosen.Digest)
	if err != nil {
		return v1.Descriptor{}, err
	}
	b, err := readMeta(s, bn)
	if err != nil {
		return v1.Descriptor{}, err
	}
	sub, err := v1.ParseIndexManifest(bytes.NewReader(b))
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("parse index %s: %w", chosen.Digest, err)
	}
	return pickManifest(s, sub, want, img, depth+1)
}

func (img *image) setConfig(b []byte, digest string) error {
	cf, err := v1.ParseConfigFile(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("parse image config %s: %w", digest, err)
	}
	img.config = cf
	img.id = digest
	if img.platform == "" && cf.OS != "" {
		p := v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}
		img.platform = p.String()
	}
	return nil
}

// setLayers pairs manifest layers with the config's diff-ids and history.
func (img *image) setLayers(ls []layer) error {
	ids := img.config.RootFS.DiffIDs
	if len(ids) != len(ls) {
		return fmt.Errorf("image config lists %d diff-ids for %d layers", len(ids), len(ls))
	}
	var created []string
	for _, h := range img.config.History {
		if !h.EmptyLayer {
			created = append(created, h.CreatedBy)
		}
	}
	for i := range ls {
		ls[i].diffID = ids[i].String()
		if len(created) == len(ls) {
			ls[i].createdBy = created[i]
		}
	}
	img.layers = ls
	return nil
}

// dockerManifest is one entry of a docker archive's manifest.json.
type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

func loadDockerArchive(ref string, s blobStore) (*image, error) {
	b, err := readMeta(s, "manifest.json")
	if err != nil {
		return nil, err
	}
	var ms []dockerManifest
	if err := json.Unmarshal(b, &ms); err != nil {
		return nil, fmt.Errorf("parse manifest.json: %w", err)
	}
	if len(ms) == 0 {
		return nil, errors.New("manifest.json lists no image")
	}
	m := ms[0]
	cb, err := readMeta(s, m.Config)
	if err != nil {
		return nil, err
	}
	h, _, err := v1.SHA256(bytes.NewReader(cb))
	if err != nil {
		return nil, err
	}
	img := &image{ref: ref}
	if err := img.setConfig(cb, h.String()); err != nil {
		return nil, err
	}
	var ls []layer
	for _, l := range m.Layers {
		ln := l
		ls = append(ls, layer{open: func(context.Context) (io.ReadCloser, error) { return s.open(ln) }})
	}
	if err := img.setLayers(ls); err != nil {
		return nil, err
	}
	for i := range img.layers {
		img.layers[i].digest = img.layers[i].diffID
	}
	return img, nil
}

// loadRemote resolves a registry reference with go-containerregistry,
// using the Docker config and credential helpers for authentication.
func loadRemote(ctx context.Context, ref string, want v1.Platform, opts Options) (*image, error) {
	var nopts []name.Option
	if opts.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nopts...)
	if err != nil {
		return nil, fmt.Errorf("parse reference %q: %w", ref, err)
	}
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	ropts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(kc),
		remote.WithPlatform(want),
		remote.WithUserAgent("vigil"),
	}
	if opts.Transport != nil {
		ropts = append(ropts, remote.WithTransport(opts.Transport))
	}
	desc, err := remote.Get(r, ropts...)
	if err != nil {
		return nil, fmt.Errorf("fetch %q: %w", ref, err)
	}
	img := &image{ref: ref}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, err
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, err
		}
		var chosen *v1.Descriptor
		for i, d := range im.Manifests {
			if d.Platform == nil || d.Platform.OS == "unknown" {
				continue
			}
			img.platforms = append(img.platforms, d.Platform.String())
			if chosen == nil && d.Platform.Satisfies(want) {
				chosen = &im.Manifests[i]
			}
		}
		if chosen == nil {
			return nil, fmt.Errorf("%w %s (index has %s)", ErrNoPlatform, want.String(), strings.Join(img.platforms, ", "))
		}
		img.platform = chosen.Platform.String()
	}
	ri, err := desc.Image() // resolves the platform for an index
	if err != nil {
		return nil, fmt.Errorf("fetch %q: %w", ref, err)
	}
	dg, err := ri.Digest()
	if err != nil {
		return nil, err
	}
	img.digest = dg.String()
	if m, err := ri.Manifest(); err == nil {
		img.annotations = m.Annotations
	}
	cb, err := ri.RawConfigFile()
	if err != nil {
		return nil, fmt.Errorf("fetch config of %q: %w", ref, err)
	}
	cd, err := ri.ConfigName()
	if err != nil {
		return nil, err
	}
	if err := img.setConfig(cb, cd.String()); err != nil {
		return nil, err
	}
	rls, err := ri.Layers()
	if err != nil {
		return nil, err
	}
	var ls []layer
	for _, rl := range rls {
		d, err := rl.Digest()
		if err != nil {
			return nil, err
		}
		sz, _ := rl.Size()
		ls = append(ls, layer{digest: d.String(), size: sz,
			open: func(context.Context) (io.ReadCloser, error) { return rl.Compressed() }})
	}
	return img, img.setLayers(ls)
}

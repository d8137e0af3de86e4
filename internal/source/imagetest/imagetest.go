// Package imagetest builds small container images for tests and
// benchmarks: layers from entries or directories, and the on-disk forms the
// scanner reads (OCI layout, OCI archive, docker archive, registry push).
package imagetest

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Entry is one tar entry of a synthetic layer.
type Entry struct {
	Name     string
	Body     string
	Type     byte // tar.TypeReg when 0
	Mode     int64
	Linkname string
}

// TarEntries writes entries as a tar stream.
func TarEntries(w io.Writer, entries []Entry) error {
	tw := tar.NewWriter(w)
	for _, e := range entries {
		typ := e.Type
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := e.Mode
		if mode == 0 {
			mode = 0o644
			if typ == tar.TypeDir {
				mode = 0o755
			}
		}
		hdr := &tar.Header{Name: e.Name, Typeflag: typ, Mode: mode, Linkname: e.Linkname, ModTime: time.Unix(0, 0)}
		if typ == tar.TypeReg {
			hdr.Size = int64(len(e.Body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if typ == tar.TypeReg {
			if _, err := io.WriteString(tw, e.Body); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

// Layer builds a gzip layer from entries.
func Layer(entries []Entry) (v1.Layer, error) {
	var buf bytes.Buffer
	if err := TarEntries(&buf, entries); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
}

// TarDir writes dir as a tar stream with root-relative names, in sorted
// order. Symbolic links are stored as links; other special files are
// skipped.
func TarDir(w io.Writer, dir string) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		var link string
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		} else if !info.Mode().IsRegular() && !info.IsDir() {
			return nil
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if info.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uname, hdr.Gname = "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			_, err = io.Copy(tw, f)
			f.Close()
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// LayerFromDir tars dir into a temporary file under tmp and returns a gzip
// layer reading it.
func LayerFromDir(dir, tmp string) (v1.Layer, error) {
	f, err := os.CreateTemp(tmp, "layer-*.tar")
	if err != nil {
		return nil, err
	}
	if err := TarDir(f, dir); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return tarball.LayerFromFile(f.Name(), tarball.WithCompressedCaching)
}

// Image stacks layers on an empty image with one history entry per layer.
func Image(layers []v1.Layer, createdBy []string, platform v1.Platform, created time.Time) (v1.Image, error) {
	img := empty.Image
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	for i, l := range layers {
		h := v1.History{Created: v1.Time{Time: created}}
		if i < len(createdBy) {
			h.CreatedBy = createdBy[i]
		}
		var err error
		img, err = mutate.Append(img, mutate.Addendum{Layer: l, History: h})
		if err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = platform.OS, platform.Architecture, platform.Variant
	cf.Created = v1.Time{Time: created}
	return mutate.ConfigFile(img, cf)
}

// Index makes a multi-platform index of images.
func Index(imgs []v1.Image) (v1.ImageIndex, error) {
	var adds []mutate.IndexAddendum
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		p := cf.Platform()
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: p}})
	}
	return mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...), nil
}

// WriteLayout writes an image or an index as an OCI layout at dir.
func WriteLayout(dir string, img v1.Image, idx v1.ImageIndex) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if idx != nil {
		return p.AppendIndex(idx)
	}
	return p.AppendImage(img)
}

// WriteOCIArchive tars an OCI layout directory into file.
func WriteOCIArchive(file, layoutDir string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := TarDir(f, layoutDir); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteDocker writes img as a `docker save` tarball.
func WriteDocker(file, tag string, img v1.Image) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	return tarball.WriteToFile(file, ref, img)
}

// Push writes img (or idx) to ref on a registry.
func Push(ref string, img v1.Image, idx v1.ImageIndex, opts ...remote.Option) error {
	r, err := name.ParseReference(ref)
	if err != nil {
		return err
	}
	if idx != nil {
		return remote.WriteIndex(r, idx, opts...)
	}
	return remote.Write(r, img, opts...)
}

// Sorted returns "name version" lines, sorted, for comparisons.
func Sorted(pairs [][2]string) []string {
	out := make([]string, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, fmt.Sprintf("%s %s", p[0], p[1]))
	}
	slices.Sort(out)
	return out
}

package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-sec/vigil/internal/source/imagetest"
)

// FuzzWalkLayer feeds arbitrary bytes (plain, gzip or zstd) to the layer
// walker: it must return a result or an error, never panic or hang.
func FuzzWalkLayer(f *testing.F) {
	var plain bytes.Buffer
	imagetest.TarEntries(&plain, []imagetest.Entry{
		{Name: "etc/os-release", Body: debianRelease},
		{Name: "var/lib/dpkg/status", Body: dpkgStatus("a@1")},
		{Name: "usr/.wh.x"}, {Name: "opt/.wh..wh..opq"},
		{Name: "node_modules/x/package.json", Body: npm("x", "1")},
	})
	f.Add(plain.Bytes())
	f.Add(gz(nil, plain.Bytes()))
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0})
	exs := osAndInstalled()
	f.Fuzz(func(t *testing.T, b []byte) {
		lr, err := walkLayer(t.Context(), "sha256:x", bytes.NewReader(b), exs, 1<<20, nil)
		if err != nil {
			return
		}
		squash([]*layerResult{lr, lr})
	})
}

// memStore is a blobStore over a map.
type memStore map[string][]byte

func (m memStore) open(name string) (io.ReadCloser, error) {
	b, ok := m[name]
	if !ok {
		return nil, os.ErrNotExist
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func blob(m memStore, b []byte) string {
	h := sha256.Sum256(b)
	hx := hex.EncodeToString(h[:])
	m["blobs/sha256/"+hx] = b
	return "sha256:" + hx
}

// FuzzImageMetadata feeds arbitrary index, manifest and config JSON to the
// OCI layout and docker archive loaders.
func FuzzImageMetadata(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:MANIFEST","size":1}]}`),
		[]byte(`{"schemaVersion":2,"config":{"digest":"sha256:CONFIG","size":1},"layers":[{"digest":"sha256:aa","size":1}]}`),
		[]byte(`{"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":["sha256:bb"]},"history":[{"created_by":"x"}]}`))
	f.Add([]byte(`{"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:MANIFEST"}]}`),
		[]byte(`{"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:MANIFEST"}]}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, index, manifest, config []byte) {
		m := memStore{}
		cd := blob(m, config)
		manifest = bytes.ReplaceAll(manifest, []byte("sha256:CONFIG"), []byte(cd))
		md := blob(m, manifest)
		m["index.json"] = bytes.ReplaceAll(index, []byte("sha256:MANIFEST"), []byte(md))
		_, _ = loadLayout("x", m, v1.Platform{OS: "linux", Architecture: "amd64"})
		m["manifest.json"] = index
		m["config.json"] = config
		_, _ = loadDockerArchive("x", m)
	})
}

// Command mkimage builds benchmark images from a root filesystem
// directory: an OCI layout (one gzip layer, plus optionally a layer of
// random incompressible files), an OCI archive and a docker archive.
package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-sec/vigil/internal/source/imagetest"
)

func main() {
	out := flag.String("out", "", "output directory")
	randomMB := flag.Int("random-mb", 0, "add a layer of this many MiB of random files")
	flag.Parse()
	if flag.NArg() != 1 || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: mkimage -out DIR [-random-mb N] ROOTFS")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *out, *randomMB); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}

func run(rootfs, out string, randomMB int) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	l, err := imagetest.LayerFromDir(rootfs, out)
	if err != nil {
		return err
	}
	layers := []v1.Layer{l}
	hist := []string{"ADD rootfs /"}
	if randomMB > 0 {
		var entries []imagetest.Entry
		for i := 0; i < randomMB; i++ {
			b := make([]byte, 1<<20)
			rand.Read(b)
			entries = append(entries, imagetest.Entry{Name: fmt.Sprintf("data/blob-%04d.bin", i), Body: string(b)})
		}
		rl, err := imagetest.Layer(entries)
		if err != nil {
			return err
		}
		layers = append(layers, rl)
		hist = append(hist, "ADD data /data")
	}
	img, err := imagetest.Image(layers, hist, v1.Platform{OS: "linux", Architecture: "amd64"}, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return err
	}
	layout := filepath.Join(out, "layout")
	if err := imagetest.WriteLayout(layout, img, nil); err != nil {
		return err
	}
	if err := imagetest.WriteOCIArchive(filepath.Join(out, "oci.tar"), layout); err != nil {
		return err
	}
	return imagetest.WriteDocker(filepath.Join(out, "docker.tar"), "vigil.bench/image:latest", img)
}

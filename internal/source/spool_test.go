package source

import (
	"os"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/golang/gobinary"
	"github.com/vigil-sec/vigil/internal/source/imagetest"
)

// TestLargeBinaryInLayer: a Go binary over the per-file limit is spooled
// and read, not reported too large; the spool leaves no file behind.
func TestLargeBinaryInLayer(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	bin := imagetest.GoBinary("go1.22.1", imagetest.GoModule{Path: "example.com/app", Version: "v1.0.0"}, []imagetest.GoModule{{Path: "golang.org/x/net", Version: "v0.1.0"}}, "linux", "amd64")
	bin = append(bin, make([]byte, 4096)...) // past the limit below
	layer := tarOf(t, imagetest.Entry{Name: "usr/bin/app", Body: string(bin), Mode: 0o755})
	exs := []inventory.Extractor{&gobinary.Extractor{}}
	lr, err := walkLayer(t.Context(), "x", strings.NewReader(string(layer)), exs, 1024, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range lr.Files {
		for _, is := range f.Issues {
			t.Errorf("issue: %+v", is)
		}
		for _, p := range f.Packages {
			names = append(names, p.Name)
		}
	}
	if !strings.Contains(strings.Join(names, ","), "golang.org/x/net") {
		t.Errorf("packages %v: the spooled binary was not read", names)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("spool left %d files behind", len(left))
	}
	old := MaxSpool
	MaxSpool = 1024
	t.Cleanup(func() { MaxSpool = old })
	lr, err = walkLayer(t.Context(), "x", strings.NewReader(string(layer)), exs, 1024, nil)
	if err != nil || len(lr.Files) != 1 || len(lr.Files[0].Issues) != 1 {
		t.Errorf("past MaxSpool: %+v %v, want one too-large issue", lr, err)
	}
}

package cargoauditable

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestParse(t *testing.T) {
	b, err := os.ReadFile("testdata/dep-v0.bin")
	if err != nil {
		t.Fatal(err)
	}
	deps, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 4 || deps[1].Name != "serde" || deps[2].Kind != "build" {
		t.Errorf("Parse = %+v", deps)
	}
	if _, err := Parse([]byte("not zlib")); err == nil {
		t.Error("Parse(garbage) succeeded")
	}
}

// TestExtractELF adds a .dep-v0 section to a copy of the test binary with
// objcopy and extracts it.
func TestExtractELF(t *testing.T) {
	objcopy, err := exec.LookPath("objcopy")
	if err != nil {
		t.Skip("objcopy not installed")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "usr", "bin", "myapp")
	os.MkdirAll(filepath.Dir(bin), 0o755)
	if out, err := exec.Command(objcopy, "--add-section", ".dep-v0=testdata/dep-v0.bin", self, bin).CombinedOutput(); err != nil {
		t.Skipf("objcopy: %v\n%s", err, out)
	}
	ex := New()
	if !ex.Match("usr/bin/myapp", nil) {
		t.Fatal("Match(usr/bin/myapp) = false")
	}
	got, err := inventory.ExtractFile(t.Context(), os.DirFS(dir), "usr/bin/myapp", nil, ex, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	loc := []inventory.Location{{Path: "usr/bin/myapp"}}
	want := []inventory.Package{
		{Name: "cc", Version: "1.0.90", Ecosystem: "crates.io", PURL: "pkg:cargo/cc@1.0.90", Locations: loc, Dev: true, Extractor: Name},
		{Name: "serde", Version: "1.0.197", Ecosystem: "crates.io", PURL: "pkg:cargo/serde@1.0.197", Locations: loc, Extractor: Name},
	}
	inventory.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Extract mismatch (-want +got):\n%s", diff)
	}
	// The unmodified binary has no section: nothing, no error.
	none, err := inventory.Run(t.Context(), ex, &inventory.Input{Path: "x", FS: os.DirFS(filepath.Dir(self)), Reader: mustOpen(t, self)})
	if err != nil || len(none) != 0 {
		t.Errorf("plain binary: %v, %v", none, err)
	}
}

func mustOpen(t *testing.T, p string) *os.File {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

package gobinary

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// buildBinary builds a tiny module with one dependency (a local module
// required at v1.2.3 through a replace, so no network is needed).
func buildBinary(t *testing.T, vcsTag string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go build; skipped in -short mode")
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		t.Skipf("no go toolchain at %s", gobin)
	}
	dir := t.TempDir()
	files := map[string]string{
		"app/go.mod":  "module example.com/app\n\ngo 1.22\n\nrequire example.com/dep v1.2.3\n\nreplace example.com/dep v1.2.3 => ../dep\n",
		"app/main.go": "package main\n\nimport \"example.com/dep\"\n\nfunc main() { dep.Hello() }\n",
		"dep/go.mod":  "module example.com/dep\n\ngo 1.22\n",
		"dep/dep.go":  "package dep\n\nfunc Hello() { println(\"hi\") }\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "bin", "app")
	buildvcs := "false"
	if vcsTag != "" {
		// A tagged git checkout gives the main module a version.
		git, err := exec.LookPath("git")
		if err != nil {
			t.Skip("git not installed")
		}
		for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "x"}, {"tag", vcsTag}} {
			c := exec.Command(git, args...)
			c.Dir = filepath.Join(dir, "app")
			if b, err := c.CombinedOutput(); err != nil {
				t.Skipf("git %v: %v\n%s", args, err, b)
			}
		}
		buildvcs = "true"
	}
	cmd := exec.Command(gobin, "build", "-o", out, ".")
	cmd.Dir = filepath.Join(dir, "app")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs="+buildvcs, "GOPROXY=off", "GOWORK=off", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("go build failed (no module cache?): %v\n%s", err, b)
	}
	return out
}

// goVersionM lists "path version" as `go version -m` prints them (versions
// without the "v"): the Go version as stdlib, the main module (when
// versioned) and each dependency.
func goVersionM(t *testing.T, bin string) []string {
	t.Helper()
	b, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	_, gov, _ := strings.Cut(lines[0], ": ")
	out := []string{"stdlib " + strings.TrimPrefix(gov, "go")}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) >= 3 && (f[0] == "dep" || (f[0] == "mod" && f[2] != "(devel)")) {
			out = append(out, f[1]+" "+strings.TrimPrefix(f[2], "v"))
		}
	}
	slices.Sort(out)
	return out
}

func TestExtractBuiltBinary(t *testing.T) {
	for _, tag := range []string{"", "v1.4.0"} {
		t.Run("tag="+tag, func(t *testing.T) { testBuiltBinary(t, tag) })
	}
}

func testBuiltBinary(t *testing.T, tag string) {
	bin := buildBinary(t, tag)
	want := goVersionM(t, bin)
	if !slices.Contains(want, "example.com/dep 1.2.3") {
		t.Fatalf("go version -m = %q, want example.com/dep", want)
	}
	if tag != "" && !slices.Contains(want, "example.com/app "+strings.TrimPrefix(tag, "v")) {
		t.Fatalf("go version -m = %q, want the main module at %s", want, tag)
	}
	ex := New()
	rel := "bin/app"
	if !ex.Match(rel, nil) {
		t.Fatalf("Match(%q) = false", rel)
	}
	root := filepath.Dir(filepath.Dir(bin))
	// Once through the walker (file on disk), once as a layer hands it over
	// (bytes in memory).
	content, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for name, run := range map[string]func() ([]inventory.Package, error){
		"fs": func() ([]inventory.Package, error) {
			return inventory.ExtractFile(t.Context(), os.DirFS(root), rel, nil, ex, inventory.DefaultMaxFileSize)
		},
		"layer": func() ([]inventory.Package, error) {
			return inventory.Run(t.Context(), ex, &inventory.Input{Path: rel, Reader: bytes.NewReader(content)})
		},
	} {
		t.Run(name, func(t *testing.T) {
			pkgs, err := run()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name+" "+p.Version)
				if p.Ecosystem != "Go" || p.Locations[0].Path != rel {
					t.Errorf("package %+v", p)
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("modules differ from go version -m (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNotGo(t *testing.T) {
	for name, content := range map[string]string{
		"text":      "#!/bin/sh\necho hi\n",
		"short":     "\x7fE",
		"fake elf":  "\x7fELF garbage garbage garbage",
		"fake pe":   "MZ....",
		"empty":     "",
		"macho hdr": "\xcf\xfa\xed\xfe\x00\x00",
	} {
		pkgs, err := inventory.Run(t.Context(), New(), &inventory.Input{Path: "bin/x", Reader: strings.NewReader(content)})
		if err != nil || len(pkgs) != 0 {
			t.Errorf("%s: got %v, %v; want nothing", name, pkgs, err)
		}
	}
}

func TestStdlibVersion(t *testing.T) {
	for in, want := range map[string]string{
		"go1.22.3": "1.22.3", "go1.24.0 X:boringcrypto": "1.24.0", "devel go1.25-abc": "", "": "",
	} {
		if got := StdlibVersion(in); got != want {
			t.Errorf("StdlibVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// Package gobinary extracts the modules compiled into Go binaries (and the
// Go standard library at the toolchain version) from their embedded build
// information.
package gobinary

import (
	"context"
	"debug/buildinfo"
	"io/fs"
	"runtime/debug"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/os/executable"
)

// Name is the extractor's name.
const Name = "golang/gobinary"

// Extractor reads Go build information.
type Extractor struct{}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// RandomAccess implements inventory.RandomAccess: a binary on disk is read
// through io.ReaderAt, section by section.
func (*Extractor) RandomAccess() bool { return true }

// Match implements inventory.Extractor.
func (*Extractor) Match(p string, d fs.DirEntry) bool { return executable.Candidate(p, d) }

// Extract implements inventory.Extractor. Files that are not Go binaries
// yield nothing and no error.
func (*Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	ra, _, kind, closeFn, err := executable.Open(in)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	if kind == executable.None {
		return nil, nil
	}
	bi, err := buildinfo.Read(ra)
	if err != nil {
		return nil, nil // not a Go binary, or built without module info
	}
	return Packages(bi, in.Path), ctx.Err()
}

// Packages lists stdlib, the main module (when it has a version) and the
// dependencies (after replacement) of bi, as `go version -m` shows them.
func Packages(bi *buildinfo.BuildInfo, p string) []inventory.Package {
	var out []inventory.Package
	var goos, goarch string
	for _, st := range bi.Settings {
		switch st.Key {
		case "GOOS":
			goos = st.Value
		case "GOARCH":
			goarch = st.Value
		}
	}
	platform := ""
	if goos != "" && goarch != "" {
		platform = goos + "/" + goarch
	}
	add := func(path, version string, rel inventory.Relationship) {
		if path == "" || version == "" || version == "(devel)" {
			return
		}
		// Without the "v", as go.mod's extractor and OSV's Go ranges write it,
		// so a module declared by go.mod and built into a binary is one package.
		version = strings.TrimPrefix(version, "v")
		out = append(out, inventory.Package{
			Name:         path,
			Version:      version,
			Ecosystem:    "Go",
			PURL:         purl(path, version),
			Locations:    []inventory.Location{{Path: p}},
			Relationship: rel,
			Extractor:    Name,
			Platform:     platform,
		})
	}
	if v := StdlibVersion(bi.GoVersion); v != "" {
		add("stdlib", v, inventory.RelDirect)
	}
	add(bi.Main.Path, bi.Main.Version, inventory.RelDirect)
	for _, d := range bi.Deps {
		m := effective(d)
		add(m.Path, m.Version, inventory.RelUnknown)
	}
	return out
}

// effective is the module actually built: the replacement when it is a
// module version, else (a local directory replacement) the required
// version, as `go version -m` prints on the dep line.
func effective(m *debug.Module) *debug.Module {
	if m.Replace != nil && m.Replace.Version != "" && m.Replace.Version != "(devel)" {
		return m.Replace
	}
	return m
}

// StdlibVersion turns "go1.22.3" (or "go1.22.3 X:boringcrypto") into
// "1.22.3"; development toolchains give "".
func StdlibVersion(goVersion string) string {
	v, _, _ := strings.Cut(goVersion, " ")
	if !strings.HasPrefix(v, "go") || strings.HasPrefix(v, "devel") {
		return ""
	}
	return strings.TrimPrefix(v, "go")
}

func purl(path, version string) string {
	ns, name := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		ns, name = path[:i], path[i+1:]
	}
	return packageurl.NewPackageURL("golang", ns, name, version, nil, "").ToString()
}

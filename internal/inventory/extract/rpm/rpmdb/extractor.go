// Package rpmdb extracts installed RPM packages from the rpm database in
// its three forms: BerkeleyDB "Packages", NDB "Packages.db" and SQLite
// "rpmdb.sqlite" (under var/lib/rpm or usr/lib/sysimage/rpm), using the
// pure-Go reader github.com/knqyf263/go-rpmdb.
package rpmdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"

	rpmdb "github.com/knqyf263/go-rpmdb/pkg"
	"github.com/package-url/packageurl-go"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver go-rpmdb uses

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/os/osrelease"
)

// Name is the extractor's name.
const Name = "rpm/rpmdb"

// Extractor reads rpm databases.
type Extractor struct {
	// TempDir is where the database is copied for the reader (which needs
	// a file path); os.TempDir() when empty.
	TempDir string
}

var _ inventory.Extractor = (*Extractor)(nil)

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements inventory.Extractor.
func (*Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (*Extractor) Version() int { return 1 }

// Match implements inventory.Extractor.
func (*Extractor) Match(p string, _ fs.DirEntry) bool {
	dir, base := path.Split(p)
	switch base {
	case "Packages", "Packages.db", "rpmdb.sqlite":
	default:
		return false
	}
	return strings.HasSuffix(dir, "var/lib/rpm/") || strings.HasSuffix(dir, "usr/lib/sysimage/rpm/")
}

// Root returns the root filesystem prefix of a database path.
func Root(p string) string {
	for _, d := range []string{"var/lib/rpm/", "usr/lib/sysimage/rpm/"} {
		if i := strings.LastIndex(p, d); i >= 0 {
			return p[:i]
		}
	}
	return ""
}

// Extract implements inventory.Extractor. The database is copied (bounded
// by the walker's size limit) to a temporary file because the reader needs
// a path. Ecosystem is "Red Hat" until the distribution is known.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	f, err := os.CreateTemp(e.TempDir, "vigil-rpmdb-*")
	if err != nil {
		return nil, fmt.Errorf("copy rpm database: %w", err)
	}
	name := f.Name()
	defer os.Remove(name)
	_, err = io.Copy(f, in.Reader)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, inventory.ErrTooLarge) {
			return nil, err
		}
		return nil, fmt.Errorf("copy rpm database: %w", err)
	}
	infos, err := read(name)
	if err != nil {
		return nil, &inventory.ParseError{Path: in.Path, Err: err}
	}
	var osInfo *osrelease.Info
	if in.FS != nil {
		root := strings.TrimSuffix(Root(in.Path), "/")
		if root == "" {
			root = "."
		}
		if sub, err := fs.Sub(in.FS, root); err == nil {
			osInfo, _ = osrelease.Detect(sub)
		}
	}
	out := make([]inventory.Package, 0, len(infos))
	for _, pi := range infos {
		if pi.Name == "" || pi.Name == "gpg-pubkey" {
			continue // imported signing keys are not software
		}
		out = append(out, toPackage(pi, in.Path, osInfo))
	}
	return out, ctx.Err()
}

// Info is the part of an rpm header vigil uses.
type Info struct {
	Name, Version, Release, Arch, SourceRPM, License, Vendor string
	Epoch                                                    *int
}

// read opens the database at path and lists its packages.
func read(path string) (out []Info, err error) {
	db, err := rpmdb.Open(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	pkgs, err := db.ListPackages()
	if err != nil {
		return nil, err
	}
	for _, p := range pkgs {
		out = append(out, Info{Name: p.Name, Version: p.Version, Release: p.Release, Arch: p.Arch,
			SourceRPM: p.SourceRpm, License: p.License, Vendor: p.Vendor, Epoch: p.Epoch})
	}
	return out, nil
}

// EVR formats [epoch:]version-release.
func EVR(epoch *int, version, release string) string {
	s := version
	if release != "" {
		s += "-" + release
	}
	if epoch != nil && *epoch != 0 {
		s = strconv.Itoa(*epoch) + ":" + s
	}
	return s
}

// SplitSourceRPM parses "bash-5.1.8-6.el9.src.rpm" into ("bash", "5.1.8-6.el9").
func SplitSourceRPM(s string) (name, vr string) {
	s = strings.TrimSuffix(s, ".rpm")
	s = strings.TrimSuffix(s, ".src")
	s = strings.TrimSuffix(s, ".nosrc")
	i := strings.LastIndexByte(s, '-')
	if i <= 0 {
		return "", ""
	}
	j := strings.LastIndexByte(s[:i], '-')
	if j <= 0 {
		return "", ""
	}
	return s[:j], s[j+1:]
}

func toPackage(pi Info, p string, osInfo *osrelease.Info) inventory.Package {
	ver := EVR(pi.Epoch, pi.Version, pi.Release)
	pkg := inventory.Package{
		Name:      pi.Name,
		Version:   ver,
		Ecosystem: "Red Hat",
		Locations: []inventory.Location{{Path: p}},
		Extractor: Name,
	}
	if sn, sv := SplitSourceRPM(pi.SourceRPM); sn != "" {
		pkg.SourceName = sn
		pkg.SourceVersion = sv
		if pi.Epoch != nil && *pi.Epoch != 0 {
			pkg.SourceVersion = strconv.Itoa(*pi.Epoch) + ":" + sv
		}
	}
	if pi.License != "" {
		pkg.Licenses = []string{pi.License}
	}
	q := map[string]string{}
	if pi.Arch != "" {
		q["arch"] = pi.Arch
	}
	if pi.Epoch != nil && *pi.Epoch != 0 {
		q["epoch"] = strconv.Itoa(*pi.Epoch)
	}
	if pi.SourceRPM != "" {
		q["upstream"] = pi.SourceRPM
	}
	vr := pi.Version
	if pi.Release != "" {
		vr += "-" + pi.Release
	}
	pkg.PURL = packageurl.NewPackageURL("rpm", "redhat", pi.Name, vr, packageurl.QualifiersFromMap(q), "").ToString()
	osrelease.Apply(&pkg, osInfo)
	return pkg
}

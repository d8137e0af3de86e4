package list

import (
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/extract/alpine/apkdb"
	"github.com/vigil-sec/vigil/internal/inventory/extract/debian/dpkg"
	"github.com/vigil-sec/vigil/internal/inventory/extract/golang/gobinary"
	"github.com/vigil-sec/vigil/internal/inventory/extract/java/archive"
	"github.com/vigil-sec/vigil/internal/inventory/extract/npm/nodemodules"
	"github.com/vigil-sec/vigil/internal/inventory/extract/pypi/distinfo"
	"github.com/vigil-sec/vigil/internal/inventory/extract/rpm/rpmdb"
	"github.com/vigil-sec/vigil/internal/inventory/extract/ruby/gemspec"
	"github.com/vigil-sec/vigil/internal/inventory/extract/rust/cargoauditable"
)

// OSAndInstalled returns the extractors for operating-system package
// databases and for packages installed in root filesystems and images
// (node_modules, Python dist-info, installed gems' specifications, Java
// archives, Go and Rust binaries), in a stable order. Scans of images and root filesystems use these plus
// SourceTree().
func OSAndInstalled() []inventory.Extractor {
	return []inventory.Extractor{
		dpkg.New(),
		apkdb.New(),
		rpmdb.New(),
		nodemodules.New(),
		distinfo.New(),
		gemspec.New(),
		archive.New(),
		gobinary.New(),
		cargoauditable.New(),
	}
}

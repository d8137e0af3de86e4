package source

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

// osAndInstalled mirrors list.OSAndInstalled without importing the list
// package (which also pulls in every lockfile extractor).
func osAndInstalled() []inventory.Extractor {
	return []inventory.Extractor{dpkg.New(), apkdb.New(), rpmdb.New(), nodemodules.New(),
		distinfo.New(), gemspec.New(), archive.New(), gobinary.New(), cargoauditable.New()}
}

package scan

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// MatchPackages matches an inventory the way Run does after the walk. The
// SBOM round-trip test uses it for extractor testdata whose file names the
// walker would not give to the extractor (v1-nested.json, not
// package-lock.json).
func MatchPackages(ctx context.Context, pkgs []inventory.Package, dbo DBOptions) (*Result, error) {
	res := &Result{Packages: pkgs, Vulnerabilities: []Vulnerability{}}
	if err := matchVulns(ctx, res, pkgs, dbo, slog.New(slog.DiscardHandler), time.Now); err != nil {
		return nil, err
	}
	sortResult(res)
	return res, nil
}

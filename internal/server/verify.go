package server

import (
	"context"
	"fmt"
	"slices"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Difference is one way the stored findings differ from a from-scratch
// match.
type Difference struct {
	ArtifactID int64  `json:"artifact_id"`
	Digest     string `json:"digest"`
	Key        string `json:"key"`
	// Kind is missing (the match reports it, the store does not hold it
	// live), extra (held live, the match does not report it) or changed
	// (severity, fixed version or summary differ), or count (the
	// summary's counters disagree with the findings; no artifact).
	Kind   string `json:"kind"`
	Detail string `json:"detail,omitempty"`
}

// VerifyFindings recomputes the vulnerability findings of every stored
// artifact against db, with the code every match uses, and lists how the
// stored findings differ. A finding counts as live unless a match resolved
// it (withdrawn, range changed, no longer reported): a finding fixed by a
// deployment or triaged by a person is still what the match reports.
func VerifyFindings(ctx context.Context, st store.API, db *vulndb.DB) (artifacts int, diffs []Difference, err error) {
	ids, err := st.ArtifactIDs(ctx)
	if err != nil {
		return 0, nil, err
	}
	for _, id := range ids {
		a, err := st.GetArtifact(ctx, id)
		if err != nil {
			return artifacts, diffs, err
		}
		pkgs, err := st.Inventory(ctx, id)
		if err != nil {
			return artifacts, diffs, err
		}
		vulns, _, err := scan.Match(ctx, db, pkgs)
		if err != nil {
			return artifacts, diffs, fmt.Errorf("match artifact %d: %w", id, err)
		}
		want := map[string]scan.Vulnerability{}
		for _, v := range vulns {
			want[engine.VulnKey(v)] = v
		}
		have := map[string]store.FindingView{}
		cursor := ""
		for {
			fs, next, err := st.ListFindings(ctx, store.FindingFilter{ArtifactID: id, Kind: store.KindVulnerability, Page: store.Page{Limit: store.MaxLimit, Cursor: cursor}})
			if err != nil {
				return artifacts, diffs, err
			}
			for _, f := range fs {
				if f.State == store.StateFixed && slices.Contains([]string{store.ResolvedWithdrawn, store.ResolvedRangeChanged, store.ResolvedNotReported}, f.Resolution) {
					continue
				}
				have[f.Key] = f
			}
			if next == "" {
				break
			}
			cursor = next
		}
		d := func(key, kind, detail string) {
			diffs = append(diffs, Difference{ArtifactID: id, Digest: a.Digest, Key: key, Kind: kind, Detail: detail})
		}
		for k, v := range want {
			f, ok := have[k]
			switch {
			case !ok:
				d(k, "missing", v.ID+" on "+v.Package.Name+" "+v.Package.Version)
			case f.Severity != v.Severity || f.FixedVersion != v.FixedVersion:
				d(k, "changed", fmt.Sprintf("stored %s fix %q, match %s fix %q", f.Severity, f.FixedVersion, v.Severity, v.FixedVersion))
			}
		}
		for k, f := range have {
			if _, ok := want[k]; !ok {
				d(k, "extra", fmt.Sprintf("%s (state %s)", f.VulnerabilityID, f.State))
			}
		}
		artifacts++
	}
	slices.SortFunc(diffs, func(a, b Difference) int {
		if a.ArtifactID != b.ArtifactID {
			return int(a.ArtifactID - b.ArtifactID)
		}
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	// The summary's counters (derived data the store keeps by triggers).
	if c, ok := st.(interface {
		FindingCountDrift(context.Context) ([]string, error)
	}); ok {
		drift, err := c.FindingCountDrift(ctx)
		if err != nil {
			return artifacts, diffs, err
		}
		for _, d := range drift {
			diffs = append(diffs, Difference{Kind: "count", Detail: d})
		}
	}
	return artifacts, diffs, nil
}

// Package suppress applies the vigil.yaml ignore list to a scan result.
// Suppressed findings stay in the result, marked with the reason, so JSON
// and SARIF show them; they are hidden from the table and never counted by
// the gate.
package suppress

import (
	"fmt"
	"slices"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
	"github.com/vigil-sec/vigil/internal/scan"
)

// Apply marks the findings matched by an unexpired ignore entry and returns
// warnings for entries that have expired (they no longer suppress) and
// entries that matched nothing.
func Apply(r *scan.Result, ignores []config.Ignore, file string, now time.Time) []string {
	var warnings []string
	used := make([]bool, len(ignores))
	active := make([]bool, len(ignores))
	for i, ig := range ignores {
		// An entry is valid through the whole of its expiry day (UTC).
		if now.Before(ig.Expires.AddDate(0, 0, 1)) {
			active[i] = true
			continue
		}
		warnings = append(warnings, fmt.Sprintf("%s: ignore entry %q expired on %s and no longer suppresses anything", where(file, ig), ig.ID, ig.Expires.Format(time.DateOnly)))
	}
	mark := func(ids []string, pkgPURL string, paths []string) *scan.Suppression {
		for i, ig := range ignores {
			if !active[i] || !slices.Contains(ids, ig.ID) {
				continue
			}
			if ig.Package != "" && !purl.Match(ig.Package, pkgPURL) {
				continue
			}
			if ig.Path != "" && !anyPathMatches(ig.Path, paths) {
				continue
			}
			used[i] = true
			return &scan.Suppression{Kind: "config", Reason: ig.Reason, Expires: ig.Expires.Format(time.DateOnly)}
		}
		return nil
	}
	for i := range r.Vulnerabilities {
		v := &r.Vulnerabilities[i]
		if v.Suppressed != nil {
			continue
		}
		var paths []string
		for _, l := range v.Locations {
			paths = append(paths, l.Path)
		}
		v.Suppressed = mark(append([]string{v.ID}, v.Aliases...), v.Package.PURL, paths)
	}
	for i := range r.Misconfigurations {
		m := &r.Misconfigurations[i]
		if m.Suppressed == nil {
			m.Suppressed = mark([]string{m.CheckID}, "", []string{m.Location.Path})
		}
	}
	for i := range r.Secrets {
		s := &r.Secrets[i]
		if s.Suppressed == nil {
			s.Suppressed = mark([]string{s.Fingerprint, s.RuleID}, "", []string{s.Location.Path})
		}
	}
	for i, ig := range ignores {
		if active[i] && !used[i] {
			warnings = append(warnings, fmt.Sprintf("%s: ignore entry %q matched no finding", where(file, ig), ig.ID))
		}
	}
	r.Summarise()
	return warnings
}

func where(file string, ig config.Ignore) string {
	if ig.Line > 0 {
		return fmt.Sprintf("%s:%d", file, ig.Line)
	}
	return file
}

func anyPathMatches(pattern string, paths []string) bool {
	for _, p := range paths {
		if ok, _ := doublestar.Match(pattern, p); ok {
			return true
		}
	}
	return false
}

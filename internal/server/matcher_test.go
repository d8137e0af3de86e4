package server

import (
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestMatchCachedEqualsScan holds the matcher's cached matches equal to
// scan.Match of the same inventory, cold and warm, including repeated
// packages whose locations merge, one package under two extractors, a
// go.mod stdlib, a source package, a guessed identity, and (matched
// whole) a release ecosystem; and checks a refresh empties the cache.
func TestMatchCachedEqualsScan(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the vulnerability database")
	}
	shared := testutil.Shared(t)
	m := newMatcher(filepath.Join(t.TempDir(), "vulndb"), filepath.Join(shared, "vulndb", "osv"), slog.New(slog.DiscardHandler), time.Now)
	if _, _, err := m.refresh(t.Context(), &sync.Mutex{}); err != nil {
		t.Fatal(err)
	}
	defer m.close()
	loc := func(path string, line int, layer string) []inventory.Location {
		return []inventory.Location{{Path: path, Line: line, Layer: layer}}
	}
	npm := func(name, version string, locs []inventory.Location) inventory.Package {
		return inventory.Package{Ecosystem: "npm", Name: name, Version: version, PURL: "pkg:npm/" + name + "@" + version, Extractor: "npm/packagelock", Locations: locs}
	}
	lang := []inventory.Package{
		npm("minimist", "1.2.0", loc("b/package-lock.json", 9, "")),
		npm("lodash", "4.17.15", loc("a/package-lock.json", 3, "sha256:l2")),
		npm("lodash", "4.17.15", loc("a/package-lock.json", 3, "sha256:l1")),
		npm("lodash", "4.17.15", loc("0/package-lock.json", 1, "")),
		npm("left-pad", "1.3.0", nil),
		npm("own-1", "0.0.1", loc("a/package-lock.json", 7, "")),
		{Ecosystem: "npm", Name: "lodash", Version: "4.17.15", PURL: "pkg:npm/lodash@4.17.15", Extractor: "javascript/packagejson", Locations: loc("c/package.json", 2, "")},
		{Ecosystem: "PyPI", Name: "django", Version: "3.2.0", PURL: "pkg:pypi/django@3.2.0", Extractor: "python/requirements", Locations: loc("requirements.txt", 4, "")},
		{Ecosystem: "PyPI", Name: "Django", Version: "3.2.0", PURL: "pkg:pypi/django@3.2.0", Extractor: "python/requirements", Locations: loc("requirements.txt", 5, "")},
		{Ecosystem: "Go", Name: "stdlib", Version: "1.18.0", PURL: "pkg:golang/stdlib@1.18.0", Extractor: "golang/gomod", Locations: loc("go.mod", 3, "")},
		{Ecosystem: "Go", Name: "stdlib", Version: "1.18.0", PURL: "pkg:golang/stdlib@1.18.0", Extractor: "golang/gobinary", Locations: loc("bin/app", 0, "")},
		{Ecosystem: "Go", Name: "golang.org/x/net", Version: "0.7.0", PURL: "pkg:golang/golang.org/x/net@v0.7.0", Extractor: "golang/gomod", Locations: loc("go.mod", 9, "")},
		{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Extractor: "java/archive", Evidence: inventory.EvidenceFileName, Locations: loc("lib/log4j-core.jar", 0, "")},
	}
	withOS := append(append([]inventory.Package{}, lang...),
		inventory.Package{Ecosystem: "Debian:11", Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u3", Extractor: "debian/dpkg", Locations: loc("var/lib/dpkg/status", 10, "sha256:l1")})
	for _, tt := range []struct {
		name string
		pkgs []inventory.Package
	}{{"language packages", lang}, {"language packages again (cached)", lang}, {"with a release ecosystem", withOS}, {"subset (cached)", lang[1:5]}} {
		t.Run(tt.name, func(t *testing.T) {
			want, wantWarn, err := scan.Match(t.Context(), m.db, tt.pkgs)
			if err != nil {
				t.Fatal(err)
			}
			got, gotWarn, err := m.match(t.Context(), tt.pkgs)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatal("scan.Match found nothing: the inventory does not exercise the cache")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("match mismatch (-scan.Match +cached):\n%s", diff)
			}
			if diff := cmp.Diff(wantWarn, gotWarn); diff != "" {
				t.Errorf("warnings mismatch (-scan.Match +cached):\n%s", diff)
			}
			// matchHashed (a push) is match and matchEach in one look-up.
			hv, hw, hashes, err := m.matchHashed(t.Context(), tt.pkgs)
			if err != nil {
				t.Fatal(err)
			}
			wantHashes, _, err := m.matchEach(t.Context(), tt.pkgs)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, hv); diff != "" {
				t.Errorf("matchHashed mismatch (-scan.Match +matchHashed):\n%s", diff)
			}
			if diff := cmp.Diff(wantWarn, hw); diff != "" {
				t.Errorf("matchHashed warnings mismatch (-scan.Match +matchHashed):\n%s", diff)
			}
			for i, p := range tt.pkgs {
				one, _, err := scan.Match(t.Context(), m.db, []inventory.Package{{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version, PURL: p.PURL, Extractor: p.Extractor,
					SourceName: p.SourceName, SourceVersion: p.SourceVersion, Platform: p.Platform, Evidence: p.Evidence, Relationship: p.Relationship, Dev: p.Dev}})
				if err != nil {
					t.Fatal(err)
				}
				if h, _ := scan.MatchHash(one); len(hashes) != len(tt.pkgs) || hashes[i] != h || wantHashes[i] != h {
					t.Errorf("package %d (%s@%s): matchHashed hash %q, matchEach %q, scan.MatchHash of its own match %q", i, p.Name, p.Version, hashes[i], wantHashes[i], h)
				}
			}
		})
	}
	// matchQuiet (re-matching) takes even a release ecosystem from the
	// cache: the same matches, without the warnings.
	want, _, err := scan.Match(t.Context(), m.db, withOS)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.matchQuiet(t.Context(), withOS)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("matchQuiet mismatch (-scan.Match +matchQuiet):\n%s", diff)
	}
	m.mu.RLock()
	n := len(m.cache)
	m.mu.RUnlock()
	if n == 0 {
		t.Error("the cache is empty after matches")
	}
	// A refresh that changed no advisory keeps every cached match
	// (TestRefreshRematches covers the pruning of changed ones).
	_, cs, err := m.refresh(t.Context(), &sync.Mutex{})
	if err != nil {
		t.Fatal(err)
	}
	if !cs.empty() {
		t.Errorf("a second refresh from the same source changed %+v", cs)
	}
	if len(m.cache) != n {
		t.Errorf("a refresh that changed nothing left %d of %d cached matches", len(m.cache), n)
	}
}

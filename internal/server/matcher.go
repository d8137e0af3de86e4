package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// matcher owns the server's vulnerability database: it matches inventories
// with the same code as `vigil scan` and swaps the database after a
// refresh without stopping matches in flight.
type matcher struct {
	dir  string
	from string
	log  *slog.Logger
	now  func() time.Time

	mu sync.RWMutex
	db *vulndb.DB
	// cache holds the matches of packages (all but their locations) seen
	// with db; swap empties it. cacheMu guards it; m.mu is read-held
	// by whoever uses it, so it never outlives its database.
	cacheMu sync.Mutex
	cache   map[matchKey][]scan.Vulnerability

	refreshMu sync.Mutex // one refresh at a time
}

func newMatcher(dir, from string, log *slog.Logger, now func() time.Time) *matcher {
	return &matcher{dir: dir, from: from, log: log, now: now}
}

// open opens the database that is there, if any.
func (m *matcher) open() error {
	db, err := vulndb.Open(m.dir)
	if err != nil {
		if errors.Is(err, vulndb.ErrNoDatabase) {
			return nil
		}
		return fmt.Errorf("open vulnerability database %q: %w", m.dir, err)
	}
	m.swap(db)
	return nil
}

func (m *matcher) swap(db *vulndb.DB) {
	m.mu.Lock()
	old := m.db
	m.db = db
	m.cache = nil // its matches were against old
	m.mu.Unlock()
	if old != nil {
		old.Close()
	}
}

// ready reports whether a database is loaded.
func (m *matcher) ready() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.db != nil
}

// status is the loaded database's status.
func (m *matcher) status() (vulndb.Status, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.db == nil {
		return vulndb.Status{}, false
	}
	return m.db.Status(), true
}

// fingerprint identifies the loaded database's content ("" with none):
// per ecosystem its data file (named by the content's hash) and record
// count. Servers that imported the same records from one source agree on
// it; when they differ the worst is a redundant re-match.
func (m *matcher) fingerprint() string {
	st, ok := m.status()
	if !ok {
		return ""
	}
	return st.Fingerprint()
}

// match finds the vulnerabilities of pkgs.
func (m *matcher) match(ctx context.Context, pkgs []inventory.Package) ([]scan.Vulnerability, []string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.db == nil {
		return nil, nil, errors.New("no vulnerability database loaded: start the server with --vulndb-from or run a refresh")
	}
	if slices.ContainsFunc(pkgs, func(p inventory.Package) bool { return strings.Contains(p.Ecosystem, ":") }) {
		// Coverage warnings for release ecosystems (Debian:12) are about
		// the whole inventory: match it whole.
		return scan.Match(ctx, m.db, pkgs)
	}
	return m.matchCached(ctx, pkgs)
}

// matchQuiet is match without coverage warnings: always from the cache
// (the matches of a package do not depend on the rest of the inventory;
// only the warnings about release ecosystems do). Re-matching discards
// warnings, so it matches this way.
func (m *matcher) matchQuiet(ctx context.Context, pkgs []inventory.Package) ([]scan.Vulnerability, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.db == nil {
		return nil, errors.New("no vulnerability database loaded: start the server with --vulndb-from or run a refresh")
	}
	vs, _, err := m.matchCached(ctx, pkgs)
	return vs, err
}

// maxMatchCache bounds the match cache (it is emptied when full); the
// packages shared across a portfolio come back into it at once.
const maxMatchCache = 100_000

// matchKey is a package as far as matching looks at it: everything but
// its locations, licences, hashes and dependencies.
type matchKey struct {
	ecosystem, name, version, purl, extractor, sourceName, sourceVersion, platform, evidence string
	relationship                                                                             inventory.Relationship
	dev                                                                                      bool
}

func keyOf(p *inventory.Package) matchKey {
	return matchKey{p.Ecosystem, p.Name, p.Version, p.PURL, p.Extractor, p.SourceName, p.SourceVersion, p.Platform, p.Evidence, p.Relationship, p.Dev}
}

// matchCached is scan.Match of an inventory without release ecosystems
// (which gives no warnings), from a cache of each distinct package's
// matches: most packages of a push were matched before, and matching
// decodes every advisory of a package's name each time. The matches of
// a package do not depend on the other packages, only on its locations,
// which are put back here the way match.Find merges, sorts and copies
// them, in its order; TestMatchCachedEqualsScan holds the two equal.
func (m *matcher) matchCached(ctx context.Context, pkgs []inventory.Package) ([]scan.Vulnerability, []string, error) {
	keys, found, err := m.lookup(ctx, pkgs)
	if err != nil {
		return nil, nil, err
	}
	return assemble(pkgs, keys, found), nil, nil
}

// matchHashed is match and matchEach's hashes together, from one look-up
// of the cache (a push needs both: its findings, and each package's match
// hash for the store).
func (m *matcher) matchHashed(ctx context.Context, pkgs []inventory.Package) (vulns []scan.Vulnerability, warnings, hashes []string, err error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.db == nil {
		return nil, nil, nil, errors.New("no vulnerability database loaded: start the server with --vulndb-from or run a refresh")
	}
	keys, found, err := m.lookup(ctx, pkgs)
	if err != nil {
		return nil, nil, nil, err
	}
	if slices.ContainsFunc(pkgs, func(p inventory.Package) bool { return strings.Contains(p.Ecosystem, ":") }) {
		// As in match: the whole inventory, for its coverage warnings.
		vulns, warnings, err = scan.Match(ctx, m.db, pkgs)
	} else {
		vulns = assemble(pkgs, keys, found)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	hashes, _, err = hashesOf(keys, found)
	return vulns, warnings, hashes, err
}

// assemble is the matches of pkgs from the cached matches of their keys.
func assemble(pkgs []inventory.Package, keys []matchKey, found map[matchKey][]scan.Vulnerability) []scan.Vulnerability {
	// match.Find's merge: one finding per package key and advisory, the
	// locations of repeated packages joined.
	type hit struct {
		v    scan.Vulnerability
		p    *inventory.Package
		locs []inventory.Location
	}
	var hits []hit
	byKey := map[string]int{}
	for i := range pkgs {
		p := &pkgs[i]
		for _, v := range found[keys[i]] {
			k := p.Key() + "\x00" + v.ID
			if j, dup := byKey[k]; dup {
				for _, l := range p.Locations {
					if !slices.Contains(hits[j].locs, l) {
						hits[j].locs = append(hits[j].locs, l)
					}
				}
				continue
			}
			byKey[k] = len(hits)
			hits = append(hits, hit{v: v, p: p, locs: slices.Clone(p.Locations)})
		}
	}
	for i := range hits {
		slices.SortFunc(hits[i].locs, func(a, b inventory.Location) int {
			if c := cmp.Compare(a.Path, b.Path); c != 0 {
				return c
			}
			return cmp.Compare(a.Line, b.Line)
		})
	}
	pkgOf := func(h *hit) inventory.Package {
		return inventory.Package{Ecosystem: h.p.Ecosystem, Name: h.p.Name, Version: h.p.Version, Locations: h.locs}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.v.Severity, a.v.Severity); c != 0 {
			return c
		}
		pa, pb := pkgOf(&a), pkgOf(&b)
		if c := inventory.Compare(&pa, &pb); c != 0 {
			return c
		}
		return cmp.Compare(a.v.ID, b.v.ID)
	})
	out := make([]scan.Vulnerability, 0, len(hits))
	for _, h := range hits {
		v := h.v
		v.Locations = make([]scan.Location, 0, len(h.locs))
		for _, l := range h.locs {
			v.Locations = append(v.Locations, scan.Location{Path: l.Path, Line: l.Line, Layer: l.Layer})
		}
		out = append(out, v)
	}
	return out
}

// lookup is the cached matches of each package (by its matchKey, in
// keys), matching the ones not cached yet.
func (m *matcher) lookup(ctx context.Context, pkgs []inventory.Package) ([]matchKey, map[matchKey][]scan.Vulnerability, error) {
	keys := make([]matchKey, len(pkgs))
	found := make(map[matchKey][]scan.Vulnerability, len(pkgs))
	var miss []inventory.Package
	m.cacheMu.Lock()
	for i := range pkgs {
		k := keyOf(&pkgs[i])
		keys[i] = k
		if _, ok := found[k]; ok {
			continue
		}
		if vs, ok := m.cache[k]; ok {
			found[k] = vs
			continue
		}
		found[k] = nil
		p := inventory.Package{Name: k.name, Version: k.version, Ecosystem: k.ecosystem, PURL: k.purl, Extractor: k.extractor,
			SourceName: k.sourceName, SourceVersion: k.sourceVersion, Platform: k.platform, Evidence: k.evidence, Relationship: k.relationship, Dev: k.dev}
		miss = append(miss, p)
	}
	m.cacheMu.Unlock()
	if err := m.matchMissing(ctx, miss, found); err != nil {
		return nil, nil, err
	}
	return keys, found, nil
}

// matchEach is scan.MatchHash of each package's own matches, and whether
// it has any, from the cache (after a push's match, a look-up each).
func (m *matcher) matchEach(ctx context.Context, pkgs []inventory.Package) ([]string, []bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.db == nil {
		return nil, nil, errors.New("no vulnerability database loaded: start the server with --vulndb-from or run a refresh")
	}
	keys, found, err := m.lookup(ctx, pkgs)
	if err != nil {
		return nil, nil, err
	}
	return hashesOf(keys, found)
}

// hashesOf is scan.MatchHash of each key's matches, and whether it has
// any.
func hashesOf(keys []matchKey, found map[matchKey][]scan.Vulnerability) ([]string, []bool, error) {
	var err error
	sums := make([]string, len(keys))
	matched := make([]bool, len(keys))
	byKey := make(map[matchKey]string, len(found))
	for i, k := range keys {
		h, ok := byKey[k]
		if !ok {
			if h, err = scan.MatchHash(found[k]); err != nil {
				return nil, nil, err
			}
			byKey[k] = h
		}
		sums[i], matched[i] = h, len(found[k]) > 0
	}
	return sums, matched, nil
}

// matchMissing matches the packages the cache lacks (no locations, each
// once) in one scan.Match, files each finding under its package, and
// caches them. Packages that one finding could belong to several of
// (the same name, version and purl, other match attributes) are matched
// one at a time.
func (m *matcher) matchMissing(ctx context.Context, miss []inventory.Package, found map[matchKey][]scan.Vulnerability) error {
	if len(miss) == 0 {
		return nil
	}
	type ref struct{ ecosystem, name, version, purl string }
	refOf := func(eco, name, version, purl string) ref { return ref{eco, name, version, purl} }
	owners := make(map[ref]int, len(miss))
	for i := range miss {
		owners[refOf(miss[i].Ecosystem, miss[i].Name, miss[i].Version, miss[i].PURL)]++
	}
	var batch, alone []inventory.Package
	for _, p := range miss {
		if owners[refOf(p.Ecosystem, p.Name, p.Version, p.PURL)] == 1 {
			batch = append(batch, p)
		} else {
			alone = append(alone, p)
		}
	}
	byRef := make(map[ref]matchKey, len(batch))
	for i := range batch {
		byRef[refOf(batch[i].Ecosystem, batch[i].Name, batch[i].Version, batch[i].PURL)] = keyOf(&batch[i])
	}
	learnt := make(map[matchKey][]scan.Vulnerability, len(miss))
	if len(batch) > 0 {
		vs, _, err := scan.Match(ctx, m.db, batch)
		if err != nil {
			return err
		}
		for _, k := range byRef {
			learnt[k] = []scan.Vulnerability{}
		}
		for _, v := range vs {
			k, ok := byRef[refOf(v.Package.Ecosystem, v.Package.Name, v.Package.Version, v.Package.PURL)]
			if !ok {
				return fmt.Errorf("match: finding %s for %s@%s names no package matched", v.ID, v.Package.Name, v.Package.Version)
			}
			learnt[k] = append(learnt[k], v)
		}
	}
	for _, p := range alone {
		vs, _, err := scan.Match(ctx, m.db, []inventory.Package{p})
		if err != nil {
			return err
		}
		learnt[keyOf(&p)] = vs
	}
	m.cacheMu.Lock()
	if m.cache == nil || len(m.cache)+len(learnt) > maxMatchCache {
		m.cache = make(map[matchKey][]scan.Vulnerability, len(learnt))
	}
	for k, vs := range learnt {
		m.cache[k] = vs
		found[k] = vs
	}
	m.cacheMu.Unlock()
	return nil
}

// get returns one advisory of the loaded database.
func (m *matcher) get(ctx context.Context, ecosystem, id string) (*osv.Vulnerability, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.db == nil {
		return nil, errors.New("no vulnerability database loaded")
	}
	return m.db.Get(ctx, ecosystem, id)
}

// refresh updates the database from its source and loads it. A failed
// update keeps the database in use. The swap happens with swapLock held
// (the server's ingest lock: no push is between its match and its
// commit then, so every push is matched with the new database or
// committed before the re-match looks at the store). The change set is
// read from the new database before the swap, and the match cache keeps
// every entry the change cannot affect.
func (m *matcher) refresh(ctx context.Context, swapLock sync.Locker) (*vulndb.UpdateReport, changeSet, error) {
	m.refreshMu.Lock()
	defer m.refreshMu.Unlock()
	rep, err := vulndb.Update(ctx, vulndb.UpdateOptions{Dir: m.dir, From: m.from, Logger: m.log, Now: m.now})
	if err != nil && (rep == nil || rep.Failed() == len(rep.Ecosystems)) {
		return rep, changeSet{}, fmt.Errorf("refresh vulnerability database from %s: %w", sourceName(m.from), err)
	}
	db, oerr := vulndb.Open(m.dir)
	if oerr != nil {
		return rep, changeSet{}, fmt.Errorf("open refreshed vulnerability database: %w", oerr)
	}
	cs, cerr := changesOf(ctx, db, rep)
	if cerr != nil {
		db.Close()
		return rep, changeSet{}, cerr
	}
	swapLock.Lock()
	m.mu.Lock()
	old := m.db
	m.db = db
	m.pruneCache(cs)
	m.mu.Unlock()
	swapLock.Unlock()
	if old != nil {
		old.Close()
	}
	return rep, cs, nil
}

// pruneCache drops the cached matches a change can affect (m.mu held).
func (m *matcher) pruneCache(cs changeSet) {
	if cs.all {
		m.cache = nil
		return
	}
	keys := make(map[string]bool, len(cs.keys))
	for _, k := range cs.keys {
		keys[k] = true
	}
	ecos := make(map[string]bool, len(cs.ecosystems))
	for _, e := range cs.ecosystems {
		ecos[e] = true
	}
	ids := make(map[string]bool, len(cs.ids))
	for _, id := range cs.ids {
		ids[id] = true
	}
	m.cacheMu.Lock()
	defer m.cacheMu.Unlock()
	for k, vs := range m.cache {
		p := inventory.Package{Ecosystem: k.ecosystem, Name: k.name, SourceName: k.sourceName}
		qk := match.PackageQueryKey(&p)
		base, _, _ := strings.Cut(k.ecosystem, ":")
		drop := keys[qk] || ecos[base]
		for i := 0; !drop && i < len(vs); i++ {
			drop = ids[vs[i].ID] || slices.ContainsFunc(vs[i].Aliases, func(a string) bool { return ids[a] })
		}
		if drop {
			delete(m.cache, k)
		}
	}
}

func (m *matcher) close() {
	m.swap(nil)
}

func sourceName(from string) string {
	if from == "" {
		return vulndb.DefaultSource
	}
	return from
}

package server

import (
	"context"
	"fmt"
	"slices"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// changeSet is what a database refresh changed, as far as re-matching
// needs to know: the stored packages it can affect are those whose
// match key a changed advisory names now, those of an ecosystem imported
// whole, and those with a finding of a changed advisory (what it named
// before). See docs/decisions/rematch.md.
type changeSet struct {
	all        bool     // every package (no record of what the findings were matched with)
	keys       []string // match.QueryKey of every affected package of the changed advisories
	ecosystems []string // base ecosystems imported whole
	ids        []string // every added, modified and removed advisory id
	withdrawn  map[string]bool
}

// merge is the change set of both refreshes.
func (c changeSet) merge(o changeSet) changeSet {
	if o.empty() {
		return c
	}
	out := changeSet{all: c.all || o.all, withdrawn: map[string]bool{}}
	out.keys = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(c.keys), o.keys...))))
	out.ecosystems = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(c.ecosystems), o.ecosystems...))))
	out.ids = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(c.ids), o.ids...))))
	// The later change (c) decides about an id both name.
	for id := range o.withdrawn {
		if !slices.Contains(c.ids, id) {
			out.withdrawn[id] = true
		}
	}
	for id := range c.withdrawn {
		out.withdrawn[id] = true
	}
	return out
}

func (c changeSet) empty() bool {
	return !c.all && len(c.keys) == 0 && len(c.ecosystems) == 0 && len(c.ids) == 0
}

// changesOf reads the change set of a refresh from its report and the
// new database.
func changesOf(ctx context.Context, db *vulndb.DB, rep *vulndb.UpdateReport) (changeSet, error) {
	cs := changeSet{withdrawn: map[string]bool{}}
	if rep == nil {
		return cs, nil
	}
	keys := map[string]bool{}
	for _, e := range rep.Ecosystems {
		if e.Status != vulndb.StatusNew && e.Status != vulndb.StatusUpdated {
			continue
		}
		if e.Full {
			cs.ecosystems = append(cs.ecosystems, e.Name)
			continue
		}
		cs.ids = append(cs.ids, e.RemovedIDs...)
		for _, id := range e.RemovedIDs {
			cs.withdrawn[id] = true
		}
		for _, list := range [][]string{e.AddedIDs, e.ModifiedIDs} {
			for _, id := range list {
				cs.ids = append(cs.ids, id)
				v, err := db.Get(ctx, e.Name, id)
				if err != nil {
					return cs, fmt.Errorf("read changed advisory %s: %w", id, err)
				}
				if v == nil {
					continue
				}
				if !v.Withdrawn.IsZero() {
					cs.withdrawn[id] = true
				}
				for _, a := range v.Affected {
					keys[match.QueryKey(a.Package.Ecosystem, a.Package.Name)] = true
				}
			}
		}
	}
	for k := range keys {
		cs.keys = append(cs.keys, k)
	}
	slices.Sort(cs.keys)
	slices.Sort(cs.ids)
	cs.ids = slices.Compact(cs.ids)
	return cs, nil
}

// rematchChunk is how many distinct packages are matched and reconciled
// together (whole (ecosystem, name) groups, so a chunk can be larger).
const rematchChunk = 2000

// rematchArtifacts is how many artifact ids one window of a re-match
// batch spans (one transaction each). A single window for a change to
// one popular package was tried on the 100,000-artifact portfolio: 6.1 s
// instead of 6.7-8.8 s for 20,000 findings, but a peak RSS of 1,067 MiB
// instead of 457-490 MiB, and no finding visible before the end
// (bench/RESULTS.md).
const rematchArtifacts = 5000

// rematchResult counts a re-match.
type rematchResult struct {
	store.ReconcileResult
	Packages  int // distinct packages evaluated
	Skipped   int // of them, in groups whose matches had not changed
	Artifacts int // artifacts whose findings were compared
}

func sameName(a, b *store.RematchPackage) bool {
	return a.Package.Ecosystem == b.Package.Ecosystem && a.Package.Name == b.Package.Name
}

type ecoName struct{ eco, name string }

// rematchChunk re-matches whole (ecosystem, name) groups of stored
// packages and reconciles the findings of the artifacts holding them. A
// package's own matches hash (scan.MatchHash) to what its findings were
// made with (RematchPackage.MatchHash, recorded at its first push and at
// each re-match) when nothing that concerns it changed; a group whose
// every member is so has nothing to change on any artifact and is
// skipped. The others are reconciled one window of artifacts at a time,
// and their members' new hashes are recorded in the last transaction, so
// a batch cut short is redone whole. force reconciles every group (a
// repair). only, when set, are the advisory ids the change touched: only
// the findings linked to them are compared (store.ReconcilePackages.Only).
func (s *Server) rematchChunk(ctx context.Context, pkgs []store.RematchPackage, withdrawn, only map[string]bool, force bool) (rematchResult, error) {
	var out rematchResult
	all := make([]inventory.Package, len(pkgs))
	for i := range pkgs {
		all[i] = pkgs[i].Package
	}
	sums, matched, err := s.match.matchEach(ctx, all)
	if err != nil {
		return out, err
	}
	// A group is changed when a member's matches hash to something else
	// than its findings were made with (or that is not known), and it
	// matters when a member matches now or has a finding stored.
	type group struct{ changed, matched, relevant bool }
	groups := map[ecoName]*group{}
	groupOf := func(p *store.RematchPackage) *group {
		k := ecoName{p.Package.Ecosystem, p.Package.Name}
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
		}
		return g
	}
	for i := range pkgs {
		g := groupOf(&pkgs[i])
		g.changed = g.changed || force || pkgs[i].MatchHash != sums[i]
		g.matched = g.matched || matched[i]
	}
	var unmatched []int64
	for i := range pkgs {
		g := groupOf(&pkgs[i])
		if g.changed {
			if g.matched {
				g.relevant = true
			} else {
				unmatched = append(unmatched, pkgs[i].ID)
			}
		}
	}
	if len(unmatched) > 0 {
		had, err := s.store.PackagesWithFindings(ctx, unmatched)
		if err != nil {
			return out, err
		}
		for i := range pkgs {
			if had[pkgs[i].ID] {
				groupOf(&pkgs[i]).relevant = true
			}
		}
	}
	hashes := map[int64]string{}
	byID := make(map[int64]*store.RematchPackage, len(pkgs))
	var scope []int64
	for i := range pkgs {
		p := &pkgs[i]
		g := groupOf(p)
		if g.changed && (force || p.MatchHash != sums[i]) {
			hashes[p.ID] = sums[i]
		}
		if g.relevant {
			scope = append(scope, p.ID)
			byID[p.ID] = p
		}
	}
	for i := range pkgs {
		if !groupOf(&pkgs[i]).changed {
			out.Skipped++
		}
	}
	if len(hashes) == 0 {
		return out, nil
	}
	var last int64
	if len(scope) > 0 {
		if last, err = s.store.MaxArtifactID(ctx); err != nil {
			return out, err
		}
	}
	// One window of artifact ids at a time, each in one transaction: its
	// links (sorted by artifact, then ingest order), each artifact's
	// scoped packages with their locations there matched as a push is.
	// The last transaction records the hashes.
	fresh := func(links []store.PackageLink) ([]store.ArtifactMatch, error) {
		var batch []store.ArtifactMatch
		for lo := 0; lo < len(links); {
			hi := lo + 1
			for hi < len(links) && links[hi].ArtifactID == links[lo].ArtifactID {
				hi++
			}
			sub := make([]inventory.Package, 0, hi-lo)
			for _, l := range links[lo:hi] {
				p := byID[l.PackageID].Package
				p.Locations = l.Locations
				sub = append(sub, p)
			}
			vs, err := s.match.matchQuiet(ctx, sub)
			if err != nil {
				return nil, err
			}
			nf, err := newFindings(&scan.Result{Packages: sub}, vs)
			if err != nil {
				return nil, err
			}
			batch = append(batch, store.ArtifactMatch{ArtifactID: links[lo].ArtifactID, Findings: nf})
			lo = hi
		}
		return batch, nil
	}
	reconcile := func(batch []store.ArtifactMatch, final bool) error {
		rp := store.ReconcilePackages{Scope: scope, Artifacts: batch, Actor: "vigil:refresh", Withdrawn: withdrawn, Only: only}
		if final {
			rp.Hashes = hashes
		}
		r, err := s.store.ReconcilePackages(ctx, rp)
		if err != nil {
			return err
		}
		out.ReconcileResult.Add(r)
		out.Artifacts += len(batch)
		return nil
	}
	// The links are read on a reader connection, outside the window's
	// write transaction: read inside it (from the writer's page cache) a
	// one-advisory re-match of the 100,000-artifact portfolio took 30 s
	// instead of 6-8 s (bench/RESULTS.md).
	for from := int64(0); len(scope) > 0 && from <= last; from += rematchArtifacts {
		to := from + rematchArtifacts
		links, err := s.store.PackageLinks(ctx, scope, from, to)
		if err != nil {
			return out, err
		}
		batch, err := fresh(links)
		if err != nil {
			return out, err
		}
		if to > last {
			return out, reconcile(batch, true)
		}
		if len(batch) > 0 {
			if err := reconcile(batch, false); err != nil {
				return out, err
			}
		}
	}
	// Only hashes to record (no artifact holds a scoped package, or none
	// is scoped: changed groups that match nothing and have no findings).
	return out, reconcile(nil, true)
}

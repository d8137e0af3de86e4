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

// rematchArtifacts is how many artifacts one reconcile transaction covers.
const rematchArtifacts = 5000

// rematchResult counts a re-match.
type rematchResult struct {
	store.ReconcileResult
	Packages  int // distinct packages evaluated
	Artifacts int // artifacts whose findings were compared
}

// rematch brings the findings of every artifact up to date with the
// database in use after a change: each affected distinct package is
// matched once, and only the artifacts holding a package that matches
// now or had a finding are reconciled, for those packages only. The
// result equals a from-scratch match of every artifact
// (`vigil admin verify-findings` checks it).
func (s *Server) rematch(ctx context.Context, cs changeSet) (rematchResult, error) {
	var out rematchResult
	if cs.empty() {
		return out, nil
	}
	pkgs, err := s.store.RematchPackages(ctx, store.RematchScope{MatchKeys: cs.keys, Ecosystems: cs.ecosystems, VulnerabilityIDs: cs.ids, All: cs.all})
	if err != nil {
		return out, err
	}
	out.Packages = len(pkgs)
	// Chunks of whole (ecosystem, name) groups (pkgs is sorted by them).
	for lo := 0; lo < len(pkgs); {
		hi := min(lo+rematchChunk, len(pkgs))
		for hi < len(pkgs) && sameName(&pkgs[hi-1], &pkgs[hi]) {
			hi++
		}
		r, err := s.rematchChunk(ctx, pkgs[lo:hi], cs.withdrawn)
		if err != nil {
			return out, err
		}
		out.Created += r.Created
		out.Resolved += r.Resolved
		out.Reopened += r.Reopened
		out.Updated += r.Updated
		out.Artifacts += r.Artifacts
		lo = hi
	}
	return out, nil
}

func sameName(a, b *store.RematchPackage) bool {
	return a.Package.Ecosystem == b.Package.Ecosystem && a.Package.Name == b.Package.Name
}

type ecoName struct{ eco, name string }

func (s *Server) rematchChunk(ctx context.Context, pkgs []store.RematchPackage, withdrawn map[string]bool) (rematchResult, error) {
	var out rematchResult
	// Which (ecosystem, name) groups matter: those with a match now or a
	// finding stored.
	all := make([]inventory.Package, len(pkgs))
	ids := make([]int64, len(pkgs))
	for i := range pkgs {
		all[i], ids[i] = pkgs[i].Package, pkgs[i].ID
	}
	vulns, _, err := s.match.match(ctx, all)
	if err != nil {
		return out, err
	}
	relevant := map[ecoName]bool{}
	for _, v := range vulns {
		relevant[ecoName{v.Package.Ecosystem, v.Package.Name}] = true
	}
	had, err := s.store.PackagesWithFindings(ctx, ids)
	if err != nil {
		return out, err
	}
	byID := make(map[int64]*store.RematchPackage, len(pkgs))
	for i := range pkgs {
		p := &pkgs[i]
		if had[p.ID] {
			relevant[ecoName{p.Package.Ecosystem, p.Package.Name}] = true
		}
	}
	var scope []int64
	for i := range pkgs {
		p := &pkgs[i]
		if relevant[ecoName{p.Package.Ecosystem, p.Package.Name}] {
			scope = append(scope, p.ID)
			byID[p.ID] = p
		}
	}
	if len(scope) == 0 {
		return out, nil
	}
	links, err := s.store.PackageLinks(ctx, scope)
	if err != nil {
		return out, err
	}
	// Per artifact (links are sorted by artifact, then ingest order): its
	// scoped packages with their locations there, matched as a push is.
	var batch []store.ArtifactMatch
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		r, err := s.store.ReconcilePackages(ctx, store.ReconcilePackages{Scope: scope, Artifacts: batch, Actor: "vigil:refresh", Withdrawn: withdrawn})
		if err != nil {
			return err
		}
		out.Created += r.Created
		out.Resolved += r.Resolved
		out.Reopened += r.Reopened
		out.Updated += r.Updated
		out.Artifacts += len(batch)
		batch = batch[:0]
		return nil
	}
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
		vs, _, err := s.match.match(ctx, sub)
		if err != nil {
			return out, err
		}
		nf, err := newFindings(&scan.Result{Packages: sub}, vs)
		if err != nil {
			return out, err
		}
		batch = append(batch, store.ArtifactMatch{ArtifactID: links[lo].ArtifactID, Findings: nf})
		if len(batch) >= rematchArtifacts {
			if err := flush(); err != nil {
				return out, err
			}
		}
		lo = hi
	}
	return out, flush()
}

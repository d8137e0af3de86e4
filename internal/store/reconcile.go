package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Reconcile replaces the findings of one kind on one artifact with a fresh
// match: new ones are created; open and accepted ones that vanished are
// fixed (advisory_withdrawn when their advisory is in Withdrawn,
// advisory_range_changed otherwise; not_reported for misconfigurations and
// secrets); fixed ones that come back after such an automatic resolution
// re-open; severity, summary, fix and aliases are updated. A person's
// decision (false_positive, or fixed by hand) stays.
func (s *Store) Reconcile(ctx context.Context, r Reconcile) (ReconcileResult, error) {
	if err := validFindings(r.Findings); err != nil {
		return ReconcileResult{}, err
	}
	for i := range r.Findings {
		if r.Findings[i].Kind != r.Kind {
			return ReconcileResult{}, fmt.Errorf("%w: finding %q is a %s, not a %s", ErrInvalid, r.Findings[i].Key, r.Findings[i].Kind, r.Kind)
		}
		if !strings.HasPrefix(r.Findings[i].Key, r.KeyPrefix) {
			return ReconcileResult{}, fmt.Errorf("%w: finding %q does not start with %q", ErrInvalid, r.Findings[i].Key, r.KeyPrefix)
		}
	}
	var res ReconcileResult
	err := s.write(ctx, func(t *tx) error {
		projectID, err := t.projectOf(ctx, r.ArtifactID)
		if err != nil {
			return err
		}
		now := s.now().UnixMilli()
		q, args := "SELECT "+storedFindingCols+" FROM findings WHERE artifact_id = ? AND kind = ?", []any{r.ArtifactID, r.Kind}
		if r.KeyPrefix != "" {
			q += " AND substr(key, 1, ?) = ?"
			args = append(args, utf8.RuneCountInString(r.KeyPrefix), r.KeyPrefix)
		}
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return err
		}
		old, err := collect(rows, scanStoredFinding)
		if err != nil {
			return err
		}
		var w reconcileWrites
		if err := t.reconcile(ctx, &w, projectID, r.ArtifactID, r.Kind, old, r.Findings, r.Withdrawn, r.Actor, now, &res); err != nil {
			return err
		}
		if len(w.created)+len(w.relinked) > 0 {
			ids, err := t.artifactPackageIDs(ctx, r.ArtifactID)
			if err != nil {
				return err
			}
			if err := w.resolvePackageIDs(func(int64) map[string]int64 { return ids }); err != nil {
				return err
			}
		}
		if err := t.auditReconcile(ctx, r.Actor, subject("artifact", r.ArtifactID), []int64{r.ArtifactID}, r.Kind, &w, res); err != nil {
			return err
		}
		return t.flush(ctx, &w, r.Actor, now)
	})
	if err != nil {
		return ReconcileResult{}, fmt.Errorf("reconcile artifact %d: %w", r.ArtifactID, err)
	}
	return res, nil
}

// storedFindingCols are the columns scanStoredFinding reads:
// lightFindingCols and the detail.
const storedFindingCols = lightFindingCols + ", detail"

func scanStoredFinding(r scanner) (storedFinding, error) {
	return scanStored(r, true)
}

// reconcileWrites collects what reconciling one or more artifacts inserts,
// so that it is written in few statements.
type reconcileWrites struct {
	created []findingRow
	evs     []event
	// relinked are stored findings (by findingRow.id) whose aliases
	// changed: their new ones are indexed in flush.
	relinked []findingRow
}

// findingRow is a finding to insert.
type findingRow struct {
	projectID, artifactID int64
	packageID             int64 // 0: none
	f                     *NewFinding
	id                    int64 // a stored finding's id (relinked only)
}

// resolvePackageIDs sets the package id of each created or relinked finding from
// the identity -> id map of its artifact.
func (w *reconcileWrites) resolvePackageIDs(idsOf func(artifactID int64) map[string]int64) error {
	for _, rows := range [][]findingRow{w.created, w.relinked} {
		for i := range rows {
			c := &rows[i]
			if c.f.Package == nil {
				continue
			}
			key, _ := identity(c.f.Package)
			id, ok := idsOf(c.artifactID)[key]
			if !ok {
				return fmt.Errorf("%w: finding %q: package %s@%s is not in the artifact", ErrInvalid, c.f.Key, c.f.Package.Name, c.f.Package.Version)
			}
			c.packageID = id
		}
	}
	return nil
}

// flush writes the aliases, events and new findings collected.
func (t *tx) flush(ctx context.Context, w *reconcileWrites, actor string, now int64) error {
	var aliases [][2]any
	var byPackage []aliasPackage
	for _, r := range w.relinked {
		for _, a := range aliasSet(r.f.VulnerabilityID, r.f.Aliases) {
			if r.packageID != 0 {
				byPackage = append(byPackage, aliasPackage{a, r.packageID})
			} else {
				aliases = append(aliases, [2]any{a, r.id})
			}
		}
	}
	if err := t.insertAliases(ctx, aliases); err != nil {
		return err
	}
	if err := t.insertAliasPackages(ctx, byPackage); err != nil {
		return err
	}
	if err := t.events(ctx, w.evs); err != nil {
		return err
	}
	return t.insertFindings(ctx, w.created, actor, now)
}

// reconcile compares the stored findings of one kind on one artifact (old)
// with a fresh match of the same scope (fresh): it updates and resolves
// in place, counts in res, and leaves the findings to create, the events
// and the aliases to insert in w.
func (t *tx) reconcile(ctx context.Context, w *reconcileWrites, projectID, artifactID int64, kind string, old []storedFinding, fresh []NewFinding, withdrawn map[string]bool, actor string, now int64, res *ReconcileResult) error {
	byKey := make(map[string]*storedFinding, len(old))
	for i := range old {
		byKey[old[i].key] = &old[i]
	}
	seen := make(map[string]bool, len(fresh))
	ev := func(id int64, kind, from, to, reason, data string) {
		w.evs = append(w.evs, event{kind: kind, projectID: projectID, artifactID: artifactID, findingID: id, actor: actor, from: from, to: to, reason: reason, data: data})
	}
	for i := range fresh {
		nf := &fresh[i]
		seen[nf.Key] = true
		of, ok := byKey[nf.Key]
		if !ok {
			w.created = append(w.created, findingRow{projectID: projectID, artifactID: artifactID, f: nf})
			continue
		}
		if of.state == StateFixed && autoResolved(of.resolution) {
			if _, err := t.exec(ctx, "UPDATE findings SET state = ?, resolution = '', resolved_at = NULL, reason = ?, updated_at = ? WHERE id = ?",
				StateOpen, "reported again by a new match", now, of.id); err != nil {
				return err
			}
			ev(of.id, EventFindingState, StateFixed, StateOpen, "reported again by a new match", "")
			res.Reopened++
		}
		changes := of.changes(nf)
		if len(changes) > 0 || of.detail != string(nf.Detail) {
			var fixSince any = nil
			if nf.FixedVersion != "" {
				fixSince = now
			}
			if _, err := t.exec(ctx, `UPDATE findings SET severity = ?, summary = ?, fixed_version = ?, aliases = ?, detail = ?,
 fix_available_since = CASE WHEN ? = '' THEN NULL ELSE COALESCE(fix_available_since, ?) END, updated_at = ? WHERE id = ?`,
				int(nf.Severity), nf.Summary, nf.FixedVersion, jsonText(nonNil(nf.Aliases)), nullText(nf.Detail), nf.FixedVersion, fixSince, now, of.id); err != nil {
				return err
			}
		}
		if _, ok := changes["aliases"]; ok {
			if _, err := t.exec(ctx, "DELETE FROM finding_aliases WHERE finding_id = ?", of.id); err != nil {
				return err
			}
			w.relinked = append(w.relinked, findingRow{projectID: projectID, artifactID: artifactID, f: nf, id: of.id})
		}
		if len(changes) > 0 {
			ev(of.id, EventFindingUpdated, "", "", "", jsonText(changes))
			res.Updated++
		}
	}
	for i := range old {
		of := &old[i]
		if seen[of.key] || (of.state != StateOpen && of.state != StateAccepted) {
			continue
		}
		resolution := ResolvedNotReported
		if kind == KindVulnerability {
			resolution = ResolvedRangeChanged
			if withdrawn[of.vuln] || slices.ContainsFunc(of.aliases, func(a string) bool { return withdrawn[a] }) {
				resolution = ResolvedWithdrawn
			}
		}
		reason := "no longer reported: " + resolution
		if _, err := t.exec(ctx, "UPDATE findings SET state = ?, resolution = ?, resolved_at = ?, reason = ?, accepted_by = '', accepted_until = NULL, updated_at = ? WHERE id = ?",
			StateFixed, resolution, now, reason, now, of.id); err != nil {
			return err
		}
		ev(of.id, EventFindingState, of.state, StateFixed, reason, jsonText(map[string]string{"resolution": resolution}))
		res.Resolved++
	}
	res.Created += len(fresh) - countSeenOld(fresh, byKey)
	return nil
}

// countSeenOld counts the fresh findings that were stored already.
func countSeenOld(fresh []NewFinding, byKey map[string]*storedFinding) int {
	n := 0
	for i := range fresh {
		if _, ok := byKey[fresh[i].Key]; ok {
			n++
		}
	}
	return n
}

// autoResolved tells a resolution made by a match, not by a person or a
// deployment.
func autoResolved(resolution string) bool {
	return resolution == ResolvedWithdrawn || resolution == ResolvedRangeChanged || resolution == ResolvedNotReported
}

// storedFinding is what Reconcile compares.
type storedFinding struct {
	id, artifactID                                       int64
	key, vuln, summary, fixed, detail, state, resolution string
	aliases                                              []string
	sev                                                  int
}

// changes lists what a fresh match changes, as {"field": {"from", "to"}}.
func (f *storedFinding) changes(nf *NewFinding) map[string][2]any {
	c := map[string][2]any{}
	if f.sev != int(nf.Severity) {
		c["severity"] = [2]any{f.sev, int(nf.Severity)}
	}
	if f.summary != nf.Summary {
		c["summary"] = [2]any{f.summary, nf.Summary}
	}
	if f.fixed != nf.FixedVersion {
		c["fixed_version"] = [2]any{f.fixed, nf.FixedVersion}
	}
	if !slices.Equal(nonNil(f.aliases), nonNil(nf.Aliases)) {
		c["aliases"] = [2]any{nonNil(f.aliases), nonNil(nf.Aliases)}
	}
	return c
}

// artifactPackageIDs maps the identity of each package of an artifact to
// its id.
func (t *tx) artifactPackageIDs(ctx context.Context, artifactID int64) (map[string]int64, error) {
	rows, err := t.query(ctx, "SELECT p.id, p.ecosystem, p.name, p.version, p.purl, p.attrs FROM artifact_packages ap JOIN packages p ON p.id = ap.package_id WHERE ap.artifact_id = ?", artifactID)
	if err != nil {
		return nil, err
	}
	ids := make(map[string]int64)
	err = eachPackageID(rows, func(key string, id int64) { ids[key] = id })
	return ids, err
}

// reconcileAudit is the audit record of a re-match: its counts and every
// state change it made.
type reconcileAudit struct {
	Artifacts []int64         `json:"artifacts"`
	Kind      string          `json:"kind"`
	Result    ReconcileResult `json:"result"`
	Changes   []auditChange   `json:"state_changes"`
}

// auditReconcile records what a reconcile changed (nothing when it
// changed nothing).
func (t *tx) auditReconcile(ctx context.Context, actor, subj string, artifacts []int64, kind string, w *reconcileWrites, res ReconcileResult) error {
	if res == (ReconcileResult{}) {
		return nil
	}
	return t.audit(ctx, actor, AuditReconcile, subj, reconcileAudit{Artifacts: artifacts, Kind: kind, Result: res, Changes: stateChanges(w.evs)})
}

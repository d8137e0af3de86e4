package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
)

// The targeted re-match (issue 12) works on distinct stored packages, not
// on artifacts: RematchPackages finds the packages a database change can
// affect (by match_key, the key the vulnerability database is queried
// by), the server matches each once, PackageLinks lists the artifacts
// holding the ones that matter, and ReconcilePackages applies the fresh
// matches of those packages to every artifact in few statements.

// RematchScope selects the stored packages a change of the vulnerability
// database can affect.
type RematchScope struct {
	// MatchKeys are match.QueryKey values that changed advisories name.
	MatchKeys []string
	// Ecosystems are base ecosystems ("npm", "Debian") imported whole:
	// every package of theirs.
	Ecosystems []string
	// VulnerabilityIDs are changed advisory ids: the packages with a
	// vulnerability finding whose id or alias is one of them (what the
	// old advisory matched, whatever it names now).
	VulnerabilityIDs []string
	// All selects every package.
	All bool
	// PackageIDs are packages by id (a batch of a planned re-match).
	PackageIDs []int64
}

// RematchPackage is a stored package as matching sees it (no locations).
type RematchPackage struct {
	ID       int64
	MatchKey string
	// MatchHash is scan.MatchHash of the matches the package's findings
	// were last made with: at its first push (Ingest.MatchHashes) or its
	// last re-match (ReconcilePackages.Hashes); "" when not known.
	MatchHash string
	Package   inventory.Package
}

// RematchPackages lists the packages a scope selects, closed under
// (ecosystem, name): every package sharing an ecosystem and name with a
// selected one is selected too, because a match merges the findings of
// packages of one name and version. Sorted by ecosystem, name, then id.
func (s *Store) RematchPackages(ctx context.Context, sc RematchScope) ([]RematchPackage, error) {
	byID := map[int64]RematchPackage{}
	add := func(rows *sql.Rows, err error) error {
		if err != nil {
			return err
		}
		ps, err := collect(rows, scanRematchPackage)
		if err != nil {
			return err
		}
		for _, p := range ps {
			byID[p.ID] = p
		}
		return nil
	}
	const cols = "SELECT p.id, p.ecosystem, p.name, p.version, p.purl, p.attrs, p.data, p.match_key, p.match_hash FROM packages p"
	if sc.All {
		if err := add(s.query(ctx, cols)); err != nil {
			return nil, fmt.Errorf("rematch packages: %w", err)
		}
		return sortRematch(byID), nil
	}
	if len(sc.PackageIDs) > 0 {
		// A planned batch: exactly these (the plan closed them already).
		if err := chunked(sc.PackageIDs, func(part []any) error {
			return add(s.query(ctx, cols+" WHERE p.id IN ("+placeholders(len(part))+")", part...))
		}); err != nil {
			return nil, fmt.Errorf("rematch packages by id: %w", err)
		}
		return sortRematch(byID), nil
	}
	keys := slices.Clone(sc.MatchKeys)
	err := chunked(sc.VulnerabilityIDs, func(ids []any) error {
		// The packages whose findings have carried these ids: from
		// alias_packages, and from finding_aliases for findings stored
		// before it (00019). A package that no longer has such a finding
		// only costs a re-match that changes nothing.
		in := placeholders(len(ids))
		rows, err := s.query(ctx, `SELECT p.match_key FROM alias_packages ap JOIN packages p ON p.id = ap.package_id WHERE ap.alias IN (`+in+`)
 UNION SELECT p.match_key FROM finding_aliases fa JOIN findings f ON f.id = fa.finding_id
 JOIN packages p ON p.id = f.package_id WHERE f.kind = ? AND fa.alias IN (`+in+")", append(append(slices.Clone(ids), KindVulnerability), ids...)...)
		if err != nil {
			return err
		}
		ks, err := collect(rows, func(r scanner) (string, error) {
			var k sql.NullString
			return k.String, r.Scan(&k)
		})
		keys = append(keys, ks...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rematch packages by advisory: %w", err)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if err := chunked(keys, func(ks []any) error {
		return add(s.query(ctx, cols+" WHERE p.match_key IN ("+placeholders(len(ks))+")", ks...))
	}); err != nil {
		return nil, fmt.Errorf("rematch packages by key: %w", err)
	}
	for _, eco := range sc.Ecosystems {
		// match_key is "<base ecosystem>\t<name>": the range of one
		// ecosystem ends before "<base ecosystem>\n".
		if err := add(s.query(ctx, cols+" WHERE p.match_key >= ? AND p.match_key < ?", eco+"\t", eco+"\n")); err != nil {
			return nil, fmt.Errorf("rematch packages of %s: %w", eco, err)
		}
	}
	// Closure under (ecosystem, name), through the unique index's prefix.
	type en struct{ eco, name string }
	var names []en
	seen := map[en]bool{}
	for _, p := range byID {
		k := en{p.Package.Ecosystem, p.Package.Name}
		if !seen[k] {
			seen[k] = true
			names = append(names, k)
		}
	}
	for lo := 0; lo < len(names); lo += MaxFilterValues / 2 {
		part := names[lo:min(lo+MaxFilterValues/2, len(names))]
		args := make([]any, 0, 2*len(part))
		for _, n := range part {
			args = append(args, n.eco, n.name)
		}
		if err := add(s.query(ctx, cols+" WHERE (p.ecosystem, p.name) IN (VALUES "+rowsOf(len(part), 2)+")", args...)); err != nil {
			return nil, fmt.Errorf("rematch packages by name: %w", err)
		}
	}
	return sortRematch(byID), nil
}

func scanRematchPackage(r scanner) (RematchPackage, error) {
	var key, hash sql.NullString
	p, err := scanPackage(r, &key, &hash)
	if err != nil {
		return RematchPackage{}, err
	}
	rp := RematchPackage{ID: p.ID, MatchKey: key.String, MatchHash: hash.String, Package: p.Package}
	if !key.Valid {
		rp.MatchKey = match.PackageQueryKey(&rp.Package)
	}
	return rp, nil
}

func sortRematch(byID map[int64]RematchPackage) []RematchPackage {
	out := make([]RematchPackage, 0, len(byID))
	for _, p := range byID {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b RematchPackage) int {
		if c := cmp.Compare(a.Package.Ecosystem, b.Package.Ecosystem); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Package.Name, b.Package.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// chunked calls fn with the values in slices of at most MaxFilterValues.
func chunked[T any](vs []T, fn func([]any) error) error {
	for lo := 0; lo < len(vs); lo += MaxFilterValues {
		if err := fn(anys(vs[lo:min(lo+MaxFilterValues, len(vs))])); err != nil {
			return err
		}
	}
	return nil
}

// PackagesWithFindings tells which of the packages have a vulnerability
// finding, in any state.
func (s *Store) PackagesWithFindings(ctx context.Context, packageIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	err := chunked(packageIDs, func(ids []any) error {
		rows, err := s.query(ctx, "SELECT DISTINCT package_id FROM findings WHERE kind = ? AND package_id IN ("+placeholders(len(ids))+")", append([]any{KindVulnerability}, ids...)...)
		if err != nil {
			return err
		}
		got, err := collect(rows, func(r scanner) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		for _, id := range got {
			out[id] = true
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("packages with findings: %w", err)
	}
	return out, nil
}

// PackageLink is one package of one artifact, with its locations there.
type PackageLink struct {
	ArtifactID, PackageID int64
	Ord                   int
	Locations             []inventory.Location
}

// PackageLinks lists the artifacts with an id in [from, to) holding one
// of the packages (through the package_buckets inverted index), by
// artifact then ingest order. A re-match reads the links of its packages
// one window of artifacts at a time, so its memory does not grow with the
// portfolio.
func (s *Store) PackageLinks(ctx context.Context, packageIDs []int64, from, to int64) ([]PackageLink, error) {
	out, err := packageLinks(ctx, s.query, packageIDs, from, to)
	if err != nil {
		return nil, fmt.Errorf("package links: %w", err)
	}
	return out, nil
}

// packageLinks is PackageLinks through query (a reader's, or a write
// transaction's).
func packageLinks(ctx context.Context, query func(context.Context, string, ...any) (*sql.Rows, error), packageIDs []int64, from, to int64) ([]PackageLink, error) {
	var out []PackageLink
	err := chunked(packageIDs, func(ids []any) error {
		// CROSS JOIN fixes SQLite's join order: from the index rows of
		// the packages, through the artifact ids of each bucket, to the
		// links (left to itself, it walked every link of the window's
		// artifacts). PostgreSQL reorders by cost.
		rows, err := query(ctx, packageLinksQuery(len(ids)),
			append([]any{bucketSize, bucketSize, from, to, from / bucketSize, (to - 1) / bucketSize}, ids...)...)
		if err != nil {
			return err
		}
		ls, err := collect(rows, func(r scanner) (PackageLink, error) {
			var l PackageLink
			var locs sql.NullString
			if err := r.Scan(&l.ArtifactID, &l.PackageID, &l.Ord, &locs); err != nil {
				return l, err
			}
			return l, unmarshalText(locs, &l.Locations)
		})
		out = append(out, ls...)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b PackageLink) int {
		if c := cmp.Compare(a.ArtifactID, b.ArtifactID); c != 0 {
			return c
		}
		return cmp.Compare(a.Ord, b.Ord)
	})
	return out, nil
}

// packageLinksQuery is PackageLinks' statement for n package ids.
func packageLinksQuery(n int) string {
	return `SELECT ap.artifact_id, ap.package_id, ap.ord, ap.locations FROM package_buckets pb
 CROSS JOIN artifacts a CROSS JOIN artifact_packages ap
 WHERE a.id >= pb.bucket * ? AND a.id < (pb.bucket + 1) * ? AND a.id >= ? AND a.id < ?
 AND ap.artifact_id = a.id AND ap.package_id = pb.package_id
 AND pb.bucket >= ? AND pb.bucket <= ? AND pb.package_id IN (` + placeholders(n) + ")"
}

// ReconcilePackages applies fresh matches of some packages to the
// artifacts holding them: on each artifact listed, the vulnerability
// findings of the packages in Scope are replaced as Reconcile replaces an
// artifact's (created, updated, re-opened, resolved with the same rules
// and events); the artifact's other findings are not looked at. Every
// finding's Package must be one of Scope. One transaction.
type ReconcilePackages struct {
	Scope     []int64
	Artifacts []ArtifactMatch
	Actor     string
	Withdrawn map[string]bool
	// Hashes are set as the packages' match_hash in the same transaction
	// (the last one of a re-match of their group; see RematchPackage).
	Hashes map[int64]string
	// Only, when set, are the advisory ids a change touched (added,
	// modified, withdrawn): only the findings linked to them are compared,
	// stored and fresh, where linked means sharing an id or alias with
	// one of them or, transitively, with a linked finding (a change can
	// merge or split the groups of records findings are made of). The
	// others are made of unchanged records, so they equal what is stored.
	// Nil: every finding of the scope is compared.
	Only map[string]bool
}

// ArtifactMatch is the fresh match of the scoped packages of one artifact
// (vulnerability findings; none when they match nothing now).
type ArtifactMatch struct {
	ArtifactID int64
	Findings   []NewFinding
}

// ReconcilePackages is described at its type.
func (s *Store) ReconcilePackages(ctx context.Context, r ReconcilePackages) (ReconcileResult, error) {
	if err := validMatches(r.Artifacts); err != nil {
		return ReconcileResult{}, err
	}
	var res ReconcileResult
	err := s.write(ctx, func(t *tx) error {
		res = ReconcileResult{}
		return t.reconcilePackages(ctx, r, &res)
	})
	if err != nil {
		return ReconcileResult{}, fmt.Errorf("reconcile packages: %w", err)
	}
	return res, nil
}

// validMatches checks fresh matches: valid vulnerability findings.
func validMatches(as []ArtifactMatch) error {
	for _, a := range as {
		if err := validFindings(a.Findings); err != nil {
			return fmt.Errorf("artifact %d: %w", a.ArtifactID, err)
		}
		for i := range a.Findings {
			if a.Findings[i].Kind != KindVulnerability {
				return fmt.Errorf("%w: finding %q is a %s, not a vulnerability", ErrInvalid, a.Findings[i].Key, a.Findings[i].Kind)
			}
		}
	}
	return nil
}

// reconcilePackages is ReconcilePackages within t.
func (t *tx) reconcilePackages(ctx context.Context, r ReconcilePackages, res *ReconcileResult) error {
	now := t.s.now().UnixMilli()
	if len(r.Artifacts) == 0 {
		return t.setMatchHashes(ctx, r.Hashes)
	}
	// The scope's packages by identity, and its stored findings.
	pkgIDs := make(map[string]int64, len(r.Scope))
	old := map[int64][]storedFinding{}
	lo, hi := int64(0), int64(-1)
	for i, a := range r.Artifacts {
		if i == 0 || a.ArtifactID < lo {
			lo = a.ArtifactID
		}
		hi = max(hi, a.ArtifactID)
	}
	err := chunked(r.Scope, func(ids []any) error {
		rows, err := t.query(ctx, "SELECT id, ecosystem, name, version, purl, attrs FROM packages WHERE id IN ("+placeholders(len(ids))+")", ids...)
		if err != nil {
			return err
		}
		if err := eachPackageID(rows, func(key string, id int64) { pkgIDs[key] = id }); err != nil {
			return err
		}
		rows, err = t.query(ctx, "SELECT "+lightFindingCols+" FROM findings WHERE kind = ? AND artifact_id >= ? AND artifact_id <= ? AND package_id IN ("+placeholders(len(ids))+")",
			append([]any{KindVulnerability, lo, hi}, ids...)...)
		if err != nil {
			return err
		}
		fs, err := collect(rows, scanLightFinding)
		for _, f := range fs {
			old[f.artifactID] = append(old[f.artifactID], f)
		}
		return err
	})
	if err != nil {
		return err
	}
	projects, err := t.projectsOf(ctx, r.Artifacts)
	if err != nil {
		return err
	}
	fresh := make([][]NewFinding, len(r.Artifacts))
	for i := range r.Artifacts {
		a := &r.Artifacts[i]
		fresh[i] = a.Findings
		if r.Only != nil {
			old[a.ArtifactID], fresh[i] = linked(r.Only, old[a.ArtifactID], a.Findings)
		}
	}
	if err := t.loadDetails(ctx, r.Artifacts, old, fresh); err != nil {
		return err
	}
	var w reconcileWrites
	for i := range r.Artifacts {
		a := &r.Artifacts[i]
		if err := t.reconcile(ctx, &w, projects[a.ArtifactID], a.ArtifactID, KindVulnerability, old[a.ArtifactID], fresh[i], r.Withdrawn, r.Actor, now, res); err != nil {
			return err
		}
	}
	if err := w.resolvePackageIDs(func(int64) map[string]int64 { return pkgIDs }); err != nil {
		return err
	}
	ids := make([]int64, len(r.Artifacts))
	for i := range r.Artifacts {
		ids[i] = r.Artifacts[i].ArtifactID
	}
	if err := t.auditReconcile(ctx, r.Actor, "rematch", ids, KindVulnerability, &w, *res); err != nil {
		return err
	}
	if err := t.flush(ctx, &w, r.Actor, now); err != nil {
		return err
	}
	return t.setMatchHashes(ctx, r.Hashes)
}

// lightFindingCols are a stored finding's columns without its detail,
// which a re-match reads only for the findings it compares (loadDetails).
const lightFindingCols = "id, artifact_id, key, vulnerability_id, aliases, severity, summary, fixed_version, state, resolution"

func scanLightFinding(r scanner) (storedFinding, error) {
	return scanStored(r, false)
}

// scanStored reads lightFindingCols and, withDetail, the detail after
// them.
func scanStored(r scanner, withDetail bool) (storedFinding, error) {
	var f storedFinding
	var aliases, detail sql.NullString
	dest := []any{&f.id, &f.artifactID, &f.key, &f.vuln, &aliases, &f.sev, &f.summary, &f.fixed, &f.state, &f.resolution}
	if withDetail {
		dest = append(dest, &detail)
	}
	if err := r.Scan(dest...); err != nil {
		return f, err
	}
	f.detail = detail.String
	return f, unmarshalText(aliases, &f.aliases)
}

// loadDetails reads the detail of the stored findings (read without,
// scanLightFinding) that a fresh one of the same key is compared with.
func (t *tx) loadDetails(ctx context.Context, arts []ArtifactMatch, old map[int64][]storedFinding, fresh [][]NewFinding) error {
	byID := map[int64]*storedFinding{}
	var ids []int64
	for i := range arts {
		stored := old[arts[i].ArtifactID]
		if len(stored) == 0 || len(fresh[i]) == 0 {
			continue
		}
		keys := make(map[string]bool, len(fresh[i]))
		for j := range fresh[i] {
			keys[fresh[i][j].Key] = true
		}
		for j := range stored {
			if keys[stored[j].key] {
				byID[stored[j].id] = &stored[j]
				ids = append(ids, stored[j].id)
			}
		}
	}
	return chunked(ids, func(part []any) error {
		rows, err := t.query(ctx, "SELECT id, detail FROM findings WHERE id IN ("+placeholders(len(part))+")", part...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var detail sql.NullString
			if err := rows.Scan(&id, &detail); err != nil {
				return err
			}
			byID[id].detail = detail.String
		}
		return rows.Err()
	})
}

// linked keeps, of one artifact's stored and fresh findings, those linked
// to the ids in only (see ReconcilePackages.Only): sharing an id or alias
// with them, or with a finding kept, transitively.
func linked(only map[string]bool, old []storedFinding, fresh []NewFinding) ([]storedFinding, []NewFinding) {
	more := map[string]bool{}
	in := func(id string) bool { return only[id] || more[id] }
	// take reports whether a finding of id and aliases is linked, and adds
	// its ids to the closure if so.
	take := func(id string, aliases []string) bool {
		if !in(id) && !slices.ContainsFunc(aliases, in) {
			return false
		}
		more[id] = true
		for _, a := range aliases {
			more[a] = true
		}
		return true
	}
	keepOld := make([]bool, len(old))
	keepFresh := make([]bool, len(fresh))
	for grew := true; grew; {
		grew = false
		for i := range old {
			if !keepOld[i] && take(old[i].vuln, old[i].aliases) {
				keepOld[i], grew = true, true
			}
		}
		for i := range fresh {
			if !keepFresh[i] && take(fresh[i].VulnerabilityID, fresh[i].Aliases) {
				keepFresh[i], grew = true, true
			}
		}
	}
	return kept(old, keepOld), kept(fresh, keepFresh)
}

// kept is the elements of xs whose keep is true, in order.
func kept[T any](xs []T, keep []bool) []T {
	var out []T
	for i := range xs {
		if keep[i] {
			out = append(out, xs[i])
		}
	}
	return out
}

// projectsOf maps each artifact to its project.
func (t *tx) projectsOf(ctx context.Context, as []ArtifactMatch) (map[int64]int64, error) {
	ids := make([]int64, len(as))
	for i := range as {
		ids[i] = as[i].ArtifactID
	}
	out := make(map[int64]int64, len(ids))
	err := chunked(ids, func(ids []any) error {
		rows, err := t.query(ctx, "SELECT id, project_id FROM artifacts WHERE id IN ("+placeholders(len(ids))+")", ids...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, p int64
			if err := rows.Scan(&id, &p); err != nil {
				return err
			}
			out[id] = p
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			return nil, fmt.Errorf("%w: artifact %d", ErrNotFound, id)
		}
	}
	return out, nil
}

// fillMatchKeys sets the match_key of packages stored before migration
// 00005 (the normalisation is Go code, so the migration cannot).
func (s *Store) fillMatchKeys(ctx context.Context) error {
	const batch = 5000
	for {
		rows, err := s.w.QueryContext(ctx, s.rebind("SELECT id, ecosystem, name, version, purl, attrs, data FROM packages WHERE match_key IS NULL ORDER BY id LIMIT ?"), batch)
		if err != nil {
			return fmt.Errorf("fill match keys: %w", err)
		}
		ps, err := collect(rows, func(r scanner) (Package, error) { return scanPackage(r) })
		if err != nil {
			return fmt.Errorf("fill match keys: %w", err)
		}
		if len(ps) == 0 {
			return nil
		}
		err = s.write(ctx, func(t *tx) error {
			for i := range ps {
				if _, err := t.exec(ctx, "UPDATE packages SET match_key = ? WHERE id = ?", match.PackageQueryKey(&ps[i].Package), ps[i].ID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("fill match keys: %w", err)
		}
		s.log.Info("filled package match keys", "packages", len(ps))
		if len(ps) < batch {
			return nil
		}
	}
}

// setMatchHashes records what packages were re-matched with, in few
// statements (one per distinct hash and slice of ids).
func (t *tx) setMatchHashes(ctx context.Context, hashes map[int64]string) error {
	byHash := map[string][]int64{}
	for id, h := range hashes {
		byHash[h] = append(byHash[h], id)
	}
	for h, ids := range byHash {
		slices.Sort(ids)
		if err := chunked(ids, func(part []any) error {
			_, err := t.exec(ctx, "UPDATE packages SET match_hash = ? WHERE id IN ("+placeholders(len(part))+")", append([]any{h}, part...)...)
			return err
		}); err != nil {
			return fmt.Errorf("set match hashes: %w", err)
		}
	}
	return nil
}

// MaxArtifactID is the largest artifact id (0 with none).
func (s *Store) MaxArtifactID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := s.queryRow(ctx, "SELECT max(id) FROM artifacts").Scan(&id); err != nil {
		return 0, fmt.Errorf("max artifact id: %w", err)
	}
	return id.Int64, nil
}

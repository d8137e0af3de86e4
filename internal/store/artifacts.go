package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/vigil-sec/vigil/internal/inventory"
)

const artifactCols = `SELECT a.id, pr.name, a.kind, a.digest, a.name, a.version, a.vcs_url, a.vcs_commit, a.format,
 a.tool_name, a.tool_version, a.image, a.build, a.packages, a.created_at, a.updated_at
 FROM artifacts a JOIN projects pr ON pr.id = a.project_id`

func scanArtifact(r scanner) (Artifact, error) {
	var a Artifact
	var image, build sql.NullString
	var created, updated int64
	if err := r.Scan(&a.ID, &a.Project, &a.Kind, &a.Digest, &a.Name, &a.Version, &a.VCSURL, &a.VCSCommit, &a.Format,
		&a.ToolName, &a.ToolVersion, &image, &build, &a.Packages, &created, &updated); err != nil {
		return Artifact{}, err
	}
	a.CreatedAt, a.UpdatedAt = msTime(created), msTime(updated)
	if image.Valid {
		a.Image = new(ImageMeta)
		if err := unmarshalText(image, a.Image); err != nil {
			return Artifact{}, fmt.Errorf("artifact %d image: %w", a.ID, err)
		}
	}
	if err := unmarshalText(build, &a.Build); err != nil {
		return Artifact{}, fmt.Errorf("artifact %d build: %w", a.ID, err)
	}
	return a, nil
}

func notFound(err error, what string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf(what+": %w", append(args, ErrNotFound)...)
	}
	return err
}

// GetArtifact returns an artifact by id.
func (s *Store) GetArtifact(ctx context.Context, id int64) (Artifact, error) {
	a, err := scanArtifact(s.queryRow(ctx, artifactCols+" WHERE a.id = ?", id))
	return a, notFound(err, "artifact %d", id)
}

// FindArtifact returns the artifact of a project with the digest.
func (s *Store) FindArtifact(ctx context.Context, project, digest string) (Artifact, error) {
	a, err := scanArtifact(s.queryRow(ctx, artifactCols+" WHERE pr.name = ? AND a.digest = ?", project, digest))
	return a, notFound(err, "artifact %q of project %q", digest, project)
}

// ListArtifacts lists artifacts by id.
func (s *Store) ListArtifacts(ctx context.Context, f ArtifactFilter) ([]Artifact, string, error) {
	after, err := f.after()
	if err != nil {
		return nil, "", err
	}
	var w where
	w.scope(f.Scope, "a.project_id")
	if f.Project != "" {
		w.add("pr.name = ?", f.Project)
	}
	w.add("a.id > ?", after)
	if w.err != nil {
		return nil, "", w.err
	}
	lim := f.limit()
	rows, err := s.query(ctx, artifactCols+w.String()+" ORDER BY a.id LIMIT ?", append(w.args, lim)...)
	if err != nil {
		return nil, "", fmt.Errorf("list artifacts: %w", err)
	}
	out, err := collect(rows, scanArtifact)
	if err != nil {
		return nil, "", fmt.Errorf("list artifacts: %w", err)
	}
	return out, pageCursor(out, lim, func(v Artifact) int64 { return v.ID }), nil
}

// ArtifactIDs lists every artifact id in order.
func (s *Store) ArtifactIDs(ctx context.Context) ([]int64, error) {
	rows, err := s.query(ctx, "SELECT id FROM artifacts ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("artifact ids: %w", err)
	}
	return collect(rows, func(r scanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
}

// collect scans every row and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

const packageCols = "p.id, p.ecosystem, p.name, p.version, p.purl, p.attrs, p.data"

// matchAttrs are what decides matching besides name and version; their
// canonical JSON is part of a package's identity.
type matchAttrs struct {
	Extractor     string `json:"extractor,omitempty"`
	SourceName    string `json:"source_name,omitempty"`
	SourceVersion string `json:"source_version,omitempty"`
	Platform      string `json:"platform,omitempty"`
	Dev           bool   `json:"dev,omitempty"`
	Relationship  string `json:"relationship,omitempty"`
}

// packageData is the rest of a package that is stored with it.
type packageData struct {
	Licenses []string          `json:"licenses,omitempty"`
	Hashes   map[string]string `json:"hashes,omitempty"`
}

// identity is a package's identity: its key and the canonical attrs.
func identity(p *inventory.Package) (key, attrs string) {
	attrs = attrsText(matchAttrs{p.Extractor, p.SourceName, p.SourceVersion, p.Platform, p.Dev, string(p.Relationship)})
	return packageKey(p.Ecosystem, p.Name, p.Version, p.PURL, attrs), attrs
}

// attrsCache holds the JSON of recent match attributes: an inventory has
// few distinct ones (extractor and relationship mostly), and marshalling
// them for every package was a noticeable part of an ingest.
var attrsCache = struct {
	sync.RWMutex
	m map[matchAttrs]string
}{m: make(map[matchAttrs]string)}

const maxAttrsCache = 4096

func attrsText(a matchAttrs) string {
	attrsCache.RLock()
	s, ok := attrsCache.m[a]
	attrsCache.RUnlock()
	if ok {
		return s
	}
	s = jsonText(a)
	attrsCache.Lock()
	if len(attrsCache.m) >= maxAttrsCache {
		clear(attrsCache.m)
	}
	attrsCache.m[a] = s
	attrsCache.Unlock()
	return s
}

func packageKey(eco, name, version, purl, attrs string) string {
	return eco + "\x00" + name + "\x00" + version + "\x00" + purl + "\x00" + attrs
}

// purlBase is a purl without version, qualifiers and subpath.
func purlBase(purl string) string {
	if i := strings.IndexAny(purl, "@?#"); i >= 0 {
		return purl[:i]
	}
	return purl
}

func scanPackage(r scanner, extra ...any) (Package, error) {
	var p Package
	var attrs, data sql.NullString
	dest := append([]any{&p.ID, &p.Ecosystem, &p.Name, &p.Version, &p.PURL, &attrs, &data}, extra...)
	if err := r.Scan(dest...); err != nil {
		return Package{}, err
	}
	if err := fillPackage(&p.Package, attrs, data); err != nil {
		return Package{}, fmt.Errorf("package %d: %w", p.ID, err)
	}
	return p, nil
}

func fillPackage(p *inventory.Package, attrs, data sql.NullString) error {
	var a matchAttrs
	if err := unmarshalText(attrs, &a); err != nil {
		return err
	}
	var d packageData
	if err := unmarshalText(data, &d); err != nil {
		return err
	}
	p.Extractor, p.SourceName, p.SourceVersion, p.Platform, p.Dev = a.Extractor, a.SourceName, a.SourceVersion, a.Platform, a.Dev
	p.Relationship = inventory.Relationship(a.Relationship)
	p.Licenses, p.Hashes = d.Licenses, d.Hashes
	return nil
}

// ArtifactPackages lists an artifact's packages (by package id) with their
// locations.
func (s *Store) ArtifactPackages(ctx context.Context, artifactID int64, pg Page) ([]ArtifactPackage, string, error) {
	after, err := pg.after()
	if err != nil {
		return nil, "", err
	}
	lim := pg.limit()
	rows, err := s.query(ctx, "SELECT "+packageCols+", ap.locations, ap.depends_on FROM artifact_packages ap JOIN packages p ON p.id = ap.package_id"+
		" WHERE ap.artifact_id = ? AND ap.package_id > ? ORDER BY ap.package_id LIMIT ?", artifactID, after, lim)
	if err != nil {
		return nil, "", fmt.Errorf("artifact %d packages: %w", artifactID, err)
	}
	out, err := collect(rows, scanArtifactPackage)
	if err != nil {
		return nil, "", fmt.Errorf("artifact %d packages: %w", artifactID, err)
	}
	if len(out) == 0 {
		if _, err := s.GetArtifact(ctx, artifactID); err != nil {
			return nil, "", err
		}
	}
	return out, pageCursor(out, lim, func(v ArtifactPackage) int64 { return v.ID }), nil
}

func scanArtifactPackage(r scanner) (ArtifactPackage, error) {
	var locs, deps sql.NullString
	p, err := scanPackage(r, &locs, &deps)
	if err != nil {
		return ArtifactPackage{}, err
	}
	ap := ArtifactPackage{Package: p}
	if err := unmarshalText(locs, &ap.Locations); err != nil {
		return ArtifactPackage{}, fmt.Errorf("package %d locations: %w", p.ID, err)
	}
	if err := unmarshalText(deps, &ap.DependsOn); err != nil {
		return ArtifactPackage{}, fmt.Errorf("package %d depends_on: %w", p.ID, err)
	}
	ap.Package.Locations = ap.Locations
	return ap, nil
}

// PackageArtifacts lists, ascending, the ids of the artifacts that hold
// any of the packages (by package id): package -> artifacts, for
// re-matching after an advisory update. package_buckets names the
// buckets of artifact ids that hold a package; in each, a primary-key
// look-up of artifact_packages per artifact tells which.
func (s *Store) PackageArtifacts(ctx context.Context, packageIDs []int64) ([]int64, error) {
	if len(packageIDs) > MaxFilterValues {
		return nil, fmt.Errorf("%w: more than %d packages", ErrInvalid, MaxFilterValues)
	}
	if len(packageIDs) == 0 {
		return nil, nil
	}
	args := append([]any{bucketSize, bucketSize}, anys(packageIDs)...)
	rows, err := s.query(ctx, `SELECT DISTINCT ap.artifact_id FROM package_buckets pb
 JOIN artifacts a ON a.id >= pb.bucket * ? AND a.id < (pb.bucket + 1) * ?
 JOIN artifact_packages ap ON ap.artifact_id = a.id AND ap.package_id = pb.package_id
 WHERE pb.package_id IN (`+placeholders(len(packageIDs))+") ORDER BY ap.artifact_id", args...)
	if err != nil {
		return nil, fmt.Errorf("package artifacts: %w", err)
	}
	ids, err := collect(rows, func(r scanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil {
		return nil, fmt.Errorf("package artifacts: %w", err)
	}
	return ids, nil
}

// Inventory is every package of an artifact in ingest order.
func (s *Store) Inventory(ctx context.Context, artifactID int64) ([]inventory.Package, error) {
	rows, err := s.query(ctx, "SELECT "+packageCols+", ap.locations, ap.depends_on FROM artifact_packages ap JOIN packages p ON p.id = ap.package_id"+
		" WHERE ap.artifact_id = ? ORDER BY ap.ord", artifactID)
	if err != nil {
		return nil, fmt.Errorf("artifact %d inventory: %w", artifactID, err)
	}
	aps, err := collect(rows, scanArtifactPackage)
	if err != nil {
		return nil, fmt.Errorf("artifact %d inventory: %w", artifactID, err)
	}
	if len(aps) == 0 {
		if _, err := s.GetArtifact(ctx, artifactID); err != nil {
			return nil, err
		}
	}
	out := make([]inventory.Package, len(aps))
	for i := range aps {
		out[i] = aps[i].Package.Package
	}
	return out, nil
}

// marshalImage is the image column.
func marshalImage(m *ImageMeta) any {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return string(b)
}

func marshalBuild(b BuildMetadata) any {
	if len(b) == 0 {
		return nil
	}
	return jsonText(b)
}

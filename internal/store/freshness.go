package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Freshness (docs/freshness.md): how old the images that run are, what
// they are built on, and how long each deployment has run since its image
// was built ("reverse uptime"). It is computed from the artifacts' image
// metadata (the build time: the image's created time, or the newest layer
// history time when created is missing or zero) at request time.

// FreshnessFilter selects the running deployments Freshness reports.
type FreshnessFilter struct {
	Scope
	Project     string
	Environment string
}

// BaseImage is the image an image is built on.
type BaseImage struct {
	Name   string `json:"name,omitempty"`
	Digest string `json:"digest,omitempty"`
	// Source says how it was found: "annotation" (the image declares it,
	// org.opencontainers.image.base.name/.digest) or "layers" (an artifact
	// of the server whose layers are a prefix of this image's).
	Source string `json:"source" enum:"annotation,layers"`
	// ArtifactID is the server's artifact of the base, when it has one.
	ArtifactID int64     `json:"artifact_id,omitempty"`
	Project    string    `json:"project,omitempty"`
	Built      time.Time `json:"built,omitzero"`
	AgeDays    float64   `json:"age_days,omitempty"`
}

// ImageFreshness is one running deployment of an image artifact.
type ImageFreshness struct {
	DeploymentID int64     `json:"deployment_id"`
	Project      string    `json:"project"`
	Environment  string    `json:"environment"`
	Service      string    `json:"service"`
	Cluster      string    `json:"cluster,omitempty"`
	Namespace    string    `json:"namespace,omitempty"`
	ArtifactID   int64     `json:"artifact_id"`
	Digest       string    `json:"digest"`
	Name         string    `json:"name"`
	Since        time.Time `json:"since" doc:"when the deployment started"`
	// Built is the image's build time (zero: unknown); BuiltFrom is
	// "config" or "history".
	Built     time.Time `json:"built,omitzero"`
	BuiltFrom string    `json:"built_from,omitempty"`
	// AgeDays is now - Built: the deployment's "reverse uptime", how long
	// ago the code it serves now was built. RunningDays is now - Since.
	// Both ages are 0 when Built is unknown (KnownAge false).
	AgeDays     float64    `json:"age_days"`
	RunningDays float64    `json:"running_days"`
	KnownAge    bool       `json:"known_age"`
	BuildToRun  float64    `json:"build_to_deploy_days,omitempty" doc:"days between the build and the start of the deployment"`
	Base        *BaseImage `json:"base,omitempty"`
}

// imageFacts is the part of an artifact's image metadata freshness reads.
type imageFacts struct {
	id          int64
	project     string
	digest      string
	name        string
	created     time.Time
	createdFrom string
	baseName    string
	baseDigest  string
	layers      []string
}

func days(d time.Duration) float64 {
	v := d.Hours() / 24
	return float64(int64(v*100)) / 100 // two decimals, deterministic
}

// Freshness lists the running deployments of image artifacts in the
// filter, oldest image first (unknown build times last), then by project,
// environment and service. Base images found by layers are looked for
// among the image artifacts in the filter's scope only. This is the
// function an image.too_old alert calls: a deployment whose AgeDays
// exceeds the policy's max_image_age_days is too old.
func (s *Store) Freshness(ctx context.Context, f FreshnessFilter) ([]ImageFreshness, error) {
	var w where
	w.scope(f.Scope, "d.project_id")
	w.add("d.end_at IS NULL")
	w.add("a.image IS NOT NULL")
	if f.Project != "" {
		w.add("pr.name = ?", f.Project)
	}
	if f.Environment != "" {
		w.add("d.environment = ?", f.Environment)
	}
	if w.err != nil {
		return nil, w.err
	}
	rows, err := s.query(ctx, `SELECT d.id, pr.name, d.environment, d.service, d.cluster, d.namespace, d.start_at, a.id, a.digest, a.name, a.image
 FROM deployments d JOIN artifacts a ON a.id = d.artifact_id JOIN projects pr ON pr.id = d.project_id`+w.String()+" ORDER BY d.id", w.args...)
	if err != nil {
		return nil, fmt.Errorf("freshness: %w", err)
	}
	type dep struct {
		ImageFreshness
		image sql.NullString
	}
	deps, err := collect(rows, func(r scanner) (dep, error) {
		var x dep
		var start int64
		err := r.Scan(&x.DeploymentID, &x.Project, &x.Environment, &x.Service, &x.Cluster, &x.Namespace, &start, &x.ArtifactID, &x.Digest, &x.Name, &x.image)
		x.Since = msTime(start)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("freshness: %w", err)
	}
	if len(deps) == 0 {
		return []ImageFreshness{}, nil
	}
	cands, err := s.imageArtifacts(ctx, f.Scope)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*imageFacts, len(cands))
	byDigest := map[string]*imageFacts{}
	for i := range cands {
		byID[cands[i].id] = &cands[i]
		if _, ok := byDigest[cands[i].digest]; !ok {
			byDigest[cands[i].digest] = &cands[i]
		}
	}
	now := s.now()
	out := make([]ImageFreshness, 0, len(deps))
	for _, d := range deps {
		fr := d.ImageFreshness
		im := byID[d.ArtifactID]
		if im == nil {
			// Out of the candidates' scope cannot happen (same scope), but
			// a row whose image JSON does not decode is reported without
			// facts rather than dropped.
			im = &imageFacts{id: d.ArtifactID}
		}
		fr.RunningDays = days(now.Sub(fr.Since))
		if !im.created.IsZero() {
			fr.Built, fr.BuiltFrom, fr.KnownAge = im.created, im.createdFrom, true
			fr.AgeDays = days(now.Sub(im.created))
			fr.BuildToRun = max(days(fr.Since.Sub(im.created)), 0)
		}
		fr.Base = baseOf(im, cands, byDigest, now)
		out = append(out, fr)
	}
	slices.SortStableFunc(out, func(a, b ImageFreshness) int {
		if a.KnownAge != b.KnownAge {
			if a.KnownAge {
				return -1
			}
			return 1
		}
		if c := a.Built.Compare(b.Built); c != 0 {
			return c
		}
		return strings.Compare(a.Project+"\x00"+a.Environment+"\x00"+a.Service, b.Project+"\x00"+b.Environment+"\x00"+b.Service)
	})
	return out, nil
}

// imageArtifacts reads the image facts of every image artifact in scope.
func (s *Store) imageArtifacts(ctx context.Context, sc Scope) ([]imageFacts, error) {
	var w where
	w.scope(sc, "a.project_id")
	w.add("a.image IS NOT NULL")
	if w.err != nil {
		return nil, w.err
	}
	rows, err := s.query(ctx, "SELECT a.id, pr.name, a.digest, a.name, a.image FROM artifacts a JOIN projects pr ON pr.id = a.project_id"+w.String()+" ORDER BY a.id", w.args...)
	if err != nil {
		return nil, fmt.Errorf("image artifacts: %w", err)
	}
	return collect(rows, func(r scanner) (imageFacts, error) {
		var x imageFacts
		var img sql.NullString
		if err := r.Scan(&x.id, &x.project, &x.digest, &x.name, &img); err != nil {
			return x, err
		}
		var m ImageMeta
		if err := unmarshalText(img, &m); err != nil {
			return x, nil // facts unknown; the artifact still counts by id
		}
		x.created, x.createdFrom, x.baseName, x.baseDigest = m.Created, m.CreatedFrom, m.BaseImage, m.BaseDigest
		if !x.created.IsZero() && x.createdFrom == "" {
			x.createdFrom = "config"
		}
		for _, l := range m.Layers {
			x.layers = append(x.layers, l.Digest)
		}
		return x, nil
	})
}

// baseOf finds an image's base: the declared one (annotations), matched to
// a server artifact by digest when there is one; else the artifact with the
// longest strict prefix of the image's layers (lowest id on a tie).
func baseOf(im *imageFacts, cands []imageFacts, byDigest map[string]*imageFacts, now time.Time) *BaseImage {
	with := func(b *BaseImage, a *imageFacts) *BaseImage {
		b.ArtifactID, b.Project = a.id, a.project
		if !a.created.IsZero() {
			b.Built, b.AgeDays = a.created, days(now.Sub(a.created))
		}
		return b
	}
	if im.baseName != "" || im.baseDigest != "" {
		b := &BaseImage{Name: im.baseName, Digest: im.baseDigest, Source: "annotation"}
		if a := byDigest[im.baseDigest]; a != nil && im.baseDigest != "" {
			return with(b, a)
		}
		return b
	}
	var best *imageFacts
	for i := range cands {
		c := &cands[i]
		if c.id == im.id || len(c.layers) == 0 || len(c.layers) >= len(im.layers) || !slices.Equal(c.layers, im.layers[:len(c.layers)]) {
			continue
		}
		if best == nil || len(c.layers) > len(best.layers) {
			best = c
		}
	}
	if best == nil {
		return nil
	}
	return with(&BaseImage{Name: best.name, Digest: best.digest, Source: "layers"}, best)
}

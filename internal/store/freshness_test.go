package store

import (
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func imageIngest(project, digest string, created time.Time, layers []string, base, baseDigest string) Ingest {
	m := &ImageMeta{Reference: "registry/" + project + "@" + digest, Created: created, BaseImage: base, BaseDigest: baseDigest}
	for _, l := range layers {
		m.Layers = append(m.Layers, LayerMeta{Digest: l})
	}
	return Ingest{Project: project, Artifact: Artifact{Kind: "image", Digest: digest, Name: m.Reference, Image: m}, Packages: []inventory.Package{pkg("npm", "left-pad", "1.0.0")}}
}

func testFreshness(t *testing.T, s *Store, c *clock, _ string) {
	ctx := t.Context()
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	for _, in := range []Ingest{
		imageIngest("platform", "sha256:base", day(1, 1), []string{"l1"}, "", ""),
		imageIngest("platform", "sha256:base2", day(1, 2), []string{"l1", "l2"}, "", ""),
		imageIngest("shop", "sha256:v1", day(2, 1), []string{"l1", "l2", "l3"}, "", ""),
		imageIngest("shop", "sha256:v2", time.Time{}, []string{"l9"}, "alpine:3.22", "sha256:base"),
		imageIngest("shop", "sha256:idle", day(1, 1), []string{"l1", "l2", "l3", "l4"}, "", ""),
	} {
		if _, err := s.Ingest(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.Freshness(ctx, FreshnessFilter{}); err != nil || len(got) != 0 {
		t.Fatalf("Freshness before any deployment = %+v, %v", got, err)
	}
	if _, err := s.Deploy(ctx, Deploy{Project: "shop", Digest: "sha256:v1", Environment: "prod"}); err != nil {
		t.Fatal(err)
	}
	c.Advance(10 * Day)
	if _, err := s.Deploy(ctx, Deploy{Project: "shop", Digest: "sha256:v2", Environment: "staging"}); err != nil {
		t.Fatal(err)
	}
	// The clock started at 2026-03-01 12:00: now is 03-11 12:00.
	all, err := s.Freshness(ctx, FreshnessFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("Freshness = %+v, want 2 deployments", all)
	}
	v1, v2 := all[0], all[1]
	if v1.Digest != "sha256:v1" || v1.Environment != "prod" || !v1.KnownAge || v1.AgeDays != 38.5 || v1.RunningDays != 10 || v1.BuildToRun != 28.5 || v1.BuiltFrom != "config" {
		t.Errorf("v1 = %+v", v1)
	}
	if b := v1.Base; b == nil || b.Source != "layers" || b.Digest != "sha256:base2" || b.Project != "platform" || b.AgeDays != 68.5 {
		t.Errorf("v1 base = %+v, want the longest layer prefix sha256:base2", v1.Base)
	}
	if v2.Digest != "sha256:v2" || v2.KnownAge || v2.AgeDays != 0 || v2.RunningDays != 0 {
		t.Errorf("v2 = %+v (unknown build time, sorted last)", v2)
	}
	if b := v2.Base; b == nil || b.Source != "annotation" || b.Name != "alpine:3.22" || b.ArtifactID == 0 || b.AgeDays != 69.5 {
		t.Errorf("v2 base = %+v, want the annotation matched to sha256:base", v2.Base)
	}
	staging, err := s.Freshness(ctx, FreshnessFilter{Environment: "staging"})
	if err != nil || len(staging) != 1 || staging[0].Digest != "sha256:v2" {
		t.Errorf("Freshness(staging) = %+v, %v", staging, err)
	}
	// A token limited to shop does not see platform's artifacts, not even
	// as a base image.
	scoped, err := s.Freshness(ctx, FreshnessFilter{Scope: Scope{Projects: []string{"shop"}}})
	if err != nil || len(scoped) != 2 {
		t.Fatalf("Freshness(scope shop) = %+v, %v", scoped, err)
	}
	if scoped[0].Base != nil || scoped[1].Base == nil || scoped[1].Base.ArtifactID != 0 {
		t.Errorf("scoped bases = %+v / %+v, want none for v1 and an unmatched annotation for v2", scoped[0].Base, scoped[1].Base)
	}
	if none, err := s.Freshness(ctx, FreshnessFilter{Scope: Scope{Projects: []string{"platform"}}}); err != nil || len(none) != 0 {
		t.Errorf("Freshness(scope platform) = %+v, %v", none, err)
	}
}

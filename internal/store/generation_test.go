package store

import (
	"testing"
	"time"
)

// TestGeneration: every change a reader can see moves the generation.
func TestGeneration(t *testing.T) {
	for _, bk := range []struct {
		name string
		open opener
		// cacheable is whether Generation identifies the data.
		cacheable bool
	}{{"sqlite", openSQLite, true}, {"postgres", openPostgres, false}} {
		t.Run(bk.name, func(t *testing.T) {
			s, _ := bk.open(t, nil)
			ctx := t.Context()
			if s.Cacheable() != bk.cacheable {
				t.Errorf("Cacheable = %v", s.Cacheable())
			}
			last, err := s.Generation(ctx)
			if err != nil {
				t.Fatal(err)
			}
			moved := func(what string) {
				t.Helper()
				g, err := s.Generation(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if g <= last {
					t.Errorf("%s: generation %d, was %d", what, g, last)
				}
				last = g
			}
			in := fixture("gen", 1, 20, 10, 3)
			res, err := s.Ingest(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			moved("ingest")
			if _, err := s.Ingest(ctx, in); err != nil {
				t.Fatal(err)
			}
			moved("re-push (metadata refresh)")
			fs, _, err := s.ListFindings(ctx, FindingFilter{ArtifactID: res.Artifact.ID})
			if err != nil || len(fs) == 0 {
				t.Fatalf("findings: %v %v", fs, err)
			}
			if _, err := s.SetState(ctx, StateChange{FindingID: fs[0].ID, To: StateFalsePositive, Reason: "x", Actor: "t"}); err != nil {
				t.Fatal(err)
			}
			moved("state change")
			if _, err := s.Deploy(ctx, Deploy{Project: "gen", Digest: res.Artifact.Digest, Environment: "prod", Actor: "t"}); err != nil {
				t.Fatal(err)
			}
			moved("deployment")
			if _, err := s.SetState(ctx, StateChange{FindingID: fs[1].ID, To: StateAccepted, Reason: "x", Actor: "t", Until: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			moved("acceptance")
		})
	}
}

package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/audit"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
)

func TestAuditSQLite(t *testing.T)   { runAudit(t, openSQLite) }
func TestAuditPostgres(t *testing.T) { runAudit(t, openPostgres) }

var auditKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))

// auditHistory makes one record of every kind the store writes, and
// returns the token hash that must appear in none of them.
func auditHistory(t *testing.T, s *Store, c *clock) []byte {
	t.Helper()
	ctx := t.Context()
	p1, p2 := pkg("npm", "lodash", "4.17.20"), pkg("npm", "minimist", "1.2.5")
	in := Ingest{Project: "alpha", Actor: "token:1:ci", Artifact: Artifact{Kind: "image", Digest: "sha256:a1", Name: "app", Format: "cyclonedx-json"},
		Packages: []inventory.Package{p1, p2}, Findings: []NewFinding{vuln("GHSA-1", p1, severity.High, "4.17.21"), vuln("GHSA-2", p2, severity.Low, "")}}
	r1, err := s.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	in.Artifact.Digest, in.Findings = "sha256:a2", in.Findings[1:]
	if _, err := s.Ingest(ctx, in); err != nil {
		t.Fatal(err)
	}
	fs, _, err := s.ListFindings(ctx, FindingFilter{ArtifactID: r1.Artifact.ID})
	if err != nil || len(fs) != 2 {
		t.Fatalf("findings = %v, %v", fs, err)
	}
	if _, err := s.SetState(ctx, StateChange{FindingID: fs[0].ID, To: StateAccepted, Reason: "not reachable", Actor: "alice", Until: c.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deploy(ctx, Deploy{Project: "alpha", Digest: "sha256:a1", Environment: "prod", Actor: "cd"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deploy(ctx, Deploy{Project: "alpha", Digest: "sha256:a2", Environment: "prod", Actor: "cd"}); err != nil {
		t.Fatal(err)
	}
	hash := bytes.Repeat([]byte{0xab}, 32)
	tok, err := s.CreateToken(ctx, Token{Name: "ci", Role: RoleWriter, Hash: hash, CreatedBy: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, tok.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reconcile(ctx, Reconcile{ArtifactID: r1.Artifact.ID, Kind: KindVulnerability, Actor: "vigil:refresh"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishVulnDB(ctx, "fp1", "replica-1", nil); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the same configuration twice is one record
		if _, err := s.AppendAuditChange(ctx, "vigil serve", AuditConfig, "server", map[string]any{"listen": "127.0.0.1:8080"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, made, err := s.AuditCheckpoint(ctx, auditKey, "vigil serve"); err != nil || !made {
		t.Fatalf("AuditCheckpoint = %v, %v", made, err)
	}
	if _, made, err := s.AuditCheckpoint(ctx, auditKey, "vigil serve"); err != nil || made {
		t.Fatalf("AuditCheckpoint on a checkpoint = %v, %v; want nothing", made, err)
	}
	return hash
}

func runAudit(t *testing.T, open opener) {
	t.Run("Records", func(t *testing.T) {
		c := newClock()
		s, _ := open(t, c.Now)
		hash := auditHistory(t, s, c)
		recs, err := s.AuditRecords(t.Context(), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, r := range recs {
			kinds = append(kinds, r.Kind)
			for _, secret := range []string{hex.EncodeToString(hash), string(hash)} {
				if strings.Contains(string(r.Payload), secret) {
					t.Errorf("record %d holds the token hash", r.Seq)
				}
			}
		}
		want := []string{AuditIngest, AuditIngest, AuditFindingState, AuditDeploy, AuditDeploy, AuditTokenCreate, AuditTokenRevoke,
			AuditReconcile, AuditVulnDB, AuditConfig, audit.KindCheckpoint}
		if !slices.Equal(kinds, want) {
			t.Errorf("record kinds = %v\nwant %v", kinds, want)
		}
		if !strings.Contains(string(recs[2].Payload), `"approver":"alice"`) || !strings.Contains(string(recs[4].Payload), `"to":"fixed"`) {
			t.Errorf("state records: %s / %s", recs[2].Payload, recs[4].Payload)
		}
		rep, err := s.VerifyAudit(t.Context(), &audit.Verifier{Key: auditKey.Public().(ed25519.PublicKey)})
		if err != nil || !rep.OK || rep.Records != int64(len(want)) || rep.Checkpoints != 1 {
			t.Fatalf("VerifyAudit = %+v, %v", rep, err)
		}
		head, _ := s.AuditHead(t.Context())
		if head != rep.Head {
			t.Errorf("AuditHead = %v, verified head %v", head, rep.Head)
		}
		// An expiry re-opens in a record of its own.
		open, _, err := s.ListFindings(t.Context(), FindingFilter{States: []string{StateOpen}})
		if err != nil || len(open) == 0 {
			t.Fatalf("open findings = %v, %v", open, err)
		}
		if _, err := s.SetState(t.Context(), StateChange{FindingID: open[0].ID, To: StateAccepted, Reason: "wait for 2.0", Actor: "bob", Until: c.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		c.Advance(2 * time.Hour)
		if n, err := s.ExpireAcceptances(t.Context()); err != nil || n != 1 {
			t.Fatalf("ExpireAcceptances = %d, %v", n, err)
		}
		last, err := s.AuditRecords(t.Context(), rep.Head.Seq+1, 0)
		if err != nil || len(last) != 1 || last[0].Actor != "system" || last[0].Kind != AuditFindingState || !strings.Contains(string(last[0].Payload), `"from":"accepted","to":"open"`) {
			t.Errorf("expiry record = %+v, %v", last, err)
		}
		if rep, err := s.VerifyAudit(t.Context(), &audit.Verifier{}); err != nil || !rep.OK || rep.Records != int64(len(want))+2 {
			t.Errorf("VerifyAudit after the expiry = %+v, %v", rep, err)
		}
		var n int
		if err := s.ExportAudit(t.Context(), newClock().Now(), time.Time{}, func(*audit.Record) error { n++; return nil }); err != nil || n != len(want)+2 {
			t.Errorf("ExportAudit = %d records, %v", n, err)
		}
	})
	t.Run("AppendOnly", func(t *testing.T) {
		c := newClock()
		s, _ := open(t, c.Now)
		auditHistory(t, s, c)
		for _, q := range []string{"UPDATE audit_log SET actor = 'mallory' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 2",
			"UPDATE audit_head SET seq = 1", "DELETE FROM audit_head"} {
			if _, err := s.w.ExecContext(t.Context(), q); err == nil {
				t.Errorf("%s: no error; the triggers must refuse it", q)
			}
		}
	})
	tests := []struct {
		name    string
		tamper  func(t *testing.T, s *Store) []string
		wantSeq func(n int64) int64
		wantMsg string
	}{
		{"Untouched", func(*testing.T, *Store) []string { return nil }, nil, ""},
		{"Edit", func(*testing.T, *Store) []string {
			return []string{"UPDATE audit_log SET payload = '{\"to\":\"open\"}' WHERE seq = 3"}
		}, func(int64) int64 { return 3 }, "edited"},
		{"EditAndRehash", func(t *testing.T, s *Store) []string {
			recs, _ := s.AuditRecords(t.Context(), 2, 1)
			r := recs[0]
			r.Actor = "mallory"
			return []string{fmt.Sprintf("UPDATE audit_log SET actor = 'mallory', hash = '%s' WHERE seq = 3", r.Sum())}
		}, func(int64) int64 { return 3 }, "changed after record 4"},
		{"Delete", func(*testing.T, *Store) []string { return []string{"DELETE FROM audit_log WHERE seq = 3"} }, func(int64) int64 { return 3 }, "missing"},
		{"Reorder", func(*testing.T, *Store) []string {
			return []string{"UPDATE audit_log SET seq = -1 WHERE seq = 3", "UPDATE audit_log SET seq = 3 WHERE seq = 4", "UPDATE audit_log SET seq = 4 WHERE seq = -1"}
		}, func(int64) int64 { return 3 }, "edited"},
		{"Truncate", func(*testing.T, *Store) []string { return []string{"DELETE FROM audit_log WHERE seq > 7"} }, func(int64) int64 { return 8 }, "truncated"},
		{"TruncateAll", func(_ *testing.T, s *Store) []string {
			if s.backend == BackendPostgres {
				return []string{"TRUNCATE audit_log"}
			}
			return []string{"DELETE FROM audit_log"}
		}, func(int64) int64 { return 1 }, "truncated"},
		{"HeadRolledBack", func(*testing.T, *Store) []string {
			return []string{"DELETE FROM audit_log WHERE seq > 7", "UPDATE audit_head SET seq = 7, hash = (SELECT hash FROM audit_log WHERE seq = 7)"}
		}, nil, ""}, // undetectable without an anchor or a signed checkpoint kept elsewhere
	}
	for _, tt := range tests {
		t.Run("Tamper"+tt.name, func(t *testing.T) {
			c := newClock()
			s, _ := open(t, c.Now)
			auditHistory(t, s, c)
			before, err := s.AuditHead(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			tamper(t, s, tt.tamper(t, s)...)
			rep, err := s.VerifyAudit(t.Context(), &audit.Verifier{})
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantSeq == nil {
				if !rep.OK {
					t.Fatalf("VerifyAudit = %+v, problem %v", rep, rep.Problem)
				}
				if tt.name == "HeadRolledBack" {
					// An anchor kept outside catches it.
					rep, _ := s.VerifyAudit(t.Context(), &audit.Verifier{Anchors: []audit.Head{before}})
					if rep.OK || rep.Problem.Seq != 8 {
						t.Errorf("with the anchor %v: %+v", before, rep)
					}
				}
				return
			}
			if rep.OK || rep.Problem == nil {
				t.Fatalf("tampered log verified: %+v", rep)
			}
			if want := tt.wantSeq(before.Seq); rep.Problem.Seq != want || !strings.Contains(rep.Problem.Message, tt.wantMsg) {
				t.Errorf("problem = %v; want record %d, %q", rep.Problem, want, tt.wantMsg)
			}
		})
	}
}

// tamper runs statements on the database directly, as someone with the
// owner's rights would: past the append-only triggers.
func tamper(t *testing.T, s *Store, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if s.backend == BackendPostgres {
		stmts = append([]string{"SET LOCAL session_replication_role = replica"}, stmts...)
	} else {
		stmts = append([]string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete", "DROP TRIGGER audit_head_forward", "DROP TRIGGER audit_head_insert"}, stmts...)
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

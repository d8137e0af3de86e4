package server

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/vigil-sec/vigil/internal/audit"
	"github.com/vigil-sec/vigil/internal/store"
)

// auditActor is the actor of the records the server writes itself.
const auditActor = "vigil serve"

// registerAudit adds the audit log's read and verify routes (admin).
func (s *Server) registerAudit() {
	type recordsOut struct {
		Body struct {
			Items []audit.Record `json:"items"`
			// Next is the after= of the next page (0: this page is the
			// end of the log).
			Next int64 `json:"next_after"`
		}
	}
	add(s, Route{
		Op: huma.Operation{OperationID: "list-audit", Method: http.MethodGet, Path: "/api/v1/audit", Tags: []string{"audit"},
			Summary:     "List audit log records after a position",
			Description: "Records in log order after seq `after`, each with its prev_hash and hash (docs/audit.md)."},
		Rule: Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
	}, func(ctx context.Context, in *struct {
		After int64 `query:"after" minimum:"0" doc:"list the records after this seq"`
		Limit int   `query:"limit" minimum:"0" maximum:"1000" doc:"page size (default 100)"`
	}) (*recordsOut, error) {
		recs, err := s.store.AuditRecords(ctx, in.After, in.Limit)
		if err != nil {
			return nil, storeErr(err)
		}
		out := &recordsOut{}
		out.Body.Items = recs
		if out.Body.Items == nil {
			out.Body.Items = []audit.Record{}
		}
		if len(recs) > 0 && len(recs) == limitOf(store.Page{Limit: in.Limit}) {
			out.Body.Next = recs[len(recs)-1].Seq
		}
		return out, nil
	})
	add(s, Route{
		Op: huma.Operation{OperationID: "verify-audit", Method: http.MethodGet, Path: "/api/v1/audit/verify", Tags: []string{"audit"},
			Summary:     "Verify the audit log's hash chain, head and checkpoints",
			Description: "ok is false when a record was edited, removed, reordered or the log truncated; problem names the first bad record. Checkpoints are checked against the server's --audit-key when it has one."},
		Rule: Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
	}, func(ctx context.Context, _ *struct{}) (*Item[audit.Report], error) {
		v := &audit.Verifier{}
		if s.opts.AuditKey != nil {
			v.Key = s.opts.AuditKey.Public().(ed25519.PublicKey)
		}
		rep, err := s.store.VerifyAudit(ctx, v)
		if err != nil {
			return nil, storeErr(err)
		}
		return &Item[audit.Report]{Body: rep}, nil
	})
}

func limitOf(p store.Page) int {
	switch {
	case p.Limit <= 0:
		return store.DefaultLimit
	case p.Limit > store.MaxLimit:
		return store.MaxLimit
	}
	return p.Limit
}

// checkpointLoop signs the audit log's head every interval (when it
// moved), and once more on the way out.
func (s *Server) checkpointLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.checkpoint(context.WithoutCancel(ctx))
			return
		case <-t.C:
			s.checkpoint(ctx)
		}
	}
}

func (s *Server) checkpoint(ctx context.Context) {
	rec, made, err := s.store.AuditCheckpoint(ctx, s.opts.AuditKey, auditActor)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("audit checkpoint", "err", err)
		}
		return
	}
	if made {
		s.log.Info("audit checkpoint", "seq", rec.Seq, "head", rec.PrevHash)
	}
}

// RecordConfig appends the server's effective configuration to the audit
// log when it differs from the one last recorded (no secrets: the caller
// leaves them out).
func (s *Server) RecordConfig(ctx context.Context, cfg any) error {
	_, err := s.store.AppendAuditChange(ctx, auditActor, store.AuditConfig, "server", cfg)
	return err
}

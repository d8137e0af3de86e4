package server_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

// TestAuditAPI: a push, a triage and token changes each leave a record;
// GET /api/v1/audit lists them to admins only, and /api/v1/audit/verify
// names a record edited in the database.
func TestAuditAPI(t *testing.T) {
	e := startWith(t, startOptions{ecosystems: []string{"npm"}})
	writer := e.token(store.RoleWriter, "shop")
	body := `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"lodash","version":"4.17.15","purl":"pkg:npm/lodash@4.17.15"}]}`
	if code := e.do("POST", "/api/v1/projects/shop/artifacts", writer, strings.NewReader(body), nil); code != 201 {
		t.Fatalf("push: %d", code)
	}
	fs := e.findings(writer, "project=shop")
	if len(fs) == 0 {
		t.Fatal("lodash 4.17.15 has no finding")
	}
	patch := fmt.Sprintf(`{"state":"accepted","reason":"not reachable","expires":%q}`, e.clock.Now().Add(time.Hour).Format(time.RFC3339))
	if code := e.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", fs[0].ID), writer, strings.NewReader(patch), nil); code != 200 {
		t.Fatalf("accept: %d", code)
	}
	type record struct {
		Seq     int64
		Actor   string
		Kind    string
		Subject string
		Payload map[string]any
	}
	var page struct {
		Items []record `json:"items"`
	}
	if code := e.do("GET", "/api/v1/audit?after=0", writer, nil, nil); code != 403 {
		t.Errorf("GET /api/v1/audit as a writer: %d, want 403", code)
	}
	if code := e.do("GET", "/api/v1/audit?after=0", e.admin, nil, &page); code != 200 {
		t.Fatalf("GET /api/v1/audit: %d", code)
	}
	byKind := map[string]record{}
	for _, r := range page.Items {
		byKind[r.Kind] = r
	}
	if r := byKind[store.AuditTokenCreate]; r.Actor != "test" || r.Payload["name"] == nil {
		t.Errorf("token record = %+v", r)
	}
	if r := byKind[store.AuditIngest]; !strings.HasPrefix(r.Actor, "token:") || r.Payload["project"] != "shop" || r.Payload["findings_sha256"] == nil {
		t.Errorf("ingest record = %+v", r)
	}
	if r := byKind[store.AuditFindingState]; r.Subject != fmt.Sprintf("finding:%d", fs[0].ID) || r.Payload["approver"] == nil || r.Payload["until"] == nil || r.Payload["reason"] != "not reachable" {
		t.Errorf("acceptance record = %+v", r)
	}
	for _, r := range page.Items {
		for _, v := range r.Payload {
			if s, ok := v.(string); ok && (s == writer || s == e.admin) {
				t.Errorf("record %d holds a token", r.Seq)
			}
		}
	}
	var rep struct {
		OK      bool
		Records int64
		Problem *struct {
			Seq     int64
			Message string
		}
	}
	if code := e.do("GET", "/api/v1/audit/verify", e.admin, nil, &rep); code != 200 || !rep.OK || rep.Records != int64(len(page.Items)) {
		t.Fatalf("verify: %d %+v", code, rep)
	}
	// Someone with the database file edits the acceptance's reason.
	db, err := sql.Open("sqlite", filepath.Join(e.data, "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seq := byKind[store.AuditFindingState].Seq
	for _, q := range []string{"DROP TRIGGER audit_log_no_update", fmt.Sprintf("UPDATE audit_log SET payload = replace(payload, 'not reachable', 'approved by the CISO') WHERE seq = %d", seq)} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if code := e.do("GET", "/api/v1/audit/verify", e.admin, nil, &rep); code != 200 || rep.OK || rep.Problem == nil || rep.Problem.Seq != seq {
		t.Fatalf("verify after the edit: %d %+v %+v; want record %d", code, rep, rep.Problem, seq)
	}
}

package store

import (
	"errors"
	"testing"
	"time"
)

func TestContractTrackerSQLite(t *testing.T)   { testTrackerIssues(t, openSQLite) }
func TestContractTrackerPostgres(t *testing.T) { testTrackerIssues(t, openPostgres) }

// testTrackerIssues: a lease creates the row pending once (a second lease
// keeps the first token), excludes another owner until it expires or is
// released, an update needs the lease and writes its audit record in the
// same transaction, and the list filters by project, rule and scope with
// pagination.
func testTrackerIssues(t *testing.T, open opener) {
	c := newClock()
	s, _ := open(t, c.Now)
	ctx := t.Context()
	wall := time.Now()
	s.jobClock = func() time.Time { return wall }

	l := TrackerLease{Rule: "gh", Project: "web", Group: "GHSA-1", Token: "token-aaaaaaaaaaaaaaaa", Owner: "a", For: time.Minute}
	ti, ok, err := s.LeaseTrackerIssue(ctx, l)
	if err != nil || !ok {
		t.Fatalf("LeaseTrackerIssue = %v, %v", ok, err)
	}
	if ti.State != TrackerPending || ti.Token != l.Token || ti.Number != 0 || ti.LeaseOwner != "a" {
		t.Fatalf("new row = %+v, want pending with the token, leased by a", ti)
	}
	// Another owner while a holds it: refused, the row as it is.
	l2 := l
	l2.Owner, l2.Token = "b", "token-bbbbbbbbbbbbbbbb"
	if got, ok, err := s.LeaseTrackerIssue(ctx, l2); err != nil || ok || got.Token != l.Token || got.ID != ti.ID {
		t.Fatalf("lease by b while a holds it = %+v, %v, %v; want refused, first token", got, ok, err)
	}
	// An update by b is refused too.
	if _, err := s.UpdateTrackerIssue(ctx, TrackerUpdate{ID: ti.ID, Owner: "b", State: TrackerOpen, Number: 7}); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("update by b: %v, want ErrLeaseLost", err)
	}
	if _, err := s.UpdateTrackerIssue(ctx, TrackerUpdate{ID: ti.ID, Owner: "a", State: TrackerOpen}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("open without a number: %v, want ErrInvalid", err)
	}
	head, err := s.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	up, err := s.UpdateTrackerIssue(ctx, TrackerUpdate{ID: ti.ID, Owner: "a", State: TrackerOpen, Number: 7, URL: "https://t/7", BodyHash: "h1",
		Actor: "vigil:tracker", Audit: AuditTrackerCreate, AuditData: map[string]any{"artifacts": 2}})
	if err != nil {
		t.Fatal(err)
	}
	if up.State != TrackerOpen || up.Number != 7 || up.URL != "https://t/7" || up.BodyHash != "h1" || up.LeaseOwner != "" {
		t.Fatalf("after update = %+v", up)
	}
	recs, err := s.AuditRecords(ctx, head.Seq, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Kind != AuditTrackerCreate || recs[0].Actor != "vigil:tracker" || recs[0].Subject != subject("tracker_issue", ti.ID) {
		t.Fatalf("audit records after the create = %+v, want one %s", recs, AuditTrackerCreate)
	}
	// The update released the lease: b may take it now, and keeps the
	// first token and the number.
	got, ok, err := s.LeaseTrackerIssue(ctx, l2)
	if err != nil || !ok || got.Token != l.Token || got.Number != 7 || got.State != TrackerOpen {
		t.Fatalf("lease by b after release = %+v, %v, %v", got, ok, err)
	}
	// An expired lease is taken over.
	wall = wall.Add(2 * time.Minute)
	if _, ok, err := s.LeaseTrackerIssue(ctx, l); err != nil || !ok {
		t.Fatalf("lease by a after b's expired = %v, %v", ok, err)
	}
	if err := s.ReleaseTrackerIssue(ctx, ti.ID, "b"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetTrackerIssue(ctx, ti.ID); err != nil || got.LeaseOwner != "a" {
		t.Fatalf("release by a non-holder changed the lease: %+v, %v", got, err)
	}
	if err := s.ReleaseTrackerIssue(ctx, ti.ID, "a"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetTrackerIssue(ctx, ti.ID); err != nil || got.LeaseOwner != "" {
		t.Fatalf("after release = %+v, %v", got, err)
	}
	if _, err := s.GetTrackerIssue(ctx, ti.ID+100); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetTrackerIssue(unknown) = %v, want ErrNotFound", err)
	}
	if _, _, err := s.LeaseTrackerIssue(ctx, TrackerLease{Rule: "gh", Project: "web", Group: "G", Token: "short", Owner: "a", For: time.Minute}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("short token: %v, want ErrInvalid", err)
	}

	// More rows to list.
	for i, p := range []string{"web", "api", "api", "docs"} {
		l := TrackerLease{Rule: "gl", Project: p, Group: "G-" + string(rune('a'+i)), Token: "token-" + string(rune('a'+i)) + "xxxxxxxxxxxxxxx", Owner: "a", For: time.Minute}
		if _, _, err := s.LeaseTrackerIssue(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	count := func(f TrackerIssueFilter) int {
		t.Helper()
		n := 0
		for {
			items, next, err := s.TrackerIssues(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			n += len(items)
			if next == "" {
				return n
			}
			f.Cursor = next
		}
	}
	tests := []struct {
		name string
		f    TrackerIssueFilter
		want int
	}{
		{"all", TrackerIssueFilter{}, 5},
		{"paged", TrackerIssueFilter{Page: Page{Limit: 2}}, 5},
		{"project", TrackerIssueFilter{Project: "api"}, 2},
		{"rule", TrackerIssueFilter{Rule: "gh"}, 1},
		{"scope", TrackerIssueFilter{Scope: Scope{Projects: []string{"web", "docs"}}}, 3},
		{"empty scope", TrackerIssueFilter{Scope: Scope{Projects: []string{}}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(tt.f); got != tt.want {
				t.Errorf("TrackerIssues(%+v): %d rows, want %d", tt.f, got, tt.want)
			}
		})
	}
	if _, _, err := s.TrackerIssues(ctx, TrackerIssueFilter{Page: Page{Cursor: "!!"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("malformed cursor: %v, want ErrInvalid", err)
	}
	// Only a pending row, by its lease holder, is deleted.
	if err := s.DeleteTrackerIssue(ctx, ti.ID, "a"); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("delete without the lease: %v, want ErrLeaseLost", err)
	}
	if _, ok, err := s.LeaseTrackerIssue(ctx, l); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := s.DeleteTrackerIssue(ctx, ti.ID, "a"); !errors.Is(err, ErrInvalid) {
		t.Errorf("delete of an open row: %v, want ErrInvalid", err)
	}
	rows, _, err := s.TrackerIssues(ctx, TrackerIssueFilter{Project: "docs"})
	if err != nil || len(rows) != 1 {
		t.Fatal(rows, err)
	}
	if err := s.DeleteTrackerIssue(ctx, rows[0].ID, "a"); err != nil {
		t.Errorf("delete of a pending row by its holder: %v", err)
	}
	if _, err := s.GetTrackerIssue(ctx, rows[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v, want ErrNotFound", err)
	}
	if err := s.DeleteTrackerIssue(ctx, rows[0].ID, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete twice: %v, want ErrNotFound", err)
	}
	// The audit chain still verifies with the tracker record in it.
	if _, err := s.AuditRecords(ctx, 0, 1000); err != nil {
		t.Fatal(err)
	}
}

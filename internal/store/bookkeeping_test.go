package store

import (
	"testing"
	"time"
)

// TestBookkeepingTablesHaveNoForeignKeys: the writes that run on the
// SQLite ingest connection, which checks no foreign keys
// (writeBookkeeping), touch only these tables; none of them has a
// foreign key, so nothing is left unchecked there. (notify_outbox is the
// parent of notify_deliveries: bookkeeping never deletes an outbox row,
// and the deliveries are written by FinishNotify on the writer
// connection.)
func TestBookkeepingTablesHaveNoForeignKeys(t *testing.T) {
	s, _ := openSQLite(t, time.Now)
	for _, table := range []string{"notify_cursors", "notify_once", "notify_outbox"} {
		var n int
		if err := s.r.QueryRowContext(t.Context(), "SELECT count(*) FROM pragma_foreign_key_list(?)", table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		var exists int
		if err := s.r.QueryRowContext(t.Context(), "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", table).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if exists != 1 {
			t.Errorf("table %s does not exist", table)
		}
		if n != 0 {
			t.Errorf("table %s has %d foreign keys: its writes must not run on the ingest connection (writeBookkeeping)", table, n)
		}
	}
}

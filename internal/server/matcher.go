package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// matcher owns the server's vulnerability database: it matches inventories
// with the same code as `vigil scan` and swaps the database after a
// refresh without stopping matches in flight.
type matcher struct {
	dir  string
	from string
	log  *slog.Logger
	now  func() time.Time

	mu sync.RWMutex
	db *vulndb.DB

	refreshMu sync.Mutex // one refresh at a time
}

func newMatcher(dir, from string, log *slog.Logger, now func() time.Time) *matcher {
	return &matcher{dir: dir, from: from, log: log, now: now}
}

// open opens the database that is there, if any.
func (m *matcher) open() error {
	db, err := vulndb.Open(m.dir)
	if err != nil {
		if errors.Is(err, vulndb.ErrNoDatabase) {
			return nil
		}
		return fmt.Errorf("open vulnerability database %q: %w", m.dir, err)
	}
	m.swap(db)
	return nil
}

func (m *matcher) swap(db *vulndb.DB) {
	m.mu.Lock()
	old := m.db
	m.db = db
	m.mu.Unlock()
	if old != nil {
		old.Close()
	}
}

// ready reports whether a database is loaded.
func (m *matcher) ready() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.db != nil
}

// status is the loaded database's status.
func (m *matcher) status() (vulndb.Status, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.db == nil {
		return vulndb.Status{}, false
	}
	return m.db.Status(), true
}

// match finds the vulnerabilities of pkgs.
func (m *matcher) match(ctx context.Context, pkgs []inventory.Package) ([]scan.Vulnerability, []string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.db == nil {
		return nil, nil, errors.New("no vulnerability database loaded: start the server with --vulndb-from or run a refresh")
	}
	return scan.Match(ctx, m.db, pkgs)
}

// get returns one advisory of the loaded database.
func (m *matcher) get(ctx context.Context, ecosystem, id string) (*osv.Vulnerability, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.db == nil {
		return nil, errors.New("no vulnerability database loaded")
	}
	return m.db.Get(ctx, ecosystem, id)
}

// refresh updates the database from its source and loads it. A failed
// update keeps the database in use.
func (m *matcher) refresh(ctx context.Context) (*vulndb.UpdateReport, error) {
	m.refreshMu.Lock()
	defer m.refreshMu.Unlock()
	rep, err := vulndb.Update(ctx, vulndb.UpdateOptions{Dir: m.dir, From: m.from, Logger: m.log, Now: m.now})
	if err != nil && (rep == nil || rep.Failed() == len(rep.Ecosystems)) {
		return rep, fmt.Errorf("refresh vulnerability database from %s: %w", sourceName(m.from), err)
	}
	db, oerr := vulndb.Open(m.dir)
	if oerr != nil {
		return rep, fmt.Errorf("open refreshed vulnerability database: %w", oerr)
	}
	m.swap(db)
	return rep, nil
}

func (m *matcher) close() {
	m.swap(nil)
}

func sourceName(from string) string {
	if from == "" {
		return vulndb.DefaultSource
	}
	return from
}

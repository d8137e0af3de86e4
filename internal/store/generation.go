package store

import (
	"context"
	"fmt"
)

// Generation is a number that grows with every committed change to
// findings, artifacts and deployments: each such change appends an event,
// and this is the newest event's sequence number. On SQLite, where one process writes
// and commits in sequence order, equal generations mean equal data, so readers
// may cache by it (Cacheable). On PostgreSQL concurrent transactions can
// commit out of sequence order, so it is not used for caching there.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	var g int64
	if err := s.queryRow(ctx, "SELECT COALESCE(MAX(seq), 0) FROM events").Scan(&g); err != nil {
		return 0, fmt.Errorf("generation: %w", err)
	}
	return g, nil
}

// Cacheable reports whether Generation identifies the data exactly.
func (s *Store) Cacheable() bool { return s.backend == BackendSQLite }

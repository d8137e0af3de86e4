package store

import (
	"context"
	"fmt"
	"time"
)

// Session is a dashboard login: it acts as its token until it expires,
// is ended by a logout, or its token is revoked or expires.
type Session struct {
	ID        int64
	Hash      []byte // SHA-256 of the session id; the id itself is never stored
	TokenID   int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession stores a session (its hash only) for a token.
func (s *Store) CreateSession(ctx context.Context, sess Session) (Session, error) {
	if len(sess.Hash) < 16 || len(sess.Hash) > 64 {
		return Session{}, fmt.Errorf("%w: session hash of %d bytes", ErrInvalid, len(sess.Hash))
	}
	if sess.ExpiresAt.IsZero() {
		return Session{}, fmt.Errorf("%w: a session needs an expiry", ErrInvalid)
	}
	sess.CreatedAt = s.now()
	err := s.write(ctx, func(t *tx) error {
		id, err := t.insertID(ctx, "INSERT INTO sessions (hash, token_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
			sess.Hash, sess.TokenID, sess.CreatedAt.UnixMilli(), sess.ExpiresAt.UnixMilli())
		if isUniqueViolation(err) {
			return ErrExists
		}
		sess.ID = id
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("create session: %w", err)
	}
	return sess, nil
}

// SessionByHash returns the session with the hash and its token (expired
// sessions, revoked and expired tokens too: the caller decides).
func (s *Store) SessionByHash(ctx context.Context, hash []byte) (Session, Token, error) {
	var sess Session
	var created, expires int64
	err := s.queryRow(ctx, "SELECT id, token_id, created_at, expires_at FROM sessions WHERE hash = ?", hash).Scan(&sess.ID, &sess.TokenID, &created, &expires)
	if err != nil {
		return Session{}, Token{}, notFound(err, "session")
	}
	sess.Hash, sess.CreatedAt, sess.ExpiresAt = hash, msTime(created), msTime(expires)
	tok, err := scanToken(s.queryRow(ctx, tokenCols+" WHERE id = ?", sess.TokenID))
	if err != nil {
		return Session{}, Token{}, notFound(err, "session token")
	}
	return sess, tok, nil
}

// DeleteSession ends the session with the hash; ending an unknown one
// changes nothing.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	err := s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "DELETE FROM sessions WHERE hash = ?", hash)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that expired at or before
// now, and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int, error) {
	var n int64
	err := s.write(ctx, func(t *tx) error {
		r, err := t.exec(ctx, "DELETE FROM sessions WHERE expires_at <= ?", s.now().UnixMilli())
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return int(n), nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// touchEvery is how often TouchToken writes a token's last use.
const touchEvery = time.Minute

const tokenCols = "SELECT id, name, role, projects, hash, created_at, created_by, expires_at, revoked_at, last_used FROM tokens"

func scanToken(r scanner) (Token, error) {
	var t Token
	var projects sql.NullString
	var created int64
	var expires, revoked, used sql.NullInt64
	if err := r.Scan(&t.ID, &t.Name, &t.Role, &projects, &t.Hash, &created, &t.CreatedBy, &expires, &revoked, &used); err != nil {
		return Token{}, err
	}
	t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsed = msTime(created), fromMS(expires), fromMS(revoked), fromMS(used)
	t.Projects = []string{}
	if err := unmarshalText(projects, &t.Projects); err != nil {
		return Token{}, fmt.Errorf("token %d projects: %w", t.ID, err)
	}
	return t, nil
}

// CreateToken stores a token (its hash only); ErrExists for a known hash.
func (s *Store) CreateToken(ctx context.Context, tok Token) (Token, error) {
	switch tok.Role {
	case RoleMetrics, RoleReader, RoleWriter, RoleAdmin:
	default:
		return Token{}, fmt.Errorf("%w: unknown role %q (want metrics, reader, writer or admin)", ErrInvalid, tok.Role)
	}
	if len(tok.Hash) < 16 || len(tok.Hash) > 64 {
		return Token{}, fmt.Errorf("%w: token hash of %d bytes", ErrInvalid, len(tok.Hash))
	}
	if len(tok.Projects) > MaxFilterValues || len(tok.Name) > MaxNameLen {
		return Token{}, fmt.Errorf("%w: token name or project list too long", ErrInvalid)
	}
	var out Token
	err := s.write(ctx, func(t *tx) error {
		id, err := t.insertID(ctx, "INSERT INTO tokens (name, role, projects, hash, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			tok.Name, tok.Role, jsonText(nonNil(tok.Projects)), tok.Hash, s.now().UnixMilli(), tok.CreatedBy, ms(tok.ExpiresAt))
		if isUniqueViolation(err) {
			return ErrExists
		}
		if err != nil {
			return err
		}
		if err := t.events(ctx, []event{{kind: EventTokenCreated, data: jsonText(map[string]any{"token_id": id, "name": tok.Name, "role": tok.Role, "projects": nonNil(tok.Projects)})}}); err != nil {
			return err
		}
		// The token's id and name, never its secret or hash.
		if err := t.audit(ctx, tok.CreatedBy, AuditTokenCreate, subject("token", id), tokenAudit{Name: tok.Name, Role: tok.Role, Projects: nonNil(tok.Projects), ExpiresAt: tok.ExpiresAt.UTC().Truncate(time.Millisecond)}); err != nil {
			return err
		}
		out, err = scanToken(t.queryRow(ctx, tokenCols+" WHERE id = ?", id))
		return err
	})
	if err != nil {
		return Token{}, fmt.Errorf("create token: %w", err)
	}
	return out, nil
}

// tokenAudit is the audit record of a token's creation or revocation.
type tokenAudit struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Projects  []string  `json:"projects,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// TokenByHash returns the token with the hash (revoked and expired ones
// too: the caller decides).
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (Token, error) {
	t, err := scanToken(s.queryRow(ctx, tokenCols+" WHERE hash = ?", hash))
	return t, notFound(err, "token")
}

// ListTokens lists every token by id.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.query(ctx, tokenCols+" ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return collect(rows, scanToken)
}

// RevokeToken revokes a token; revoking a revoked one changes nothing.
func (s *Store) RevokeToken(ctx context.Context, id int64, actor string) error {
	err := s.write(ctx, func(t *tx) error {
		var revoked sql.NullInt64
		var tok tokenAudit
		if err := t.queryRow(ctx, "SELECT revoked_at, name, role FROM tokens WHERE id = ?", id).Scan(&revoked, &tok.Name, &tok.Role); err != nil {
			return notFound(err, "token %d", id)
		}
		if revoked.Valid {
			return nil
		}
		if _, err := t.exec(ctx, "UPDATE tokens SET revoked_at = ? WHERE id = ?", s.now().UnixMilli(), id); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, AuditTokenRevoke, subject("token", id), tok); err != nil {
			return err
		}
		return t.events(ctx, []event{{kind: EventTokenRevoked, actor: actor, data: jsonText(map[string]int64{"token_id": id})}})
	})
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	return nil
}

// TouchToken records a token's use, writing at most once a minute per
// token.
func (s *Store) TouchToken(ctx context.Context, id int64) error {
	now := s.now()
	s.touchMu.Lock()
	if last, ok := s.touched[id]; ok && now.Sub(last) < touchEvery && !now.Before(last) {
		s.touchMu.Unlock()
		return nil
	}
	s.touched[id] = now
	s.touchMu.Unlock()
	err := s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "UPDATE tokens SET last_used = ? WHERE id = ?", now.UnixMilli(), id)
		return err
	})
	if err != nil {
		s.touchMu.Lock()
		delete(s.touched, id)
		s.touchMu.Unlock()
		return fmt.Errorf("touch token %d: %w", id, err)
	}
	return nil
}

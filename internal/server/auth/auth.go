// Package auth issues and checks the server's API tokens and decides what a
// caller may do. A token is "vgl_" and 43 base64url characters (256 random
// bits); the server keeps only its SHA-256, so a stolen database holds no
// usable token.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

// Prefix starts every token, so that secret scanners (ours included) can
// recognise a leaked one.
const Prefix = "vgl_"

// Errors of authentication.
var (
	// ErrNoToken: the request carries no bearer token.
	ErrNoToken = errors.New("missing bearer token")
	// ErrBadToken: the token is malformed, unknown, revoked or expired.
	ErrBadToken = errors.New("invalid, revoked or expired token")
)

// Generate returns a new token and the hash to store.
func Generate() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("generate token: %w", err)
	}
	token = Prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, Hash(token), nil
}

// Hash is the stored form of a token.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// WellFormed reports whether s has the shape of a token, so that garbage
// never reaches the database.
func WellFormed(s string) bool {
	if !strings.HasPrefix(s, Prefix) || len(s) != len(Prefix)+43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s[len(Prefix):])
	return err == nil
}

// Redact shows enough of a token to tell which one it is.
func Redact(token string) string {
	if len(token) <= len(Prefix)+4 {
		return Prefix + "…"
	}
	return token[:len(Prefix)+4] + "…"
}

// ParseRole checks a role name.
func ParseRole(s string) (string, error) {
	switch s {
	case store.RoleMetrics, store.RoleReader, store.RoleWriter, store.RoleAdmin:
		return s, nil
	}
	return "", fmt.Errorf("unknown role %q (want admin, writer, reader or metrics)", s)
}

func rank(role string) int {
	switch role {
	case store.RoleMetrics:
		return 1
	case store.RoleReader:
		return 2
	case store.RoleWriter:
		return 3
	case store.RoleAdmin:
		return 4
	}
	return 0
}

// Principal is who is calling.
type Principal struct {
	TokenID  int64
	Name     string
	Role     string
	Projects []string // empty: every project
}

// Actor names the principal in histories and logs.
func (p Principal) Actor() string {
	if p.TokenID == 0 {
		return p.Name
	}
	return fmt.Sprintf("token:%d:%s", p.TokenID, p.Name)
}

// HasRole reports whether p's role is at least role.
func (p Principal) HasRole(role string) bool { return rank(p.Role) >= rank(role) && rank(role) > 0 }

// Global reports whether p sees every project.
func (p Principal) Global() bool { return len(p.Projects) == 0 }

// InScope reports whether p may act on project.
func (p Principal) InScope(project string) bool {
	return p.Global() || slices.Contains(p.Projects, project)
}

// Scope is the store filter for what p may see.
func (p Principal) Scope() store.Scope {
	if p.Global() {
		return store.Scope{}
	}
	return store.Scope{Projects: slices.Clone(p.Projects)}
}

// Check validates a stored token at time now.
func Check(t store.Token, now time.Time) error {
	if !t.RevokedAt.IsZero() {
		return ErrBadToken
	}
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return ErrBadToken
	}
	if rank(t.Role) == 0 {
		return ErrBadToken
	}
	return nil
}

// FromToken is the principal of a stored token.
func FromToken(t store.Token) Principal {
	return Principal{TokenID: t.ID, Name: t.Name, Role: t.Role, Projects: t.Projects}
}

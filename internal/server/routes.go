package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/vigil-sec/vigil/internal/server/auth"
	"github.com/vigil-sec/vigil/internal/store"
)

// ScopeFrom says how a route finds the project it acts on.
type ScopeFrom int

// Scope kinds.
const (
	// ScopeFilter: the route lists across projects; the token's scope
	// filters the result.
	ScopeFilter ScopeFrom = iota
	// ScopePath: the {project} path parameter must be in the token's scope.
	ScopePath
	// ScopeResource: the handler loads a resource by id and checks its
	// project (403 outside the scope).
	ScopeResource
	// ScopeGlobal: only tokens without a project restriction.
	ScopeGlobal
)

// Rule is who may call a route.
type Rule struct {
	Role  string
	Scope ScopeFrom
}

// Route is one entry of the route table: the operation, its rule, and an
// example request the authorisation tests use. Every API route is
// registered through the table, so none exists without a rule.
type Route struct {
	Op   huma.Operation
	Rule Rule
	// Example fills the path parameters and body of a well-formed request
	// (used by the authorisation matrix test).
	ExamplePath map[string]string
	ExampleBody string
}

type principalKey struct{}

// principal is the caller of the request being served.
func principal(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey{}).(auth.Principal)
	return p
}

// add registers a typed handler with its rule.
func add[I, O any](s *Server, r Route, h func(context.Context, *I) (*O, error)) {
	rule := r.Rule
	r.Op.Middlewares = append(r.Op.Middlewares, func(ctx huma.Context, next func(huma.Context)) {
		// One store generation for the whole request: the token look-up and
		// a cached read share it.
		ctx = huma.WithValue(ctx, genKey{}, &genMemo{})
		p, status, err := s.authenticate(ctx)
		if err != nil {
			if status == http.StatusUnauthorized {
				ctx.SetHeader("WWW-Authenticate", `Bearer realm="vigil"`)
			}
			huma.WriteErr(s.api, ctx, status, err.Error())
			return
		}
		if !p.HasRole(rule.Role) {
			huma.WriteErr(s.api, ctx, http.StatusForbidden, "this operation needs the "+rule.Role+" role; the token has "+p.Role)
			return
		}
		switch rule.Scope {
		case ScopePath:
			if !p.InScope(ctx.Param("project")) {
				huma.WriteErr(s.api, ctx, http.StatusForbidden, "the token is not allowed on project "+ctx.Param("project"))
				return
			}
		case ScopeGlobal:
			if !p.Global() {
				huma.WriteErr(s.api, ctx, http.StatusForbidden, "this operation needs a token that is not limited to projects")
				return
			}
		}
		next(huma.WithValue(ctx, principalKey{}, p))
	})
	if r.Op.Metadata == nil {
		r.Op.Metadata = map[string]any{}
	}
	r.Op.Metadata["rule"] = rule
	r.Op.BodyReadTimeout = bodyReadTimeout(r.Op.BodyReadTimeout, s.opts.HTTP.ReadTimeout)
	s.routes = append(s.routes, r)
	huma.Register(s.api, r.Op, h)
}

// bodyReadTimeout is a route's body deadline: what the route asks for
// (huma's 5s when it asks for nothing) but never past the server's
// ReadTimeout, since huma's deadline replaces the connection's.
func bodyReadTimeout(route, server time.Duration) time.Duration {
	if route == 0 {
		route = 5 * time.Second
	}
	if route < 0 || route > server {
		route = server
	}
	return route
}

// Routes returns the route table (for tests and docs).
func (s *Server) Routes() []Route { return s.routes }

// authenticate finds the principal of a request: 401 without a valid
// token, 429 after too many failures from the same address.
func (s *Server) authenticate(ctx huma.Context) (auth.Principal, int, error) {
	if s.opts.Dev {
		return auth.Principal{Name: "dev", Role: store.RoleAdmin}, 0, nil
	}
	ip := clientIP(ctx.RemoteAddr())
	if s.failures.Blocked(ip) {
		return auth.Principal{}, http.StatusTooManyRequests, errors.New("too many failed authentication attempts; try again later")
	}
	h := ctx.Header("Authorization")
	if h == "" {
		// The dashboard: a session cookie (and a CSRF token for a state
		// change) instead of a bearer token.
		r, _ := humago.Unwrap(ctx)
		sa, err := s.sessionPrincipal(ctx.Context(), r, ip)
		if sa.present {
			if err != nil {
				return auth.Principal{}, sa.status, err
			}
			return sa.p, 0, nil
		}
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		if h != "" {
			s.failures.Fail(ip)
		}
		return auth.Principal{}, http.StatusUnauthorized, auth.ErrNoToken
	}
	tok = strings.TrimSpace(tok)
	if !auth.WellFormed(tok) {
		s.failures.Fail(ip)
		return auth.Principal{}, http.StatusUnauthorized, auth.ErrBadToken
	}
	hash := auth.Hash(tok)
	// Token lookups are cached per store generation: creating or revoking
	// a token (here or with `vigil token` on the same database) appends an
	// event, which empties the cache. Expiry is checked on every use below.
	t, err := through(ctx.Context(), s.reads, "token\x00"+string(hash), func(store.Token) int { return 512 }, func() (store.Token, error) {
		return s.store.TokenByHash(ctx.Context(), hash)
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.failures.Fail(ip)
			return auth.Principal{}, http.StatusUnauthorized, auth.ErrBadToken
		}
		if ctx.Context().Err() != nil {
			// The client went away: nothing failed on our side.
			return auth.Principal{}, 499, errors.New("request cancelled")
		}
		s.log.Error("look up token", "err", err)
		return auth.Principal{}, http.StatusServiceUnavailable, errors.New("the token store is unavailable")
	}
	if subtle.ConstantTimeCompare(t.Hash, hash) != 1 {
		s.failures.Fail(ip)
		return auth.Principal{}, http.StatusUnauthorized, auth.ErrBadToken
	}
	if err := auth.Check(t, s.now()); err != nil {
		s.failures.Fail(ip)
		return auth.Principal{}, http.StatusUnauthorized, err
	}
	if err := s.store.TouchToken(ctx.Context(), t.ID); err != nil {
		s.log.Warn("record token use", "token_id", t.ID, "err", err)
	}
	return auth.FromToken(t), 0, nil
}

// checkProject is the handler-side check of ScopeResource routes.
func checkProject(ctx context.Context, project string) error {
	if !principal(ctx).InScope(project) {
		return huma.Error403Forbidden("the token is not allowed on project " + project)
	}
	return nil
}

func clientIP(remote string) string {
	if i := strings.LastIndexByte(remote, ':'); i >= 0 {
		return strings.Trim(remote[:i], "[]")
	}
	return remote
}

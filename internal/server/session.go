package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/server/auth"
	"github.com/vigil-sec/vigil/internal/store"
)

// The dashboard's sessions (docs/ui.md). POST /api/session trades an API
// token for a session: a random 256-bit id in an HttpOnly, SameSite=Strict
// cookie (Secure on TLS), of which the store keeps only the SHA-256. A
// request with that cookie and no Authorization header acts as the token.
// Every state change made with the cookie carries the session's CSRF token
// in X-CSRF-Token: an HMAC of the session id that only a page which read
// GET /api/session (same origin, with the cookie) knows. Bearer-token
// calls are unchanged and need no CSRF token.
const (
	sessionCookie = "vigil_session"
	csrfHeader    = "X-CSRF-Token"
	// sessionLifetime bounds a session; it never outlives its token.
	sessionLifetime = 12 * time.Hour
	sessionPrefix   = "vgs_"
)

// contentSecurityPolicy is sent with every response: scripts, styles and
// connections from the server's own origin only, nothing inline, no
// framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders are set on every response.
func securityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// errBadSession: the cookie names no live session.
var errBadSession = errors.New("invalid or expired session; log in again")

// errCSRF: a state change with the session cookie lacks the right CSRF token.
var errCSRF = errors.New("missing or wrong CSRF token (" + csrfHeader + ")")

func sessionHash(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// csrfToken is the session's CSRF token.
func csrfToken(id string) string {
	m := hmac.New(sha256.New, []byte(id))
	m.Write([]byte("vigil csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func wellFormedSession(id string) bool {
	if !strings.HasPrefix(id, sessionPrefix) || len(id) != len(sessionPrefix)+43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(id[len(sessionPrefix):])
	return err == nil
}

// safeMethod reports whether a method changes nothing.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sessionAuth is what a session cookie says about a request.
type sessionAuth struct {
	// present is false when the request has no session cookie at all.
	present bool
	p       auth.Principal
	id      string
	status  int // of the refusal, with the error
}

// sessionPrincipal authenticates a request by its session cookie and, for
// a state change, its CSRF token.
func (s *Server) sessionPrincipal(ctx context.Context, r *http.Request, ip string) (sessionAuth, error) {
	c, cerr := r.Cookie(sessionCookie)
	if cerr != nil || c.Value == "" {
		return sessionAuth{}, nil
	}
	id := c.Value
	refuse := func(status int, err error) (sessionAuth, error) {
		return sessionAuth{present: true, status: status}, err
	}
	if !wellFormedSession(id) {
		s.failures.Fail(ip)
		return refuse(http.StatusUnauthorized, errBadSession)
	}
	sess, tok, err := s.store.SessionByHash(ctx, sessionHash(id))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.failures.Fail(ip)
			return refuse(http.StatusUnauthorized, errBadSession)
		}
		if ctx.Err() != nil {
			return refuse(499, errors.New("request cancelled"))
		}
		s.log.Error("look up session", "err", err)
		return refuse(http.StatusServiceUnavailable, errors.New("the session store is unavailable"))
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) {
		return refuse(http.StatusUnauthorized, errBadSession)
	}
	if err := auth.Check(tok, now); err != nil {
		return refuse(http.StatusUnauthorized, errBadSession)
	}
	if !safeMethod(r.Method) {
		got := r.Header.Get(csrfHeader)
		if subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(id))) != 1 {
			return refuse(http.StatusForbidden, errCSRF)
		}
	}
	if err := s.store.TouchToken(ctx, tok.ID); err != nil {
		s.log.Warn("record token use", "token_id", tok.ID, "err", err)
	}
	return sessionAuth{present: true, p: auth.FromToken(tok), id: id}, nil
}

// SessionInfo is what GET and POST /api/session answer.
type SessionInfo struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Projects  []string  `json:"projects"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Dev       bool      `json:"dev,omitempty"`
}

func info(p auth.Principal, id string) SessionInfo {
	projects := p.Projects
	if projects == nil {
		projects = []string{}
	}
	out := SessionInfo{Name: p.Name, Role: p.Role, Projects: projects}
	if id != "" {
		out.CSRFToken = csrfToken(id)
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "detail": detail})
}

// sameOrigin refuses a browser request sent from another origin (login
// CSRF): a present Origin header must name this host.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
}

// login is POST /api/session {"token": "vgl_..."}.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ip := clientIP(r.RemoteAddr)
	if s.failures.Blocked(ip) {
		writeProblem(w, http.StatusTooManyRequests, "too many failed authentication attempts; try again later")
		return
	}
	if !sameOrigin(r) {
		writeProblem(w, http.StatusForbidden, "cross-origin login refused")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeProblem(w, http.StatusUnsupportedMediaType, "want application/json")
		return
	}
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&body); err != nil {
		writeProblem(w, http.StatusBadRequest, "want {\"token\": \"vgl_...\"}")
		return
	}
	tok := strings.TrimSpace(body.Token)
	if !auth.WellFormed(tok) {
		s.failures.Fail(ip)
		writeProblem(w, http.StatusUnauthorized, auth.ErrBadToken.Error())
		return
	}
	t, err := s.store.TokenByHash(r.Context(), auth.Hash(tok))
	if err == nil {
		err = auth.Check(t, s.now())
	}
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, auth.ErrBadToken) {
			s.failures.Fail(ip)
			writeProblem(w, http.StatusUnauthorized, auth.ErrBadToken.Error())
			return
		}
		s.log.Error("log in", "err", err)
		writeProblem(w, http.StatusServiceUnavailable, "the token store is unavailable")
		return
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		writeProblem(w, http.StatusInternalServerError, "internal error")
		return
	}
	id := sessionPrefix + base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	expires := now.Add(sessionLifetime)
	if !t.ExpiresAt.IsZero() && t.ExpiresAt.Before(expires) {
		expires = t.ExpiresAt
	}
	if _, err := s.store.CreateSession(r.Context(), store.Session{Hash: sessionHash(id), TokenID: t.ID, ExpiresAt: expires}); err != nil {
		s.log.Error("create session", "err", err)
		writeProblem(w, http.StatusServiceUnavailable, "the session store is unavailable")
		return
	}
	s.log.Info("session opened", "token_id", t.ID, "expires", expires.Format(time.RFC3339))
	s.setSessionCookie(w, r, id, int(expires.Sub(now)/time.Second))
	out := info(auth.FromToken(t), id)
	out.ExpiresAt = expires
	writeJSON(w, http.StatusCreated, out)
}

// session is GET /api/session: who the cookie is, and its CSRF token.
func (s *Server) session(w http.ResponseWriter, r *http.Request) {
	if s.opts.Dev {
		writeJSON(w, http.StatusOK, SessionInfo{Name: "dev", Role: store.RoleAdmin, Projects: []string{}, Dev: true})
		return
	}
	ip := clientIP(r.RemoteAddr)
	if s.failures.Blocked(ip) {
		writeProblem(w, http.StatusTooManyRequests, "too many failed authentication attempts; try again later")
		return
	}
	sa, err := s.sessionPrincipal(r.Context(), r, ip)
	if !sa.present {
		writeProblem(w, http.StatusUnauthorized, "not logged in")
		return
	}
	if err != nil {
		if sa.status == http.StatusUnauthorized {
			s.setSessionCookie(w, r, "", -1)
		}
		writeProblem(w, sa.status, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, info(sa.p, sa.id))
}

// logout is DELETE /api/session (with the CSRF token): the session ends
// and the cookie is cleared.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if s.opts.Dev {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ip := clientIP(r.RemoteAddr)
	sa, err := s.sessionPrincipal(r.Context(), r, ip)
	if !sa.present {
		writeProblem(w, http.StatusUnauthorized, "not logged in")
		return
	}
	if err != nil && sa.status != http.StatusUnauthorized {
		writeProblem(w, sa.status, err.Error())
		return
	}
	if err == nil {
		if derr := s.store.DeleteSession(r.Context(), sessionHash(sa.id)); derr != nil {
			s.log.Error("end session", "err", derr)
			writeProblem(w, http.StatusServiceUnavailable, "the session store is unavailable")
			return
		}
	}
	s.setSessionCookie(w, r, "", -1)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

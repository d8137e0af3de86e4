package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
)

// session is a dashboard login: its cookie and CSRF token.
type session struct {
	cookie *http.Cookie
	csrf   string
}

// login trades a token for a session through POST /api/session.
func (e *env) login(t *testing.T, tok string) session {
	t.Helper()
	resp, err := http.Post(e.url+"/api/session", "application/json", strings.NewReader(fmt.Sprintf(`{"token":%q}`, tok)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 201 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	var out server.SessionInfo
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == "vigil_session" {
			c = k
		}
	}
	if c == nil {
		t.Fatal("login set no vigil_session cookie")
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/, not Secure on plain HTTP", c)
	}
	if out.CSRFToken == "" {
		t.Fatal("login answered no csrf_token")
	}
	return session{cookie: c, csrf: out.CSRFToken}
}

// doSession is a request with the session cookie and a CSRF header
// (none when csrf is empty).
func (e *env) doSession(method, path string, s session, csrf string, body io.Reader) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if s.cookie != nil {
		req.AddCookie(s.cookie)
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		e.t.Errorf("%s %s: Content-Security-Policy %q", method, path, csp)
	}
	return resp.StatusCode, data
}

// TestSessionMatrix walks the route table with dashboard sessions: a
// session acts as its token on reads; a state change needs the session's
// CSRF token (403 without it or with another session's); a logged-out,
// forged or expired session is 401.
func TestSessionMatrix(t *testing.T) {
	e := start(t, 1_000_000)
	ctx := t.Context()
	ing := minimalIngest(t, e, "matrix")
	fs, _, err := e.st.ListFindings(ctx, store.FindingFilter{Project: "matrix"})
	if err != nil || len(fs) == 0 {
		t.Fatalf("fixture has no finding: %v", err)
	}
	admin := e.login(t, e.admin)
	reader := e.login(t, e.token(store.RoleReader, "matrix"))
	other := e.login(t, e.admin)
	ended := e.login(t, e.admin)
	if code, _ := e.doSession("DELETE", "/api/session", ended, ended.csrf, nil); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	if code, _ := e.doSession("DELETE", "/api/session", ended, ended.csrf, nil); code != 204 {
		t.Errorf("logout again: %d, want 204 (the cookie is cleared)", code)
	}
	forged := session{cookie: &http.Cookie{Name: "vigil_session", Value: "vgs_" + strings.Repeat("A", 43)}, csrf: admin.csrf}
	for _, r := range e.srv.Routes() {
		for _, c := range []struct {
			name   string
			s      session
			csrf   string
			caller string // of expect(); "" for 401
		}{
			{"admin", admin, admin.csrf, "admin"},
			{"admin-no-csrf", admin, "", "admin"},
			{"admin-other-csrf", admin, other.csrf, "admin"},
			{"reader", reader, reader.csrf, "reader"},
			{"logged-out", ended, ended.csrf, ""},
			{"forged", forged, forged.csrf, ""},
		} {
			t.Run(r.Op.OperationID+"/"+c.name, func(t *testing.T) {
				path := r.Op.Path
				for k, v := range r.ExamplePath {
					path = strings.ReplaceAll(path, "{"+k+"}", resolve(t, e, v, ing, fs[0].ID))
				}
				var body io.Reader
				if r.ExampleBody != "" {
					body = strings.NewReader(strings.ReplaceAll(r.ExampleBody, "@digest", ing))
				} else if r.Op.Method == "POST" || r.Op.Method == "PATCH" {
					body = strings.NewReader("{}")
				}
				code, data := e.doSession(r.Op.Method, path, c.s, c.csrf, body)
				want := expect(c.caller, r.Rule)
				if c.caller != "" && r.Op.Method != "GET" && c.csrf != c.s.csrf {
					want = 403
				}
				if want == 200 {
					if code/100 != 2 {
						t.Errorf("%s %s as %s: %d, want 2xx: %s", r.Op.Method, path, c.name, code, data)
					}
				} else if code != want {
					t.Errorf("%s %s as %s: %d, want %d: %s", r.Op.Method, path, c.name, code, want, data)
				}
			})
		}
	}
	// A session ends with its token's revocation and with its own expiry.
	tok := e.token(store.RoleReader)
	s := e.login(t, tok)
	if code, _ := e.doSession("GET", "/api/v1/summary", s, "", nil); code != 200 {
		t.Fatalf("summary: %d", code)
	}
	ts, _ := e.st.ListTokens(ctx)
	if err := e.st.RevokeToken(ctx, ts[len(ts)-1].ID, "test"); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.doSession("GET", "/api/v1/summary", s, "", nil); code != 401 {
		t.Errorf("summary after the token's revocation: %d, want 401", code)
	}
	code, data := e.doSession("GET", "/api/session", reader, "", nil)
	if code != 200 || !strings.Contains(string(data), `"role":"reader"`) {
		t.Errorf("GET /api/session: %d %s", code, data)
	}
	e.clock.Advance(13 * time.Hour)
	if code, _ := e.doSession("GET", "/api/v1/summary", reader, "", nil); code != 401 {
		t.Errorf("summary after 13h: %d, want 401", code)
	}
}

// TestLogin: a wrong or malformed token, a form post or another origin get
// no session.
func TestLogin(t *testing.T) {
	e := start(t, 1_000_000)
	tests := []struct {
		name, ctype, origin, body string
		want                      int
	}{
		{"ok", "application/json", "", fmt.Sprintf(`{"token":%q}`, e.admin), 201},
		{"same origin", "application/json", e.url, fmt.Sprintf(`{"token":%q}`, e.admin), 201},
		{"unknown token", "application/json", "", `{"token":"vgl_` + strings.Repeat("A", 43) + `"}`, 401},
		{"malformed", "application/json", "", `{"token":"hunter2"}`, 401},
		{"form post", "application/x-www-form-urlencoded", "", "token=" + e.admin, 415},
		{"other origin", "application/json", "http://evil.example", fmt.Sprintf(`{"token":%q}`, e.admin), 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", e.url+"/api/session", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ctype)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if got := len(resp.Cookies()) > 0; got != (tt.want == 201) {
				t.Errorf("cookie set: %v", got)
			}
		})
	}
}

// TestDashboardServed: / and the app's routes answer the built index.html
// with the CSP; unknown /api paths stay 404.
func TestDashboardServed(t *testing.T) {
	e := start(t)
	for _, tt := range []struct {
		path string
		want int
		html bool
	}{
		{"/", 200, true},
		{"/projects/shop", 200, true},
		{"/api/v2/nothing", 404, false},
		{"/projects/web.app", 200, true},
		{"/assets/missing.js", 404, false},
		{"/missing.js", 404, false},
	} {
		resp, err := http.Get(e.url + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s: %d, want %d", tt.path, resp.StatusCode, tt.want)
		}
		if got := strings.Contains(string(b), "<html") || strings.Contains(string(b), "<!doctype html"); got != tt.html {
			t.Errorf("GET %s: html %v, want %v", tt.path, got, tt.html)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: no Content-Security-Policy", tt.path)
		}
	}
}

// TestLoginTLS: over TLS the session cookie is Secure.
func TestLoginTLS(t *testing.T) {
	e := start(t)
	hs := httptest.NewUnstartedServer(e.srv.Handler())
	hs.StartTLS()
	t.Cleanup(hs.Close)
	resp, err := hs.Client().Post(hs.URL+"/api/session", "application/json", strings.NewReader(fmt.Sprintf(`{"token":%q}`, e.admin)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || len(resp.Cookies()) != 1 {
		t.Fatalf("login over TLS: %d, %d cookies", resp.StatusCode, len(resp.Cookies()))
	}
	if c := resp.Cookies()[0]; !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("cookie over TLS %+v: want Secure, HttpOnly, SameSite=Strict", c)
	}
}

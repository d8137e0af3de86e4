// Package trackertest runs loopback fakes of the GitHub REST and GitLab v4
// issue APIs for tests: issues create/update/close/re-open, comments and
// notes, lists with the real pagination headers, token checks and
// injected rate limits.
package trackertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Issue is a fake tracker's issue.
type Issue struct {
	Number   int64
	Title    string
	Body     string
	Labels   []string
	Open     bool
	Reason   string // GitHub state_reason
	Comments []string
	Updated  time.Time
}

// Calls counts the requests a fake served, by operation.
type Calls struct {
	Create, Update, Close, Reopen, Comment, List int
	Unauthorized, Limited                        int
}

type fake struct {
	t      testing.TB
	mu     sync.Mutex
	token  string
	issues []*Issue
	calls  Calls
	// limited is how many of the next requests are refused with a rate
	// limit (status, headers).
	limited      int
	limitStatus  int
	limitHeaders func() http.Header
	srv          *httptest.Server
	perPageCap   int
}

func (f *fake) lock() func() { f.mu.Lock(); return f.mu.Unlock }

// Snapshot returns a copy of the issues.
func (f *fake) snapshot() []Issue {
	defer f.lock()()
	out := make([]Issue, len(f.issues))
	for i, is := range f.issues {
		out[i] = *is
		out[i].Labels = slices.Clone(is.Labels)
		out[i].Comments = slices.Clone(is.Comments)
	}
	return out
}

func (f *fake) limit(n, status int, headers func() http.Header) {
	defer f.lock()()
	f.limited, f.limitStatus, f.limitHeaders = n, status, headers
}

func (f *fake) refuse(w http.ResponseWriter) bool {
	defer f.lock()()
	if f.limited == 0 {
		return false
	}
	f.limited--
	f.calls.Limited++
	for k, vs := range f.limitHeaders() {
		w.Header()[k] = vs
	}
	w.WriteHeader(f.limitStatus)
	fmt.Fprint(w, `{"message":"API rate limit exceeded"}`)
	return true
}

func (f *fake) page(r *http.Request, n int) (lo, hi, page, per int) {
	page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	per, _ = strconv.Atoi(r.URL.Query().Get("per_page"))
	if page < 1 {
		page = 1
	}
	if per < 1 || per > 100 {
		per = 30
	}
	if f.perPageCap > 0 {
		per = min(per, f.perPageCap)
	}
	lo = min((page-1)*per, n)
	hi = min(lo+per, n)
	return lo, hi, page, per
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func decode(r *http.Request, v any) error {
	return json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v)
}

// GitHub is a fake GitHub REST API for one repository.
type GitHub struct {
	fake
	Owner, Repo string
}

// NewGitHub serves a fake repository owner/repo that accepts token.
func NewGitHub(t testing.TB, owner, repo, token string) *GitHub {
	g := &GitHub{fake: fake{t: t, token: token}, Owner: owner, Repo: repo}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

// URL is the API root (base_url of a github target).
func (g *GitHub) URL() string { return g.srv.URL + "/" }

// Issues returns a copy of the repository's issues, by number.
func (g *GitHub) Issues() []Issue { return g.snapshot() }

// Calls counts the requests served.
func (g *GitHub) Calls() Calls { defer g.lock()(); return g.calls }

// PerPage caps the page size the list serves (to exercise pagination).
func (g *GitHub) PerPage(n int) { defer g.lock()(); g.perPageCap = n }

// RateLimit refuses the next n requests: with 429 and Retry-After, or
// (secondary false) 403 with X-RateLimit-Remaining 0 and a reset in
// resetIn.
func (g *GitHub) RateLimit(n int, status int, resetIn time.Duration) {
	g.limit(n, status, func() http.Header {
		h := http.Header{}
		if status == http.StatusTooManyRequests {
			h.Set("Retry-After", strconv.Itoa(int(resetIn.Seconds())))
		} else {
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(resetIn).Unix(), 10))
		}
		return h
	})
}

type ghLabel struct {
	Name string `json:"name"`
}

func (g *GitHub) issueJSON(is *Issue) map[string]any {
	labels := []ghLabel{}
	for _, l := range is.Labels {
		labels = append(labels, ghLabel{l})
	}
	state := "open"
	if !is.Open {
		state = "closed"
	}
	return map[string]any{
		"number": is.Number, "title": is.Title, "body": is.Body, "labels": labels, "state": state,
		"html_url":   fmt.Sprintf("%s/%s/%s/issues/%d", g.srv.URL, g.Owner, g.Repo, is.Number),
		"updated_at": is.Updated.UTC().Format(time.RFC3339),
	}
}

func (g *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+g.token {
		g.mu.Lock()
		g.calls.Unauthorized++
		g.mu.Unlock()
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		return
	}
	if g.refuse(w) {
		return
	}
	prefix := "/repos/" + g.Owner + "/" + g.Repo + "/issues"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	var req struct {
		Title       *string   `json:"title"`
		Body        *string   `json:"body"`
		Labels      *[]string `json:"labels"`
		State       *string   `json:"state"`
		StateReason *string   `json:"state_reason"`
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if err := decode(r, &req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Problems parsing JSON"})
			return
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case rest == "" && r.Method == http.MethodPost:
		if req.Title == nil || *req.Title == "" {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed"})
			return
		}
		is := &Issue{Number: int64(len(g.issues) + 1), Title: *req.Title, Open: true, Updated: time.Now()}
		if req.Body != nil {
			is.Body = *req.Body
		}
		if req.Labels != nil {
			is.Labels = slices.Sorted(slices.Values(*req.Labels))
		}
		g.issues = append(g.issues, is)
		g.calls.Create++
		writeJSON(w, http.StatusCreated, g.issueJSON(is))
	case rest == "" && r.Method == http.MethodGet:
		g.calls.List++
		q := r.URL.Query()
		var since time.Time
		if s := q.Get("since"); s != "" {
			var err error
			if since, err = time.Parse(time.RFC3339, s); err != nil {
				writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "since: " + err.Error()})
				return
			}
		}
		var sel []*Issue
		for _, is := range g.issues {
			state := q.Get("state")
			if (state == "" || state == "open") && !is.Open || state == "closed" && is.Open {
				continue
			}
			if !since.IsZero() && is.Updated.Before(since) {
				continue
			}
			sel = append(sel, is)
		}
		if q.Get("direction") != "asc" {
			slices.Reverse(sel)
		}
		lo, hi, page, per := g.page(r, len(sel))
		var out []map[string]any
		for _, is := range sel[lo:hi] {
			out = append(out, g.issueJSON(is))
		}
		if hi < len(sel) {
			u := *r.URL
			v := u.Query()
			v.Set("page", strconv.Itoa(page+1))
			v.Set("per_page", strconv.Itoa(per))
			u.RawQuery = v.Encode()
			w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, g.srv.URL, u.RequestURI()))
		}
		if out == nil {
			out = []map[string]any{}
		}
		writeJSON(w, http.StatusOK, out)
	case len(parts) >= 1:
		n, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil || n < 1 || n > int64(len(g.issues)) {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
			return
		}
		is := g.issues[n-1]
		switch {
		case len(parts) == 1 && r.Method == http.MethodPatch:
			if req.Title != nil {
				is.Title = *req.Title
			}
			if req.Body != nil {
				is.Body = *req.Body
			}
			if req.Labels != nil {
				is.Labels = slices.Sorted(slices.Values(*req.Labels))
			}
			if req.State != nil {
				switch *req.State {
				case "closed":
					is.Open = false
					g.calls.Close++
					if req.StateReason != nil {
						is.Reason = *req.StateReason
					}
				case "open":
					is.Open = true
					is.Reason = ""
					g.calls.Reopen++
				default:
					writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "state"})
					return
				}
			}
			if req.Title != nil || req.Body != nil || req.Labels != nil {
				g.calls.Update++
			}
			is.Updated = time.Now()
			writeJSON(w, http.StatusOK, g.issueJSON(is))
		case len(parts) == 2 && parts[1] == "comments" && r.Method == http.MethodPost:
			if req.Body == nil || *req.Body == "" {
				writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "body"})
				return
			}
			is.Comments = append(is.Comments, *req.Body)
			is.Updated = time.Now()
			g.calls.Comment++
			writeJSON(w, http.StatusCreated, map[string]any{"id": len(is.Comments), "body": *req.Body})
		default:
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		}
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

// GitLab is a fake GitLab v4 API for one project.
type GitLab struct {
	fake
	Project string
}

// NewGitLab serves a fake project (path group/name) that accepts token.
func NewGitLab(t testing.TB, project, token string) *GitLab {
	g := &GitLab{fake: fake{t: t, token: token}, Project: project}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

// URL is the instance (base_url of a gitlab target).
func (g *GitLab) URL() string { return g.srv.URL }

// Issues returns a copy of the project's issues, by iid.
func (g *GitLab) Issues() []Issue { return g.snapshot() }

// Calls counts the requests served.
func (g *GitLab) Calls() Calls { defer g.lock()(); return g.calls }

// PerPage caps the page size the list serves.
func (g *GitLab) PerPage(n int) { defer g.lock()(); g.perPageCap = n }

// RateLimit refuses the next n requests with 429, Retry-After and
// RateLimit-Reset.
func (g *GitLab) RateLimit(n int, resetIn time.Duration) {
	g.limit(n, http.StatusTooManyRequests, func() http.Header {
		h := http.Header{}
		h.Set("RateLimit-Remaining", "0")
		h.Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(resetIn).Unix(), 10))
		h.Set("Retry-After", strconv.Itoa(int(resetIn.Seconds())))
		return h
	})
}

func (g *GitLab) issueJSON(is *Issue) map[string]any {
	state := "opened"
	if !is.Open {
		state = "closed"
	}
	labels := is.Labels
	if labels == nil {
		labels = []string{}
	}
	return map[string]any{
		"id": is.Number + 1000, "iid": is.Number, "title": is.Title, "description": is.Body, "labels": labels, "state": state,
		"web_url":    fmt.Sprintf("%s/%s/-/issues/%d", g.srv.URL, g.Project, is.Number),
		"updated_at": is.Updated.UTC().Format(time.RFC3339Nano),
	}
}

// labelList reads GitLab's labels parameter: a comma-separated string (or
// a list).
type labelList []string

func (l *labelList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = nil
		for _, v := range strings.Split(s, ",") {
			if v = strings.TrimSpace(v); v != "" {
				*l = append(*l, v)
			}
		}
		return nil
	}
	var vs []string
	if err := json.Unmarshal(b, &vs); err != nil {
		return err
	}
	*l = vs
	return nil
}

func (g *GitLab) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Private-Token") != g.token {
		g.mu.Lock()
		g.calls.Unauthorized++
		g.mu.Unlock()
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
		return
	}
	if g.refuse(w) {
		return
	}
	prefix := "/api/v4/projects/" + url.PathEscape(g.Project) + "/issues"
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), prefix)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
		return
	}
	var req struct {
		Title       *string    `json:"title"`
		Description *string    `json:"description"`
		Labels      *labelList `json:"labels"`
		StateEvent  *string    `json:"state_event"`
		Body        *string    `json:"body"`
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		if err := decode(r, &req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "400 Bad request"})
			return
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case rest == "" && r.Method == http.MethodPost:
		if req.Title == nil || *req.Title == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "title is missing"})
			return
		}
		is := &Issue{Number: int64(len(g.issues) + 1), Title: *req.Title, Open: true, Updated: time.Now()}
		if req.Description != nil {
			is.Body = *req.Description
		}
		if req.Labels != nil {
			is.Labels = slices.Sorted(slices.Values(*req.Labels))
		}
		g.issues = append(g.issues, is)
		g.calls.Create++
		writeJSON(w, http.StatusCreated, g.issueJSON(is))
	case rest == "" && r.Method == http.MethodGet:
		g.calls.List++
		q := r.URL.Query()
		var after time.Time
		if s := q.Get("updated_after"); s != "" {
			var err error
			if after, err = time.Parse(time.RFC3339, s); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"message": "updated_after is invalid"})
				return
			}
		}
		search := q.Get("search")
		var sel []*Issue
		for i := len(g.issues) - 1; i >= 0; i-- {
			is := g.issues[i]
			if search != "" && !(strings.Contains(is.Body, search) && (q.Get("in") == "" || strings.Contains(q.Get("in"), "description")) || strings.Contains(is.Title, search) && (q.Get("in") == "" || strings.Contains(q.Get("in"), "title"))) {
				continue
			}
			if !after.IsZero() && is.Updated.Before(after) {
				continue
			}
			sel = append(sel, is)
		}
		lo, hi, page, per := g.page(r, len(sel))
		out := []map[string]any{}
		for _, is := range sel[lo:hi] {
			out = append(out, g.issueJSON(is))
		}
		w.Header().Set("X-Page", strconv.Itoa(page))
		w.Header().Set("X-Per-Page", strconv.Itoa(per))
		w.Header().Set("X-Total", strconv.Itoa(len(sel)))
		if hi < len(sel) {
			w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
		} else {
			w.Header().Set("X-Next-Page", "")
		}
		writeJSON(w, http.StatusOK, out)
	case len(parts) >= 1:
		n, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil || n < 1 || n > int64(len(g.issues)) {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Not found"})
			return
		}
		is := g.issues[n-1]
		switch {
		case len(parts) == 1 && r.Method == http.MethodPut:
			if req.Title != nil {
				is.Title = *req.Title
			}
			if req.Description != nil {
				is.Body = *req.Description
			}
			if req.Labels != nil {
				is.Labels = slices.Sorted(slices.Values(*req.Labels))
			}
			if req.StateEvent != nil {
				switch *req.StateEvent {
				case "close":
					is.Open = false
					g.calls.Close++
				case "reopen":
					is.Open = true
					g.calls.Reopen++
				default:
					writeJSON(w, http.StatusBadRequest, map[string]string{"message": "state_event does not have a valid value"})
					return
				}
			}
			if req.Title != nil || req.Description != nil || req.Labels != nil {
				g.calls.Update++
			}
			is.Updated = time.Now()
			writeJSON(w, http.StatusOK, g.issueJSON(is))
		case len(parts) == 2 && parts[1] == "notes" && r.Method == http.MethodPost:
			if req.Body == nil || *req.Body == "" {
				writeJSON(w, http.StatusBadRequest, map[string]string{"message": "body is missing"})
				return
			}
			is.Comments = append(is.Comments, *req.Body)
			is.Updated = time.Now()
			g.calls.Comment++
			writeJSON(w, http.StatusCreated, map[string]any{"id": len(is.Comments), "body": *req.Body})
		default:
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Not found"})
		}
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Not found"})
	}
}

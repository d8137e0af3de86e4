package tracker

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/tracker/trackertest"
)

// TestFindPaginates: Find walks every page and takes only the issue whose
// body starts with the marker (an issue that merely quotes it, such as
// one listing an artifact named after it, is not the one).
func TestFindPaginates(t *testing.T) {
	marker := Marker("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name string
		sink func(t *testing.T) (Sink, interface{ Calls() trackertest.Calls })
	}{
		{"github", func(t *testing.T) (Sink, interface{ Calls() trackertest.Calls }) {
			f := trackertest.NewGitHub(t, "o", "r", "tok")
			f.PerPage(2)
			s, err := newGitHub(&GitHub{Repo: "o/r", BaseURL: f.URL(), Credentials: Credentials{TokenEnv: "T"}}, func(string) string { return "tok" }, http.DefaultClient)
			if err != nil {
				t.Fatal(err)
			}
			return s, f
		}},
		{"gitlab", func(t *testing.T) (Sink, interface{ Calls() trackertest.Calls }) {
			f := trackertest.NewGitLab(t, "g/p", "tok")
			f.PerPage(2)
			s, err := newGitLab(&GitLab{Project: "g/p", BaseURL: f.URL(), Credentials: Credentials{TokenEnv: "T"}}, func(string) string { return "tok" }, http.DefaultClient)
			if err != nil {
				t.Fatal(err)
			}
			return s, f
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, f := tt.sink(t)
			ctx := t.Context()
			want, err := s.Create(ctx, Content{Title: "the one", Body: marker + "\nbody"})
			if err != nil {
				t.Fatal(err)
			}
			for range 5 {
				if _, err := s.Create(ctx, Content{Title: "quotes it", Body: "see " + marker}); err != nil {
					t.Fatal(err)
				}
			}
			got, ok, err := s.Find(ctx, marker, time.Now().Add(-time.Hour))
			if err != nil || !ok || got.Number != want.Number || !strings.HasPrefix(got.Body, marker) {
				t.Fatalf("Find = %+v, %v, %v; want issue %d", got, ok, err, want.Number)
			}
			if c := f.Calls(); c.List < 3 {
				t.Errorf("Find made %d list calls; 6 matches at 2 a page need 3", c.List)
			}
			if _, ok, err := s.Find(ctx, Marker("ffffffffffffffffffffffffffffffff"), time.Now().Add(-time.Hour)); err != nil || ok {
				t.Errorf("Find(unknown marker) = %v, %v", ok, err)
			}
		})
	}
}

// TestDecide: which answers are tried again, and after how long.
func TestDecide(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	resp := func(status int, kv ...string) *http.Response {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	tests := []struct {
		name       string
		resp       *http.Response
		err        error
		idempotent bool
		wait       time.Duration
		retry      bool
	}{
		{"ok", resp(200), nil, true, 0, false},
		{"429 retry-after", resp(429, "Retry-After", "7"), nil, false, 7 * time.Second, true},
		{"429 http date", resp(429, "Retry-After", now.Add(3*time.Second).UTC().Format(http.TimeFormat)), nil, false, 3 * time.Second, true},
		{"403 primary github", resp(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1800000010"), nil, false, 11 * time.Second, true},
		{"403 gitlab", resp(403, "RateLimit-Remaining", "0", "RateLimit-Reset", "1800000005"), nil, true, 6 * time.Second, true},
		{"403 secondary", resp(403, "Retry-After", "60"), nil, false, time.Minute, true},
		{"403 forbidden", resp(403, "X-RateLimit-Remaining", "4999"), nil, true, 0, false},
		{"401", resp(401), nil, true, 0, false},
		{"502 get", resp(502), nil, true, time.Second, true},
		{"502 post", resp(502), nil, false, time.Second, false},
		{"network get", nil, http.ErrHandlerTimeout, true, time.Second, true},
		{"network post", nil, http.ErrHandlerTimeout, false, time.Second, false},
		{"429 no headers", resp(429), nil, false, time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wait, retry := decide(tt.resp, tt.err, 1, tt.idempotent, now)
			if retry != tt.retry || (retry && wait != tt.wait) {
				t.Errorf("decide = %s, %v; want %s, %v", wait, retry, tt.wait, tt.retry)
			}
		})
	}
}

// TestRateLimitTooLong: a reset later than MaxWait fails the call with a
// RateLimitError instead of blocking the sync.
func TestRateLimitTooLong(t *testing.T) {
	f := trackertest.NewGitHub(t, "o", "r", "tok")
	f.RateLimit(1, http.StatusForbidden, time.Hour)
	set, err := Load(Config{Rules: []Rule{{Name: "x", GitHub: &GitHub{Repo: "o/r", BaseURL: f.URL(), Credentials: Credentials{TokenEnv: "T"}}}}},
		LoadOptions{Getenv: func(string) string { return "tok" }, MaxWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	_, err = set.Targets[0].Sink.Create(t.Context(), Content{Title: "t", Body: "b"})
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Until.Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("Create under a 1h rate limit: %v, want a RateLimitError", err)
	}
}

package tracker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// Rate limits and transient failures are handled below both API clients,
// the same way for GitHub and GitLab: a 429, or a 403 that says it is a
// rate limit (Retry-After, or a remaining count of 0), waits for
// Retry-After or the reset time (X-RateLimit-Reset, RateLimit-Reset) and
// tries again; 5xx answers and network errors are retried with backoff
// only for requests that are safe to repeat (a POST that failed may have
// created the issue: the reconciler finds it by its marker instead).

const maxAttempts = 5

// RateLimitError is a rate limit that resets later than the caller will
// wait.
type RateLimitError struct {
	Until time.Time
}

func (e *RateLimitError) Error() string {
	return "tracker rate limit: resets at " + e.Until.UTC().Format(time.RFC3339)
}

type rateLimited struct {
	next    http.RoundTripper
	maxWait time.Duration
	log     *slog.Logger
	// sleep waits (tests replace it); it returns ctx's error when ctx ends.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func defaultTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 30 * time.Second
	return t
}

func (t *rateLimited) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	sleep, now := t.sleep, t.now
	if sleep == nil {
		sleep = sleepCtx
	}
	if now == nil {
		now = time.Now
	}
	maxWait := t.maxWait
	if maxWait <= 0 {
		maxWait = 5 * time.Minute
	}
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead || req.Method == http.MethodPut || req.Method == http.MethodPatch
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return nil, fmt.Errorf("%s %s: cannot retry a request whose body cannot be replayed", req.Method, req.URL.Redacted())
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		resp, err := next.RoundTrip(r)
		wait, retry := decide(resp, err, attempt, idempotent, now())
		if !retry || attempt == maxAttempts {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if wait > maxWait {
			return nil, &RateLimitError{Until: now().Add(wait)}
		}
		if t.log != nil {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			t.log.Warn("tracker call retried", "method", req.Method, "host", req.URL.Host, "status", status, "wait", wait.String(), "attempt", attempt)
		}
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// decide says whether and after how long a response (or error) is tried
// again.
func decide(resp *http.Response, err error, attempt int, idempotent bool, now time.Time) (time.Duration, bool) {
	backoff := time.Second << min(attempt-1, 6)
	if err != nil {
		return backoff, idempotent
	}
	h := resp.Header
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return resetWait(h, now, backoff), true
	case resp.StatusCode == http.StatusForbidden && (h.Get("Retry-After") != "" || h.Get("X-RateLimit-Remaining") == "0" || h.Get("RateLimit-Remaining") == "0"):
		return resetWait(h, now, backoff), true
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return backoff, idempotent
	}
	return 0, false
}

// resetWait reads Retry-After (seconds or an HTTP date), else the reset
// time (Unix seconds) of GitHub's or GitLab's rate-limit headers.
func resetWait(h http.Header, now time.Time, fallback time.Duration) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	for _, k := range []string{"X-RateLimit-Reset", "RateLimit-Reset"} {
		if v := h.Get(k); v != "" {
			if s, err := strconv.ParseInt(v, 10, 64); err == nil && s > 0 {
				// A second of margin: the reset is rounded down.
				return max(time.Unix(s, 0).Sub(now)+time.Second, 0)
			}
		}
	}
	return fallback
}

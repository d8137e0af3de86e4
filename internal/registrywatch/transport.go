package registrywatch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxBackoffUntil bounds how far ahead a registry may push the next poll.
const maxBackoffUntil = 24 * time.Hour

// RateLimitError is a registry's answer to wait longer than a poll waits
// in place (429 or 503 with a long Retry-After, or retries exhausted):
// the repository is not polled again before Until.
type RateLimitError struct {
	Status int
	Host   string
	Until  time.Time
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("registry %s answered %d: retry after %s", e.Host, e.Status, e.Until.UTC().Format(time.RFC3339))
}

// retryTransport waits and retries requests a registry refused for now:
// a 429 (or 503) waits as long as its Retry-After says (backoff without
// one), other 5xx answers back off exponentially; a wait longer than
// maxWait ends the request with a *RateLimitError. Only requests that can
// be sent again (no body, or GetBody) are retried.
type retryTransport struct {
	base    http.RoundTripper
	retries int
	maxWait time.Duration
	// backoff is the first wait after a 5xx (doubling each retry).
	backoff time.Duration
	now     func() time.Time
	// wait sleeps for d or until ctx ends (tests count the waits).
	wait func(ctx context.Context, d time.Duration) error

	// blocked holds, by host, until when a registry asked to wait: every
	// request of this process to that host waits until then, so that a
	// second poll does not ask while the first one waits.
	mu      sync.Mutex
	blocked map[string]time.Time
}

// hold is how long requests to host must still wait.
func (t *retryTransport) hold(host string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.blocked[host].Sub(t.now())
}

// block makes requests to host wait for d.
func (t *retryTransport) block(host string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.blocked == nil {
		t.blocked = map[string]time.Time{}
	}
	until := t.now().Add(d)
	if until.After(t.blocked[host]) {
		t.blocked[host] = until
	}
	for h, u := range t.blocked {
		if !u.After(t.now()) {
			delete(t.blocked, h)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Host
	for attempt := 0; ; attempt++ {
		if d := t.hold(host); d > 0 {
			if d > t.maxWait {
				return nil, &RateLimitError{Status: http.StatusTooManyRequests, Host: host, Until: t.now().Add(d)}
			}
			if err := t.wait(req.Context(), d); err != nil {
				return nil, err
			}
		}
		r := req
		if attempt > 0 {
			r = req.Clone(req.Context())
			if req.Body != nil && req.Body != http.NoBody {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		resp, err := t.base.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		var wait time.Duration
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			wait = retryAfter(resp.Header.Get("Retry-After"), t.now())
			if wait < 0 {
				wait = t.backoff << min(attempt, 10)
			}
			t.block(host, wait)
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
			wait = t.backoff << min(attempt, 10)
		default:
			return resp, nil
		}
		replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
		if !replayable {
			return resp, nil
		}
		if attempt >= t.retries || wait > t.maxWait {
			if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
				drain(resp)
				return nil, &RateLimitError{Status: resp.StatusCode, Host: req.URL.Host, Until: t.now().Add(min(max(wait, t.backoff), maxBackoffUntil))}
			}
			return resp, nil
		}
		drain(resp)
		if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
			if err := t.wait(req.Context(), wait); err != nil {
				return nil, err
			}
		}
		// A rate limit's wait is the host's hold, at the top of the loop.
	}
}

// drain reads a little of a discarded body (so the connection can be
// reused) and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// retryAfter is the wait a Retry-After header asks for (delay-seconds or
// an HTTP date), or -1 when there is none or it cannot be read.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return -1
		}
		if n > int64(maxBackoffUntil/time.Second) {
			return maxBackoffUntil
		}
		return time.Duration(n) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return min(max(at.Sub(now), 0), maxBackoffUntil)
	}
	return -1
}

package server

import (
	"context"
	"math/rand/v2"
	"time"
)

// refreshLoop refreshes the vulnerability database every interval (each
// wait jittered by up to 10%, so replicas and restarts spread out). A
// failed refresh keeps the database in use and is retried sooner, with
// exponential backoff from one minute up to the interval.
func (s *Server) refreshLoop(ctx context.Context, interval time.Duration) {
	backoff := time.Duration(0)
	for {
		wait := interval
		if backoff > 0 {
			wait = backoff
		}
		wait += time.Duration(rand.Int64N(int64(wait)/10 + 1))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		r, err := s.refresh(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			backoff = min(max(2*backoff, time.Minute), interval)
			s.log.Error("scheduled refresh failed; the database in use is kept", "err", err, "retry_in", backoff.String())
			continue
		}
		backoff = 0
		s.log.Info("scheduled refresh", "artifacts", r.Artifacts, "created", r.Created, "resolved", r.Resolved, "duration", r.Duration)
	}
}

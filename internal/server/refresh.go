package server

import (
	"math/rand/v2"
	"time"
)

// jitter is a random duration in [0, max].
func jitter(max time.Duration) time.Duration {
	return time.Duration(rand.Int64N(int64(max) + 1))
}

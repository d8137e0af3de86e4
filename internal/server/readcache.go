package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/vigil-sec/vigil/internal/server/auth"
)

// generational is a store whose data can be identified by a generation
// (store.Store on SQLite).
type generational interface {
	Generation(ctx context.Context) (int64, error)
	Cacheable() bool
}

// readCache keeps the answers of the hot read endpoints (the findings list
// and the summary, which dashboards poll) for as long as the data has not
// changed: every entry belongs to one store generation, and a newer
// generation empties the cache. An answer is never stale; a cache miss
// costs one indexed query. Entries are bounded by an estimate of their
// size.
type readCache struct {
	store generational
	log   *slog.Logger

	mu      sync.Mutex
	gen     int64
	entries map[string]cached
	size    int
	maxSize int
}

type cached struct {
	v    any
	size int
}

// newReadCache returns nil (no caching) when the store's generation does
// not identify its data.
func newReadCache(st any, maxSize int, log *slog.Logger) *readCache {
	g, ok := st.(generational)
	if !ok || !g.Cacheable() || maxSize <= 0 {
		return nil
	}
	return &readCache{store: g, log: log, entries: map[string]cached{}, maxSize: maxSize}
}

// cacheKey names a read: the operation, what the caller may see, and the
// request's parameters.
func cacheKey(op string, p auth.Principal, params any) string {
	scope := "*"
	if !p.Global() {
		scope = strings.Join(p.Projects, ",")
	}
	return fmt.Sprintf("%s\x00%s\x00%+v", op, scope, params)
}

type genKey struct{}

// genMemo holds the store generation read first in a request.
type genMemo struct {
	set bool
	gen int64
}

// generation is the store's generation, read once per request (the
// request's context carries a genMemo from the route middleware).
func (c *readCache) generation(ctx context.Context) (int64, error) {
	m, _ := ctx.Value(genKey{}).(*genMemo)
	if m != nil && m.set {
		return m.gen, nil
	}
	g, err := c.store.Generation(ctx)
	if err == nil && m != nil {
		m.set, m.gen = true, g
	}
	return g, err
}

// through answers from the cache or calls load and keeps its answer. size
// estimates the answer's bytes.
func through[T any](ctx context.Context, c *readCache, key string, size func(T) int, load func() (T, error)) (T, error) {
	if c == nil {
		return load()
	}
	gen, err := c.generation(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("read cache: no generation; answering uncached", "err", err)
		}
		return load()
	}
	c.mu.Lock()
	if gen == c.gen {
		if e, ok := c.entries[key]; ok {
			c.mu.Unlock()
			return e.v.(T), nil
		}
	}
	c.mu.Unlock()
	v, err := load()
	if err != nil {
		return v, err
	}
	// Keep it only if nothing changed while it was read.
	if after, err := c.store.Generation(ctx); err != nil || after != gen {
		return v, nil
	}
	n := size(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen {
		return v, nil
	}
	if gen > c.gen {
		c.gen, c.entries, c.size = gen, map[string]cached{}, 0
	}
	if n > c.maxSize/4 {
		return v, nil
	}
	for k, e := range c.entries { // evict arbitrary entries until it fits
		if c.size+n <= c.maxSize {
			break
		}
		delete(c.entries, k)
		c.size -= e.size
	}
	if old, ok := c.entries[key]; ok {
		c.size -= old.size
	}
	c.entries[key] = cached{v: v, size: n}
	c.size += n
	return v, nil
}

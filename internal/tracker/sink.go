package tracker

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"
)

// Issue is an issue as a tracker reports it.
type Issue struct {
	Number int64
	URL    string
	Open   bool
	Body   string
}

// Content is what an issue should say.
type Content struct {
	Title  string
	Body   string
	Labels []string
}

// Sink is one tracker project or repository.
type Sink interface {
	// Name is "github:owner/repo" or "gitlab:group/project" (logs, API).
	Name() string
	Create(ctx context.Context, c Content) (Issue, error)
	Update(ctx context.Context, number int64, c Content) error
	// SetState comments on the issue and then closes or re-opens it;
	// notPlanned closes it as not planned (GitHub's state reason).
	SetState(ctx context.Context, number int64, open, notPlanned bool, comment string) error
	// Find looks for the issue whose body holds marker among the issues
	// updated since (every page).
	Find(ctx context.Context, marker string, since time.Time) (Issue, bool, error)
}

// Target is a rule with its sink, ready to reconcile.
type Target struct {
	Rule Rule
	Sink Sink
}

// Set is the loaded trackers section.
type Set struct {
	Targets       []Target
	Debounce      time.Duration
	FullReconcile time.Duration
	// Hook, in tests, is the reconciler's Options.Hook.
	Hook func(stage string) error
}

// Defaults of a Set.
const (
	DefaultDebounce      = 5 * time.Second
	DefaultFullReconcile = time.Hour
)

// LoadOptions are what Load needs besides the section.
type LoadOptions struct {
	// Getenv reads token_env variables (os.Getenv when nil).
	Getenv func(string) string
	// HTTP is the client under the trackers' rate-limit handling (a
	// client with a 30 s response-header timeout when nil; calls are
	// bounded by their context).
	HTTP   *http.Client
	Logger *slog.Logger
	// MaxWait bounds a wait for a rate limit to reset (default 5 min);
	// longer, the call fails and the next sync tries again.
	MaxWait time.Duration
}

// Load reads the rules' credentials and builds their sinks; a missing
// credential fails the whole load (the server must not start half
// configured).
func Load(c Config, o LoadOptions) (*Set, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	base := o.HTTP
	if base == nil {
		base = &http.Client{}
	}
	hc := *base
	next := base.Transport
	if next == nil {
		next = defaultTransport()
	}
	hc.Transport = &rateLimited{next: next, maxWait: o.MaxWait, log: o.Logger}
	set := &Set{Debounce: c.Debounce, FullReconcile: c.FullReconcile}
	if set.Debounce == 0 {
		set.Debounce = DefaultDebounce
	}
	if set.FullReconcile == 0 {
		set.FullReconcile = DefaultFullReconcile
	}
	for _, r := range c.Rules {
		var s Sink
		var err error
		switch {
		case r.GitHub != nil:
			s, err = newGitHub(r.GitHub, o.Getenv, &hc)
		case r.GitLab != nil:
			s, err = newGitLab(r.GitLab, o.Getenv, &hc)
		default:
			err = fmt.Errorf("no target")
		}
		if err != nil {
			return nil, fmt.Errorf("tracker rule %q: %w", r.Name, err)
		}
		set.Targets = append(set.Targets, Target{Rule: r, Sink: s})
	}
	return set, nil
}

// Package notify turns the server's changes into notifications: rules select
// events, sinks deliver them.
package notify

import (
	"fmt"
	"path"
	"slices"

	"github.com/vigil-sec/vigil/internal/severity"
)

// Notification kinds, the vocabulary of rules' kinds: selectors, every sink
// and the registry watcher use these names.
const (
	KindFindingNew      = "finding.new"
	KindFindingResolved = "finding.resolved"
	KindFindingReopened = "finding.reopened"
	KindSLABreach       = "sla.breach"
	KindSLABreachSoon   = "sla.breach_soon"
	KindImageTooOld     = "image.too_old"
	KindRegistryDigest  = "registry.new_digest"
	KindRefreshFailed   = "refresh.failed"
)

// Kinds lists every notification kind.
var Kinds = []string{
	KindFindingNew, KindFindingResolved, KindFindingReopened,
	KindSLABreach, KindSLABreachSoon, KindImageTooOld,
	KindRegistryDigest, KindRefreshFailed,
}

// Selector chooses the events a rule applies to. Every set field must match;
// an empty list matches everything.
type Selector struct {
	// Kinds are notification kinds (Kinds).
	Kinds []string `yaml:"kinds,omitempty" json:"kinds,omitempty"`
	// Projects are project names or path.Match globs ("pay-*").
	Projects []string `yaml:"projects,omitempty" json:"projects,omitempty"`
	// Environments are environment names or globs; an event matches when
	// any of its environments does. An event with no environment (an
	// artifact not deployed anywhere) matches only an empty list.
	Environments []string `yaml:"environments,omitempty" json:"environments,omitempty"`
	// MinSeverity is the lowest severity selected (events without a
	// severity, such as refresh failures, always pass it).
	MinSeverity severity.Level `yaml:"min_severity,omitempty" json:"min_severity,omitempty"`
	// FixableOnly selects only findings with a fixed version.
	FixableOnly bool `yaml:"fixable_only,omitempty" json:"fixable_only,omitempty"`
	// KEVOnly selects only findings listed in CISA KEV.
	KEVOnly bool `yaml:"kev_only,omitempty" json:"kev_only,omitempty"`
}

// Subject is what a selector looks at in an event.
type Subject struct {
	Kind         string
	Project      string
	Environments []string
	// Severity is UNKNOWN for events that have none.
	Severity severity.Level
	// HasSeverity says the event is about a finding (or findings).
	HasSeverity bool
	Fixable     bool
	KEV         bool
}

// Validate reports an unknown kind or a malformed glob, so that a rule that
// cannot be evaluated is refused at load instead of silently never matching.
func (s Selector) Validate() error {
	for _, k := range s.Kinds {
		if !slices.Contains(Kinds, k) {
			return fmt.Errorf("unknown kind %q (known: %v)", k, Kinds)
		}
	}
	for _, list := range [][]string{s.Projects, s.Environments} {
		for _, g := range list {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("glob %q: %v", g, err)
			}
		}
	}
	return nil
}

// Match reports whether the selector selects the subject. Globs were checked
// by Validate; a malformed one matches nothing.
func (s Selector) Match(x Subject) bool {
	if len(s.Kinds) > 0 && !slices.Contains(s.Kinds, x.Kind) {
		return false
	}
	if len(s.Projects) > 0 && !anyGlob(s.Projects, x.Project) {
		return false
	}
	if len(s.Environments) > 0 {
		ok := false
		for _, e := range x.Environments {
			if anyGlob(s.Environments, e) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if x.HasSeverity {
		if x.Severity < s.MinSeverity {
			return false
		}
		if s.FixableOnly && !x.Fixable {
			return false
		}
		if s.KEVOnly && !x.KEV {
			return false
		}
	}
	return true
}

func anyGlob(globs []string, v string) bool {
	for _, g := range globs {
		if ok, err := path.Match(g, v); err == nil && ok {
			return true
		}
	}
	return false
}

package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/vigil-sec/vigil/internal/severity"
)

// Event is one thing that happened, as rules select it and messages list
// it. The registry watcher (and anything else outside the events table)
// hands its events to (*Notifier).Publish.
type Event struct {
	// Kind is a notification kind (Kinds).
	Kind string `json:"kind"`
	// Key identifies the event among those of its kind, stably: a retried
	// Publish of the same event with the same key is queued once
	// ("events:123", "sla.breach:42", "registry:repo@sha256:...").
	Key          string   `json:"-"`
	Project      string   `json:"project,omitempty"`
	Environments []string `json:"environments,omitempty"`
	// Severity and HasSeverity: a finding's (see Subject).
	Severity    severity.Level `json:"severity,omitzero"`
	HasSeverity bool           `json:"-"`
	Fixable     bool           `json:"fixable,omitempty"`
	KEV         bool           `json:"kev,omitempty"`

	At              time.Time `json:"at"`
	FindingID       int64     `json:"finding_id,omitempty"`
	ArtifactID      int64     `json:"artifact_id,omitempty"`
	Artifact        string    `json:"artifact,omitempty"`
	VulnerabilityID string    `json:"vulnerability_id,omitempty"`
	FixedVersion    string    `json:"fixed_version,omitempty"`
	Summary         string    `json:"summary,omitempty"`
	// Due is a finding's SLA due time (sla.* kinds); ImageCreated an
	// image's created time (image.too_old).
	Due          time.Time `json:"due,omitzero"`
	ImageCreated time.Time `json:"image_created,omitzero"`
	// Repository and Digest: registry.new_digest.
	Repository string `json:"repository,omitempty"`
	Digest     string `json:"digest,omitempty"`
	// Error: refresh.failed.
	Error string `json:"error,omitempty"`
}

func (e Event) subject() Subject {
	return Subject{Kind: e.Kind, Project: e.Project, Environments: e.Environments, Severity: e.Severity,
		HasSeverity: e.HasSeverity, Fixable: e.Fixable, KEV: e.KEV}
}

// Payload is a message's body: the Standard Webhooks envelope (type,
// timestamp, data). A per_event message has one event and count 1; a
// digest counts every event it stands for and lists a bounded sample.
type Payload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      Digest    `json:"data"`
}

// Digest is the data of a message.
type Digest struct {
	Rule    string `json:"rule"`
	Project string `json:"project,omitempty"`
	// Count is how many events the message stands for; Events is a sample
	// of at most the configured size (Truncated when it left some out).
	Count        int      `json:"count"`
	Events       []Event  `json:"events"`
	Truncated    bool     `json:"truncated,omitempty"`
	Environments []string `json:"environments,omitempty"`
	// Severities counts the events by severity name (findings only).
	Severities map[string]int `json:"severities,omitempty"`
	// Sample is the sample bound (kept for merging).
	Sample int `json:"-"`
}

const maxEnvironments = 50

func newPayload(rule string, e Event, project string, sample int, now time.Time) Payload {
	p := Payload{Type: e.Kind, Timestamp: now.UTC(), Data: Digest{Rule: rule, Project: project, Sample: sample}}
	p.Data.add(e, sample)
	return p
}

func (d *Digest) add(e Event, sample int) {
	d.Count++
	if len(d.Events) < sample {
		d.Events = append(d.Events, e)
	} else {
		d.Truncated = true
	}
	for _, env := range e.Environments {
		if !slices.Contains(d.Environments, env) && len(d.Environments) < maxEnvironments {
			d.Environments = append(d.Environments, env)
		}
	}
	slices.Sort(d.Environments)
	if e.HasSeverity {
		if d.Severities == nil {
			d.Severities = map[string]int{}
		}
		d.Severities[e.Severity.String()]++
	}
}

// mergePayloads folds add (a message of one or more events) into old.
func mergePayloads(sample int) func(old, add []byte) ([]byte, error) {
	return func(old, add []byte) ([]byte, error) {
		var o, a Payload
		if err := json.Unmarshal(old, &o); err != nil {
			return nil, fmt.Errorf("stored digest: %w", err)
		}
		if err := json.Unmarshal(add, &a); err != nil {
			return nil, err
		}
		o.Data.Count += a.Data.Count
		for _, e := range a.Data.Events {
			if len(o.Data.Events) < sample {
				o.Data.Events = append(o.Data.Events, e)
			} else {
				o.Data.Truncated = true
			}
		}
		if a.Data.Truncated {
			o.Data.Truncated = true
		}
		for _, env := range a.Data.Environments {
			if !slices.Contains(o.Data.Environments, env) && len(o.Data.Environments) < maxEnvironments {
				o.Data.Environments = append(o.Data.Environments, env)
			}
		}
		slices.Sort(o.Data.Environments)
		for k, n := range a.Data.Severities {
			if o.Data.Severities == nil {
				o.Data.Severities = map[string]int{}
			}
			o.Data.Severities[k] += n
		}
		return json.Marshal(o)
	}
}

// msgID derives a message id (webhook-id) from its parts: the same event
// through the same rule and sink is the same message.
func msgID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return "msg_" + hex.EncodeToString(h.Sum(nil)[:16])
}

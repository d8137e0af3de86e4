package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

// Store is what the notifier needs of the storage.
type Store interface {
	store.NotifyAPI
	Events(ctx context.Context, s store.Scope, after int64, limit int) ([]store.Event, error)
	LatestEvents(ctx context.Context, s store.Scope, limit int) ([]store.Event, error)
}

// Options configure a Notifier.
type Options struct {
	Store  Store
	Config *Config
	Logger *slog.Logger
	// Now is the server's clock (its test clock in tests): SLA due times,
	// image ages and message timestamps. Delivery timing (windows,
	// retries, leases) follows the wall clock, as the job queue does.
	Now func() time.Time
	// Owner names this replica in leases.
	Owner string
	// SLA is the server's SLA policy (the remediation metrics').
	SLA store.SLAPolicy
	// Outcome counts a delivery attempt's outcome (delivered, retry,
	// dead) by sink type, for Prometheus.
	Outcome func(sinkType, outcome string)
	// KEV says whether a vulnerability (id and aliases) is in the known
	// exploited catalog the server holds (nil: no catalog); a rule's
	// kev_only selects by it.
	KEV func(id string, aliases []string) bool
	// Workers is how many messages this replica sends at once (default 8).
	Workers int
	// MaxImageAgeDays is the server's image-age limit (serve config
	// freshness.max_image_age_days, the one the freshness API, the
	// dashboard and the gate use; 0: none). image.too_old rules use it
	// unless they set their own max_image_age_days.
	MaxImageAgeDays int
}

// Delivery outcomes.
const (
	OutcomeDelivered = "delivered"
	OutcomeRetry     = "retried"
	OutcomeDead      = "dead_lettered"
)

// eventsCursor is the name of the events table's cursor.
const eventsCursor = "events"

// scanBatch is how many events one pass reads.
const scanBatch = 1000

// Notifier turns events into messages and delivers them.
type Notifier struct {
	o       Options
	cfg     *Config
	log     *slog.Logger
	senders map[string]sender
	types   map[string]string
	wake    chan struct{}
	// scanMu serialises passes of this replica (others are kept out by
	// the cursor's compare and set and the once marks).
	scanMu sync.Mutex
}

// New builds a notifier from a parsed configuration.
func New(o Options) (*Notifier, error) {
	if o.Store == nil || o.Config == nil {
		return nil, errors.New("notify: no store or configuration")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Owner == "" {
		o.Owner = "vigil-" + strconv.FormatUint(rand.Uint64(), 36)
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Outcome == nil {
		o.Outcome = func(string, string) {}
	}
	for i := range o.Config.Rules {
		if err := o.Config.Rules[i].checkImageAge(o.MaxImageAgeDays); err != nil {
			return nil, err
		}
	}
	n := &Notifier{o: o, cfg: o.Config, log: o.Logger, senders: map[string]sender{}, types: map[string]string{}, wake: make(chan struct{}, 1)}
	for _, s := range o.Config.Sinks {
		snd, err := newSender(s, time.Duration(o.Config.Timeout))
		if err != nil {
			return nil, err
		}
		n.senders[s.Name] = snd
		n.types[s.Name] = s.Type
	}
	if err := n.startCursor(context.Background()); err != nil {
		return nil, err
	}
	return n, nil
}

// startCursor creates the events cursor at the end of the events table
// when there is none: turning notifications on notifies what happens from
// then on, not the whole history. An existing cursor is kept (a restart
// resumes where the last commit left it).
func (n *Notifier) startCursor(ctx context.Context) error {
	if _, err := n.o.Store.NotifyCursor(ctx, eventsCursor); err != nil {
		return err
	}
	evs, err := n.o.Store.LatestEvents(ctx, store.Scope{}, 1)
	if err != nil {
		return err
	}
	var last int64
	if len(evs) > 0 {
		last = evs[0].Seq
	}
	_, err = n.o.Store.CommitNotify(ctx, store.NotifyBatch{Cursor: eventsCursor, From: 0, To: last})
	if errors.Is(err, store.ErrConflict) {
		return nil // the cursor exists (another replica, or an earlier run)
	}
	return err
}

// Config is the configuration the notifier runs with (secrets included:
// show Masked()).
func (n *Notifier) Config() *Config { return n.cfg }

// Rule is a rule with where it comes from (config or api).
type Rule struct {
	RuleConfig
	Source string `json:"source"`
}

// Rules lists the configuration's rules, then those of the API.
func (n *Notifier) Rules(ctx context.Context) ([]Rule, error) {
	out := make([]Rule, 0, len(n.cfg.Rules))
	for _, r := range n.cfg.Rules {
		out = append(out, Rule{RuleConfig: r, Source: "config"})
	}
	stored, err := n.o.Store.ListNotifyRules(ctx)
	if err != nil {
		return nil, err
	}
	for _, sr := range stored {
		r, err := n.ParseRule(sr.Spec)
		if err != nil {
			// A stored rule naming a sink the configuration no longer has:
			// it is listed by the API but selects nothing.
			n.log.Warn("notification rule not usable", "rule", sr.Name, "err", err)
			continue
		}
		out = append(out, Rule{RuleConfig: r, Source: "api"})
	}
	return out, nil
}

// ParseRule parses and validates a rule of the API against the
// configuration's sinks and the server's image-age limit.
func (n *Notifier) ParseRule(spec []byte) (RuleConfig, error) {
	r, err := n.cfg.ParseRule(spec)
	if err != nil {
		return r, err
	}
	return r, r.checkImageAge(n.o.MaxImageAgeDays)
}

// IsConfigRule tells whether a rule of that name is in the config file
// (the API cannot change those).
func (n *Notifier) IsConfigRule(name string) bool {
	for _, r := range n.cfg.Rules {
		if r.Name == name {
			return true
		}
	}
	return false
}

// Wake makes the delivery loop look at the outbox now (after a replay).
func (n *Notifier) Wake() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run reads events, checks SLAs and image ages, and delivers messages
// until ctx ends.
func (n *Notifier) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { n.loop(ctx, time.Duration(n.cfg.Poll), n.scan) })
	wg.Go(func() { n.loop(ctx, time.Duration(n.cfg.Check), n.check) })
	wg.Go(func() { n.deliverLoop(ctx) })
	wg.Wait()
}

func (n *Notifier) loop(ctx context.Context, every time.Duration, fn func(context.Context) (int, error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if q, err := fn(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			n.log.Error("notifications", "err", err)
		} else if q > 0 {
			n.Wake()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Scan reads the events table from the cursor to its end, queuing the
// messages the rules select in the same transaction as each cursor
// advance. It returns how many messages it queued or merged.
func (n *Notifier) Scan(ctx context.Context) (int, error) { return n.scan(ctx) }

func (n *Notifier) scan(ctx context.Context) (int, error) {
	n.scanMu.Lock()
	defer n.scanMu.Unlock()
	total := 0
	for {
		from, err := n.o.Store.NotifyCursor(ctx, eventsCursor)
		if err != nil {
			return total, err
		}
		evs, err := n.o.Store.Events(ctx, store.Scope{}, from, scanBatch)
		if err != nil {
			return total, err
		}
		if len(evs) == 0 {
			return total, nil
		}
		rules, err := n.Rules(ctx)
		if err != nil {
			return total, err
		}
		// Only the kinds some rule selects are read (a server without
		// rules just advances the cursor).
		wanted := map[string]bool{}
		for _, r := range rules {
			for _, k := range Kinds {
				if r.selects(k) {
					wanted[k] = true
				}
			}
		}
		events, err := n.translate(ctx, evs, wanted)
		if err != nil {
			return total, err
		}
		b := n.batch(rules, events)
		b.Cursor, b.From, b.To = eventsCursor, from, evs[len(evs)-1].Seq
		res, err := n.o.Store.CommitNotify(ctx, b)
		if errors.Is(err, store.ErrConflict) {
			// Another replica advanced the cursor: read from where it is.
			continue
		}
		if err != nil {
			return total, err
		}
		total += res.Queued + res.Merged
		if len(evs) < scanBatch {
			return total, nil
		}
	}
}

// translate turns events-table rows into notification events: a finding
// created is finding.new, a finding going to fixed is finding.resolved,
// one going back to open finding.reopened, a digest the registry watcher
// scanned (store.EventRegistryDigestSeen) registry.new_digest; only the
// kinds in wanted (those some rule selects). Others notify nothing.
func (n *Notifier) translate(ctx context.Context, evs []store.Event, wanted map[string]bool) ([]Event, error) {
	var ids []int64
	var out []Event
	kinds := make([]string, len(evs))
	for i, e := range evs {
		switch {
		case e.Kind == store.EventRegistryDigestSeen && wanted[KindRegistryDigest]:
			// The registry watcher's new digest: no finding to read.
			var d store.RegistryDigestEvent
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return nil, fmt.Errorf("event %d (%s): %w", e.Seq, e.Kind, err)
			}
			artifact := d.Repository
			if d.Tag != "" {
				artifact += ":" + d.Tag
			}
			out = append(out, Event{
				Kind: KindRegistryDigest, Key: "events:" + strconv.FormatInt(e.Seq, 10), Project: e.Project,
				At: e.At, ArtifactID: e.ArtifactID, Artifact: artifact, Repository: d.Repository, Digest: d.Digest,
			})
			continue
		case e.Kind == store.EventFindingCreated:
			kinds[i] = KindFindingNew
		case e.Kind == store.EventFindingState && e.To == store.StateFixed:
			kinds[i] = KindFindingResolved
		case e.Kind == store.EventFindingState && e.To == store.StateOpen && e.From != "" && e.From != store.StateOpen:
			kinds[i] = KindFindingReopened
		default:
			continue
		}
		if !wanted[kinds[i]] {
			kinds[i] = ""
			continue
		}
		ids = append(ids, e.FindingID)
	}
	if len(ids) == 0 {
		return out, nil
	}
	fs, err := n.o.Store.NotifyFindings(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i, e := range evs {
		if kinds[i] == "" {
			continue
		}
		f, ok := fs[e.FindingID]
		if !ok {
			continue
		}
		out = append(out, Event{
			Kind: kinds[i], Key: "events:" + strconv.FormatInt(e.Seq, 10), Project: f.Project, Environments: f.Environments,
			Severity: f.Severity, HasSeverity: true, Fixable: f.FixedVersion != "", KEV: f.KEV || n.o.KEV != nil && n.o.KEV(f.VulnerabilityID, f.Aliases),
			At: e.At, FindingID: f.ID, ArtifactID: f.ArtifactID, Artifact: f.ArtifactName,
			VulnerabilityID: f.VulnerabilityID, FixedVersion: f.FixedVersion, Summary: truncate(f.Summary, 300),
		})
	}
	return out, nil
}

// threshold is the per-rule threshold an event was computed for
// (image.too_old's days, sla.breach_soon's days), 0 for others.
func (n *Notifier) threshold(r RuleConfig, kind string) int {
	switch kind {
	case KindImageTooOld:
		return r.ImageAgeDays(n.o.MaxImageAgeDays)
	case KindSLABreachSoon:
		return r.SLASoonDays
	}
	return 0
}

type thresholdEvent struct {
	Event
	threshold int
}

// batch builds the messages the rules select from the events: one per
// event (per_event) or one per rule, sink, kind and project (per_project)
// or per rule, sink and kind (per_refresh), merged into the open digest
// with the same key when there is one.
func (n *Notifier) batch(rules []Rule, events []Event) store.NotifyBatch {
	tes := make([]thresholdEvent, len(events))
	for i, e := range events {
		tes[i] = thresholdEvent{Event: e}
	}
	return n.batchThreshold(rules, tes)
}

func (n *Notifier) batchThreshold(rules []Rule, events []thresholdEvent) store.NotifyBatch {
	now := n.o.Now()
	wall := time.Now()
	sample := n.cfg.Sample
	b := store.NotifyBatch{Merge: mergePayloads(sample)}
	type digest struct {
		m store.NotifyMessage
		p Payload
	}
	digests := map[string]*digest{}
	var order []string
	for _, r := range rules {
		for _, e := range events {
			if n.threshold(r.RuleConfig, e.Kind) != e.threshold || !r.Select.Match(e.subject()) {
				continue
			}
			for _, sink := range r.Sinks {
				if r.Digest == DigestPerEvent {
					p := newPayload(r.Name, e.Event, e.Project, sample, now)
					body, _ := json.Marshal(p)
					b.Messages = append(b.Messages, store.NotifyMessage{
						MsgID: msgID(r.Name, sink, e.Kind, e.Key), Rule: r.Name, Sink: sink, Kind: e.Kind, Project: e.Project,
						Events: 1, Payload: body, MaxAttempts: n.cfg.MaxAttempts, NextAt: wall,
					})
					continue
				}
				project := e.Project
				if r.Digest == DigestPerRefresh {
					project = ""
				}
				key := "d\x00" + r.Name + "\x00" + sink + "\x00" + e.Kind + "\x00" + project
				d := digests[key]
				if d == nil {
					d = &digest{
						p: newPayload(r.Name, e.Event, project, sample, now),
						m: store.NotifyMessage{
							MsgID: msgID(key, e.Key), Rule: r.Name, Sink: sink, Kind: e.Kind, Project: project, DigestKey: key,
							MaxAttempts: n.cfg.MaxAttempts, NextAt: wall.Add(time.Duration(r.Window)),
						},
					}
					digests[key] = d
					order = append(order, key)
					continue
				}
				d.p.Data.add(e.Event, sample)
			}
		}
	}
	for _, k := range order {
		d := digests[k]
		d.m.Events = d.p.Data.Count
		d.m.Payload, _ = json.Marshal(d.p)
		b.Messages = append(b.Messages, d.m)
	}
	return b
}

// Publish queues the messages the rules select for an event that is not
// in the events table: the registry watcher's registry.new_digest, the
// server's refresh.failed. It returns once they are committed (delivered
// at least once from then on, also across a crash). e.Key makes it
// idempotent: publishing the same key again queues nothing new for
// per_event rules.
func (n *Notifier) Publish(ctx context.Context, e Event) error {
	if e.Kind == "" || e.Key == "" {
		return errors.New("notify: an event needs a kind and a key")
	}
	if e.At.IsZero() {
		e.At = n.o.Now()
	}
	rules, err := n.Rules(ctx)
	if err != nil {
		return err
	}
	b := n.batch(rules, []Event{e})
	if len(b.Messages) == 0 {
		return nil
	}
	if _, err := n.o.Store.CommitNotify(ctx, b); err != nil {
		return err
	}
	n.Wake()
	return nil
}

// check emits the SLA breaches (and breaches soon) and the images too old
// that no message was queued for yet, once each.
func (n *Notifier) check(ctx context.Context) (int, error) {
	rules, err := n.Rules(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	soon := map[int]bool{}
	ages := map[int]bool{}
	breach := false
	for _, r := range rules {
		if r.selects(KindSLABreach) {
			breach = true
		}
		if r.selects(KindSLABreachSoon) && r.SLASoonDays > 0 {
			soon[r.SLASoonDays] = true
		}
		if days := r.ImageAgeDays(n.o.MaxImageAgeDays); r.selects(KindImageTooOld) && days > 0 {
			ages[days] = true
		}
	}
	if breach {
		q, err := n.checkSLA(ctx, rules, KindSLABreach, 0)
		if err != nil {
			return total, err
		}
		total += q
	}
	for days := range soon {
		q, err := n.checkSLA(ctx, rules, KindSLABreachSoon, days)
		if err != nil {
			return total, err
		}
		total += q
	}
	for days := range ages {
		q, err := n.checkImages(ctx, rules, days)
		if err != nil {
			return total, err
		}
		total += q
	}
	return total, nil
}

// Check runs one SLA and image-age check (tests; Run does it every
// Config.Check).
func (n *Notifier) Check(ctx context.Context) (int, error) { return n.check(ctx) }

func (n *Notifier) checkSLA(ctx context.Context, rules []Rule, kind string, days int) (int, error) {
	total := 0
	for range 100 {
		fs, err := n.o.Store.SLADue(ctx, store.SLADueQuery{SLA: n.o.SLA, Within: time.Duration(days) * store.Day, Kind: kind, Threshold: int64(days), Limit: scanBatch})
		if err != nil {
			return total, err
		}
		if len(fs) == 0 {
			return total, nil
		}
		now := n.o.Now()
		var evs []thresholdEvent
		var once []store.NotifyOnce
		for _, f := range fs {
			if kind == KindSLABreachSoon && !f.Due.After(now) {
				// Already breached: that is sla.breach's message.
				once = append(once, store.NotifyOnce{Kind: kind, Subject: f.FindingID, Threshold: int64(days)})
				continue
			}
			evs = append(evs, thresholdEvent{threshold: days, Event: Event{
				Kind: kind, Key: fmt.Sprintf("%s:%d:%d", kind, f.FindingID, days), Project: f.Project, Environments: f.Environments,
				Severity: f.Severity, HasSeverity: true, Fixable: f.FixedVersion != "", At: now, FindingID: f.FindingID,
				ArtifactID: f.ArtifactID, Artifact: f.ArtifactName, VulnerabilityID: f.VulnerabilityID, FixedVersion: f.FixedVersion, Due: f.Due,
			}})
			once = append(once, store.NotifyOnce{Kind: kind, Subject: f.FindingID, Threshold: int64(days)})
		}
		b := n.batchThreshold(rules, evs)
		b.Once = once
		res, err := n.o.Store.CommitNotify(ctx, b)
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return total, err
		}
		total += res.Queued + res.Merged
		if len(fs) < scanBatch {
			return total, nil
		}
	}
	return total, nil
}

func (n *Notifier) checkImages(ctx context.Context, rules []Rule, days int) (int, error) {
	total := 0
	for range 100 {
		now := n.o.Now()
		imgs, err := n.o.Store.AgedImages(ctx, store.AgedImageQuery{Before: now.Add(-time.Duration(days) * store.Day), Kind: KindImageTooOld, Threshold: int64(days), Limit: scanBatch})
		if err != nil {
			return total, err
		}
		if len(imgs) == 0 {
			return total, nil
		}
		var evs []thresholdEvent
		var once []store.NotifyOnce
		for _, a := range imgs {
			evs = append(evs, thresholdEvent{threshold: days, Event: Event{
				Kind: KindImageTooOld, Key: fmt.Sprintf("image:%d:%d", a.ArtifactID, days), Project: a.Project, Environments: a.Environments,
				At: now, ArtifactID: a.ArtifactID, Artifact: a.Name, Digest: a.Digest, ImageCreated: a.Created,
			}})
			once = append(once, store.NotifyOnce{Kind: KindImageTooOld, Subject: a.ArtifactID, Threshold: int64(days)})
		}
		b := n.batchThreshold(rules, evs)
		b.Once = once
		res, err := n.o.Store.CommitNotify(ctx, b)
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return total, err
		}
		total += res.Queued + res.Merged
		if len(imgs) < scanBatch {
			return total, nil
		}
	}
	return total, nil
}

func (n *Notifier) deliverLoop(ctx context.Context) {
	t := time.NewTicker(time.Duration(n.cfg.Poll))
	defer t.Stop()
	for {
		if _, err := n.deliver(ctx); err != nil && ctx.Err() == nil {
			n.log.Error("deliver notifications", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-n.wake:
		}
	}
}

// Deliver sends every ready message once (tests; Run does it every
// Config.Poll and on Wake). It returns how many it attempted.
func (n *Notifier) Deliver(ctx context.Context) (int, error) { return n.deliver(ctx) }

func (n *Notifier) deliver(ctx context.Context) (int, error) {
	total := 0
	for {
		msgs, err := n.o.Store.ClaimNotify(ctx, n.o.Owner, time.Duration(n.cfg.Lease), n.o.Workers*4)
		if err != nil {
			return total, err
		}
		if len(msgs) == 0 {
			return total, nil
		}
		sem := make(chan struct{}, n.o.Workers)
		var wg sync.WaitGroup
		for _, m := range msgs {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				n.deliverOne(ctx, m)
			})
		}
		wg.Wait()
		total += len(msgs)
		if ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

func (n *Notifier) deliverOne(ctx context.Context, m store.NotifyMessage) {
	snd, ok := n.senders[m.Sink]
	typ := n.types[m.Sink]
	var status int
	var err error
	start := time.Now()
	if !ok {
		typ = "unknown"
		err = permanentError{fmt.Errorf("sink %q is not in the configuration", m.Sink)}
	} else {
		sctx, cancel := context.WithTimeout(ctx, time.Duration(n.cfg.Timeout))
		// The signature's timestamp is the wall clock's: receivers check
		// it against theirs to refuse replays.
		status, err = snd.send(sctx, m.MsgID, m.Payload, time.Now())
		cancel()
	}
	lat := time.Since(start)
	if ctx.Err() != nil {
		// Shutting down mid-delivery: the lease runs out and the message
		// is delivered again (same msg_id), by this replica or another.
		return
	}
	r := store.NotifyResult{ID: m.ID, Owner: n.o.Owner, Status: status, Latency: lat}
	var perm permanentError
	switch {
	case err == nil:
		r.State, r.Outcome = store.NotifyDone, OutcomeDelivered
	case errors.As(err, &perm) || m.Attempts >= m.MaxAttempts:
		r.State, r.Outcome, r.Error = store.NotifyDead, OutcomeDead, err.Error()
	default:
		r.State, r.Outcome, r.Error = store.NotifyPending, OutcomeRetry, err.Error()
		r.NextAt = time.Now().Add(backoff(time.Duration(n.cfg.Backoff), time.Duration(n.cfg.MaxBackoff), m.Attempts))
	}
	if r.NextAt.IsZero() {
		r.NextAt = time.Now()
	}
	n.o.Outcome(typ, r.Outcome)
	if err != nil {
		n.log.Warn("notification delivery failed", "msg_id", m.MsgID, "sink", m.Sink, "attempt", m.Attempts, "outcome", r.Outcome, "err", err)
	}
	if ferr := n.o.Store.FinishNotify(context.WithoutCancel(ctx), r); ferr != nil {
		n.log.Error("record notification delivery", "msg_id", m.MsgID, "err", ferr)
	}
}

// backoff is the delay before attempt+1: full jitter over an exponential
// ceiling, uniform in [0, min(max, base·2^(attempt-1))].
func backoff(base, max time.Duration, attempt int) time.Duration {
	ceil := base
	for i := 1; i < attempt && ceil < max; i++ {
		ceil *= 2
	}
	if ceil > max {
		ceil = max
	}
	return time.Duration(rand.Int64N(int64(ceil) + 1))
}

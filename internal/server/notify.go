package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/store"
)

// newNotifier builds the server's notifier from Options.Notify (an empty
// configuration, which notifies nothing, when there is none).
func (s *Server) newNotifier() error {
	cfg := s.opts.Notify
	if cfg == nil {
		var err error
		cfg, err = notify.Parse(nil, "(no notifications section)", func(string) string { return "" })
		if err != nil {
			return err
		}
	}
	n, err := notify.New(notify.Options{
		Store: s.store, Config: cfg, Logger: s.log.With("component", "notify"), Now: s.now,
		Owner: s.jobs.owner, SLA: s.opts.SLA, Outcome: s.NotificationDelivered,
		KEV: s.kevListed, MaxImageAgeDays: int(s.opts.MaxImageAge / store.Day),
	})
	if err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	s.notifier = n
	return nil
}

// kevListed says whether a vulnerability (id or an alias) is in the
// server's CISA KEV catalog (notification and tracker rules' kev_only).
func (s *Server) kevListed(id string, aliases []string) bool {
	if s.exploit == nil {
		return false
	}
	kev, _ := s.exploit.data().Lookup(id, aliases)
	return kev != nil
}

// Notifier is the server's notifier: the registry watcher publishes its
// registry.new_digest events with Notifier().Publish.
func (s *Server) Notifier() *notify.Notifier { return s.notifier }

// notifyRefreshFailed publishes a refresh failure (best effort: the
// failure is logged and counted in /metrics either way).
func (s *Server) notifyRefreshFailed(ctx context.Context, err error) {
	now := s.now()
	e := notify.Event{Kind: notify.KindRefreshFailed, Key: fmt.Sprintf("refresh:%s:%d", s.jobs.owner, now.UnixNano()), At: now, Error: err.Error()}
	if perr := s.notifier.Publish(context.WithoutCancel(ctx), e); perr != nil {
		s.log.Error("notify refresh failure", "err", perr)
	}
}

// NotifyConfigAudit is the notifications section as the audit log of the
// configuration records it: secrets masked.
func NotifyConfigAudit(c *notify.Config) any {
	if c == nil {
		return nil
	}
	return c.Masked()
}

func (s *Server) registerNotify() {
	type rulesOut struct {
		Body struct {
			Items []notify.Rule `json:"items"`
		}
	}
	add(s, Route{
		Op: huma.Operation{OperationID: "list-notification-rules", Method: http.MethodGet, Path: "/api/v1/notifications/rules", Tags: []string{"notifications"},
			Summary: "List notification rules (those of the config file and those created through the API)"},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeGlobal},
	}, func(ctx context.Context, _ *struct{}) (*rulesOut, error) {
		rs, err := s.notifier.Rules(ctx)
		if err != nil {
			return nil, storeErr(err)
		}
		out := &rulesOut{}
		out.Body.Items = rs
		return out, nil
	})
	type ruleOut struct {
		Status int
		Body   notify.Rule
	}
	add(s, Route{
		Op: huma.Operation{OperationID: "put-notification-rule", Method: http.MethodPut, Path: "/api/v1/notifications/rules/{name}", Tags: []string{"notifications"},
			Summary:     "Create or replace a notification rule",
			Description: "The body is a rule (select, sinks, digest, window, thresholds); its sinks must be in the server's notifications section. Rules of the config file cannot be changed here. Audited."},
		Rule:        Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
		ExamplePath: map[string]string{"name": "matrix-rule"},
		ExampleBody: `{"select":{"kinds":["refresh.failed"]},"sinks":["example"]}`,
	}, func(ctx context.Context, in *struct {
		Name string          `path:"name" maxLength:"64"`
		Body json.RawMessage `doc:"the rule: {select, sinks, digest, window, max_image_age_days, sla_soon_days}"`
	}) (*ruleOut, error) {
		if s.notifier.IsConfigRule(in.Name) {
			return nil, huma.Error409Conflict("rule " + in.Name + " is defined in the config file")
		}
		var body map[string]any
		if err := json.Unmarshal(in.Body, &body); err != nil {
			return nil, huma.Error422UnprocessableEntity("rule: " + err.Error())
		}
		if n, ok := body["name"]; ok && n != in.Name {
			return nil, huma.Error422UnprocessableEntity("rule: the body's name differs from the path's")
		}
		body["name"] = in.Name
		spec, _ := json.Marshal(body)
		r, err := s.notifier.ParseRule(spec)
		if err != nil {
			return nil, huma.Error422UnprocessableEntity(err.Error())
		}
		canon, _ := json.Marshal(r)
		_, created, err := s.store.PutNotifyRule(ctx, store.NotifyRule{Name: in.Name, Spec: canon}, principal(ctx).Actor(), r)
		if err != nil {
			return nil, storeErr(err)
		}
		out := &ruleOut{Status: http.StatusOK, Body: notify.Rule{RuleConfig: r, Source: "api"}}
		if created {
			out.Status = http.StatusCreated
		}
		return out, nil
	})
	add(s, Route{
		Op: huma.Operation{OperationID: "delete-notification-rule", Method: http.MethodDelete, Path: "/api/v1/notifications/rules/{name}", Tags: []string{"notifications"},
			Summary: "Delete a notification rule created through the API (audited)", DefaultStatus: http.StatusNoContent},
		Rule:        Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
		ExamplePath: map[string]string{"name": "matrix-rule"},
	}, func(ctx context.Context, in *struct {
		Name string `path:"name" maxLength:"64"`
	}) (*struct{}, error) {
		if s.notifier.IsConfigRule(in.Name) {
			return nil, huma.Error409Conflict("rule " + in.Name + " is defined in the config file")
		}
		if err := s.store.DeleteNotifyRule(ctx, in.Name, principal(ctx).Actor()); err != nil {
			return nil, storeErr(err)
		}
		return nil, nil
	})
	listMessages := func(ctx context.Context, state string, p PageParams) (*List[store.NotifyMessage], error) {
		ms, next, err := s.store.ListNotifyMessages(ctx, store.NotifyMessageFilter{State: state, Page: p.page()})
		if err != nil {
			return nil, storeErr(err)
		}
		return list(ms, next), nil
	}
	add(s, Route{
		Op: huma.Operation{OperationID: "list-notifications", Method: http.MethodGet, Path: "/api/v1/notifications/messages", Tags: []string{"notifications"},
			Summary: "List the notification outbox (pending, done or dead messages), oldest first"},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeGlobal},
	}, func(ctx context.Context, in *struct {
		State string `query:"state" enum:"pending,done,dead" doc:"only messages in this state"`
		PageParams
	}) (*List[store.NotifyMessage], error) {
		return listMessages(ctx, in.State, in.PageParams)
	})
	add(s, Route{
		Op: huma.Operation{OperationID: "list-dead-letters", Method: http.MethodGet, Path: "/api/v1/notifications/dead-letters", Tags: []string{"notifications"},
			Summary: "List dead letters: messages that failed max_attempts times (replay them with POST .../dead-letters/replay)"},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeGlobal},
	}, func(ctx context.Context, in *struct{ PageParams }) (*List[store.NotifyMessage], error) {
		return listMessages(ctx, store.NotifyDead, in.PageParams)
	})
	add(s, Route{
		Op: huma.Operation{OperationID: "list-notification-deliveries", Method: http.MethodGet, Path: "/api/v1/notifications/deliveries", Tags: []string{"notifications"},
			Summary: "List the delivery log: every attempt with its status, latency and error"},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeGlobal},
	}, func(ctx context.Context, in *struct {
		MessageID int64 `query:"message_id" minimum:"0" doc:"only the attempts of this message"`
		PageParams
	}) (*List[store.NotifyDelivery], error) {
		ds, next, err := s.store.ListNotifyDeliveries(ctx, in.MessageID, in.page())
		if err != nil {
			return nil, storeErr(err)
		}
		return list(ds, next), nil
	})
	type notReplayed struct {
		ID     int64  `json:"id"`
		Reason string `json:"reason"`
	}
	type replayOut struct {
		Body struct {
			Replayed    []store.NotifyMessage `json:"replayed"`
			NotReplayed []notReplayed         `json:"not_replayed"`
		}
	}
	add(s, Route{
		Op: huma.Operation{OperationID: "replay-dead-letters", Method: http.MethodPost, Path: "/api/v1/notifications/dead-letters/replay", Tags: []string{"notifications"},
			Summary:     "Queue dead letters again (same message id, fresh attempts); audited",
			Description: "Each id that is not a dead letter is listed in not_replayed with the reason."},
		Rule:        Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
		ExampleBody: `{"ids":[1]}`,
	}, func(ctx context.Context, in *struct {
		Body struct {
			IDs []int64 `json:"ids" minItems:"1" maxItems:"1000"`
		}
	}) (*replayOut, error) {
		out := &replayOut{}
		out.Body.Replayed, out.Body.NotReplayed = []store.NotifyMessage{}, []notReplayed{}
		for _, id := range in.Body.IDs {
			m, err := s.store.ReplayNotify(ctx, id, principal(ctx).Actor())
			switch {
			case err == nil:
				out.Body.Replayed = append(out.Body.Replayed, m)
			case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInvalid):
				out.Body.NotReplayed = append(out.Body.NotReplayed, notReplayed{ID: id, Reason: err.Error()})
			default:
				return nil, storeErr(err)
			}
		}
		if len(out.Body.Replayed) > 0 {
			s.notifier.Wake()
		}
		return out, nil
	})
}

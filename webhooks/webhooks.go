// Package webhooks is the use case of an organization's webhooks: creating
// them (URL and event-filter rules, a secret shown once and kept sealed),
// listing, updating, rotating the secret with a grace period, disabling,
// deleting, test sends, the delivery log, resends and replays; and the
// message each event becomes (Message) and its signature (Sign), which the
// delivery worker uses. Console, admin API and command line all call it.
//
// It depends on the root package only.
package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/outbound"
)

// Service holds the rules; Keys nil means the server has no secret key,
// and webhooks cannot be created or rotated.
type Service struct {
	Store roster.Webhooks
	Keys  *Keyring
	// AllowPrivate lets URLs be http:// and point at private and loopback
	// addresses (roster serve --allow-private-targets): for tests and
	// receivers inside the operator's own network.
	AllowPrivate bool
	Resolver     *net.Resolver // nil: the system's
	Now          func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// DefaultEvents is what a webhook receives when created without a filter.
var DefaultEvents = []string{"user.*", "group.*", "access.*"}

// families are the event type prefixes a filter may name.
var families = map[string]bool{"user": true, "group": true, "access": true, "directory": true, "domain": true,
	"product": true, "token": true, "org": true, "admin": true, "webhook": true}

// ParseEvents checks an event filter: "*", "family.*" or "family.action".
func ParseEvents(patterns []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if p == "" || seen[p] {
			continue
		}
		fam, action, _ := strings.Cut(p, ".")
		ok := p == "*" || families[fam] && (action == "*" || validAction(action))
		if !ok {
			return nil, roster.E(roster.ReasonUnknownEvent, "%q is no event filter: use *, a family with .* (user.*, group.*, access.*, directory.*, domain.*) or an event type such as user.created", p)
		}
		seen[p] = true
		out = append(out, p)
	}
	if len(out) == 0 {
		return append([]string(nil), DefaultEvents...), nil
	}
	return out, nil
}

func validAction(a string) bool {
	if a == "" || len(a) > 64 {
		return false
	}
	for _, c := range a {
		if !(c >= 'a' && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

// Matches reports whether an event of type typ passes the filter. "*"
// takes every event but the webhooks' own.
func Matches(patterns []string, typ string) bool {
	fam, _, _ := strings.Cut(typ, ".")
	for _, p := range patterns {
		switch {
		case p == typ, p == fam+".*", p == "*" && fam != "webhook":
			return true
		}
	}
	return false
}

// CheckURL applies the outbound rules to a webhook URL: https:// with a
// host that resolves to public addresses only, unless AllowPrivate. The
// delivery worker checks every connection again, since DNS can change.
func (s *Service) CheckURL(ctx context.Context, raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || (u.Scheme != "https" && u.Scheme != "http") || len(raw) > 2048 {
		return "", roster.E(roster.ReasonInvalidValue, "%q is no webhook URL: give an absolute https:// URL without credentials", raw)
	}
	if u.Scheme != "https" && !s.AllowPrivate {
		return "", roster.E(roster.ReasonInvalidValue, "webhook URLs must be https:// (roster serve --allow-private-targets also allows http:// for internal receivers)")
	}
	u.Fragment = ""
	if s.AllowPrivate {
		return u.String(), nil
	}
	host := u.Hostname()
	ip, err := outbound.NonPublicHost(ctx, s.Resolver, host)
	if err != nil {
		return "", roster.E(roster.ReasonInvalidValue, "the webhook host %q does not resolve", host)
	}
	if ip != nil {
		return "", roster.E(roster.ReasonPrivateTarget, "the webhook host %q is %s, not a public address; an operator can allow such targets with roster serve --allow-private-targets", host, ip)
	}
	return u.String(), nil
}

// CreateRequest is what creating a webhook takes.
type CreateRequest struct {
	OrgID       string
	URL         string
	Events      []string
	DirectoryID string
}

// Create makes a webhook and returns it with its secret, which is shown
// this once.
func (s *Service) Create(ctx context.Context, r CreateRequest) (*roster.Webhook, string, error) {
	if s.Keys == nil {
		return nil, "", errNoKey()
	}
	u, err := s.CheckURL(ctx, r.URL)
	if err != nil {
		return nil, "", err
	}
	events, err := ParseEvents(r.Events)
	if err != nil {
		return nil, "", err
	}
	secret := NewSecret()
	w := &roster.Webhook{OrgID: r.OrgID, URL: u, Events: events, DirectoryID: r.DirectoryID, Secret: s.Keys.Seal(secret)}
	if err := s.Store.CreateWebhook(ctx, w); err != nil {
		return nil, "", err
	}
	return w, secret, nil
}

// UpdateRequest changes what is set: nil leaves a field as it is.
type UpdateRequest struct {
	URL         *string
	Events      []string
	DirectoryID *string
	Disabled    *bool
}

// Update changes a webhook.
func (s *Service) Update(ctx context.Context, orgID, id string, r UpdateRequest) (*roster.Webhook, error) {
	var u string
	if r.URL != nil {
		var err error
		if u, err = s.CheckURL(ctx, *r.URL); err != nil {
			return nil, err
		}
	}
	var events []string
	if r.Events != nil {
		var err error
		if events, err = ParseEvents(r.Events); err != nil {
			return nil, err
		}
	}
	return s.Store.UpdateWebhook(ctx, orgID, id, func(w *roster.Webhook) error {
		if r.URL != nil {
			w.URL = u
		}
		if events != nil {
			w.Events = events
		}
		if r.DirectoryID != nil {
			w.DirectoryID = *r.DirectoryID
		}
		if r.Disabled != nil {
			w.Disabled = *r.Disabled
		}
		return nil
	})
}

// DefaultGrace is how long the old secret keeps signing after a rotation.
const DefaultGrace = 24 * time.Hour

// RotateSecret gives the webhook a new secret, shown this once; the old
// one keeps signing alongside it for grace (0: DefaultGrace), so that
// receivers can switch without missing a message.
func (s *Service) RotateSecret(ctx context.Context, orgID, id string, grace time.Duration) (*roster.Webhook, string, error) {
	if s.Keys == nil {
		return nil, "", errNoKey()
	}
	if grace < 0 || grace > 30*24*time.Hour {
		return nil, "", roster.E(roster.ReasonInvalidValue, "the grace period is between 0 and 30 days, not %s", grace)
	}
	if grace == 0 {
		grace = DefaultGrace
	}
	secret := NewSecret()
	w, err := s.Store.UpdateWebhook(ctx, orgID, id, func(w *roster.Webhook) error {
		w.OldSecret, w.OldSecretUntil = w.Secret, s.now().Add(grace).UTC()
		w.Secret = s.Keys.Seal(secret)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return w, secret, nil
}

// Disable stops (or, with false, resumes) deliveries to a webhook. Its
// cursor only moves while it is enabled, so enabling it again delivers
// what happened meanwhile.
func (s *Service) Disable(ctx context.Context, orgID, id string, disabled bool) (*roster.Webhook, error) {
	return s.Update(ctx, orgID, id, UpdateRequest{Disabled: &disabled})
}

// SendTest queues a "webhook.test" message to the webhook.
func (s *Service) SendTest(ctx context.Context, orgID, id string) (*roster.Delivery, error) {
	w, err := s.Store.GetWebhook(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	body, _ := json.Marshal(message{Type: "webhook.test", Timestamp: now.Format(time.RFC3339Nano), Data: map[string]any{"organization": orgID, "webhook": w.ID}})
	d := &roster.Delivery{WebhookID: w.ID, OrgID: orgID, Type: "webhook.test", ResourceKey: "test:" + now.Format(time.RFC3339Nano), Payload: string(body)}
	if err := s.Store.CreateDelivery(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// Deliveries is the webhook's delivery log, newest first.
func (s *Service) Deliveries(ctx context.Context, orgID, id string, state roster.DeliveryState, limit int) ([]roster.Delivery, error) {
	switch state {
	case "", roster.DeliveryPending, roster.DeliveryDelivered, roster.DeliveryDead:
	default:
		return nil, roster.E(roster.ReasonInvalidValue, "state is pending, delivered or dead, not %q", state)
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return s.Store.ListDeliveries(ctx, orgID, id, state, limit)
}

// Delivery is one delivery of the webhook with its attempts, oldest
// first.
func (s *Service) Delivery(ctx context.Context, orgID, webhookID, id string) (*roster.Delivery, []roster.DeliveryAttempt, error) {
	return s.Store.GetDelivery(ctx, orgID, webhookID, id)
}

// List is the organization's webhooks, oldest first.
func (s *Service) List(ctx context.Context, orgID string) ([]roster.Webhook, error) {
	return s.Store.ListWebhooks(ctx, orgID)
}

// Get is one webhook of the organization.
func (s *Service) Get(ctx context.Context, orgID, id string) (*roster.Webhook, error) {
	return s.Store.GetWebhook(ctx, orgID, id)
}

// Delete removes a webhook with its delivery log.
func (s *Service) Delete(ctx context.Context, orgID, id string) error {
	return s.Store.DeleteWebhook(ctx, orgID, id)
}

// Resend queues a delivered or dead delivery again, with its webhook-id.
func (s *Service) Resend(ctx context.Context, orgID, webhookID, id string) error {
	return s.Store.ResendDelivery(ctx, orgID, webhookID, id)
}

// Replay delivers again every matching event from sequence number from
// on.
func (s *Service) Replay(ctx context.Context, orgID, id string, from int64) error {
	return s.Store.ReplayWebhook(ctx, orgID, id, from)
}

// message is the body of every delivery (Standard Webhooks' shape).
type message struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Data      any    `json:"data"`
}

// Message is what event e becomes for webhook w: its type, the key that
// orders it among w's deliveries (its resource), and the JSON body; ok is
// false when w does not take it. The body's data is EventData: the
// event's organization, directory, seq and actor with its normalized
// payload.
func Message(w *roster.Webhook, e *roster.Event) (typ, resourceKey, payload string, ok bool) {
	if !Matches(w.Events, e.Action) || w.DirectoryID != "" && e.DirectoryID != w.DirectoryID {
		return "", "", "", false
	}
	body, _ := json.Marshal(message{Type: e.Action, Timestamp: e.Time.UTC().Format(time.RFC3339Nano), Data: EventData(e)})
	return e.Action, e.ResourceType + ":" + e.ResourceID, string(body), true
}

// EventData is the data object of an event as webhooks deliver it and the
// change feed returns it: organization, directory, seq and actor, and
// beside them the fields of the normalized payload (e.Data). An event
// without one (written before payloads were normalized, or an
// administrative event) carries its resource and audit detail instead.
func EventData(e *roster.Event) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	if len(e.Data) > 0 && json.Unmarshal(e.Data, &out) != nil {
		out = map[string]json.RawMessage{}
	}
	if len(out) == 0 {
		var det json.RawMessage = []byte(e.Detail)
		if !json.Valid(det) {
			det, _ = json.Marshal(e.Detail)
		}
		out["resource"], _ = json.Marshal(map[string]string{"type": e.ResourceType, "id": e.ResourceID})
		out["detail"] = det
	}
	out["seq"], _ = json.Marshal(e.Seq)
	out["organization"], _ = json.Marshal(e.OrgID)
	out["directory"], _ = json.Marshal(e.DirectoryID)
	out["actor"], _ = json.Marshal(e.Actor)
	return out
}

// Secrets returns the secrets that sign for w at time now: the current
// one, and the previous one during a rotation's grace period.
func (k *Keyring) Secrets(w *roster.Webhook, now time.Time) ([]string, error) {
	cur, err := k.Open(w.Secret)
	if err != nil {
		return nil, err
	}
	out := []string{cur}
	if len(w.OldSecret) > 0 && now.Before(w.OldSecretUntil) {
		if old, err := k.Open(w.OldSecret); err == nil {
			out = append(out, old)
		}
	}
	return out, nil
}

// Rekey seals again with the key file's first key every secret of the
// organization's webhooks (the current one and, during a rotation, the
// previous one) that an older key of the ring sealed, and returns how many
// webhooks it changed. roster rekey runs it after roster keygen --rotate,
// so that the older keys can then leave the key file.
func (s *Service) Rekey(ctx context.Context, orgID string) (int, error) {
	if s.Keys == nil {
		return 0, errNoKey()
	}
	hooks, err := s.Store.ListWebhooks(ctx, orgID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, h := range hooks {
		changed := false
		_, err := s.Store.UpdateWebhook(ctx, orgID, h.ID, func(w *roster.Webhook) error {
			var a, b bool
			var err error
			if w.Secret, a, err = s.Keys.Reseal(w.Secret); err != nil {
				return err
			}
			if w.OldSecret, b, err = s.Keys.Reseal(w.OldSecret); err != nil {
				return err
			}
			changed = a || b
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("webhook %s: %w", h.ID, err)
		}
		if changed {
			n++
		}
	}
	return n, nil
}

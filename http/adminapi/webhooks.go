package adminapi

import (
	"net/http"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/webhooks"
)

// Webhooks: the webhooks use case, as the command line calls it. A
// secret is in the response that creates or rotates it and nowhere else.

func webhookJSON(w *roster.Webhook, now time.Time) map[string]any {
	out := map[string]any{"id": w.ID, "url": w.URL, "events": w.Events, "directoryId": w.DirectoryID, "disabled": w.Disabled,
		"created": jsonTime(w.Created), "modified": jsonTime(w.Modified)}
	if len(w.OldSecret) > 0 && now.Before(w.OldSecretUntil) {
		out["previousSecretUntil"] = jsonTime(w.OldSecretUntil)
	}
	if w.DisabledReason != "" {
		out["disabledReason"] = w.DisabledReason
	}
	if !w.FailingSince.IsZero() {
		out["failingSince"] = jsonTime(w.FailingSince)
	}
	return out
}

func attemptJSON(a *roster.DeliveryAttempt) map[string]any {
	return map[string]any{"attempt": a.Number, "at": jsonTime(a.At), "status": a.Status, "latencyMs": a.Latency.Milliseconds(),
		"error": a.Error, "response": a.ResponseExcerpt, "node": a.Node}
}

func deliveryJSON(d *roster.Delivery) map[string]any {
	out := map[string]any{"id": d.ID, "type": d.Type, "state": d.State, "attempts": d.Attempts, "created": jsonTime(d.Created),
		"status": d.LastStatus, "latencyMs": d.LastLatency.Milliseconds(), "error": d.LastError, "response": d.ResponseExcerpt,
		"lastAttempt": jsonTime(d.LastAttempt)}
	if d.EventSeq > 0 {
		out["eventSeq"] = d.EventSeq
	}
	if d.State == roster.DeliveryPending {
		out["nextAttempt"] = jsonTime(d.NextAttempt)
	}
	return out
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := s.uc.Webhooks.List(r.Context(), c.org)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for i := range list {
		out = append(out, webhookJSON(&list[i], s.now()))
	}
	return write(w, http.StatusOK, map[string]any{"webhooks": out})
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct {
		URL         string   `json:"url"`
		Events      []string `json:"events"`
		DirectoryID string   `json:"directoryId"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	hook, secret, err := s.uc.Webhooks.Create(r.Context(), webhooks.CreateRequest{OrgID: c.org, URL: body.URL, Events: body.Events, DirectoryID: body.DirectoryID})
	if err != nil {
		return err
	}
	out := webhookJSON(hook, s.now())
	out["secret"] = secret
	return write(w, http.StatusCreated, out)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	hook, err := s.uc.Webhooks.Get(r.Context(), c.org, r.PathValue("webhook"))
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, webhookJSON(hook, s.now()))
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct {
		URL         *string  `json:"url"`
		Events      []string `json:"events"`
		DirectoryID *string  `json:"directoryId"`
		Disabled    *bool    `json:"disabled"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	hook, err := s.uc.Webhooks.Update(r.Context(), c.org, r.PathValue("webhook"), webhooks.UpdateRequest{URL: body.URL, Events: body.Events, DirectoryID: body.DirectoryID, Disabled: body.Disabled})
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, webhookJSON(hook, s.now()))
}

func (s *Server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct{ Grace string }
	if err := decode(w, r, &body); err != nil {
		return err
	}
	var grace time.Duration
	if body.Grace != "" {
		var err error
		if grace, err = time.ParseDuration(body.Grace); err != nil {
			return roster.E(roster.ReasonInvalidValue, "grace is a duration such as 24h, not %q", body.Grace)
		}
	}
	hook, secret, err := s.uc.Webhooks.RotateSecret(r.Context(), c.org, r.PathValue("webhook"), grace)
	if err != nil {
		return err
	}
	out := webhookJSON(hook, s.now())
	out["secret"] = secret
	return write(w, http.StatusOK, out)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.uc.Webhooks.Delete(r.Context(), c.org, r.PathValue("webhook")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.uc.Webhooks.SendTest(r.Context(), c.org, r.PathValue("webhook"))
	if err != nil {
		return err
	}
	return write(w, http.StatusAccepted, deliveryJSON(d))
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, err := intParam(r, "limit", 0, 1000) // 0: the use case's default
	if err != nil {
		return err
	}
	ds, err := s.uc.Webhooks.Deliveries(r.Context(), c.org, r.PathValue("webhook"), roster.DeliveryState(r.URL.Query().Get("state")), limit)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for i := range ds {
		out = append(out, deliveryJSON(&ds[i]))
	}
	return write(w, http.StatusOK, map[string]any{"deliveries": out})
}

// getWebhookDelivery is one delivery with its attempts.
func (s *Server) getWebhookDelivery(w http.ResponseWriter, r *http.Request, c *call) error {
	d, attempts, err := s.uc.Webhooks.Delivery(r.Context(), c.org, r.PathValue("webhook"), r.PathValue("delivery"))
	if err != nil {
		return err
	}
	out := deliveryJSON(d)
	list := []map[string]any{}
	for i := range attempts {
		list = append(list, attemptJSON(&attempts[i]))
	}
	out["attemptLog"] = list
	return write(w, http.StatusOK, out)
}

func (s *Server) resendWebhookDelivery(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.uc.Webhooks.Resend(r.Context(), c.org, r.PathValue("webhook"), r.PathValue("delivery")); err != nil {
		return err
	}
	return write(w, http.StatusAccepted, map[string]any{"id": r.PathValue("delivery"), "state": roster.DeliveryPending})
}

func (s *Server) replayWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct {
		From int64 `json:"from"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if err := s.uc.Webhooks.Replay(r.Context(), c.org, r.PathValue("webhook"), body.From); err != nil {
		return err
	}
	return write(w, http.StatusAccepted, map[string]any{"from": body.From})
}

package sqlstore

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

const webhookColumns = `id, org_id, directory_id, url, events, secret, old_secret, old_secret_until, disabled, created, modified, event_cursor`

func scanWebhook(sc rowScanner) (roster.Webhook, error) {
	var w roster.Webhook
	var events string
	var oldUntil, created, modified int64
	err := sc.Scan(&w.ID, &w.OrgID, &w.DirectoryID, &w.URL, &events, &w.Secret, &w.OldSecret, &oldUntil, &w.Disabled, &created, &modified, &w.Cursor)
	if events != "" {
		w.Events = strings.Split(events, ",")
	}
	w.OldSecretUntil, w.Created, w.Modified = fromMicros(oldUntil), fromMicros(created), fromMicros(modified)
	return w, err
}

// webhookDetail is what the audit trail says about a webhook: never its
// secret.
func webhookDetail(w *roster.Webhook) string {
	return detail("url", w.URL, "events", w.Events, "directory", w.DirectoryID, "disabled", w.Disabled)
}

// CreateWebhook implements roster.Store. The new webhook's cursor is the
// newest event: it is told about changes from now on (replay reaches
// back).
func (s *Store) CreateWebhook(ctx context.Context, w *roster.Webhook) error {
	w.ID = newID()
	w.Created = s.clock()
	w.Modified = w.Created
	return s.inTx(ctx, func(t *tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE id = ?`, w.OrgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return roster.NotFoundf("no organization %q", w.OrgID)
		}
		if w.DirectoryID != "" {
			if err := t.queryRow(ctx, `SELECT COUNT(*) FROM directories WHERE org_id = ? AND id = ?`, w.OrgID, w.DirectoryID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return roster.NotFoundf("the organization has no directory %q", w.DirectoryID)
			}
		}
		if err := t.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events`).Scan(&w.Cursor); err != nil {
			return err
		}
		if w.OldSecret == nil {
			w.OldSecret = []byte{}
		}
		if _, err := t.exec(ctx, `INSERT INTO webhooks (`+webhookColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			w.ID, w.OrgID, w.DirectoryID, w.URL, strings.Join(w.Events, ","), w.Secret, w.OldSecret, micros(w.OldSecretUntil), w.Disabled,
			micros(w.Created), micros(w.Modified), w.Cursor); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: w.OrgID, Action: "webhook.created", ResourceType: "Webhook", ResourceID: w.ID, Detail: webhookDetail(w)})
	})
}

// GetWebhook implements roster.Store.
func (s *Store) GetWebhook(ctx context.Context, orgID, id string) (*roster.Webhook, error) {
	w, err := scanWebhook(s.readRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return nil, notFound(err, "the organization has no webhook %q", id)
	}
	return &w, nil
}

// ListWebhooks implements roster.Store.
func (s *Store) ListWebhooks(ctx context.Context, orgID string) ([]roster.Webhook, error) {
	var out []roster.Webhook
	_, err := s.readRows(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE org_id = ? ORDER BY created, id`, []any{orgID}, func(sc rowScanner) (int64, error) {
		w, err := scanWebhook(sc)
		out = append(out, w)
		return 0, err
	})
	return out, err
}

// UpdateWebhook implements roster.Store. The identity, organization and
// cursor are not fn's to change.
func (s *Store) UpdateWebhook(ctx context.Context, orgID, id string, fn func(*roster.Webhook) error) (*roster.Webhook, error) {
	var out roster.Webhook
	err := s.inTx(ctx, func(t *tx) error {
		w, err := scanWebhook(t.queryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE org_id = ? AND id = ?`+s.d.ForUpdate, orgID, id))
		if err != nil {
			return notFound(err, "the organization has no webhook %q", id)
		}
		before := w
		if err := fn(&w); err != nil {
			return err
		}
		w.ID, w.OrgID, w.Cursor, w.Created = before.ID, before.OrgID, before.Cursor, before.Created
		w.Modified = s.clock()
		if w.OldSecret == nil {
			w.OldSecret = []byte{}
		}
		if _, err := t.exec(ctx, `UPDATE webhooks SET directory_id = ?, url = ?, events = ?, secret = ?, old_secret = ?, old_secret_until = ?, disabled = ?, modified = ?
			WHERE org_id = ? AND id = ?`, w.DirectoryID, w.URL, strings.Join(w.Events, ","), w.Secret, w.OldSecret, micros(w.OldSecretUntil), w.Disabled, micros(w.Modified),
			orgID, id); err != nil {
			return err
		}
		out = w
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "webhook.updated", ResourceType: "Webhook", ResourceID: id, Detail: webhookDetail(&w)})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteWebhook implements roster.Store, with its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, orgID, id string) error {
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `DELETE FROM webhooks WHERE org_id = ? AND id = ?`, orgID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return roster.NotFoundf("the organization has no webhook %q", id)
		}
		if _, err := t.exec(ctx, `DELETE FROM webhook_deliveries WHERE org_id = ? AND webhook_id = ?`, orgID, id); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "webhook.deleted", ResourceType: "Webhook", ResourceID: id})
	})
}

const deliveryColumns = `seq, id, webhook_id, org_id, event_seq, type, resource_key, payload, state, attempts, next_attempt, created,
	last_attempt, last_status, last_error, last_latency_us, response_excerpt`

func scanDelivery(sc rowScanner) (roster.Delivery, error) {
	var d roster.Delivery
	var next, created, last, latency int64
	var state string
	err := sc.Scan(&d.Seq, &d.ID, &d.WebhookID, &d.OrgID, &d.EventSeq, &d.Type, &d.ResourceKey, &d.Payload, &state, &d.Attempts, &next, &created,
		&last, &d.LastStatus, &d.LastError, &latency, &d.ResponseExcerpt)
	d.State = roster.DeliveryState(state)
	d.NextAttempt, d.Created, d.LastAttempt = fromMicros(next), fromMicros(created), fromMicros(last)
	d.LastLatency = time.Duration(latency) * time.Microsecond
	return d, err
}

// insertDelivery queues d inside t under dedupeKey. A delivery with that
// key exists already when an event is replayed: it is queued again unless
// it is pending anyway, keeping its webhook-id.
func (s *Store) insertDelivery(ctx context.Context, t *tx, d *roster.Delivery, dedupeKey string) error {
	if d.ID == "" {
		d.ID = "msg_" + newID()
	}
	d.State = roster.DeliveryPending
	_, err := t.exec(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, org_id, dedupe_key, event_seq, type, resource_key, payload, state, attempts,
			next_attempt, lease_owner, lease_until, created, last_attempt, last_status, last_error, last_latency_us, response_excerpt)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, '', 0, ?, 0, 0, '', 0, '')
		ON CONFLICT (webhook_id, dedupe_key) DO UPDATE SET state = 'pending', attempts = 0, next_attempt = excluded.next_attempt, lease_owner = '', lease_until = 0
		WHERE webhook_deliveries.state <> 'pending'`,
		d.ID, d.WebhookID, d.OrgID, dedupeKey, d.EventSeq, d.Type, d.ResourceKey, d.Payload, micros(d.NextAttempt), micros(d.Created))
	return err
}

// CreateDelivery implements roster.Store.
func (s *Store) CreateDelivery(ctx context.Context, d *roster.Delivery) error {
	d.Created = s.clock()
	if d.NextAttempt.IsZero() {
		d.NextAttempt = d.Created
	}
	return s.inTx(ctx, func(t *tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM webhooks WHERE org_id = ? AND id = ?`, d.OrgID, d.WebhookID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return roster.NotFoundf("the organization has no webhook %q", d.WebhookID)
		}
		d.ID = "msg_" + newID()
		return s.insertDelivery(ctx, t, d, "msg:"+d.ID)
	})
}

// ListDeliveries implements roster.Store.
func (s *Store) ListDeliveries(ctx context.Context, orgID, webhookID string, state roster.DeliveryState, limit int) ([]roster.Delivery, error) {
	if _, err := s.GetWebhook(ctx, orgID, webhookID); err != nil {
		return nil, err
	}
	q := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries WHERE org_id = ? AND webhook_id = ?`
	args := []any{orgID, webhookID}
	if state != "" {
		q += ` AND state = ?`
		args = append(args, string(state))
	}
	q += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, limit)
	var out []roster.Delivery
	_, err := s.readRows(ctx, q, args, func(sc rowScanner) (int64, error) {
		d, err := scanDelivery(sc)
		out = append(out, d)
		return 0, err
	})
	return out, err
}

// ResendDelivery implements roster.Store.
func (s *Store) ResendDelivery(ctx context.Context, orgID, webhookID, id string) error {
	return s.inTx(ctx, func(t *tx) error {
		var state string
		err := t.queryRow(ctx, `SELECT state FROM webhook_deliveries WHERE org_id = ? AND webhook_id = ? AND id = ?`+s.d.ForUpdate, orgID, webhookID, id).Scan(&state)
		if err != nil {
			return notFound(err, "webhook %q has no delivery %q", webhookID, id)
		}
		if state == string(roster.DeliveryPending) {
			return roster.Errorf(roster.EConflict, "", "delivery %q is queued already", id)
		}
		_, err = t.exec(ctx, `UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt = ?, lease_owner = '', lease_until = 0
			WHERE org_id = ? AND webhook_id = ? AND id = ?`, micros(s.clock()), orgID, webhookID, id)
		return err
	})
}

// ReplayWebhook implements roster.Store.
func (s *Store) ReplayWebhook(ctx context.Context, orgID, id string, fromSeq int64) error {
	if fromSeq < 1 {
		return roster.E(roster.ReasonInvalidValue, "replay starts at an event sequence number of 1 or more, not %d", fromSeq)
	}
	return s.inTx(ctx, func(t *tx) error {
		var cursor int64
		if err := t.queryRow(ctx, `SELECT event_cursor FROM webhooks WHERE org_id = ? AND id = ?`+s.d.ForUpdate, orgID, id).Scan(&cursor); err != nil {
			return notFound(err, "the organization has no webhook %q", id)
		}
		if fromSeq-1 < cursor {
			if _, err := t.exec(ctx, `UPDATE webhooks SET event_cursor = ? WHERE org_id = ? AND id = ?`, fromSeq-1, orgID, id); err != nil {
				return err
			}
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "webhook.replayed", ResourceType: "Webhook", ResourceID: id, Detail: detail("from", fromSeq)})
	})
}

// FanOutEvents implements roster.Store.
func (s *Store) FanOutEvents(ctx context.Context, filter func(*roster.Webhook, *roster.Event) (string, string, string, bool), limit int) (int, error) {
	made := 0
	err := s.inTx(ctx, func(t *tx) error {
		made = 0
		rows, err := t.query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE disabled = ? ORDER BY id`+s.d.ForUpdate, false)
		if err != nil {
			return err
		}
		var hooks []roster.Webhook
		for rows.Next() {
			w, err := scanWebhook(rows)
			if err != nil {
				rows.Close()
				return err
			}
			hooks = append(hooks, w)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(hooks) == 0 {
			return err
		}
		low := hooks[0].Cursor
		for _, w := range hooks {
			low = min(low, w.Cursor)
		}
		// The horizon: the last event after the lowest cursor up to which
		// no sequence number can still appear (one rule for every reader
		// of the events, see horizon).
		horizon, err := s.horizon(ctx, t, low, limit)
		if err != nil {
			return err
		}
		now := s.clock()
		for i := range hooks {
			w := &hooks[i]
			if w.Cursor >= horizon {
				continue
			}
			events, err := s.eventsBetween(ctx, t, w.OrgID, w.Cursor, horizon, limit)
			if err != nil {
				return err
			}
			for j := range events {
				e := &events[j]
				typ, key, payload, ok := filter(w, e)
				if !ok {
					continue
				}
				d := roster.Delivery{WebhookID: w.ID, OrgID: w.OrgID, EventSeq: e.Seq, Type: typ, ResourceKey: key, Payload: payload, NextAttempt: now, Created: now}
				if err := s.insertDelivery(ctx, t, &d, "event:"+itoa(e.Seq)); err != nil {
					return err
				}
				made++
			}
			if _, err := t.exec(ctx, `UPDATE webhooks SET event_cursor = ? WHERE id = ?`, horizon, w.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return made, err
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// ClaimDeliveries implements roster.Store. The conditional UPDATE is what
// keeps two nodes from leasing one delivery: on PostgreSQL the second
// waits for the first's row lock and then re-checks lease_until, which
// the first has moved into the future; SQLite has one writer anyway.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]roster.Delivery, error) {
	var out []roster.Delivery
	err := s.inTx(ctx, func(t *tx) error {
		out = out[:0]
		lock := ""
		if s.d.ForUpdate != "" {
			lock = s.d.ForUpdate + " SKIP LOCKED"
		}
		rows, err := t.query(ctx, `SELECT d.id FROM webhook_deliveries d
			WHERE d.state = 'pending' AND d.next_attempt <= ? AND d.lease_until <= ?
			AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.disabled = ?)
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.webhook_id = d.webhook_id AND p.resource_key = d.resource_key
				AND p.state = 'pending' AND p.seq < d.seq)
			ORDER BY d.next_attempt, d.seq LIMIT ?`+lock, micros(now), micros(now), false, limit)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		list, _ := json.Marshal(ids)
		rows, err = t.query(ctx, `UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ?
			WHERE state = 'pending' AND lease_until <= ? AND `+s.d.InJSON("id")+` RETURNING `+deliveryColumns,
			owner, micros(leaseUntil), micros(now), string(list))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// RecordAttempt implements roster.Store.
func (s *Store) RecordAttempt(ctx context.Context, owner string, seq int64, r roster.DeliveryResult) (bool, error) {
	state := roster.DeliveryPending
	switch {
	case r.Delivered:
		state = roster.DeliveryDelivered
	case r.Retry.IsZero():
		state = roster.DeliveryDead
	}
	ok := false
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, next_attempt = ?, lease_owner = '', lease_until = 0,
			last_attempt = ?, last_status = ?, last_error = ?, last_latency_us = ?, response_excerpt = ?
			WHERE seq = ? AND lease_owner = ? AND state = 'pending'`,
			string(state), micros(r.Retry), micros(r.At), r.Status, r.Error, r.Latency.Microseconds(), r.ResponseExcerpt, seq, owner)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		return nil
	})
	return ok, err
}

// DeliveryWebhooks implements roster.Store.
func (s *Store) DeliveryWebhooks(ctx context.Context, ids []string) (map[string]*roster.Webhook, error) {
	out := map[string]*roster.Webhook{}
	if len(ids) == 0 {
		return out, nil
	}
	list, _ := json.Marshal(ids)
	_, err := s.readRows(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE `+s.d.InJSON("id"), []any{string(list)}, func(sc rowScanner) (int64, error) {
		w, err := scanWebhook(sc)
		out[w.ID] = &w
		return 0, err
	})
	return out, err
}

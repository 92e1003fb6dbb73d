package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

const webhookColumns = `id, org_id, directory_id, url, events, secret, old_secret, old_secret_until, disabled, created, modified, event_cursor,
	failing_since, dead_streak, disabled_reason`

func scanWebhook(sc rowScanner) (roster.Webhook, error) {
	var w roster.Webhook
	var events string
	var oldUntil, created, modified, failing int64
	err := sc.Scan(&w.ID, &w.OrgID, &w.DirectoryID, &w.URL, &events, &w.Secret, &w.OldSecret, &oldUntil, &w.Disabled, &created, &modified, &w.Cursor,
		&failing, &w.DeadStreak, &w.DisabledReason)
	if events != "" {
		w.Events = strings.Split(events, ",")
	}
	w.OldSecretUntil, w.Created, w.Modified, w.FailingSince = fromMicros(oldUntil), fromMicros(created), fromMicros(modified), fromMicros(failing)
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
		if _, err := t.exec(ctx, `INSERT INTO webhooks (`+webhookColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '')`,
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
		w.FailingSince, w.DeadStreak, w.DisabledReason = before.FailingSince, before.DeadStreak, before.DisabledReason
		if before.Disabled != w.Disabled {
			// Enabling starts the failure count afresh; an admin's
			// disabling is no failure to explain.
			w.FailingSince, w.DeadStreak, w.DisabledReason = time.Time{}, 0, ""
		}
		w.Modified = s.clock()
		if w.OldSecret == nil {
			w.OldSecret = []byte{}
		}
		if _, err := t.exec(ctx, `UPDATE webhooks SET directory_id = ?, url = ?, events = ?, secret = ?, old_secret = ?, old_secret_until = ?, disabled = ?, modified = ?,
			failing_since = ?, dead_streak = ?, disabled_reason = ?
			WHERE org_id = ? AND id = ?`, w.DirectoryID, w.URL, strings.Join(w.Events, ","), w.Secret, w.OldSecret, micros(w.OldSecretUntil), w.Disabled, micros(w.Modified),
			micros(w.FailingSince), w.DeadStreak, w.DisabledReason, orgID, id); err != nil {
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
		if _, err := t.exec(ctx, `DELETE FROM delivery_attempts WHERE org_id = ? AND webhook_id = ?`, orgID, id); err != nil {
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

// insertDeliveries queues ds inside t, each under its dedupe key
// (keys[i]). A delivery with that key exists already when an event is
// replayed: it is queued again unless it is pending anyway, keeping its
// webhook-id. Rows go in statements of up to insertBatch, since on
// PostgreSQL each statement is a round trip and the fan-out writes
// thousands.
func (s *Store) insertDeliveries(ctx context.Context, t *tx, ds []roster.Delivery, keys []string) error {
	for start, end := range batches(len(ds)) {
		args := make([]any, 0, (end-start)*10)
		for i := start; i < end; i++ {
			d := &ds[i]
			if d.ID == "" {
				d.ID = "msg_" + newID()
			}
			d.State = roster.DeliveryPending
			args = append(args, d.ID, d.WebhookID, d.OrgID, keys[i], d.EventSeq, d.Type, d.ResourceKey, d.Payload, micros(d.NextAttempt), micros(d.Created))
		}
		q := `INSERT INTO webhook_deliveries (id, webhook_id, org_id, dedupe_key, event_seq, type, resource_key, payload, state, attempts,
			next_attempt, lease_owner, lease_until, created, last_attempt, last_status, last_error, last_latency_us, response_excerpt) VALUES ` +
			rowsOf(end-start, `(?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, '', 0, ?, 0, 0, '', 0, '')`) +
			` ON CONFLICT (webhook_id, dedupe_key) DO UPDATE SET state = 'pending', attempts = 0, next_attempt = excluded.next_attempt, lease_owner = '', lease_until = 0
			WHERE webhook_deliveries.state <> 'pending'`
		if _, err := t.exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// batchShapes are the numbers of rows one multi-row statement of the
// delivery queue writes: a list of any length is cut into these, so that
// the statement cache holds a handful of SQL texts rather than one per
// length (and rows of ten parameters stay well below either database's
// limit).
var batchShapes = []int{256, 64, 16, 4, 1}

// batches cuts n rows into ranges [start, end) of batchShapes' sizes.
func batches(n int) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		start := 0
		for _, size := range batchShapes {
			for n-start >= size {
				if !yield(start, start+size) {
					return
				}
				start += size
			}
		}
	}
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
		ds := []roster.Delivery{*d}
		if err := s.insertDeliveries(ctx, t, ds, []string{"msg:" + d.ID}); err != nil {
			return err
		}
		*d = ds[0]
		return nil
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
		hooks, err := scanAll(rows, scanWebhook)
		if err != nil || len(hooks) == 0 {
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
			var ds []roster.Delivery
			var keys []string
			for j := range events {
				e := &events[j]
				typ, key, payload, ok := filter(w, e)
				if !ok {
					continue
				}
				ds = append(ds, roster.Delivery{WebhookID: w.ID, OrgID: w.OrgID, EventSeq: e.Seq, Type: typ, ResourceKey: key, Payload: payload, NextAttempt: now, Created: now})
				keys = append(keys, "event:"+itoa(e.Seq))
			}
			if err := s.insertDeliveries(ctx, t, ds, keys); err != nil {
				return err
			}
			made += len(ds)
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
		ids, err := scanAll(rows, scanOne[string])
		if err != nil || len(ids) == 0 {
			return err
		}
		list, _ := json.Marshal(ids)
		rows, err = t.query(ctx, `UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ?
			WHERE state = 'pending' AND lease_until <= ? AND `+s.d.InJSON("id")+` RETURNING `+deliveryColumns,
			owner, micros(leaseUntil), micros(now), string(list))
		if err != nil {
			return err
		}
		out, err = scanAll(rows, scanDelivery)
		return err
	})
	return out, err
}

// RecordAttempts implements roster.Store. A batch is one transaction of
// a few statements, whatever its size: on SQLite every commit is a write
// of the one writer and on PostgreSQL every statement a round trip, so
// recording a round of attempts together rather than one by one is what
// lets a worker deliver thousands a second.
func (s *Store) RecordAttempts(ctx context.Context, owner string, rs []roster.DeliveryResult) (int, error) {
	recorded := 0
	err := s.inTx(ctx, func(t *tx) error {
		written := map[int64]attempted{}
		for start, end := range batches(len(rs)) {
			if err := s.updateAttempted(ctx, t, owner, rs[start:end], written); err != nil {
				return err
			}
		}
		recorded = len(written)
		hooks := map[string]*failures{}
		var order []string
		var kept []any // the attempts' rows, ten values each
		for i := range rs {
			r := &rs[i]
			row, ok := written[r.Seq]
			if !ok {
				continue // the lease was lost
			}
			kept = append(kept, r.Seq, row.attempt, row.hookID, row.orgID, micros(r.At), r.Status, r.Latency.Microseconds(), r.Error, r.ResponseExcerpt, owner)
			f := hooks[row.hookID]
			if f == nil {
				f = &failures{}
				hooks[row.hookID] = f
				order = append(order, row.hookID)
			}
			f.add(*r, resultState(r))
		}
		for start, end := range batches(len(kept) / 10) {
			q := `INSERT INTO delivery_attempts (delivery_seq, attempt, webhook_id, org_id, at, status, latency_us, error, response_excerpt, node) VALUES ` +
				rowsOf(end-start, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") +
				` ON CONFLICT (delivery_seq, attempt) DO UPDATE SET at = excluded.at, status = excluded.status, latency_us = excluded.latency_us,
				error = excluded.error, response_excerpt = excluded.response_excerpt, node = excluded.node`
			if _, err := t.exec(ctx, q, kept[start*10:end*10]...); err != nil {
				return err
			}
		}
		for _, id := range order {
			if err := hooks[id].record(ctx, t, id); err != nil {
				return err
			}
		}
		return nil
	})
	return recorded, err
}

// rowsOf is n copies of a VALUES row, comma-separated.
func rowsOf(n int, row string) string {
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// resultState is the state an attempt's result leaves its delivery in.
func resultState(r *roster.DeliveryResult) roster.DeliveryState {
	switch {
	case r.Delivered:
		return roster.DeliveryDelivered
	case r.Retry.IsZero():
		return roster.DeliveryDead
	}
	return roster.DeliveryPending
}

// attempted is a delivery whose attempt was recorded: its attempt number
// and where it belongs.
type attempted struct {
	attempt       int64
	hookID, orgID string
}

// updateAttempted writes the outcomes of a batch of attempts onto their
// deliveries in one statement, only where owner still holds the lease,
// and adds the deliveries it wrote to written, by seq. The values come as a table
// (a VALUES list with typed columns, prefixed r_ so that no name is
// ambiguous), which SQLite (UPDATE ... FROM) and PostgreSQL both take.
func (s *Store) updateAttempted(ctx context.Context, t *tx, owner string, batch []roster.DeliveryResult, written map[int64]attempted) error {
	args := make([]any, 0, len(batch)*8+1)
	for i := range batch {
		r := &batch[i]
		args = append(args, r.Seq, string(resultState(r)), micros(r.Retry), micros(r.At), r.Status, r.Error, r.Latency.Microseconds(), r.ResponseExcerpt)
	}
	args = append(args, owner)
	rows, err := t.query(ctx, `WITH v (r_seq, r_state, r_next, r_at, r_status, r_error, r_latency, r_excerpt) AS (VALUES `+
		rowsOf(len(batch), `(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT))`)+
		`) UPDATE webhook_deliveries SET state = r_state, attempts = attempts + 1, next_attempt = r_next, lease_owner = '', lease_until = 0,
		last_attempt = r_at, last_status = r_status, last_error = r_error, last_latency_us = r_latency, response_excerpt = r_excerpt
		FROM v WHERE seq = r_seq AND lease_owner = ? AND state = 'pending' RETURNING seq, attempts, webhook_id, org_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var a attempted
		if err := rows.Scan(&seq, &a.attempt, &a.hookID, &a.orgID); err != nil {
			return err
		}
		written[seq] = a
	}
	return rows.Err()
}

// failures is what one batch of attempts says about a webhook's run of
// failures, in the order they were made.
type failures struct {
	succeeded bool      // an attempt succeeded: the run starts afresh
	since     time.Time // the first failure after the last success
	dead      int       // deliveries dead-lettered after the last success
}

func (f *failures) add(r roster.DeliveryResult, state roster.DeliveryState) {
	switch state {
	case roster.DeliveryDelivered:
		*f = failures{succeeded: true}
		return
	case roster.DeliveryDead:
		f.dead++
	}
	if f.since.IsZero() {
		f.since = r.At
	}
}

func (f *failures) record(ctx context.Context, t *tx, hookID string) error {
	var err error
	switch {
	case f.succeeded:
		_, err = t.exec(ctx, `UPDATE webhooks SET failing_since = ?, dead_streak = ? WHERE id = ? AND (failing_since <> ? OR dead_streak <> ?)`,
			micros(f.since), f.dead, hookID, micros(f.since), f.dead)
	case !f.since.IsZero():
		_, err = t.exec(ctx, `UPDATE webhooks SET failing_since = CASE WHEN failing_since = 0 THEN ? ELSE failing_since END, dead_streak = dead_streak + ?
			WHERE id = ?`, micros(f.since), f.dead, hookID)
	}
	return err
}

// GetDelivery implements roster.Store. Attempts beyond the delivery's
// count are an earlier round's, before a resend numbered from 1 again.
func (s *Store) GetDelivery(ctx context.Context, orgID, webhookID, id string) (*roster.Delivery, []roster.DeliveryAttempt, error) {
	d, err := scanDelivery(s.readRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE org_id = ? AND webhook_id = ? AND id = ?`, orgID, webhookID, id))
	if err != nil {
		return nil, nil, notFound(err, "webhook %q has no delivery %q", webhookID, id)
	}
	var out []roster.DeliveryAttempt
	_, err = s.readRows(ctx, `SELECT attempt, at, status, latency_us, error, response_excerpt, node FROM delivery_attempts
		WHERE delivery_seq = ? AND org_id = ? AND attempt <= ? ORDER BY attempt`, []any{d.Seq, orgID, d.Attempts}, func(sc rowScanner) (int64, error) {
		var a roster.DeliveryAttempt
		var at, latency int64
		err := sc.Scan(&a.Number, &at, &a.Status, &latency, &a.Error, &a.ResponseExcerpt, &a.Node)
		a.At, a.Latency = fromMicros(at), time.Duration(latency)*time.Microsecond
		out = append(out, a)
		return 0, err
	})
	if err != nil {
		return nil, nil, err
	}
	return &d, out, nil
}

// DisableFailingWebhooks implements roster.Store.
func (s *Store) DisableFailingWebhooks(ctx context.Context, failingBefore time.Time, deadStreak int) ([]roster.Webhook, error) {
	var out []roster.Webhook
	err := s.inTx(ctx, func(t *tx) error {
		out = out[:0]
		rows, err := t.query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE disabled = ? AND (failing_since > 0 AND failing_since < ? OR dead_streak >= ?)`+s.d.ForUpdate,
			false, micros(failingBefore), deadStreak)
		if err != nil {
			return err
		}
		if out, err = scanAll(rows, scanWebhook); err != nil {
			return err
		}
		for i := range out {
			w := &out[i]
			w.Disabled = true
			w.DisabledReason = "every attempt has failed since " + w.FailingSince.Format(time.RFC3339)
			if w.DeadStreak >= deadStreak {
				w.DisabledReason = fmt.Sprintf("%d deliveries in a row were dead-lettered (every attempt failed)", w.DeadStreak)
			}
			w.Modified = s.clock()
			if _, err := t.exec(ctx, `UPDATE webhooks SET disabled = ?, disabled_reason = ?, modified = ? WHERE id = ?`, true, w.DisabledReason, micros(w.Modified), w.ID); err != nil {
				return err
			}
			if err := s.appendEvent(roster.WithActor(ctx, "roster:delivery"), t, roster.Event{OrgID: w.OrgID, Action: "webhook.disabled", ResourceType: "Webhook", ResourceID: w.ID,
				Detail: detail("url", w.URL, "reason", w.DisabledReason, "failingSince", w.FailingSince.Format(time.RFC3339), "deadStreak", w.DeadStreak)}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// PruneDeliveries implements roster.Store.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *tx) error {
		n = 0
		rows, err := t.query(ctx, `SELECT seq FROM webhook_deliveries WHERE created < ? AND state <> 'pending' ORDER BY created LIMIT ?`, micros(before), limit)
		if err != nil {
			return err
		}
		seqs, err := scanAll(rows, scanOne[any]) // integers, bound as placeholders below
		if err != nil || len(seqs) == 0 {
			return err
		}
		// Lists of placeholders in batchShapes' sizes: InJSON binds
		// strings, and these are integers.
		for start, end := range batches(len(seqs)) {
			in := "(" + rowsOf(end-start, "?") + ")"
			if _, err := t.exec(ctx, `DELETE FROM delivery_attempts WHERE delivery_seq IN `+in, seqs[start:end]...); err != nil {
				return err
			}
			res, err := t.exec(ctx, `DELETE FROM webhook_deliveries WHERE state <> 'pending' AND seq IN `+in, seqs[start:end]...)
			if err != nil {
				return err
			}
			m, _ := res.RowsAffected()
			n += int(m)
		}
		return nil
	})
	return n, err
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

// Package delivery is the worker that delivers webhooks: it turns the
// events of the audit trail (the outbox each change appends to in its own
// transaction) into deliveries, leases due ones, sends them signed, and
// records each attempt, retrying with backoff until a delivery succeeds
// or is dead-lettered. Every node of `roster serve` runs one; they share
// the work through the store's leases.
//
// Why not River: the issue asks for River (riverqueue) unless there is a
// reason not to. River's advantage is inserting jobs in the change's own
// transaction, but the change's transaction already appends its event to
// the events table, and this slice may not touch the store's write paths;
// River would add a second outbox beside it, with its own schema and
// migrator on both databases outside Roster's numbered, schema-compared
// migrations, and a SQLite driver still young. A lease-based dispatcher
// over the table Roster already has is a few hundred lines: a per-webhook
// cursor advanced in the same transaction that creates the deliveries,
// and leases with expiry so that a killed node's work is retried. This was
// decided without a River prototype, for lack of time; measuring it is
// open.
//
// It depends on the root package and the webhooks use case.
package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/outbound"
	"github.com/rosterhq/roster/webhooks"
)

// DefaultBackoff is the wait after each failed attempt: 12 attempts over
// about two and a half days, the first retry within 5 seconds.
var DefaultBackoff = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 18 * time.Hour, 24 * time.Hour}

// Worker delivers webhooks. The zero values of the optional fields are
// the production settings.
type Worker struct {
	Store roster.WebhookQueue
	Keys  *webhooks.Keyring
	Log   *slog.Logger

	AllowPrivate bool            // connect to private and loopback addresses too
	Backoff      []time.Duration // len+1 attempts in all; nil: DefaultBackoff
	Poll         time.Duration   // pause when there is no work; 0: 250ms
	Lease        time.Duration   // how long a claimed delivery is this node's; 0: 1 minute
	Timeout      time.Duration   // per attempt, connection to end of body; 0: 15s
	Concurrency  int             // attempts at once; 0: 16
	Owner        string          // this node's name in leases; "": random

	client *http.Client
	once   sync.Once
}

// MaxExcerpt is how much of a response body is read and kept.
const MaxExcerpt = 1024

func (w *Worker) init() {
	w.once.Do(func() {
		if w.Backoff == nil {
			w.Backoff = DefaultBackoff
		}
		if w.Poll == 0 {
			w.Poll = 250 * time.Millisecond
		}
		if w.Lease == 0 {
			w.Lease = time.Minute
		}
		if w.Timeout == 0 {
			w.Timeout = 15 * time.Second
		}
		if w.Concurrency == 0 {
			w.Concurrency = 16
		}
		if w.Owner == "" {
			w.Owner = "node-" + uuid.NewString()
		}
		if w.Log == nil {
			w.Log = slog.New(slog.DiscardHandler)
		}
		dialer := outbound.Dialer(w.AllowPrivate)
		w.client = &http.Client{
			Transport: &http.Transport{
				Proxy:                  nil,
				DialContext:            dialer.DialContext,
				TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
				TLSHandshakeTimeout:    5 * time.Second,
				ResponseHeaderTimeout:  w.Timeout,
				MaxResponseHeaderBytes: 64 << 10,
				MaxIdleConnsPerHost:    w.Concurrency,
			},
			// Redirects are not followed: a 3xx is a failed attempt.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       w.Timeout,
		}
	})
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	w.init()
	for ctx.Err() == nil {
		n, err := w.Step(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("webhook delivery", "err", err)
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(w.Poll):
			}
		}
	}
	return nil
}

// Step does one round: fans new events out, claims due deliveries and
// sends them. It returns how many attempts it made.
func (w *Worker) Step(ctx context.Context) (int, error) {
	w.init()
	if _, err := w.Store.FanOutEvents(ctx, webhooks.Message, 1000); err != nil {
		return 0, fmt.Errorf("fan out: %w", err)
	}
	now := time.Now()
	ds, err := w.Store.ClaimDeliveries(ctx, w.Owner, now, now.Add(w.Lease), w.Concurrency*4)
	if err != nil || len(ds) == 0 {
		return 0, err
	}
	ids := make([]string, 0, len(ds))
	for _, d := range ds {
		ids = append(ids, d.WebhookID)
	}
	hooks, err := w.Store.DeliveryWebhooks(ctx, ids)
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, w.Concurrency)
	var wg sync.WaitGroup
	for i := range ds {
		d := &ds[i]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := w.attempt(ctx, hooks[d.WebhookID], d)
			if ctx.Err() != nil {
				return // the lease expires and another attempt follows
			}
			if _, err := w.Store.RecordAttempt(context.WithoutCancel(ctx), w.Owner, d.Seq, r); err != nil {
				w.Log.Warn("webhook delivery: record attempt", "delivery", d.ID, "err", err)
			}
		}()
	}
	wg.Wait()
	return len(ds), nil
}

// attempt sends d once and says what happened and when to try again.
func (w *Worker) attempt(ctx context.Context, hook *roster.Webhook, d *roster.Delivery) roster.DeliveryResult {
	start := time.Now()
	r := roster.DeliveryResult{At: start.UTC()}
	status, retryAfter, excerpt, err := w.send(ctx, hook, d, start)
	r.Latency, r.Status, r.ResponseExcerpt = time.Since(start), status, excerpt
	if err == nil && status >= 200 && status < 300 {
		r.Delivered = true
		return r
	}
	if err != nil {
		r.Error = err.Error()
	} else {
		r.Error = "the receiver answered " + strconv.Itoa(status)
	}
	if d.Attempts >= len(w.Backoff) || errors.Is(err, errGone) {
		return r // dead-lettered
	}
	wait := w.Backoff[d.Attempts]
	if retryAfter > wait {
		wait = min(retryAfter, 24*time.Hour)
	}
	r.Retry = start.Add(wait).UTC()
	return r
}

// errGone: the webhook was deleted or disabled while the delivery waited.
var errGone = errors.New("the webhook is deleted")

func (w *Worker) send(ctx context.Context, hook *roster.Webhook, d *roster.Delivery, now time.Time) (int, time.Duration, string, error) {
	if hook == nil {
		return 0, 0, "", errGone
	}
	secrets, err := w.Keys.Secrets(hook, now)
	if err != nil {
		return 0, 0, "", err
	}
	body := []byte(d.Payload)
	sig, err := webhooks.Sign(d.ID, now, body, secrets...)
	if err != nil {
		return 0, 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Roster-Webhooks/1")
	req.Header.Set("webhook-id", d.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, 0, "", errors.New(redactURL(err))
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, MaxExcerpt))
	return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After"), now), string(bytes.ToValidUTF8(excerpt, []byte("?"))), nil
}

// redactURL keeps a transport error's cause but not the URL it names
// (whose query might hold a receiver's token).
func redactURL(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return "POST failed: " + ue.Unwrap().Error()
	}
	return "POST failed"
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

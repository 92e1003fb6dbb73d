// Package delivery is the worker that delivers webhooks: it turns the
// events of the audit trail (the outbox each change appends to in its own
// transaction) into deliveries, leases due ones, sends them signed, and
// records each attempt, retrying with backoff until a delivery succeeds
// or is dead-lettered. Every node of `roster serve` runs one; they share
// the work through the store's leases.
//
// Why not River: the issue asks for River (riverqueue) unless measurement
// shows a reason not to. bench/river delivers the same work through River
// on both databases (docs/benchmarks.md, "River as the delivery queue"):
// on SQLite, Roster's default, River's young driver (one connection,
// completions one row at a time) delivered 2.4x fewer per second at 3x
// the CPU; and its open-source module cannot keep the order of deliveries
// per resource across retries, which Roster must. On PostgreSQL it was as
// fast. River would also add a second outbox beside the events table,
// with a schema and migrator of its own outside Roster's schema-compared
// migrations. So deliveries are leased from the table every change already
// writes: a per-webhook cursor advanced in the transaction that creates
// the deliveries, and leases with expiry so that a killed node's work is
// retried.
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
	"os"
	"strconv"
	"sync"
	"sync/atomic"
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
	Poll         time.Duration   // pause when there is no work; 0: 100ms
	Lease        time.Duration   // how long a claimed delivery is this node's; 0: 1 minute
	Timeout      time.Duration   // per attempt, connection to end of body; 0: 15s
	Concurrency  int             // attempts at once; 0: 32
	Batch        int             // deliveries claimed per round; 0: 512
	Owner        string          // this node's name in leases and attempts; "": host and process
	// DisableAfter disables a webhook whose attempts have all failed for
	// this long (0: DefaultDisableAfter); DisableAfterDead one with this
	// many dead-lettered deliveries in a row (0: DefaultDisableAfterDead).
	DisableAfter     time.Duration
	DisableAfterDead int
	// Retention is how long delivered and dead deliveries stay in the log
	// with their attempts (0: DefaultRetention).
	Retention time.Duration
	Now       func() time.Time // nil: time.Now; tests move it days ahead

	client    *http.Client
	once      sync.Once
	lastPrune time.Time
}

// The defaults of the Worker's thresholds.
const (
	DefaultDisableAfter     = 3 * 24 * time.Hour
	DefaultDisableAfterDead = 3
	DefaultRetention        = 30 * 24 * time.Hour
)

// MaxExcerpt is how much of a response body is read and kept.
const MaxExcerpt = 1024

func (w *Worker) init() {
	w.once.Do(func() {
		if w.Backoff == nil {
			w.Backoff = DefaultBackoff
		}
		if w.Poll == 0 {
			w.Poll = 100 * time.Millisecond
		}
		if w.Lease == 0 {
			w.Lease = time.Minute
		}
		if w.Timeout == 0 {
			w.Timeout = 15 * time.Second
		}
		if w.Concurrency == 0 {
			w.Concurrency = 32
		}
		if w.Batch == 0 {
			w.Batch = 512
		}
		if w.Owner == "" {
			host, _ := os.Hostname()
			w.Owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), uuid.NewString()[:8])
		}
		if w.Log == nil {
			w.Log = slog.New(slog.DiscardHandler)
		}
		if w.DisableAfter == 0 {
			w.DisableAfter = DefaultDisableAfter
		}
		if w.DisableAfterDead == 0 {
			w.DisableAfterDead = DefaultDisableAfterDead
		}
		if w.Retention == 0 {
			w.Retention = DefaultRetention
		}
		if w.Now == nil {
			w.Now = time.Now
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
	limit := int64(w.inFlight())
	var inflight atomic.Int64
	released := make(chan struct{}, 1)
	jobs := make(chan job, limit)
	results := make(chan roster.DeliveryResult, limit)
	var senders sync.WaitGroup
	for range w.Concurrency {
		senders.Go(func() {
			for j := range jobs {
				if r, ok := w.send1(ctx, j); ok {
					results <- r
				} else {
					inflight.Add(-1) // left to its lease
				}
			}
		})
	}
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		w.recordLoop(ctx, results, func(n int) {
			inflight.Add(-int64(n))
			select {
			case released <- struct{}{}:
			default:
			}
		})
	}()
	idle := time.NewTimer(0)
	for ctx.Err() == nil {
		w.prune(ctx)
		free := limit - inflight.Load()
		n := 0
		if free > limit/4 {
			ds, hooks, leaseUntil, err := w.claim(ctx, int(min(free, int64(w.Batch))))
			if err != nil && ctx.Err() == nil {
				w.Log.Warn("webhook delivery", "err", err)
			}
			n = len(ds)
			inflight.Add(int64(n))
			for i := range ds {
				jobs <- job{d: &ds[i], hook: hooks[ds[i].WebhookID], leaseUntil: leaseUntil}
			}
		}
		if n > 0 && free-int64(n) > limit/4 {
			continue // there may be more due at once
		}
		idle.Reset(w.Poll)
		select {
		case <-ctx.Done():
		case <-idle.C:
		case <-released:
		}
	}
	close(jobs)
	senders.Wait()
	close(results)
	<-recorded
	return nil
}

// inFlight is how many deliveries a worker has claimed and not recorded
// at most: enough to keep every sender busy while the next claim and the
// last record run. A delivery that waits in the queue until its lease
// would run out before the attempt ends is not sent (see send1).
func (w *Worker) inFlight() int { return 2 * w.Batch }

// job is a claimed delivery waiting for a sender.
type job struct {
	d          *roster.Delivery
	hook       *roster.Webhook
	leaseUntil time.Time
}

// send1 makes j's attempt, unless its lease would run out before the
// attempt could end (then another attempt follows when it has): a
// delivery is never sent by a node that may no longer hold it.
func (w *Worker) send1(ctx context.Context, j job) (roster.DeliveryResult, bool) {
	// An attempt must end, and be recorded, while the lease holds: past
	// it another node may send the same message. A lease shorter than the
	// timeout (serve --webhook-lease) cuts the attempt's time instead of
	// skipping the delivery, which would never be sent.
	left := j.leaseUntil.Sub(w.Now()) - leaseMargin
	if left <= 0 {
		return roster.DeliveryResult{}, false
	}
	actx := ctx
	if left < w.Timeout {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, left)
		defer cancel()
	}
	r := w.attempt(actx, j.hook, j.d)
	if ctx.Err() != nil {
		return r, false // cut short by the shutdown: the lease expires and another attempt follows
	}
	return r, true
}

// leaseMargin is the part of a lease kept for recording an attempt's
// outcome after it ends.
const leaseMargin = 5 * recordFlush

// recordFlush is how long a finished attempt waits at most to be
// recorded with others.
const recordFlush = 20 * time.Millisecond

// recordLoop records results in batches (of up to Batch, or what came in
// recordFlush) until results is closed, calling done with each batch's
// size, and disables failing webhooks after a batch with a failure.
func (w *Worker) recordLoop(ctx context.Context, results <-chan roster.DeliveryResult, done func(int)) {
	var batch []roster.DeliveryResult
	flush := func() {
		if len(batch) == 0 {
			return
		}
		w.record(context.WithoutCancel(ctx), batch)
		done(len(batch))
		batch = batch[:0]
	}
	tick := time.NewTicker(recordFlush)
	defer tick.Stop()
	for {
		select {
		case r, ok := <-results:
			if !ok {
				flush()
				return
			}
			batch = append(batch, r)
			if len(batch) >= w.Batch {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// claim fans new events out and claims up to n due deliveries, with the
// webhooks they go to.
func (w *Worker) claim(ctx context.Context, n int) ([]roster.Delivery, map[string]*roster.Webhook, time.Time, error) {
	if _, err := w.Store.FanOutEvents(ctx, webhooks.Message, 1000); err != nil {
		return nil, nil, time.Time{}, fmt.Errorf("fan out: %w", err)
	}
	now := w.Now()
	leaseUntil := now.Add(w.Lease)
	ds, err := w.Store.ClaimDeliveries(ctx, w.Owner, now, leaseUntil, n)
	if err != nil || len(ds) == 0 {
		return nil, nil, leaseUntil, err
	}
	ids := make([]string, 0, len(ds))
	for _, d := range ds {
		ids = append(ids, d.WebhookID)
	}
	hooks, err := w.Store.DeliveryWebhooks(ctx, ids)
	if err != nil {
		// Claimed but not sent: the leases expire and the deliveries
		// are claimed again.
		return nil, nil, leaseUntil, err
	}
	return ds, hooks, leaseUntil, nil
}

// record stores a batch of outcomes and, when one failed, disables the
// webhooks that have failed too long.
func (w *Worker) record(ctx context.Context, rs []roster.DeliveryResult) error {
	if _, err := w.Store.RecordAttempts(ctx, w.Owner, rs); err != nil {
		err = fmt.Errorf("record attempts: %w", err)
		w.Log.Warn("webhook delivery", "err", err)
		return err
	}
	for _, r := range rs {
		if !r.Delivered {
			w.disableFailing(ctx)
			break
		}
	}
	return nil
}

// pruneEvery is how often a worker prunes the delivery log.
const pruneEvery = time.Hour

// prune deletes, once an hour, the deliveries older than the retention.
// Every node does it; the deletes are idempotent.
func (w *Worker) prune(ctx context.Context) {
	now := w.Now()
	if now.Sub(w.lastPrune) < pruneEvery {
		return
	}
	w.lastPrune = now
	for ctx.Err() == nil {
		n, err := w.Store.PruneDeliveries(ctx, now.Add(-w.Retention), 1000)
		if err != nil {
			w.Log.Warn("webhook delivery: prune the delivery log", "err", err)
			return
		}
		if n < 1000 {
			return
		}
	}
}

// Step does one round synchronously, with the pieces Run pipelines:
// fans new events out, claims due deliveries, sends them (Concurrency at
// once), records the attempts in one batch and disables the webhooks
// that have failed too long. It returns how many attempts it made.
// Tests call it to move a worker on a clock of their own.
func (w *Worker) Step(ctx context.Context) (int, error) {
	w.init()
	ds, hooks, leaseUntil, err := w.claim(ctx, w.Batch)
	if err != nil || len(ds) == 0 {
		return 0, err
	}
	results := make([]roster.DeliveryResult, len(ds))
	sent := make([]bool, len(ds))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(w.Concurrency, len(ds)) {
		wg.Go(func() {
			for i := range next {
				results[i], sent[i] = w.send1(ctx, job{d: &ds[i], hook: hooks[ds[i].WebhookID], leaseUntil: leaseUntil})
			}
		})
	}
	for i := range ds {
		next <- i
	}
	close(next)
	wg.Wait()
	var rs []roster.DeliveryResult
	for i := range results {
		if sent[i] {
			rs = append(rs, results[i])
		}
	}
	if len(rs) > 0 {
		if err := w.record(context.WithoutCancel(ctx), rs); err != nil {
			return len(ds), err
		}
	}
	return len(ds), nil
}

// disableFailing disables the webhooks that have failed for longer than
// DisableAfter or dead-lettered DisableAfterDead deliveries in a row. It
// runs after a round with a failure, the only time a webhook's run of
// failures grows.
func (w *Worker) disableFailing(ctx context.Context) {
	off, err := w.Store.DisableFailingWebhooks(ctx, w.Now().Add(-w.DisableAfter), w.DisableAfterDead)
	if err != nil {
		w.Log.Warn("webhook delivery: disable failing webhooks", "err", err)
	}
	for _, h := range off {
		w.Log.Warn("webhook disabled", "webhook", h.ID, "org", h.OrgID, "reason", h.DisabledReason)
	}
}

// attempt sends d once and says what happened and when to try again.
func (w *Worker) attempt(ctx context.Context, hook *roster.Webhook, d *roster.Delivery) roster.DeliveryResult {
	start, began := w.Now(), time.Now() // the latency is real time even when Now is a test's
	r := roster.DeliveryResult{Seq: d.Seq, At: start.UTC()}
	status, retryAfter, excerpt, err := w.send(ctx, hook, d, start)
	r.Latency, r.Status, r.ResponseExcerpt = time.Since(began), status, excerpt
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

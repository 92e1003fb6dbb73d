package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/delivery"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/webhooks"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

// backends opens two store handles on one fresh database of each kind, as
// two nodes would.
func backends(t *testing.T, fn func(t *testing.T, a, b roster.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "roster.db")
		a, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close(); b.Close() })
		fn(t, a, b)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		a, err := postgres.Open(ctx, dsn, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := postgres.Open(ctx, dsn, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close(); b.Close() })
		fn(t, a, b)
	})
}

// received is one request the receiver got.
type received struct {
	id, ts, sig string
	body        []byte
	msg         struct {
		Type string `json:"type"`
		Data struct {
			Seq          int64          `json:"seq"`
			Organization string         `json:"organization"`
			Directory    string         `json:"directory"`
			ID           string         `json:"id"`
			DisplayName  string         `json:"displayName"`
			Previous     map[string]any `json:"previous"`
			Resource     struct {
				Type, ID string
			} `json:"resource"` // events without a normalized payload
		} `json:"data"`
	}
}

// receiver is a real HTTP server that records what it gets and answers
// with status(n) for its n-th request (counting from 1).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	inFlight map[string]int
	overlap  atomic.Int32
	n        atomic.Int32
	status   func(n int32) int
}

func newReceiver(t *testing.T, status func(n int32) int) *receiver {
	r := &receiver{inFlight: map[string]int{}, status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n := r.n.Add(1)
		var got received
		got.id, got.ts, got.sig = req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
		got.body, _ = io.ReadAll(req.Body)
		json.Unmarshal(got.body, &got.msg)
		r.mu.Lock()
		r.inFlight[got.id]++
		if r.inFlight[got.id] > 1 {
			r.overlap.Add(1)
		}
		r.mu.Unlock()
		time.Sleep(2 * time.Millisecond) // long enough for a second sender of the same attempt to overlap
		code := r.status(n)
		r.mu.Lock()
		r.inFlight[got.id]--
		if code < 300 {
			r.got = append(r.got, got)
		}
		r.mu.Unlock()
		if code == 429 {
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(code)
		io.WriteString(w, "thanks")
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) delivered() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

type setup struct {
	org    roster.Org
	tenant roster.DirectoryScope
	hook   *roster.Webhook
	secret string
	keys   *webhooks.Keyring
}

func newSetup(t testing.TB, s roster.Store, url string) setup {
	t.Helper()
	keys, err := webhooks.ParseKey(webhooks.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	var x setup
	x.keys = keys
	x.org = roster.Org{Name: "Acme"}
	if err := s.CreateOrg(ctx, &x.org); err != nil {
		t.Fatal(err)
	}
	d := roster.Directory{OrgID: x.org.ID, Name: "Entra"}
	_, tok := roster.NewTokenSecret()
	if err := s.CreateDirectory(ctx, &d, &tok); err != nil {
		t.Fatal(err)
	}
	x.tenant = roster.DirectoryScope{OrgID: x.org.ID, DirectoryID: d.ID}
	svc := &webhooks.Service{Store: s, Keys: keys, AllowPrivate: true}
	x.hook, x.secret, err = svc.Create(ctx, webhooks.CreateRequest{OrgID: x.org.ID, URL: url, Events: []string{"user.*"}})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func createUser(t testing.TB, s roster.Store, tenant roster.DirectoryScope, name string) *roster.User {
	t.Helper()
	u := &roster.User{UserName: name, Active: true, Attributes: []byte(`{"userName":"` + name + `"}`)}
	if err := s.CreateUser(ctx, tenant, u); err != nil {
		t.Fatal(err)
	}
	return u
}

func startWorker(t *testing.T, s roster.Store, keys *webhooks.Keyring, backoff time.Duration) {
	w := &delivery.Worker{Store: s, Keys: keys, AllowPrivate: true, Poll: 10 * time.Millisecond, Concurrency: 8}
	if backoff > 0 {
		w.Backoff = make([]time.Duration, 11)
		for i := range w.Backoff {
			w.Backoff[i] = backoff
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDeliversSignedEvents: a user created through the store reaches the
// receiver, signed so that the webhook's secret verifies it.
func TestDeliversSignedEvents(t *testing.T) {
	backends(t, func(t *testing.T, s, _ roster.Store) {
		r := newReceiver(t, func(int32) int { return 200 })
		x := newSetup(t, s, r.URL)
		startWorker(t, s, x.keys, 0)
		u := createUser(t, s, x.tenant, "ada@acme.test")
		waitFor(t, "the delivery", func() bool { return len(r.delivered()) == 1 })
		got := r.delivered()[0]
		if got.msg.Type != "user.created" || got.msg.Data.ID != u.ID {
			t.Errorf("delivered %s", got.body)
		}
		if !webhooks.Verify(x.secret, got.id, got.ts, got.body, got.sig) {
			t.Errorf("the signature %q does not verify with the webhook's secret", got.sig)
		}
		ds, err := s.ListDeliveries(ctx, x.org.ID, x.hook.ID, "", 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("delivery log %+v, %v", ds, err)
		}
		waitFor(t, "the log to say delivered", func() bool {
			ds, _ = s.ListDeliveries(ctx, x.org.ID, x.hook.ID, roster.DeliveryDelivered, 10)
			return len(ds) == 1
		})
		if ds[0].LastStatus != 200 || ds[0].ResponseExcerpt != "thanks" || ds[0].Attempts != 1 || ds[0].LastLatency <= 0 {
			t.Errorf("delivery log entry %+v", ds[0])
		}
	})
}

// TestRetriesUntilDelivered: a receiver failing its first attempts (with a
// 500, then a 429 with Retry-After) gets the event on a retry, with the
// same webhook-id each time.
func TestRetriesUntilDelivered(t *testing.T) {
	backends(t, func(t *testing.T, s, _ roster.Store) {
		var ids sync.Map
		r := newReceiver(t, func(n int32) int {
			switch n {
			case 1:
				return 500
			case 2:
				return 429
			}
			return 200
		})
		x := newSetup(t, s, r.URL)
		startWorker(t, s, x.keys, 20*time.Millisecond)
		start := time.Now()
		createUser(t, s, x.tenant, "ada@acme.test")
		waitFor(t, "the retried delivery", func() bool { return len(r.delivered()) == 1 })
		if n := r.n.Load(); n != 3 {
			t.Errorf("the receiver got %d requests, want 3", n)
		}
		if el := time.Since(start); el < time.Second {
			t.Errorf("delivered after %s: Retry-After: 1 was not honoured", el)
		}
		ids.Store(r.delivered()[0].id, true)
		var ds []roster.Delivery
		waitFor(t, "the attempt recorded", func() bool { // the worker records a moment after the receiver answers
			ds, _ = s.ListDeliveries(ctx, x.org.ID, x.hook.ID, "", 10)
			return len(ds) == 1 && ds[0].State == roster.DeliveryDelivered
		})
		if len(ds) != 1 || ds[0].Attempts != 3 {
			t.Errorf("delivery log %+v, want one delivery of 3 attempts", ds)
		}
		if _, ok := ids.Load(ds[0].ID); !ok {
			t.Errorf("the delivered webhook-id is not the delivery's id %s", ds[0].ID)
		}
		_, attempts, err := s.GetDelivery(ctx, x.org.ID, x.hook.ID, ds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var statuses []int
		for _, a := range attempts {
			statuses = append(statuses, a.Status)
			if a.Node == "" || a.At.IsZero() || a.ResponseExcerpt != "thanks" {
				t.Errorf("attempt %+v: want its node, time and the response's start", a)
			}
		}
		if fmt.Sprint(statuses) != "[500 429 200]" {
			t.Errorf("attempt history %v, want [500 429 200]", statuses)
		}
	})
}

// TestAutoDisable: a receiver that fails every attempt for longer than
// DisableAfter has its webhook disabled, with a webhook.disabled event
// that another webhook of the organization receives; enabling it again
// resets the count. The clock is the worker's, moved days ahead, so
// nothing sleeps.
func TestAutoDisable(t *testing.T) {
	backends(t, func(t *testing.T, s, _ roster.Store) {
		down := newReceiver(t, func(int32) int { return 503 })
		watcher := newReceiver(t, func(int32) int { return 200 })
		x := newSetup(t, s, down.URL)
		svc := &webhooks.Service{Store: s, Keys: x.keys, AllowPrivate: true}
		watch, _, err := svc.Create(ctx, webhooks.CreateRequest{OrgID: x.org.ID, URL: watcher.URL, Events: []string{"webhook.disabled"}})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		w := &delivery.Worker{Store: s, Keys: x.keys, AllowPrivate: true, Now: func() time.Time { return now }}
		step := func() {
			t.Helper()
			if _, err := w.Step(ctx); err != nil {
				t.Fatal(err)
			}
		}
		createUser(t, s, x.tenant, "ada@acme.test")
		now = time.Now().Add(time.Second) // the delivery is due
		step()                            // the first attempt fails
		if h, _ := s.GetWebhook(ctx, x.org.ID, x.hook.ID); h.Disabled || h.FailingSince.IsZero() {
			t.Fatalf("after one failure: disabled %v, failing since %v; want enabled and failing", h.Disabled, h.FailingSince)
		}
		now = now.Add(2 * 24 * time.Hour)
		step() // still failing, not for three days yet
		if h, _ := s.GetWebhook(ctx, x.org.ID, x.hook.ID); h.Disabled {
			t.Fatal("disabled after two days of failures; the threshold is three")
		}
		now = now.Add(24*time.Hour + time.Minute)
		step()
		h, _ := s.GetWebhook(ctx, x.org.ID, x.hook.ID)
		if !h.Disabled || !strings.Contains(h.DisabledReason, "failed since") {
			t.Fatalf("after three days of failures: disabled %v (%q), want disabled with the reason", h.Disabled, h.DisabledReason)
		}
		tried := down.n.Load()
		for range 3 {
			step()
		}
		if down.n.Load() != tried {
			t.Error("a disabled webhook was still sent to")
		}
		got := watcher.delivered()
		if len(got) != 1 || got[0].msg.Type != "webhook.disabled" || got[0].msg.Data.Resource.ID != x.hook.ID {
			t.Fatalf("the other webhook got %d messages %+v, want the webhook.disabled of %s", len(got), got, x.hook.ID)
		}
		if !strings.Contains(string(got[0].body), "failed since") {
			t.Errorf("the webhook.disabled message %s does not say why", got[0].body)
		}
		if got[0].id == "" || watch.ID == x.hook.ID {
			t.Error("the watcher's message has no webhook-id")
		}
		h, err = svc.Disable(ctx, x.org.ID, x.hook.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if h.Disabled || !h.FailingSince.IsZero() || h.DisabledReason != "" {
			t.Errorf("enabled again: %+v, want the failures forgotten", h)
		}
	})
}

// TestUpdateCarriesPreviousValues: a user.updated delivery carries the
// user as it is now and, in previous, what the update replaced, in the
// normalized shape, with its organization and directory.
func TestUpdateCarriesPreviousValues(t *testing.T) {
	backends(t, func(t *testing.T, s, _ roster.Store) {
		r := newReceiver(t, func(int32) int { return 200 })
		x := newSetup(t, s, r.URL)
		startWorker(t, s, x.keys, 0)
		u := &roster.User{UserName: "ada@acme.test", DisplayName: "Ada", Active: true, Attributes: []byte(`{"userName":"ada@acme.test","displayName":"Ada"}`)}
		if err := s.CreateUser(ctx, x.tenant, u); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateUser(ctx, x.tenant, u.ID, func(u *roster.User) error {
			u.DisplayName = "Ada Lovelace"
			u.Attributes = []byte(`{"userName":"ada@acme.test","displayName":"Ada Lovelace","title":"Countess"}`)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "both deliveries", func() bool { return len(r.delivered()) == 2 })
		var got *received
		for _, g := range r.delivered() {
			if g.msg.Type == roster.EventUserUpdated {
				got = &g
			}
		}
		if got == nil {
			t.Fatalf("no user.updated among %v", r.delivered())
		}
		d := got.msg.Data
		scim, _ := d.Previous["scim"].(map[string]any)
		if d.ID != u.ID || d.DisplayName != "Ada Lovelace" || d.Organization != x.org.ID || d.Directory != x.tenant.DirectoryID ||
			d.Previous["displayName"] != "Ada" || scim["displayName"] != "Ada" || scim["title"] != nil || len(scim) != 2 {
			t.Errorf("user.updated delivered %s", got.body)
		}
		if _, ok := scim["title"]; !ok {
			t.Errorf("previous.scim does not say title was absent: %s", got.body)
		}
		if !webhooks.Verify(x.secret, got.id, got.ts, got.body, got.sig) {
			t.Errorf("the signature does not verify")
		}
	})
}

// TestReceiverDownThenBack: while the receiver is down, changes pile up;
// when it returns it gets all of them, each user's events in order.
func TestReceiverDownThenBack(t *testing.T) {
	backends(t, func(t *testing.T, s, _ roster.Store) {
		var up atomic.Bool
		r := newReceiver(t, func(int32) int {
			if up.Load() {
				return 200
			}
			return 503
		})
		x := newSetup(t, s, r.URL)
		startWorker(t, s, x.keys, 30*time.Millisecond)
		const users = 10
		var created []*roster.User
		for i := range users {
			u := createUser(t, s, x.tenant, "u"+string(rune('a'+i))+"@acme.test")
			created = append(created, u)
			if _, err := s.UpdateUser(ctx, x.tenant, u.ID, func(u *roster.User) error {
				u.Attributes = []byte(`{"userName":"` + u.UserName + `","displayName":"Changed"}`)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteUser(ctx, x.tenant, u.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		// Down for a few attempts: waited for, not slept, so that a loaded
		// machine's slow first attempt cannot fail the test.
		waitFor(t, "attempts while down", func() bool { return r.n.Load() >= 3 })
		if len(r.delivered()) != 0 {
			t.Fatalf("while down: %d delivered of %d requests", len(r.delivered()), r.n.Load())
		}
		up.Store(true)
		waitFor(t, "every event", func() bool { return len(r.delivered()) == 3*users })
		last := map[string]int64{}
		for _, g := range r.delivered() {
			id := g.msg.Data.ID
			if g.msg.Data.Seq <= last[id] {
				t.Errorf("user %s: event %d delivered after %d", id, g.msg.Data.Seq, last[id])
			}
			last[id] = g.msg.Data.Seq
		}
		if len(last) != users {
			t.Errorf("events of %d users delivered, want %d", len(last), users)
		}
	})
}

// TestTwoNodesShareTheWork: two nodes (two store handles on one
// database, each with its worker) deliver a burst; every event arrives,
// and no attempt is ever sent by both at once.
func TestTwoNodesShareTheWork(t *testing.T) {
	backends(t, func(t *testing.T, a, b roster.Store) {
		r := newReceiver(t, func(int32) int { return 200 })
		x := newSetup(t, a, r.URL)
		startWorker(t, a, x.keys, 0)
		startWorker(t, b, x.keys, 0)
		const burst = 200
		var wg sync.WaitGroup
		for i := range burst {
			wg.Go(func() {
				node := a
				if i%2 == 1 {
					node = b
				}
				createUser(t, node, x.tenant, "user"+itoa(i)+"@acme.test")
			})
		}
		wg.Wait()
		waitFor(t, "the burst", func() bool { return len(r.delivered()) >= burst })
		time.Sleep(100 * time.Millisecond)
		seen := map[string]int{}
		for _, g := range r.delivered() {
			seen[g.id]++
		}
		if len(seen) != burst {
			t.Errorf("%d distinct messages, want %d", len(seen), burst)
		}
		if n := r.overlap.Load(); n != 0 {
			t.Errorf("%d attempts were sent by two nodes at once", n)
		}
		if n := int(r.n.Load()); n != burst {
			t.Errorf("the receiver got %d requests for %d messages: some were sent twice", n, burst)
		}
	})
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestPrivateTargetsRefused: without --allow-private-targets a webhook
// cannot point at a loopback or private address, nor at http://, and the
// worker refuses to connect to one even if the URL got into the store.
func TestPrivateTargetsRefused(t *testing.T) {
	keys, _ := webhooks.ParseKey(webhooks.NewKey())
	svc := &webhooks.Service{Keys: keys}
	for _, u := range []string{"https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://[::1]/hook", "https://localhost/hook", "https://169.254.169.254/latest"} {
		if _, _, err := svc.Create(ctx, webhooks.CreateRequest{OrgID: "o", URL: u}); roster.ReasonOf(err) != roster.ReasonPrivateTarget {
			t.Errorf("Create(%s): %v, want %s", u, err, roster.ReasonPrivateTarget)
		}
	}
	if _, _, err := svc.Create(ctx, webhooks.CreateRequest{OrgID: "o", URL: "http://hooks.example.com/"}); roster.ReasonOf(err) != roster.ReasonInvalidValue {
		t.Errorf("Create(http://): %v, want invalid", err)
	}
	if _, _, err := (&webhooks.Service{}).Create(ctx, webhooks.CreateRequest{OrgID: "o", URL: "https://hooks.example.com/"}); roster.ReasonOf(err) != roster.ReasonNoSecretKey {
		t.Errorf("Create without a key: %v, want %s", err, roster.ReasonNoSecretKey)
	}

	path := filepath.Join(t.TempDir(), "roster.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := newReceiver(t, func(int32) int { return 200 })
	x := newSetup(t, s, r.URL)                                                // stored with the flag ...
	w := &delivery.Worker{Store: s, Keys: x.keys, Backoff: []time.Duration{}} // ... delivered without it
	createUser(t, s, x.tenant, "ada@acme.test")
	if _, err := w.Step(ctx); err != nil {
		t.Fatal(err)
	}
	ds, _ := s.ListDeliveries(ctx, x.org.ID, x.hook.ID, roster.DeliveryDead, 10)
	if len(ds) != 1 || r.n.Load() != 0 {
		t.Fatalf("without the flag: %d dead deliveries, %d requests to the loopback receiver; want 1 and 0", len(ds), r.n.Load())
	}
	if ds[0].LastError == "" || contains(ds[0].LastError, r.URL) {
		t.Errorf("last error %q: want the reason, without the URL", ds[0].LastError)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

package conformance

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// userEvents is the fan-out filter of these tests: every user event, in
// order per user.
func userEvents(w *roster.Webhook, e *roster.Event) (string, string, string, bool) {
	if !strings.HasPrefix(e.Action, "user.") {
		return "", "", "", false
	}
	return e.Action, e.ResourceType + ":" + e.ResourceID, `{"seq":` + itoa(e.Seq) + `}`, true
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// record records one attempt of delivery seq leased to owner and says
// whether it was recorded.
func record(t *testing.T, s roster.Store, owner string, seq int64, r roster.DeliveryResult) bool {
	t.Helper()
	r.Seq = seq
	n, err := s.RecordAttempts(ctx, owner, []roster.DeliveryResult{r})
	must(t, err)
	return n == 1
}

// testWebhooks: webhooks are the organization's own; events after a
// webhook's creation become its deliveries once; a claimed delivery is
// leased to one owner; a resource's deliveries go out in order; resend and
// replay queue delivered ones again with their webhook-id.
func testWebhooks(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	must(t, s.CreateUser(ctx, f.tenant, user(t, `{"userName":"before@acme.test"}`))) // before the webhook: not delivered

	w := &roster.Webhook{OrgID: f.org.ID, URL: "https://hooks.acme.test/roster", Events: []string{"user.*"}, Secret: []byte("sealed")}
	must(t, s.CreateWebhook(ctx, w))
	if w.ID == "" || w.Cursor == 0 {
		t.Fatalf("created webhook %+v: want an ID and the newest event as cursor", w)
	}
	if _, err := s.GetWebhook(ctx, other.org.ID, w.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization's GetWebhook: %v, want not found", err)
	}
	if list, _ := s.ListWebhooks(ctx, other.org.ID); len(list) != 0 {
		t.Errorf("another organization lists %d webhooks", len(list))
	}
	if err := s.DeleteWebhook(ctx, other.org.ID, w.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization's DeleteWebhook: %v, want not found", err)
	}
	got, err := s.UpdateWebhook(ctx, f.org.ID, w.ID, func(w *roster.Webhook) error { w.URL = "https://hooks.acme.test/v2"; return nil })
	must(t, err)
	if got.URL != "https://hooks.acme.test/v2" || string(got.Secret) != "sealed" || got.Events[0] != "user.*" {
		t.Errorf("updated webhook %+v", got)
	}

	u1 := user(t, `{"userName":"one@acme.test"}`)
	must(t, s.CreateUser(ctx, f.tenant, u1))
	must(t, s.CreateUser(ctx, f.tenant, user(t, `{"userName":"two@acme.test"}`)))
	must(t, s.DeleteUser(ctx, f.tenant, u1.ID, 0))
	must(t, s.CreateUser(ctx, other.tenant, user(t, `{"userName":"x@other.test"}`))) // another org: not this webhook's

	n, err := s.FanOutEvents(ctx, userEvents, 1000)
	must(t, err)
	if n != 3 {
		t.Fatalf("FanOutEvents made %d deliveries, want 3 (two creates and a delete of this organization)", n)
	}
	if n, _ := s.FanOutEvents(ctx, userEvents, 1000); n != 0 {
		t.Errorf("a second FanOutEvents made %d deliveries, want 0", n)
	}

	now := time.Now()
	claimed, err := s.ClaimDeliveries(ctx, "a", now, now.Add(time.Minute), 100)
	must(t, err)
	if len(claimed) != 2 {
		t.Fatalf("claimed %d deliveries, want 2 (user one's delete waits for its create)", len(claimed))
	}
	if again, _ := s.ClaimDeliveries(ctx, "b", now, now.Add(time.Minute), 100); len(again) != 0 {
		t.Errorf("another owner claimed %d leased deliveries", len(again))
	}
	if ok := record(t, s, "b", claimed[0].Seq, roster.DeliveryResult{Delivered: true, At: now}); ok {
		t.Error("an owner without the lease recorded an attempt")
	}
	var first roster.Delivery
	for _, d := range claimed {
		if d.ResourceKey == "User:"+u1.ID {
			first = d
		}
		if !record(t, s, "a", d.Seq, roster.DeliveryResult{Status: 500, Error: "boom", At: now, Retry: now.Add(-time.Second)}) {
			t.Fatal("the lease holder could not record its attempt")
		}
	}
	// A failed attempt keeps the order: user one's create comes before its delete again.
	claimed, err = s.ClaimDeliveries(ctx, "a", now, now.Add(time.Minute), 100)
	must(t, err)
	if len(claimed) != 2 || claimed[0].Attempts != 1 {
		t.Fatalf("after a failure claimed %+v, want the same two with one attempt", claimed)
	}
	for _, d := range claimed {
		record(t, s, "a", d.Seq, roster.DeliveryResult{Delivered: true, Status: 204, At: now, Latency: 3 * time.Millisecond, ResponseExcerpt: "ok"})
	}
	claimed, err = s.ClaimDeliveries(ctx, "a", now, now.Add(time.Minute), 100)
	must(t, err)
	if len(claimed) != 1 || claimed[0].Type != "user.deleted" {
		t.Fatalf("claimed %+v, want user one's delete now", claimed)
	}
	record(t, s, "a", claimed[0].Seq, roster.DeliveryResult{Status: 410, At: now}) // no Retry: dead-lettered
	dead, err := s.ListDeliveries(ctx, f.org.ID, w.ID, roster.DeliveryDead, 10)
	must(t, err)
	if len(dead) != 1 || dead[0].LastStatus != 410 || dead[0].Attempts != 1 {
		t.Fatalf("dead deliveries %+v", dead)
	}
	if _, err := s.ListDeliveries(ctx, other.org.ID, w.ID, "", 10); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization's ListDeliveries: %v", err)
	}

	// Resend keeps the webhook-id.
	must(t, s.ResendDelivery(ctx, f.org.ID, w.ID, dead[0].ID))
	if err := s.ResendDelivery(ctx, f.org.ID, w.ID, dead[0].ID); roster.ErrorCodeOf(err) != roster.EConflict {
		t.Errorf("resending a queued delivery: %v, want conflict", err)
	}
	claimed, _ = s.ClaimDeliveries(ctx, "a", now.Add(time.Second), now.Add(time.Minute), 100)
	if len(claimed) != 1 || claimed[0].ID != dead[0].ID || claimed[0].Attempts != 0 {
		t.Fatalf("after resend claimed %+v, want %s again", claimed, dead[0].ID)
	}
	record(t, s, "a", claimed[0].Seq, roster.DeliveryResult{Delivered: true, At: now})

	// Replay from the first event queues all three again, same ids.
	all, _ := s.ListDeliveries(ctx, f.org.ID, w.ID, "", 10)
	must(t, s.ReplayWebhook(ctx, f.org.ID, w.ID, first.EventSeq))
	if n, err := s.FanOutEvents(ctx, userEvents, 1000); err != nil || n != 3 {
		t.Fatalf("fan-out after replay: %d, %v; want 3", n, err)
	}
	after, _ := s.ListDeliveries(ctx, f.org.ID, w.ID, roster.DeliveryPending, 10)
	if len(after) != 3 || len(all) != 3 {
		t.Fatalf("after replay %d pending of %d, want 3 of 3", len(after), len(all))
	}
	for i := range after {
		if after[i].ID != all[i].ID {
			t.Errorf("replay changed webhook-id %s to %s", all[i].ID, after[i].ID)
		}
	}

	// Disabled: nothing is claimed. Deleted: its deliveries go too.
	_, err = s.UpdateWebhook(ctx, f.org.ID, w.ID, func(w *roster.Webhook) error { w.Disabled = true; return nil })
	must(t, err)
	if c, _ := s.ClaimDeliveries(ctx, "a", now.Add(time.Second), now.Add(time.Minute), 100); len(c) != 0 {
		t.Errorf("claimed %d deliveries of a disabled webhook", len(c))
	}
	must(t, s.DeleteWebhook(ctx, f.org.ID, w.ID))
	if _, err := s.GetWebhook(ctx, f.org.ID, w.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("GetWebhook after delete: %v", err)
	}
}

// testDeliveryAttempts: each attempt is kept with its node, and a resend
// numbers from 1 again so that a delivery has at most as many attempts
// as the schedule; a webhook's run of failures is counted and a webhook
// past the thresholds is disabled with an event, until enabled again;
// pruning takes old finished deliveries with their attempts.
func testDeliveryAttempts(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	w := &roster.Webhook{OrgID: f.org.ID, URL: "https://hooks.acme.test/roster", Events: []string{"user.*"}, Secret: []byte("sealed")}
	must(t, s.CreateWebhook(ctx, w))
	must(t, s.CreateUser(ctx, f.tenant, user(t, `{"userName":"one@acme.test"}`)))
	if _, err := s.FanOutEvents(ctx, userEvents, 1000); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond) // the deliveries are due by then
	claim := func(at time.Time) roster.Delivery {
		t.Helper()
		c, err := s.ClaimDeliveries(ctx, "node-a", at, at.Add(time.Minute), 10)
		must(t, err)
		if len(c) != 1 {
			t.Fatalf("claimed %d deliveries, want 1", len(c))
		}
		return c[0]
	}
	d := claim(t0)
	record(t, s, "node-a", d.Seq, roster.DeliveryResult{Status: 503, Error: "the receiver answered 503", ResponseExcerpt: "busy", Latency: 7 * time.Millisecond, At: t0, Retry: t0.Add(time.Second)})
	d = claim(t0.Add(2 * time.Second))
	record(t, s, "node-a", d.Seq, roster.DeliveryResult{Error: "POST failed: connection refused", At: t0.Add(2 * time.Second)}) // dead-lettered

	got, attempts, err := s.GetDelivery(ctx, f.org.ID, w.ID, d.ID)
	must(t, err)
	if got.State != roster.DeliveryDead || len(attempts) != 2 {
		t.Fatalf("delivery %s with %d attempts %+v, want dead with 2", got.State, len(attempts), attempts)
	}
	if a := attempts[0]; a.Number != 1 || a.Status != 503 || a.ResponseExcerpt != "busy" || a.Latency != 7*time.Millisecond || a.Node != "node-a" || !a.At.Equal(t0) {
		t.Errorf("first attempt %+v", a)
	}
	if a := attempts[1]; a.Number != 2 || a.Status != 0 || a.Error != "POST failed: connection refused" {
		t.Errorf("second attempt %+v", a)
	}
	if _, _, err := s.GetDelivery(ctx, other.org.ID, w.ID, d.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization's GetDelivery: %v, want not found", err)
	}
	hook, _ := s.GetWebhook(ctx, f.org.ID, w.ID)
	if !hook.FailingSince.Equal(t0) || hook.DeadStreak != 1 {
		t.Errorf("after two failures the webhook is failing since %v with %d dead, want %v and 1", hook.FailingSince, hook.DeadStreak, t0)
	}

	// A resend starts the count again: one attempt shows, not three.
	must(t, s.ResendDelivery(ctx, f.org.ID, w.ID, d.ID))
	d = claim(time.Now())
	record(t, s, "node-a", d.Seq, roster.DeliveryResult{Status: 500, At: t0.Add(time.Minute), Retry: t0.Add(time.Hour)})
	if _, attempts, _ := s.GetDelivery(ctx, f.org.ID, w.ID, d.ID); len(attempts) != 1 || attempts[0].Status != 500 {
		t.Errorf("after a resend and one attempt the log shows %+v, want that one attempt", attempts)
	}

	// Not failing long enough and too few dead letters: left alone.
	if off, err := s.DisableFailingWebhooks(ctx, t0.Add(-time.Minute), 2); err != nil || len(off) != 0 {
		t.Fatalf("DisableFailingWebhooks before the threshold: %v, %v", off, err)
	}
	off, err := s.DisableFailingWebhooks(ctx, t0.Add(time.Minute), 2)
	must(t, err)
	if len(off) != 1 || off[0].ID != w.ID || !strings.Contains(off[0].DisabledReason, "failed since") {
		t.Fatalf("DisableFailingWebhooks past the threshold disabled %+v", off)
	}
	hook, _ = s.GetWebhook(ctx, f.org.ID, w.ID)
	if !hook.Disabled || hook.DisabledReason == "" {
		t.Errorf("webhook after auto-disable: %+v", hook)
	}
	ev, _ := s.SearchEvents(ctx, f.org.ID, roster.EventFilter{Action: "webhook.disabled"}, 10)
	if len(ev) != 1 || ev[0].ResourceID != w.ID || !strings.Contains(ev[0].Detail, "failed since") {
		t.Errorf("webhook.disabled events %+v, want one with the reason", ev)
	}
	if off, _ := s.DisableFailingWebhooks(ctx, time.Now(), 1); len(off) != 0 {
		t.Errorf("a disabled webhook was disabled again: %+v", off)
	}
	hook, err = s.UpdateWebhook(ctx, f.org.ID, w.ID, func(w *roster.Webhook) error { w.Disabled = false; return nil })
	must(t, err)
	if hook.Disabled || !hook.FailingSince.IsZero() || hook.DeadStreak != 0 || hook.DisabledReason != "" {
		t.Errorf("enabling again left %+v, want the failure count reset", hook)
	}

	// A success ends the run of failures.
	d = claim(t0.Add(2 * time.Hour))
	record(t, s, "node-a", d.Seq, roster.DeliveryResult{Status: 500, At: t0.Add(2 * time.Hour), Retry: t0})
	d = claim(t0.Add(2 * time.Hour))
	record(t, s, "node-a", d.Seq, roster.DeliveryResult{Delivered: true, Status: 200, At: t0.Add(2 * time.Hour)})
	if hook, _ = s.GetWebhook(ctx, f.org.ID, w.ID); !hook.FailingSince.IsZero() || hook.DeadStreak != 0 {
		t.Errorf("after a success the webhook is failing since %v with %d dead", hook.FailingSince, hook.DeadStreak)
	}

	// Pruning: the finished delivery goes, with its attempts; a pending one stays.
	must(t, s.CreateUser(ctx, f.tenant, user(t, `{"userName":"two@acme.test"}`)))
	s.FanOutEvents(ctx, userEvents, 1000)
	n, err := s.PruneDeliveries(ctx, time.Now().Add(time.Hour), 100)
	must(t, err)
	if n != 1 {
		t.Errorf("pruned %d deliveries, want the one delivered", n)
	}
	if _, _, err := s.GetDelivery(ctx, f.org.ID, w.ID, d.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("a pruned delivery: %v", err)
	}
	if left, _ := s.ListDeliveries(ctx, f.org.ID, w.ID, "", 10); len(left) != 1 || left[0].State != roster.DeliveryPending {
		t.Errorf("after pruning %+v, want the pending one", left)
	}
}

// testRecordAttemptsBatch: one call records a batch of any size (cut
// into the store's statement shapes), each attempt on its own delivery,
// and skips a delivery whose lease another owner holds.
func testRecordAttemptsBatch(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	w := &roster.Webhook{OrgID: f.org.ID, URL: "https://hooks.acme.test/roster", Events: []string{"user.*"}, Secret: []byte("sealed")}
	must(t, s.CreateWebhook(ctx, w))
	for i := range 70 {
		must(t, s.CreateUser(ctx, f.tenant, user(t, `{"userName":"u`+itoa(int64(i))+`@acme.test"}`)))
	}
	if n, err := s.FanOutEvents(ctx, userEvents, 1000); err != nil || n != 70 {
		t.Fatalf("fan-out made %d deliveries, %v; want 70", n, err)
	}
	now := time.Now().Add(time.Second)
	mine, err := s.ClaimDeliveries(ctx, "a", now, now.Add(time.Minute), 69)
	must(t, err)
	theirs, err := s.ClaimDeliveries(ctx, "b", now, now.Add(time.Minute), 10)
	must(t, err)
	if len(mine) != 69 || len(theirs) != 1 {
		t.Fatalf("claimed %d and %d, want 69 and 1", len(mine), len(theirs))
	}
	var rs []roster.DeliveryResult
	for i, d := range append(mine, theirs...) {
		rs = append(rs, roster.DeliveryResult{Seq: d.Seq, Delivered: true, Status: 200 + i%3, At: now})
	}
	n, err := s.RecordAttempts(ctx, "a", rs)
	must(t, err)
	if n != 69 {
		t.Errorf("recorded %d attempts, want 69 (not the one leased to b)", n)
	}
	for i, d := range mine {
		got, attempts, err := s.GetDelivery(ctx, f.org.ID, w.ID, d.ID)
		must(t, err)
		if got.State != roster.DeliveryDelivered || len(attempts) != 1 || attempts[0].Status != 200+i%3 {
			t.Fatalf("delivery %d: %s with attempts %+v, want delivered with status %d", i, got.State, attempts, 200+i%3)
		}
	}
	if got, attempts, _ := s.GetDelivery(ctx, f.org.ID, w.ID, theirs[0].ID); got.State != roster.DeliveryPending || len(attempts) != 0 {
		t.Errorf("b's delivery after a's batch: %s with %d attempts, want pending with none", got.State, len(attempts))
	}
}

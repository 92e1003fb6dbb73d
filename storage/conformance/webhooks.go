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
	if ok, _ := s.RecordAttempt(ctx, "b", claimed[0].Seq, roster.DeliveryResult{Delivered: true, At: now}); ok {
		t.Error("an owner without the lease recorded an attempt")
	}
	var first roster.Delivery
	for _, d := range claimed {
		if d.ResourceKey == "User:"+u1.ID {
			first = d
		}
		ok, err := s.RecordAttempt(ctx, "a", d.Seq, roster.DeliveryResult{Status: 500, Error: "boom", At: now, Retry: now.Add(-time.Second)})
		must(t, err)
		if !ok {
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
		_, err := s.RecordAttempt(ctx, "a", d.Seq, roster.DeliveryResult{Delivered: true, Status: 204, At: now, Latency: 3 * time.Millisecond, ResponseExcerpt: "ok"})
		must(t, err)
	}
	claimed, err = s.ClaimDeliveries(ctx, "a", now, now.Add(time.Minute), 100)
	must(t, err)
	if len(claimed) != 1 || claimed[0].Type != "user.deleted" {
		t.Fatalf("claimed %+v, want user one's delete now", claimed)
	}
	if _, err := s.RecordAttempt(ctx, "a", claimed[0].Seq, roster.DeliveryResult{Status: 410, At: now}); err != nil { // no Retry: dead-lettered
		t.Fatal(err)
	}
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
	s.RecordAttempt(ctx, "a", claimed[0].Seq, roster.DeliveryResult{Delivered: true, At: now})

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

package console_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/webhooks"
)

var webhookSecretField = regexp.MustCompile(`id="webhook-secret" class="secret">(whsec_[^<]+)<`)

// withWebhooks gives the fixture's server a secret key, as
// --secret-key-file does (private targets refused).
func withWebhooks(t *testing.T) func(*server.Config) {
	keys, err := webhooks.ParseKey(webhooks.NewKey())
	must(t, err)
	return func(c *server.Config) { c.Webhooks = &webhooks.Service{Store: c.Store, Keys: keys} }
}

// TestWebhooksPage: the Webhooks page through the webhooks use case, on
// both backends: form mistakes stay on the form beside their field; a
// created or rotated secret is shown once, a reload creates nothing; test
// send, disable and enable, resend, replay and a confirmed delete; a
// webhook Roster disabled for failing is a warning on the Overview and
// the Webhooks page, and enabling it clears that.
func TestWebhooksPage(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "roster.db"))
		must(t, err)
		testWebhooksPage(t, newFixtureOn(t, st, withWebhooks(t)))
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.DSN(t), postgres.Options{})
		must(t, err)
		testWebhooksPage(t, newFixtureOn(t, st, withWebhooks(t)))
	})
}

func testWebhooksPage(t *testing.T, f *fixture) {
	ctx := context.Background()
	b := f.browser()
	csrf := b.signIn()
	wantPage(t, b.get(f.path("webhooks")), http.StatusOK, "<h1>Webhooks</h1>", "No webhook yet.")

	for _, c := range []struct {
		what          string
		url, events   string
		errorID, kept string
		wantInMessage string
	}{
		{"a private address", "https://127.0.0.1/hook", "user.*", "url-error", `value="https://127.0.0.1/hook"`, "not a public address"},
		{"plain http", "http://93.184.215.14/hook", "user.*", "url-error", `value="http://93.184.215.14/hook"`, "https://"},
		{"no URL at all", "not a url", "user.*", "url-error", `value="not a url"`, "no webhook URL"},
		{"an unknown event filter", "https://93.184.215.14/hook", "nope.*", "events-error", `value="nope.*"`, "no event filter"},
	} {
		p := b.post(f.path("webhooks"), url.Values{"csrf": {csrf}, "url": {c.url}, "events": {c.events}})
		wantPage(t, p, http.StatusBadRequest, "<h1>Webhooks</h1>", `class="field-error" id="`+c.errorID+`"`, c.kept, c.wantInMessage)
		if strings.Contains(p.body, `class="problem"`) {
			t.Errorf("%s: an error page, not the form", c.what)
		}
	}
	if list, _ := f.store.ListWebhooks(ctx, f.org.ID); len(list) != 0 {
		t.Fatalf("form mistakes created %d webhooks", len(list))
	}

	// Created: the secret is shown once; a reload creates nothing.
	p, at := b.postSeeOther(f.path("webhooks"), url.Values{"csrf": {csrf}, "url": {"https://93.184.215.14/roster"}, "events": {"user.*,access.*"}})
	m := webhookSecretField.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil || !strings.Contains(p.body, "Webhook created") {
		t.Fatalf("after creating: %d, no secret on the page\n%s", p.status, p.body)
	}
	list, err := f.store.ListWebhooks(ctx, f.org.ID)
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("%d webhooks after one create", len(list))
	}
	hook := list[0]
	for range 2 {
		again := b.get(at)
		wantPage(t, again, http.StatusOK, "shown already")
		if webhookSecretField.MatchString(again.body) {
			t.Error("the reload shows the secret again")
		}
	}
	if list, _ := f.store.ListWebhooks(ctx, f.org.ID); len(list) != 1 {
		t.Errorf("reloading made %d webhooks", len(list))
	}
	hookPath := f.path("webhooks", hook.ID)

	// Rotated: a new secret, once.
	p, _ = b.postSeeOther(hookPath+"/rotate", url.Values{"csrf": {csrf}})
	if m2 := webhookSecretField.FindStringSubmatch(p.body); m2 == nil || m2[1] == m[1] {
		t.Errorf("rotating showed no new secret\n%s", p.body)
	}

	// A test message, in the log with its state; its page lists attempts.
	p, _ = b.postSeeOther(hookPath+"/test", url.Values{"csrf": {csrf}})
	wantPage(t, p, http.StatusOK, "Test message", `id="deliveries"`, "webhook.test", "pending")
	ds, err := f.store.ListDeliveries(ctx, f.org.ID, hook.ID, "", 10)
	must(t, err)
	if len(ds) != 1 {
		t.Fatalf("%d deliveries after a test send", len(ds))
	}
	wantPage(t, b.get(hookPath+"/deliveries/"+ds[0].ID), http.StatusOK, "No attempt yet.")

	// The receiver fails it until it dead-letters; Roster disables the
	// webhook for failing: warnings on the Overview and the page.
	now := time.Now().Add(time.Second)
	claimed, err := f.store.ClaimDeliveries(ctx, "node-x", now, now.Add(time.Minute), 10)
	must(t, err)
	if len(claimed) != 1 {
		t.Fatalf("claimed %d", len(claimed))
	}
	_, err = f.store.RecordAttempts(ctx, "node-x", []roster.DeliveryResult{{Seq: claimed[0].Seq, Status: 503, Error: "the receiver answered 503", ResponseExcerpt: "down for maintenance", At: now}})
	must(t, err)
	wantPage(t, b.get(hookPath+"/deliveries/"+ds[0].ID), http.StatusOK, `id="attempt-log"`, "503", "node-x", "dead")
	off, err := f.store.DisableFailingWebhooks(ctx, time.Now(), 1)
	must(t, err)
	if len(off) != 1 {
		t.Fatalf("DisableFailingWebhooks disabled %d", len(off))
	}
	wantPage(t, b.get(f.path()+"/"), http.StatusOK, `id="webhook-disabled-`+hook.ID+`"`, "dead-lettered")
	wantPage(t, b.get(f.path("webhooks")), http.StatusOK, `id="auto-disabled-`+hook.ID+`"`)
	p, _ = b.postSeeOther(hookPath+"/enabled", url.Values{"csrf": {csrf}, "on": {"1"}})
	wantPage(t, p, http.StatusOK, "Webhook enabled")
	if strings.Contains(b.get(f.path()+"/").body, "webhook-disabled-") {
		t.Error("the Overview still warns after the webhook was enabled again")
	}
	p, _ = b.postSeeOther(hookPath+"/enabled", url.Values{"csrf": {csrf}, "on": {"0"}})
	wantPage(t, p, http.StatusOK, "Webhook disabled")
	if strings.Contains(p.body, `id="auto-disabled"`) {
		t.Error("an admin's disabling shows as Roster's")
	}

	// Resend the dead delivery; replay with a mistake, then properly.
	p, _ = b.postSeeOther(hookPath+"/deliveries/"+ds[0].ID+"/resend", url.Values{"csrf": {csrf}})
	wantPage(t, p, http.StatusOK, "queued again")
	wantPage(t, b.post(hookPath+"/replay", url.Values{"csrf": {csrf}, "from": {"soon"}}), http.StatusBadRequest, `class="field-error" id="from-error"`, `value="soon"`)
	p, _ = b.postSeeOther(hookPath+"/replay", url.Values{"csrf": {csrf}, "from": {"1"}})
	wantPage(t, p, http.StatusOK, "delivered again")

	// Delete needs the confirmation typed.
	wantPage(t, b.post(hookPath+"/delete", url.Values{"csrf": {csrf}, "confirm": {"yes"}}), http.StatusBadRequest)
	if _, err := f.store.GetWebhook(ctx, f.org.ID, hook.ID); err != nil {
		t.Fatalf("an unconfirmed delete deleted: %v", err)
	}
	p, _ = b.postSeeOther(hookPath+"/delete", url.Values{"csrf": {csrf}, "confirm": {"delete"}})
	wantPage(t, p, http.StatusOK, "deleted, with its delivery log", "No webhook yet.")
	wantPage(t, b.get(hookPath), http.StatusNotFound)
}

package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rosterhq/roster/webhooks"
)

// TestConsoleWebhooksInBrowser, in a real browser (Chromium, headless)
// against `roster serve` with a secret key and --allow-private-targets:
// create a webhook to a real receiver started here, see its secret once
// (a reload says it was shown and creates nothing), send a test message
// and watch it arrive, delivered, in the delivery log, signed with that
// secret.
func TestConsoleWebhooksInBrowser(t *testing.T) {
	chromium := findChromium(t)
	rec, recv := newRecorder(t, "received, thanks")

	env, base, org := startConsoleHub(t)
	const email, password = hubEmail, hubPassword
	orgURL := base + "/orgs/" + org.ID

	b := newConsoleBrowser(t, chromium, "")
	b.open(base + "/")
	b.do("signing in", chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password))
	b.submit(`main form[action="/signin"] button[type=submit]`)

	b.open(orgURL + "/webhooks")
	if h := b.text("main h1"); h != "Webhooks" {
		t.Fatalf("the Webhooks page's heading is %q", h)
	}
	b.do("filling in the webhook", chromedp.SendKeys(chromedp.ID("url"), recv.URL+"/roster"))
	b.submit(`main form[action$="/webhooks"] button[type=submit]`)
	if h := b.text("main h1"); h != "Webhook created" {
		t.Fatalf("after creating, the heading is %q; the page says %s", h, b.text("main"))
	}
	secret := b.text("#webhook-secret")
	if !strings.HasPrefix(secret, webhooks.SecretPrefix) {
		t.Fatalf("the secret on the page is %q", secret)
	}
	st := openTestStore(t, env)
	countHooks := func() int {
		list, err := st.ListWebhooks(context.Background(), org.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	b.open(b.location()) // reload
	if shown := b.text("#already-shown"); !strings.Contains(shown, "shown already") {
		t.Errorf("reloading the secret's page says %q, want that it was shown already", shown)
	}
	if b.count("#webhook-secret") != 0 {
		t.Error("the reload shows the secret again")
	}
	if n := countHooks(); n != 1 {
		t.Errorf("%d webhooks after one create and a reload", n)
	}

	b.submit(`main a.button`) // to the webhook
	hookURL := b.location()
	b.submit(`#send-test`)
	if flash := b.text("main .flash"); !strings.Contains(flash, "Test message") {
		t.Errorf("after Send a test message the flash reads %q", flash)
	}
	b.eventually(hookURL, "#deliveries tbody", "the test message delivered", func(s string) bool {
		return strings.Contains(s, "webhook.test") && strings.Contains(s, "delivered") && strings.Contains(s, "received, thanks")
	})
	if n := rec.count(); n != 1 {
		t.Fatalf("the receiver got %d requests, want the one test message", n)
	}
	r, body := rec.request(0)
	if !webhooks.Verify(secret, r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), body, r.Header.Get("webhook-signature")) {
		t.Errorf("the test message does not verify with the secret the page showed")
	}
}

// hubEmail and hubPassword sign in the admin of startConsoleHub's
// organization.
const hubEmail, hubPassword = "root@acme.test", "correct horse battery staple"

// startConsoleHub starts `roster serve` with a new secret key and
// --allow-private-targets, as the console's browser tests of webhooks and
// connectors need it, with an organization Acme and its admin. It returns
// the CLI's environment, the server's URL and the organization.
func startConsoleHub(t *testing.T) (env map[string]string, base string, org struct{ ID string }) {
	t.Helper()
	tmp := t.TempDir()
	key := filepath.Join(tmp, "roster.key")
	env = map[string]string{"ROSTER_DB": filepath.Join(tmp, "roster.db"), "ROSTER_SECRET_KEY_FILE": ""}
	rosterJSON(t, env, &struct{}{}, "keygen", "--out", key)
	base = serve(t, env, "--domain-recheck", "0", "--secret-key-file", key, "--allow-private-targets")
	rosterJSON(t, env, &org, "org", "create", "--name", "Acme")
	withStdin(t, hubPassword+"\n")
	rosterJSON(t, env, &struct{}{}, "admin", "create", "--org", org.ID, "--email", hubEmail, "--password-stdin")
	return env, base, org
}

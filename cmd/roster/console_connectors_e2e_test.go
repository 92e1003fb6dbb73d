package main

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rosterhq/roster/http/server/servertest"
)

// TestConsoleConnectorsInBrowser, in a real browser (Chromium, headless)
// against `roster serve` with a secret key and --allow-private-targets:
// connect a second Roster (its own database, served here by the real
// handler) as the application of a product, see what `roster check`
// found, pause it so that the server's worker leaves it alone, grant a
// group, preview what a sync would create, sync now, see the counts and
// the delivery log, resume, and disconnect. The application's token is
// never on a page, and on a phone no page of it scrolls sideways.
//
// With ROSTER_SCREENSHOTS set, it writes connectors.png (the product's
// connected applications) and connector.png there too.
func TestConsoleConnectorsInBrowser(t *testing.T) {
	chromium := findChromium(t)
	shots := os.Getenv("ROSTER_SCREENSHOTS")

	// The application: a second Roster with a directory that receives
	// what the connector provisions.
	application := servertest.NewApplication(t, nil)
	appToken := application.Token
	app := scimClient{t, application.Base, appToken}
	appUsers := func() map[string]bool {
		t.Helper()
		status, list := app.do("GET", "/Users?count=100", "")
		if status != http.StatusOK {
			t.Fatalf("listing the application's users: %d %v", status, list)
		}
		out := map[string]bool{}
		res, _ := list["Resources"].([]any)
		for _, r := range res {
			u := r.(map[string]any)
			out[u["userName"].(string)], _ = u["active"].(bool)
		}
		return out
	}

	// The hub: Acme, with a directory an identity provider filled, a
	// group and a product.
	env, base, org := startConsoleHub(t)
	const email, password = hubEmail, hubPassword
	var idp struct{ ID, Token, BaseURL string }
	rosterJSON(t, env, &idp, "directory", "create", "--org", org.ID, "--name", "Entra ID", "--base-url", base)
	entra := scimClient{t, idp.BaseURL, idp.Token}
	var members []string
	for _, name := range []string{"ann", "ben"} {
		status, u := entra.do("POST", "/Users", `{"userName":"`+name+`@acme.test","displayName":"`+name+`"}`)
		if status != http.StatusCreated {
			t.Fatalf("creating %s: %d %v", name, status, u)
		}
		members = append(members, `{"value":"`+u["id"].(string)+`"}`)
	}
	if status, g := entra.do("POST", "/Groups", `{"displayName":"Engineering","members":[`+strings.Join(members, ",")+`]}`); status != http.StatusCreated {
		t.Fatalf("creating the group: %d %v", status, g)
	}
	rosterJSON(t, env, &struct{}{}, "product", "create", "--org", org.ID, "--key", "jira", "--name", "Jira")
	orgURL := base + "/orgs/" + org.ID
	productURL := orgURL + "/products/jira"

	b := newConsoleBrowser(t, chromium, shots)
	b.open(base + "/")
	b.do("signing in", chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password))
	b.submit(`main form[action="/signin"] button[type=submit]`)
	tokenShown := func(where string) {
		t.Helper()
		if strings.Contains(b.maybeText("html"), appToken) {
			t.Errorf("%s shows the application's token", where)
		}
	}

	// Connect: roster check runs, the connector's page says what it found.
	b.open(productURL)
	if none := b.text("#no-connector"); !strings.Contains(none, "No application is connected") {
		t.Errorf("the product page says %q before any connection", none)
	}
	b.submit("#connect")
	if h := b.text("main h1"); h != "Connect an application to Jira" {
		t.Fatalf("the connect page's heading is %q", h)
	}
	b.do("filling in the application",
		chromedp.SendKeys(chromedp.ID("name"), "Jira Cloud"),
		chromedp.SendKeys(chromedp.ID("url"), app.base),
		chromedp.SendKeys(chromedp.ID("token"), appToken))
	b.submit("#connect-form button[type=submit]")
	if h := b.text("main h1"); h != "Jira Cloud" {
		t.Fatalf("after connecting, the heading is %q; the page says %s", h, b.text("main"))
	}
	if flash := b.text("main .flash"); !strings.Contains(flash, "Jira Cloud is connected") {
		t.Errorf("after connecting, the flash reads %q", flash)
	}
	if counts := b.text("#check-counts"); !strings.Contains(counts, "passed, 0 failed") {
		t.Errorf("the check's result reads %q, want every needed step passed", counts)
	}
	tokenShown("the connector's page")
	connURL := b.location()
	connID := connURL[strings.LastIndex(connURL, "/")+1:]
	b.screenshot("connector")

	// Paused, the server's worker runs no pass of it: what follows is the
	// console's doing alone.
	b.submit("#pause")
	if flash := b.text("main .flash"); !strings.Contains(flash, "is paused") {
		t.Errorf("after Pause the flash reads %q", flash)
	}

	// Grant a group on the product's page; the row says paused.
	b.open(productURL)
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(() => { const s = document.getElementById("group");
		const o = [...s.options].find(o => o.text.startsWith("Engineering")); s.value = o.value; return o.value })()`)); err != nil {
		t.Fatalf("choosing the group: %v", err)
	}
	b.submit(`main form[action$="/grants"] button[type=submit]`)
	row := "#connector-" + connID
	if state := b.text(row + " .state"); state != "paused" {
		t.Errorf("the connector's row reads %q for its state, want paused", state)
	}

	// Preview: two users to create, nothing written.
	b.submit(row + " a.preview")
	if n := b.text("#total-create strong"); n != "2" {
		t.Errorf("the preview would create %s users, want 2; it says %s", n, b.text("main"))
	}
	if changes := b.text("#changes tbody"); !strings.Contains(changes, "ann@acme.test") || !strings.Contains(changes, "ben@acme.test") {
		t.Errorf("the preview lists %q, want ann and ben", changes)
	}
	if got := appUsers(); len(got) != 0 {
		t.Fatalf("the preview wrote to the application: %v", got)
	}

	// Sync now: the users are in the application, the page counts them.
	b.submit("#sync")
	if flash := b.text("main .flash"); !strings.Contains(flash, "Synced Jira Cloud: 2 create") {
		t.Errorf("after Sync now the flash reads %q", flash)
	}
	if n := b.text("#in-sync"); n != "2" {
		t.Errorf("after the sync %s users are in sync, want 2", n)
	}
	if got := appUsers(); len(got) != 2 || !got["ann@acme.test"] || !got["ben@acme.test"] {
		t.Fatalf("after the sync the application holds %v, want ann and ben, active", got)
	}

	// The delivery log lists the two creates; none failed.
	b.submit("#deliveries")
	log := b.text("#connector-deliveries tbody")
	for _, want := range []string{"create", "ann@acme.test", "ben@acme.test", "POST /Users", "201"} {
		if !strings.Contains(log, want) {
			t.Errorf("the delivery log lacks %q:\n%s", want, log)
		}
	}
	b.screenshot("connector-deliveries")
	b.do("ticking failed only", chromedp.Click(chromedp.ID("failed"), chromedp.NodeVisible))
	b.submit("#filter")
	if none := b.text("#no-delivery"); none != "No failed request." {
		t.Errorf("the failed-only log reads %q", none)
	}

	// Resume; the product's page shows it active with its counts.
	b.open(connURL)
	b.submit("#pause") // it reads Resume now
	if flash := b.text("main .flash"); !strings.Contains(flash, "is resumed") {
		t.Errorf("after Resume the flash reads %q", flash)
	}
	b.open(productURL)
	if state := b.text(row + " .state"); state != "active" {
		t.Errorf("after Resume the row's state reads %q", state)
	}
	if n := b.text(row + " .in-sync"); n != "2" {
		t.Errorf("the row counts %s in sync, want 2", n)
	}
	tokenShown("the product page")
	b.screenshot("connectors")

	// On a phone no page of it scrolls sideways, and the cells that
	// matter (a connector's state, a request's status) are on screen.
	b.do("emulating a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, page := range []string{productURL, productURL + "/connectors/new", connURL, connURL + "/preview", connURL + "/deliveries", connURL + "/delete"} {
		b.open(page)
		wide, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth - window.innerWidth`))
		if err != nil {
			t.Fatalf("measuring %s on a phone: %v", page, err)
		}
		if wide > 0 {
			t.Errorf("on a 390-pixel-wide phone %s is %v pixels too wide: the page scrolls sideways", page, wide)
		}
		off, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("td.key"))
			.filter(td => { const r = td.getBoundingClientRect(); return r.width > 0 && (r.left < 0 || r.right > window.innerWidth + 0.5); })
			.map(td => td.innerText.trim().slice(0, 60))`))
		if err != nil || len(off) > 0 {
			t.Errorf("on a 390-pixel-wide phone %s has key cells outside the screen: %q (%v)", page, off, err)
		}
		if (page == productURL || page == connURL+"/deliveries") && b.count("td.key") == 0 {
			t.Errorf("%s marks no key cells", page)
		}
	}
	b.do("leaving the phone", chromedp.EmulateReset())

	// Disconnect, confirmed on its own page; the application keeps its
	// users.
	b.open(connURL)
	b.submit("#delete")
	if h := b.text("main h1"); h != "Disconnect Jira Cloud?" {
		t.Errorf("the confirmation's heading is %q", h)
	}
	b.submit("#confirm-delete")
	if flash := b.text("main .flash"); !strings.Contains(flash, "Jira Cloud is disconnected") {
		t.Errorf("after disconnecting the flash reads %q", flash)
	}
	if b.count("#no-connector") != 1 {
		t.Errorf("the product page still lists a connector after the disconnect")
	}
	if got := appUsers(); len(got) != 2 {
		t.Errorf("disconnecting changed the application's users: %v", got)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/scimtest"
)

// TestConsoleEndToEnd walks the console's seed flow in a real browser
// (Debian's Chromium, headless): sign in, verify a domain over HTTPS,
// create a directory, watch an identity provider (Microsoft Entra ID, as
// its requests look) provision users and groups over SCIM, grant a
// product to a group, rotate the directory's token with a grace period
// and revoke the old and then the new token, and read the audit trail.
//
// With ROSTER_SCREENSHOTS set to a directory, it also writes full-page
// PNG screenshots of the main pages there (`make screenshots` writes
// docs/screenshots). Without a browser the test skips, unless
// ROSTER_REQUIRE_BROWSER is set (as CI sets it): then it fails.
func TestConsoleEndToEnd(t *testing.T) {
	chromium := findChromium(t)
	shots := os.Getenv("ROSTER_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// The HTTPS proof of acme.test, served by a local TLS server that the
	// server's verifier connects to (--https-connect) and trusts
	// (--https-ca), as in TestDomainsAndManagedAccounts.
	var published atomic.Pointer[string]
	certFile, proofAddr := serveProof(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := published.Load()
		if r.Host != "acme.test" || r.URL.Path != "/.well-known/roster-verification.txt" || body == nil {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, *body+"\n")
	}))

	env := map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db")}
	base := serve(t, env, "--domain-recheck", "0", "--https-ca", certFile, "--https-connect", proofAddr)

	var org struct{ ID, Name string }
	rosterJSON(t, env, &org, "org", "create", "--name", "Acme")
	const email, password = "root@acme.test", "correct horse battery staple"
	withStdin(t, password+"\n")
	var admin adminResult
	rosterJSON(t, env, &admin, "admin", "create", "--org", org.ID, "--email", email, "--password-stdin")
	if !admin.Password {
		t.Fatalf("admin create --password-stdin = %+v, want an admin with a password", admin)
	}
	orgURL := base + "/orgs/" + org.ID

	b := newConsoleBrowser(t, chromium, shots)

	// 1. Signing in: the console sends a stranger to the sign-in form
	// (today's bookmarked URL); "/" asks for an address and a password
	// and, the address administering one organization, goes straight in.
	b.open(orgURL + "/")
	if loc := b.location(); !strings.HasPrefix(loc, orgURL+"/signin") {
		t.Fatalf("opening the console signed out landed on %s, want the sign-in form %s/signin", loc, orgURL)
	}
	b.open(base + "/")
	b.do("signing in from /",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password))
	b.submit(`main form[action="/signin"] button[type=submit]`)
	if loc := b.location(); loc != orgURL+"/" {
		t.Errorf("signing in from / led to %s, want the organization's overview %s/", loc, orgURL)
	}
	if h := b.text("main h1"); h != "Overview" {
		t.Fatalf("after signing in the page's heading is %q, want Overview (on %s)", h, b.location())
	}
	if who := b.text("header .who"); who != email {
		t.Errorf("the header names %q as signed in, want %s", who, email)
	}

	// 2. Domains: add acme.test, publish the HTTPS file the page shows,
	// verify it.
	b.open(orgURL + "/domains")
	b.do("adding a domain", chromedp.SendKeys(chromedp.ID("domain"), "acme.test"))
	b.submit(`main form[action$="/domains"] button[type=submit]`)
	if badge := b.text(`[id="h-acme.test"] .badge`); badge != "pending" {
		t.Errorf("a new domain's badge reads %q, want pending", badge)
	}
	if u := b.text(`[id="https-url-acme.test"]`); u != "https://acme.test/.well-known/roster-verification.txt" {
		t.Errorf("the page says to publish the file at %q, want https://acme.test/.well-known/roster-verification.txt", u)
	}
	proofBody := b.text(`[id="https-body-acme.test"]`)
	if !strings.HasPrefix(proofBody, "roster-verification=") {
		t.Fatalf("the HTTPS file's content on the page is %q, want roster-verification=<token>", proofBody)
	}
	b.screenshot("domains")
	published.Store(&proofBody)
	b.do("choosing HTTPS verification", chromedp.SetValue(chromedp.CSS(`[id="method-acme.test"]`), "https"))
	b.submit(`form[action$="/domains/acme.test/verify"] button[type=submit]`)
	if badge := b.text(`[id="h-acme.test"] .badge`); badge != "verified" {
		t.Fatalf("after Verify now the badge reads %q, want verified; the page says: %s", badge, b.text("main"))
	}
	if flash := b.text("main .flash"); !strings.Contains(flash, "acme.test is verified") {
		t.Errorf("after Verify now the message is %q, want one saying acme.test is verified", flash)
	}

	// 3. Directories: create one; its token is on the page, once.
	b.open(orgURL + "/directories")
	b.do("naming the directory", chromedp.SendKeys(chromedp.ID("name"), "Entra ID"))
	b.submit(`main form[action$="/directories"] button[type=submit]`)
	if h := b.text("main h1"); h != "Directory Entra ID created" {
		t.Errorf("after creating a directory the heading is %q, want Directory Entra ID created", h)
	}
	if steps := b.text("#steps-entra"); !strings.Contains(steps, "Non-gallery") {
		t.Errorf("the Entra steps read %q, want those for a custom non-gallery app", steps)
	}
	if warn := b.text(`main p.warning[role=alert]`); !strings.Contains(warn, "shown only this once") {
		t.Errorf("the token page warns %q, want it to say the token is shown only this once", warn)
	}
	baseURL := b.text("#base-url")
	dirID, ok := strings.CutPrefix(baseURL, base+"/scim/v2/directories/")
	if !ok || dirID == "" || strings.Contains(dirID, "/") {
		t.Fatalf("the directory's base URL is %q, want %s/scim/v2/directories/<id>", baseURL, base)
	}
	firstToken := b.text("#token")
	if !strings.HasPrefix(firstToken, roster.TokenSecretPrefix) {
		t.Fatalf("the token on the page is %q, want a secret starting with %s", firstToken, roster.TokenSecretPrefix)
	}
	b.screenshot("token")
	dirURL := orgURL + "/directories/" + dirID

	// Reloading the page that showed the token creates nothing and shows
	// no secret: the POST redirected (303) to it, and the secret came
	// from a one-time slot.
	st := openTestStore(t, env)
	countRows := func() (dirs, tokens int) {
		t.Helper()
		list, err := st.ListDirectories(context.Background(), org.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range list {
			toks, err := st.ListTokens(context.Background(), org.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			tokens += len(toks)
		}
		return len(list), tokens
	}
	reloadShowsNothingNew := func(what string) {
		t.Helper()
		dirs, tokens := countRows()
		b.open(b.location())
		if shown := b.text("#already-shown"); !strings.Contains(shown, "shown already") {
			t.Errorf("reloading the page of %s says %q, want that it was shown already", what, shown)
		}
		if n := b.count("#token"); n != 0 {
			t.Errorf("reloading the page of %s shows the token again", what)
		}
		if d, tok := countRows(); d != dirs || tok != tokens {
			t.Errorf("reloading the page of %s: %d directories and %d tokens before, %d and %d after", what, dirs, tokens, d, tok)
		}
	}
	if loc := b.location(); !strings.HasSuffix(loc, "/new") {
		t.Errorf("creating a directory landed on %s, want the GET page of its new token", loc)
	}
	reloadShowsNothingNew("a new directory")

	// 4. Provisioning, as Microsoft Entra ID does it.
	entra := entraClient{t: t, base: baseURL, token: firstToken}
	status, body := entra.do("GET", "/Users?filter="+neturl.QueryEscape(`userName eq "`+uuid.NewString()+`"`), "")
	if status != http.StatusOK || body["totalResults"] != 0.0 {
		t.Fatalf("Entra's test connection: %d %v, want 200 and no users", status, body)
	}
	status, alice := entra.do("POST", "/Users", `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId": "alice", "userName": "alice@acme.test", "active": true, "displayName": "Alice Adams",
		"emails": [{"primary": true, "type": "work", "value": "alice@acme.test"}],
		"name": {"formatted": "Alice Adams", "familyName": "Adams", "givenName": "Alice"}}`)
	if status != http.StatusCreated {
		t.Fatalf("creating alice: %d %v, want 201", status, alice)
	}
	status, bob := entra.do("POST", "/Users", `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"externalId": "bob", "userName": "bob@partner.test", "active": true, "displayName": "Bob Brown",
		"emails": [{"primary": true, "type": "work", "value": "bob@partner.test"}],
		"name": {"formatted": "Bob Brown", "familyName": "Brown", "givenName": "Bob"}}`)
	if status != http.StatusCreated {
		t.Fatalf("creating bob: %d %v, want 201", status, bob)
	}
	aliceID, bobID := fmt.Sprint(alice["id"]), fmt.Sprint(bob["id"])
	status, group := entra.do("POST", "/Groups", fmt.Sprintf(`{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "externalId": "engineering", "displayName": "Engineering",
		"members": [{"value": %q}, {"value": %q}]}`, aliceID, bobID))
	if status != http.StatusCreated {
		t.Fatalf("creating Engineering: %d %v, want 201", status, group)
	}
	// Entra capitalises its ops and sends booleans as strings.
	status, patched := entra.do("PATCH", "/Users/"+bobID, `{
		"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Replace", "path": "displayName", "value": "Bob Brown (Partner)"}, {"op": "Replace", "path": "active", "value": "True"}]}`)
	if status != http.StatusOK || patched["displayName"] != "Bob Brown (Partner)" || patched["active"] != true {
		t.Fatalf("Entra's PATCH of bob: %d %v, want 200 with the new displayName, still active", status, patched)
	}
	// A filter Roster cannot read: the health page explains it.
	if status, body := entra.do("GET", "/Users?filter="+neturl.QueryEscape(`userName eq`), ""); status != http.StatusBadRequest {
		t.Fatalf("a broken filter: %d %v, want 400", status, body)
	}

	// 5. The console shows what Entra did. The request log is written
	// about once a second: wait for it.
	const filterExplanation = "Roster could not understand the identity provider's filter."
	b.eventually(dirURL, "main", "the directory page showing the failed request's explanation and Microsoft Entra ID",
		func(s string) bool {
			// and the connection and health read from the same flush, which the
			// checks below read: "Microsoft Entra ID" alone may show before it.
			return strings.Contains(s, filterExplanation) && strings.Contains(s, "Microsoft Entra ID") &&
				strings.Contains(s, "synced so far")
		})
	if idp := b.text(`//dt[.="Identity provider"]/following-sibling::dd[1]`); idp != "Microsoft Entra ID" {
		t.Errorf("the directory's identity provider is %q, want Microsoft Entra ID", idp)
	}
	if conn := b.text("#connection"); !strings.HasPrefix(conn, "connected first sync 20") || !strings.Contains(conn, "last sync") ||
		!strings.Contains(conn, "2 users and 1 group synced so far") {
		t.Errorf("after Entra's requests the connection reads %q, want connected with the first and last sync and what synced so far", conn)
	}
	if reach := b.text("#reach-problem"); !strings.Contains(reach, "need a public HTTPS URL") || !strings.Contains(reach, "--base-url") {
		t.Errorf("on a plain-http loopback base URL the directory page warns %q, want that cloud identity providers need a public HTTPS URL and how to set --base-url", reach)
	}
	if synced := b.text(`//dt[.="Synced"]/following-sibling::dd[1]`); synced != "2 users, 1 group" {
		t.Errorf("the directory says it synced %q, want 2 users, 1 group", synced)
	}
	failed := b.text(`table.log tr.failed`)
	for _, want := range []string{"GET /Users?filter=", "400", filterExplanation, "invalidFilter"} {
		if !strings.Contains(failed, want) {
			t.Errorf("the request log's failed row %q lacks %q", failed, want)
		}
	}
	if rows := b.count(`table.log tbody tr`); rows != 6 {
		t.Errorf("the request log has %d rows, want the 6 requests Entra sent", rows)
	}
	if errs := b.text(`#health ~ ul.tiles`); !strings.Contains(errs, "6 requests") || !strings.Contains(errs, "1 error (17%)") {
		t.Errorf("the health tiles say %q, want 6 requests and 1 error", errs)
	}
	b.screenshot("directory")

	b.open(orgURL + "/users")
	if n := b.text(`main p[role=status]`); n != "2 users" {
		t.Errorf("the Users page counts %q, want 2 users", n)
	}
	for user, want := range map[string]string{"alice@acme.test": "managed", "bob@partner.test": "external"} {
		row := `//tr[th/a[normalize-space()="` + user + `"]]`
		if got := b.text(row + `/td[5]`); got != want {
			t.Errorf("the Users page shows %s as %q, want %s", user, got, want)
		}
		if got := b.text(row + `/td[3]`); got != "Entra ID" {
			t.Errorf("the Users page shows %s in directory %q, want Entra ID", user, got)
		}
	}
	b.screenshot("users")
	b.click(`//a[normalize-space()="alice@acme.test"]`)
	if h := b.text("main h1"); h != "alice@acme.test" {
		t.Errorf("alice's page has the heading %q", h)
	}
	if acct := b.text(`//dt[.="Account"]/following-sibling::dd[1]/span`); acct != "managed" {
		t.Errorf("alice's page says her account is %q, want managed", acct)
	}

	b.open(orgURL + "/groups")
	engRow := `//tr[th/a[normalize-space()="Engineering"]]`
	if members := b.text(engRow + `/td[2]`); members != "2" {
		t.Errorf("the Groups page shows Engineering with %q members, want 2", members)
	}
	b.screenshot("groups")
	b.click(engRow + `/th/a`)
	if h := b.text("main h1"); h != "Engineering" {
		t.Errorf("the group's page has the heading %q, want Engineering", h)
	}
	if members := b.text("main ul.members"); !strings.Contains(members, "Alice Adams") || !strings.Contains(members, "Bob Brown (Partner)") {
		t.Errorf("Engineering's members are listed as %q, want Alice Adams and Bob Brown (Partner)", members)
	}

	// 6. Products: add Jira and grant it to Engineering.
	b.open(orgURL + "/products")
	b.do("adding a product",
		chromedp.SendKeys(chromedp.ID("key"), "jira"),
		chromedp.SendKeys(chromedp.ID("name"), "Jira"))
	b.submit(`main form[action$="/products"] button[type=submit]`)
	if loc := b.location(); loc != orgURL+"/products/jira" {
		t.Fatalf("adding a product landed on %s, want its page %s/products/jira", loc, orgURL)
	}
	// The picker names each group's directory: synced groups of two
	// directories may share a name.
	if opts := b.texts("#group option"); !slices.Contains(opts, "Engineering (Entra ID)") {
		t.Errorf("the grant picker offers %q, want Engineering (Entra ID)", opts)
	}
	b.do("granting the product to Engineering",
		chromedp.SetValue(chromedp.ID("group"), fmt.Sprint(group["id"])),
		chromedp.SetValue(chromedp.ID("role"), "user"))
	b.submit(`main form[action$="/products/jira/grants"] button[type=submit]`)
	if flash := b.text("main .flash"); !strings.Contains(flash, "Members of Engineering have Jira access as user") {
		t.Errorf("after granting, the message is %q", flash)
	}
	if who := b.text("#who"); who != "Who has access (2)" {
		t.Errorf("the product page's heading is %q, want Who has access (2)", who)
	}
	tiles := b.texts(`main > ul.tiles > li`)
	if want := []string{"2 users with access", "1 managed", "1 external", "1 group granted"}; strings.Join(tiles, "|") != strings.Join(want, "|") {
		t.Errorf("the product's counts are %q, want %q", tiles, want)
	}
	for user, want := range map[string]string{"alice@acme.test": "user managed", "bob@partner.test": "user external"} {
		row := `//section[@aria-labelledby="who"]//tr[th/a[normalize-space()="` + user + `"]]`
		if got := b.text(row+`/td[2]`) + " " + b.text(row+`/td[3]`); got != want {
			t.Errorf("Who has access shows %s with %q, want role and account %q", user, got, want)
		}
	}
	b.screenshot("product")
	b.click(`//section[@aria-labelledby="who"]//a[normalize-space()="alice@acme.test"]`)
	if access := b.text(`//section[@aria-labelledby="access"]//tr[th/a[normalize-space()="Jira"]]`); access != "Jira yes, as user through Engineering" {
		t.Errorf("alice's page shows her Jira access as %q, want yes, as user through Engineering", access)
	}
	b.screenshot("user")
	b.open(orgURL + "/groups/" + fmt.Sprint(group["id"]))
	if grants := b.text(`section[aria-labelledby=access] table`); !strings.Contains(grants, "Jira") {
		t.Errorf("Engineering's page lists the product access %q, want Jira", grants)
	}
	b.screenshot("group")
	b.open(orgURL + "/products")
	if row := b.text(`//tr[th/a[normalize-space()="Jira"]]`); !strings.Contains(row, "jira") {
		t.Errorf("the Products page's row for Jira is %q", row)
	}
	b.screenshot("products")
	b.open(orgURL + "/")
	if users := b.text(`//ul[@class="tiles"]/li[1]`); users != "2 users" {
		t.Errorf("the overview counts %q, want 2 users", users)
	}
	b.screenshot("overview")
	b.open(orgURL + "/directories")
	if idp := b.text(`//tr[th/a[normalize-space()="Entra ID"]]/td[1]`); idp != "Microsoft Entra ID" {
		t.Errorf("the Directories page shows Entra ID's identity provider as %q, want Microsoft Entra ID", idp)
	}
	b.screenshot("directories")

	// A wrong token, sent as Okta sends: the directory's identity
	// provider, its last request and its error count stay as they were;
	// only the rejected figure goes up by one.
	b.open(dirURL)
	healthBefore := b.text(`#health ~ ul.tiles`)
	rowsBefore := b.count(`table.log tbody tr`)
	wrong, _ := http.NewRequest("GET", baseURL+"/Users", nil)
	wrong.Header.Set("Authorization", "Bearer "+roster.TokenSecretPrefix+"not-a-real-token-0000000000")
	wrong.Header.Set("User-Agent", "Okta SCIM Client 1.0.0")
	if resp, err := http.DefaultClient.Do(wrong); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong token: %v %v, want 401", resp, err)
	} else {
		resp.Body.Close()
	}
	b.eventually(dirURL, "#health ~ ul.tiles", "the rejected figure at 1",
		func(s string) bool { return strings.Contains(s, "1 rejected: wrong or expired token") })
	if idp := b.text(`//dt[.="Identity provider"]/following-sibling::dd[1]`); idp != "Microsoft Entra ID" {
		t.Errorf("after a wrong token from Okta the identity provider reads %q, want still Microsoft Entra ID", idp)
	}
	healthAfter := b.text(`#health ~ ul.tiles`)
	for _, want := range []string{"6 requests", "1 error (17%)", "the last request failed"} {
		if !strings.Contains(healthBefore, want) || !strings.Contains(healthAfter, want) {
			t.Errorf("the health tiles before %q and after %q a wrong token should both say %q", healthBefore, healthAfter, want)
		}
	}
	if strings.Contains(healthBefore, "rejected") {
		t.Errorf("before the wrong token the tiles already count rejections: %q", healthBefore)
	}
	if rows := b.count(`table.log tbody tr`); rows != rowsBefore {
		t.Errorf("a wrong token changed the request log: %d rows, want %d", rows, rowsBefore)
	}

	// 7. Rotate the token with an hour's grace: both work. Revoke the old
	// one (confirming the dialog): only the new one works. Revoke that.
	b.open(dirURL)
	b.do("choosing an hour's grace", chromedp.SetValue(chromedp.CSS(`form[action$="/rotate"] select[name=grace]`), "1h"))
	b.submit(`form[action$="/rotate"] button[type=submit]`)
	if h := b.text("main h1"); h != "New token for Entra ID" {
		t.Errorf("after rotating, the heading is %q, want New token for Entra ID", h)
	}
	secondToken := b.text("#token")
	if !strings.HasPrefix(secondToken, roster.TokenSecretPrefix) || secondToken == firstToken {
		t.Fatalf("the rotated token is %q, want a new secret", secondToken)
	}
	oldPrefix, newPrefix := roster.TokenPrefix(firstToken), roster.TokenPrefix(secondToken)
	if p := b.text(`main section.card > p`); !strings.Contains(p, "The old token "+oldPrefix+"… keeps working until") || !strings.Contains(p, "in 1 hour") && !strings.Contains(p, "59 minutes") {
		t.Errorf("the rotation page says %q, want that the old token keeps working for an hour", p)
	}
	reloadShowsNothingNew("a rotation")
	oldEntra, newEntra := entra, entraClient{t: t, base: baseURL, token: secondToken}
	wantStatus := func(when string, c entraClient, name string, want int) {
		t.Helper()
		if status, body := c.do("GET", "/Users", ""); status != want {
			t.Errorf("%s the %s token gets %d %v, want %d", when, name, status, body, want)
		}
	}
	wantStatus("during the grace period", oldEntra, "old", http.StatusOK)
	wantStatus("during the grace period", newEntra, "new", http.StatusOK)

	revoke := func(prefix string) {
		t.Helper()
		b.open(dirURL)
		row := `//tr[th/code[starts-with(normalize-space(), "` + prefix + `")]]`
		b.submit(row + `//form[contains(@action, "/revoke")]//button`)
		select {
		case msg := <-b.dialogs:
			if !strings.Contains(msg, "Revoke token "+prefix) {
				t.Errorf("the confirmation asks %q, want it to name token %s", msg, prefix)
			}
		default:
			t.Errorf("revoking token %s asked for no confirmation", prefix)
		}
		if flash := b.text("main .flash"); !strings.Contains(flash, "Token "+prefix+"… is revoked") {
			t.Errorf("after revoking, the message is %q, want one saying token %s… is revoked", flash, prefix)
		}
		if badge := b.text(row + `//span[contains(@class, "badge")]`); badge != "revoked" {
			t.Errorf("token %s's status reads %q after revoking, want revoked", prefix, badge)
		}
	}
	revoke(oldPrefix)
	wantStatus("after revoking the old token,", oldEntra, "old", http.StatusUnauthorized)
	wantStatus("after revoking the old token,", newEntra, "new", http.StatusOK)
	if badge := b.text(`//tr[th/code[starts-with(normalize-space(), "` + newPrefix + `")]]//span[contains(@class, "badge")]`); badge != "active" {
		t.Errorf("the new token's status reads %q, want active", badge)
	}
	revoke(newPrefix)
	wantStatus("after revoking it,", newEntra, "new", http.StatusUnauthorized)
	// Rejected tokens are counted, not logged (issue 12 finding 1).
	b.eventually(dirURL, "main", "the count of rejected requests",
		func(s string) bool {
			return strings.Contains(s, "rejected: wrong or expired token")
		})

	// 8. Activity: the trail of all of it, and its CSV export.
	b.open(orgURL + "/activity")
	trail := b.text("main table.log")
	for _, want := range []string{"domain.added", "domain.verified", "directory.created", "user.created", "group.created",
		"product.created", "token.rotated", "token.revoked", email, "Entra ID (identity provider)"} {
		if !strings.Contains(trail, want) {
			t.Errorf("the Activity page lacks %q", want)
		}
	}
	b.screenshot("activity")
	csvHref := b.attribute(`main p.exports a[href*="format=csv"]`, "href")
	export, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`fetch(`+jsString(csvHref)+`, {credentials: "same-origin"}).then(async r =>
		r.status + " " + r.headers.get("Content-Type") + "\n" + (await r.text()))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("downloading the CSV export %s: %v", csvHref, err)
	}
	head, csvBody, _ := strings.Cut(export, "\n")
	if head != "200 text/csv; charset=utf-8" || !strings.HasPrefix(csvBody, "seq,time,actor,action,resource_type,resource_id,directory_id,detail,resource_name,directory_name,who,group_name\n") ||
		!strings.Contains(csvBody, "token.revoked") {
		t.Errorf("the CSV export %s answered %q:\n%.300s\nwant 200 text/csv with a header row and the events", csvHref, head, csvBody)
	}

	// The admins, with the one signed in.
	b.open(orgURL + "/admins")
	if row := b.text("main table tbody th"); !strings.Contains(row, email) || !strings.Contains(row, "(you)") {
		t.Errorf("the Admins page's first admin is %q, want %s (you)", row, email)
	}
	b.screenshot("admins")

	// Roles. The owner adds ops; the link is shown once (a reload shows
	// it was shown already and makes no other).
	admins := func() (n, links int) {
		t.Helper()
		list, err := st.ListAdmins(context.Background(), org.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			toks, err := st.ListAdminTokens(context.Background(), org.ID, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			links += len(toks)
		}
		return len(list), links
	}
	b.do("adding ops", chromedp.SendKeys(chromedp.ID("email"), "ops@acme.test"))
	b.submit(`main form[action$="/admins"] button[type=submit]`)
	opsLink := b.text("#signin-link")
	nAdmins, nTokens := admins()
	b.open(b.location())
	if shown := b.text("#already-shown"); !strings.Contains(shown, "shown already") || b.count("#signin-link") != 0 {
		t.Errorf("reloading the new admin's link page says %q, want shown already and no link", shown)
	}
	if n, tok := admins(); n != nAdmins || tok != nTokens {
		t.Errorf("reloading the link page: %d admins and %d admin tokens before, %d and %d after", nAdmins, nTokens, n, tok)
	}
	signOut := func() {
		t.Helper()
		b.submit(`header form.signout button`)
	}
	signInWithLink := func(link string) {
		t.Helper()
		b.open(link)
		b.submit(`main form button[type=submit]`)
	}
	// ops is no owner: offered no link for root, and refused (403) when
	// posting one anyway.
	signOut()
	signInWithLink(opsLink)
	b.open(orgURL + "/admins")
	if n := b.count(`form[action$="/admins/` + admin.ID + `/signin-link"]`); n != 0 {
		t.Errorf("an admin who is no owner is offered a sign-in link for the owner")
	}
	csrfValue := b.attribute(`header form.signout input[name=csrf]`, "value")
	refused, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`fetch(`+jsString(orgURL+"/admins/"+admin.ID+"/signin-link")+`, {method: "POST",
		credentials: "same-origin", redirect: "manual", headers: {"Content-Type": "application/x-www-form-urlencoded"},
		body: "csrf=" + encodeURIComponent(`+jsString(csrfValue)+`)}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || refused != http.StatusForbidden {
		t.Errorf("a non-owner posting a sign-in link for the owner: %v %v, want 403", refused, err)
	}
	signOut()

	// A second organization where root has the same password: "/" asks
	// which, by name.
	var beta struct{ ID, Name string }
	rosterJSON(t, env, &beta, "org", "create", "--name", "Beta Works")
	withStdin(t, password+"\n")
	rosterJSON(t, env, &adminResult{}, "admin", "create", "--org", beta.ID, "--email", email, "--password-stdin")
	b.open(base + "/")
	b.do("signing in from / again",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password))
	b.submit(`main form[action="/signin"] button[type=submit]`)
	if h := b.text("main h1"); h != "Choose an organization" {
		t.Fatalf("signing in with two organizations shows %q, want the choice", h)
	}
	if choices := b.texts("button.org-choice"); strings.Join(choices, "|") != "Acme|Beta Works" {
		t.Errorf("the choice offers %q, want Acme and Beta Works", choices)
	}
	b.screenshot("signin-choose")
	b.click(`//button[normalize-space()="Acme"]`)
	if loc := b.location(); loc != orgURL+"/" {
		t.Errorf("choosing Acme led to %s, want %s/", loc, orgURL)
	}
	// The owner makes ops a link; ops sees it on their own Admins page.
	b.open(orgURL + "/admins")
	b.submit(`//tr[th[contains(., "ops@acme.test")]]//form[contains(@action, "/signin-link")]//button`)
	<-b.dialogs
	opsLink = b.text("#signin-link")
	signOut()
	signInWithLink(opsLink)
	b.open(orgURL + "/admins")
	if yours := b.text(`section[aria-labelledby=yours]`); !strings.Contains(yours, "admin_token.created") || !strings.Contains(yours, "by admin:"+email) {
		t.Errorf("ops's Admins page shows %q, want the link the owner made", yours)
	}
	signOut()
	b.open(base + "/")
	b.do("signing in as the owner",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password))
	b.submit(`main form[action="/signin"] button[type=submit]`)
	b.click(`//button[normalize-space()="Acme"]`)

	// Names, renaming and deleting (issue 14, items 6, 8 and 9), with a
	// token of its own: the flow revoked Entra's.
	var namesTok struct{ Token string }
	rosterJSON(t, env, &namesTok, "token", "create", "--directory", dirID, "--name", "names")
	idp := entraClient{t: t, base: baseURL, token: namesTok.Token}
	// The request log names the user a request's path names.
	if status, _ := idp.do("GET", "/Users/"+aliceID, ""); status != http.StatusOK {
		t.Fatalf("reading alice: %d", status)
	}
	b.eventually(dirURL, "table.log", "the request log naming alice beside her ID",
		func(s string) bool { return strings.Contains(s, "GET /Users/"+aliceID+" alice@acme.test") })

	// A product renamed: its key stays.
	b.open(orgURL + "/products/jira")
	b.do("renaming Jira", chromedp.SetValue(chromedp.ID("rename"), "Jira Cloud"))
	b.submit(`form[action$="/products/jira/rename"] button[type=submit]`)
	if flash, h := b.text("main .flash"), b.text("main h1"); flash != "Jira is called Jira Cloud now." || h != "Jira Cloud" {
		t.Errorf("after renaming, the message is %q and the heading %q", flash, h)
	}
	// Local groups: Platform, in conflict with a synced Platform; Scratch,
	// renamed and then deleted after a page that says whose access goes.
	localGroup := func(name string) string {
		t.Helper()
		b.open(orgURL + "/groups")
		b.do("naming a local group", chromedp.SendKeys(chromedp.ID("name"), name))
		b.submit(`main form[action$="/groups"] button[type=submit]`)
		id, ok := strings.CutPrefix(b.location(), orgURL+"/groups/")
		if !ok {
			t.Fatalf("creating %s landed on %s", name, b.location())
		}
		return id
	}
	groupsNow := func() int {
		t.Helper()
		list, err := st.ListOrgGroups(context.Background(), org.ID, roster.GroupFilter{}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return list.Total
	}
	platform := localGroup("Platform")
	before := groupsNow()
	b.open(b.location())
	if after := groupsNow(); after != before {
		t.Errorf("reloading the new group's page: %d groups before, %d after", before, after)
	}
	b.do("adding bob to Platform", chromedp.SendKeys(chromedp.ID("users"), "bob@partner.test"))
	b.submit(`form[action$="/members"] button[type=submit]`)
	b.open(orgURL + "/products/jira")
	b.do("granting Jira to Platform", chromedp.SetValue(chromedp.ID("group"), platform))
	b.submit(`main form[action$="/products/jira/grants"] button[type=submit]`)
	b.do("making Platform a default group", chromedp.SetValue(chromedp.ID("default-group"), platform))
	b.submit(`main form[action$="/products/jira/defaults"] button[type=submit]`)
	status, synced := idp.do("POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Platform",
		"members": [{"value": "`+aliceID+`"}]}`)
	if status != http.StatusCreated {
		t.Fatalf("pushing Platform: %d %v", status, synced)
	}
	// By direct membership alice would gain and bob lose Jira; both have
	// it through Engineering, so by effective access nobody does.
	b.open(orgURL + "/groups/" + fmt.Sprint(synced["id"]) + "/link")
	if gain, lose := b.text("#gain"), b.text("#lose"); gain != "Would gain access (0)" || lose != "Would lose access (0)" {
		t.Errorf("the link preview says %q and %q, want nobody gaining or losing by effective access", gain, lose)
	}
	if d := b.text("#defaults"); !strings.Contains(d, "default group of jira") || !strings.Contains(d, "no longer join") {
		t.Errorf("the link preview says of default groups %q", d)
	}
	b.screenshot("link")
	scratch := localGroup("Scratch")
	b.do("renaming Scratch", chromedp.SetValue(chromedp.ID("rename"), "Release team"))
	b.submit(`form[action$="/rename"] button[type=submit]`)
	if flash := b.text("main .flash"); flash != "Scratch is called Release team now." {
		t.Errorf("after renaming the group the message is %q", flash)
	}
	b.do("adding alice and bob", chromedp.SendKeys(chromedp.ID("users"), "alice@acme.test\nbob@partner.test"))
	b.submit(`form[action$="/members"] button[type=submit]`)
	b.open(orgURL + "/products")
	b.do("adding the wiki", chromedp.SendKeys(chromedp.ID("key"), "wiki"), chromedp.SendKeys(chromedp.ID("name"), "Wiki"))
	b.submit(`main form[action$="/products"] button[type=submit]`)
	b.do("granting the wiki to the release team", chromedp.SetValue(chromedp.ID("group"), scratch))
	b.submit(`main form[action$="/products/wiki/grants"] button[type=submit]`)
	b.click(`//a[normalize-space()="Release team"]`)
	b.click(`//a[contains(@class, "danger-link")]`)
	if what := b.text("#deletion ul.losses"); what != "Wiki: 2 users lose access (no other group gives it to them)" {
		t.Errorf("the group's deletion page says %q, want that 2 users lose the wiki", what)
	}
	b.screenshot("group-delete")
	b.submit(`#deletion button[type=submit]`)
	if flash := b.text("main .flash"); flash != "Release team is deleted. Access went: Wiki (2 users)." {
		t.Errorf("after deleting the group the message is %q", flash)
	}
	b.open(orgURL + "/products/wiki/delete")
	if losing := b.text("#losing"); losing != "0 users" {
		t.Errorf("the wiki's deletion page counts %q losing it, want 0 users", losing)
	}

	// Activity names what it shows and filters by someone and by date.
	b.open(orgURL + "/activity?user=alice@acme.test")
	if person := b.text("#person"); person != "Events about or by user alice@acme.test." {
		t.Errorf("filtering by alice says %q", person)
	}
	for _, cell := range b.texts("table.log td.resource") {
		if !strings.HasPrefix(cell, "alice@acme.test "+aliceID) {
			t.Errorf("an event about alice names its resource %q, want alice@acme.test beside her ID", cell)
		}
	}
	today := time.Now().UTC().Format("2006-01-02")
	b.open(orgURL + "/activity?from=" + today + "&to=" + today + "&action=product.")
	if got := b.texts("table.log td.resource"); len(got) == 0 || !slices.Contains(got, "Product Jira Cloud jira") {
		t.Errorf("today's product events name %q, want Product Jira Cloud jira among them", got)
	}
	b.open(orgURL + "/activity?from=" + time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02"))
	if none := b.text("main p.muted:last-of-type"); none != "No activity matches." {
		t.Errorf("tomorrow's activity reads %q", none)
	}

	// Layout: a favicon; a focus ring of at least 3:1 against the page;
	// a 300-character display name wraps instead of widening the page.
	icon, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('link[rel=icon]').href).then(r => r.status + " " + r.headers.get("Content-Type"))`, chromedp.EvalAwaitPromise))
	if err != nil || icon != "200 image/svg+xml" {
		t.Errorf("the favicon answers %q (%v), want 200 image/svg+xml", icon, err)
	}
	b.open(orgURL + "/users")
	ratio, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`(() => {
		const el = document.querySelector("main input"); el.focus({focusVisible: true});
		const rgb = s => s.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
		const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
		const ring = lum(rgb(getComputedStyle(el).outlineColor)), page = lum(rgb(getComputedStyle(document.body).backgroundColor || "rgb(255,255,255)"));
		return (Math.max(ring, page) + 0.05) / (Math.min(ring, page) + 0.05);
	})()`))
	if err != nil || ratio < 3 {
		t.Errorf("the focus ring's contrast against the page is %.2f:1 (%v), want at least 3:1", ratio, err)
	}
	longName := strings.Repeat("W", 300)
	var fresh struct{ Token string }
	rosterJSON(t, env, &fresh, "token", "create", "--directory", dirID, "--name", "layout")
	if status, body := (entraClient{t: t, base: baseURL, token: fresh.Token}).do("PATCH", "/Users/"+bobID, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "replace", "path": "displayName", "value": "`+longName+`"}]}`); status != http.StatusOK {
		t.Fatalf("a 300-character display name: %d %v", status, body)
	}

	// 9. On a phone: no page scrolls sideways, and tables stack, so that
	// the column that matters (a token's status and actions, a request's
	// status and what went wrong, an event's action: td.key) is on screen.
	b.do("emulating a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, path := range []string{"/", "/domains", "/directories", "/directories/" + dirID, "/users", "/users/" + aliceID, "/users/" + bobID,
		"/groups", "/groups/" + fmt.Sprint(group["id"]), "/groups/" + platform, "/groups/" + fmt.Sprint(synced["id"]) + "/link", "/groups/" + platform + "/delete",
		"/products", "/products/jira", "/products/jira/delete", "/activity", "/admins", "/directories/" + dirID + "/delete"} {
		b.open(orgURL + path)
		wide, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth - window.innerWidth`))
		if err != nil {
			t.Fatalf("measuring %s on a phone: %v", path, err)
		}
		if wide > 0 {
			t.Errorf("on a 390-pixel-wide phone %s is %v pixels too wide: the page scrolls sideways", path, wide)
		}
		off, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("td.key"))
			.filter(td => { const r = td.getBoundingClientRect(); return r.width > 0 && (r.left < 0 || r.right > window.innerWidth + 0.5); })
			.map(td => td.innerText.trim().slice(0, 60))`))
		if err != nil || len(off) > 0 {
			t.Errorf("on a 390-pixel-wide phone %s has key cells outside the screen: %q (%v)", path, off, err)
		}
		if keys := b.count("td.key"); keys == 0 && (path == "/directories/"+dirID || path == "/activity") {
			t.Errorf("%s marks no key cells", path)
		}
		switch path {
		case "/":
			b.screenshot("overview-phone")
		case "/directories/" + dirID:
			b.screenshot("directory-phone")
		}
	}
}

// findChromium returns the path of Debian's Chromium, or skips the test
// when there is none (fails, when ROSTER_REQUIRE_BROWSER is set).
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const why = "no chromium or chromium-browser on PATH (apt-get install chromium)"
	if os.Getenv("ROSTER_REQUIRE_BROWSER") != "" {
		t.Fatal(why + ", and ROSTER_REQUIRE_BROWSER is set")
	}
	t.Skip("skipping the browser test: " + why + "; set ROSTER_REQUIRE_BROWSER to make this a failure")
	return ""
}

// browserTimeout bounds the whole browser session, so that a hung
// browser cannot hang CI; stepTimeout bounds one wait for an element.
const (
	browserTimeout = 4 * time.Minute
	stepTimeout    = 15 * time.Second
)

// consoleBrowser is a headless Chromium tab and the test it fails.
type consoleBrowser struct {
	t       *testing.T
	ctx     context.Context
	shots   string      // where screenshots go; "" for nowhere
	dialogs chan string // the messages of the dialogs accepted
}

func newConsoleBrowser(t *testing.T, execPath, shots string) *consoleBrowser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox, // root in a container
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), browserTimeout)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	ctx, cancelTab := chromedp.NewContext(ctx)
	var wg sync.WaitGroup
	// The browser stops before the server does (cleanups run last first).
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
		wg.Wait()
	})
	b := &consoleBrowser{t: t, ctx: ctx, shots: shots, dialogs: make(chan string, 10)}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", execPath, err)
	}
	// Forms with data-confirm ask with window.confirm, which blocks the
	// page (and the click) until answered: accept every dialog, and keep
	// its message for the test to check.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	wg.Go(func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			select {
			case b.dialogs <- ev.Message:
			default:
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	return b
}

// do runs actions, failing the test with what it was doing.
func (b *consoleBrowser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s on %s: %v", what, b.location(), err)
	}
}

// open loads url and checks that it answers 200.
func (b *consoleBrowser) open(url string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		b.t.Fatalf("opening %s: %v", url, err)
	}
	if resp.Status != http.StatusOK {
		b.t.Fatalf("opening %s: status %d, want 200; the page says: %s", url, resp.Status, b.text("main"))
	}
}

// submit clicks the button or link sel (CSS, or XPath when it starts with
// a slash), waits for the page it leads to and checks that the page
// answered 200; the flow's forms redirect to it or render it.
func (b *consoleBrowser) submit(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	var click chromedp.Action[chromedp.Void]
	if strings.HasPrefix(sel, "/") {
		click = chromedp.Click(chromedp.Search(sel), chromedp.NodeVisible)
	} else {
		click = chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)
	}
	from := b.location()
	resp, err := chromedp.RunResponse(ctx, click)
	if err != nil {
		b.t.Fatalf("clicking %s on %s: %v", sel, from, err)
	}
	if resp.Status != http.StatusOK {
		b.t.Fatalf("clicking %s on %s led to %s with status %d; the page says: %s", sel, from, resp.URL, resp.Status, b.text("main"))
	}
	if problem := b.maybeText(`main .problem`); problem != "" {
		b.t.Fatalf("clicking %s on %s: the page shows the problem %q", sel, from, problem)
	}
}

// click follows a link given by XPath.
func (b *consoleBrowser) click(xpath string) { b.t.Helper(); b.submit(xpath) }

// text returns the visible text of the first element sel selects: a CSS
// selector, or an XPath query when it starts with a slash. It waits for
// the element.
func (b *consoleBrowser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	var s string
	var err error
	if strings.HasPrefix(sel, "/") {
		s, err = chromedp.Run(ctx, chromedp.Text(chromedp.Search(sel)))
	} else {
		s, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	}
	if err != nil {
		b.t.Fatalf("reading %s on %s: %v", sel, b.location(), err)
	}
	return squash(s)
}

// squash trims s and makes each run of white space in it one space: the
// text as read, whatever the layout's line breaks.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// maybeText is the text of the first element css selects, "" when there is
// none; it does not wait.
func (b *consoleBrowser) maybeText(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector(`+jsString(css)+`) || {innerText: ""}).innerText`))
	if err != nil {
		b.t.Fatalf("looking for %s: %v", css, err)
	}
	return squash(s)
}

// texts returns the visible texts of every element css selects.
func (b *consoleBrowser) texts(css string) []string {
	b.t.Helper()
	list, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(`+jsString(css)+`), e => e.innerText.trim())`))
	if err != nil {
		b.t.Fatalf("reading %s: %v", css, err)
	}
	for i := range list {
		list[i] = squash(list[i])
	}
	return list
}

// count is how many elements css selects.
func (b *consoleBrowser) count(css string) int {
	return len(b.texts(css))
}

func (b *consoleBrowser) attribute(css, name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(css), name))
	if err != nil || !v.Exists {
		b.t.Fatalf("reading the %s of %s on %s: %v (exists %v)", name, css, b.location(), err, v.Exists)
	}
	return v.Value
}

// location is the page's URL.
func (b *consoleBrowser) location() string {
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		return fmt.Sprintf("(location unknown: %v)", err)
	}
	return loc
}

// eventually reloads url until the text of sel satisfies ok, failing the
// test after a deadline: for what the server writes in the background.
func (b *consoleBrowser) eventually(url, sel, what string, ok func(string) bool) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.open(url)
		got := b.text(sel)
		if ok(got) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waited 10s for %s; %s still reads:\n%s", what, url, got)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// screenshot writes the page as <name>.png to the screenshot directory,
// when there is one.
func (b *consoleBrowser) screenshot(name string) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		b.t.Errorf("screenshot of %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Errorf("screenshot of %s: %v", name, err)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// entraClient sends SCIM requests as Microsoft Entra ID's provisioning
// service does, User-Agent included (the console names the identity
// provider from it).
type entraClient struct {
	t     *testing.T
	base  string
	token string
}

const entraUserAgent = "Microsoft.Azure.ActiveDirectory.Provisioning/1.0 (SCIM test replay)"

func (c entraClient) do(method, path, body string) (int, map[string]any) {
	c.t.Helper()
	var contentType []string
	if body != "" {
		contentType = []string{"Content-Type", "application/scim+json; charset=utf-8"}
	}
	entra := scimtest.Client{Base: c.base, Token: c.token, Header: map[string]string{"User-Agent": entraUserAgent, "Accept": "application/scim+json"}}
	a := entra.Do(c.t, method, path, body, contentType...)
	return a.Status, a.Body
}

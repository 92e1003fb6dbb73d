package console_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/connectors"
	"github.com/rosterhq/roster/http/scimtest"
	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/http/server/servertest"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/webhooks"
)

// withConnectors gives the fixture's server a secret key and lets its
// connectors reach loopback targets (--allow-private-targets), with short
// retry waits.
func withConnectors(t *testing.T) func(*server.Config) {
	keys, err := webhooks.ParseKey(webhooks.NewKey())
	must(t, err)
	return func(c *server.Config) {
		c.Connectors = &connectors.Service{Store: c.Store, Keys: keys, AllowPrivate: true, Retries: []time.Duration{5 * time.Millisecond}}
	}
}

// scimTarget is a second Roster, the application a connector provisions
// (servertest.Application), whose writes (POST, PATCH, PUT, DELETE)
// answer 500 while failWrites is set.
type scimTarget struct {
	base, token string
	failWrites  atomic.Bool
}

func newSCIMTarget(t *testing.T) *scimTarget {
	t.Helper()
	tg := &scimTarget{}
	app := servertest.NewApplication(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && tg.failWrites.Load() {
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(http.StatusInternalServerError)
				io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"the application's database is down"}`)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	tg.base, tg.token = app.Base, app.Token
	return tg
}

// users are the target's users by userName, with whether they are active.
func (tg *scimTarget) users(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for name, u := range (scimtest.Client{Base: tg.base, Token: tg.token}).All(t, "Users", "userName") {
		out[name] = u["active"] == true
	}
	return out
}

// TestConnectedApplications: the product page's connected applications,
// on both backends, with a second Roster as the application: form
// mistakes stay on the form and never echo the token; a target failing
// the steps a connector needs is refused with them listed, and accepted
// with force, the gaps recorded; a connection shows its `roster check`
// summary once; preview, sync now, the health counts, the delivery log
// with its failed-only filter, replace token, settings, pause and resume, and a
// confirmed disconnect; a form without its CSRF token is refused.
func TestConnectedApplications(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "roster.db"))
		must(t, err)
		testConnectedApplications(t, newFixtureOn(t, st, withConnectors(t)))
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.DSN(t), postgres.Options{})
		must(t, err)
		testConnectedApplications(t, newFixtureOn(t, st, withConnectors(t)))
	})
}

var connectorLink = regexp.MustCompile(`/products/jira/connectors/([0-9a-f-]{36})$`)

func testConnectedApplications(t *testing.T, f *fixture) {
	ctx := context.Background()
	tg := newSCIMTarget(t)
	must(t, f.store.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "jira", Name: "Jira"}))
	dir, _, dirToken := f.addDirectory(f.org.ID, "Entra ID")
	base := urls.DirectoryBase(f.srv.URL, dir.ID)
	var ids []string
	for _, name := range []string{"ann", "ben", "cat"} {
		status, u := f.scim(dirToken, "POST", base+"/Users", `{"userName":"`+name+`@acme.test","displayName":"`+name+`","active":true}`)
		if status != http.StatusCreated {
			t.Fatalf("creating %s: %d %v", name, status, u)
		}
		ids = append(ids, u["id"].(string))
	}
	eng := pushGroup(t, f, dirToken, base, "Engineering", ids[0], ids[1]) // cat is in no granted group yet
	must(t, f.store.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: eng, Role: roster.RoleUser}))

	b := f.browser()
	csrf := b.signIn()
	productPath := f.path("products", "jira")
	wantPage(t, b.get(productPath), http.StatusOK, "Connected applications", `id="no-connector"`, f.path("products", "jira", "connectors", "new"))
	newPage := b.get(f.path("products", "jira", "connectors", "new"))
	wantPage(t, newPage, http.StatusOK, "Connect an application to Jira", `id="connect-form"`, `value="25"`)
	if strings.Contains(newPage.body, `id="no-key"`) {
		t.Error("a server with a secret key says it has none")
	}
	create := f.path("products", "jira", "connectors")
	countConnectors := func() int {
		t.Helper()
		list, err := f.store.ListConnectors(ctx, f.org.ID)
		must(t, err)
		return len(list)
	}

	// Without the form's CSRF token nothing is checked or created.
	wantPage(t, b.post(create, url.Values{"url": {tg.base}, "token": {tg.token}}), http.StatusForbidden, "out of date")
	wantPage(t, b.post(create, url.Values{"csrf": {"forged"}, "url": {tg.base}, "token": {tg.token}}), http.StatusForbidden)

	// Mistakes stay on the form, beside their field, what was typed kept
	// but the token.
	const typedToken = "typed-token-never-echoed"
	for _, c := range []struct {
		what         string
		form         url.Values
		errorID      string
		kept, inText string
	}{
		{"no URL", url.Values{"url": {"not a url"}, "token": {typedToken}}, "connect-error", `value="not a url"`, "no SCIM base URL"},
		{"no token", url.Values{"url": {tg.base}, "name": {"Jira Cloud"}}, "connect-error", `value="Jira Cloud"`, "bearer token"},
		{"a rate limit that is no number", url.Values{"url": {tg.base}, "token": {typedToken}, "rate_limit": {"fast"}}, "rate_limit-error", `value="fast"`, "whole number"},
		{"a negative rate limit", url.Values{"url": {tg.base}, "token": {typedToken}, "rate_limit": {"-1"}}, "connect-error", `value="-1"`, "rate limit"},
		{"an unknown revoke policy", url.Values{"url": {tg.base}, "token": {typedToken}, "on_revoke": {"shred"}}, "connect-error", `id="connect-form"`, "deactivate or delete"},
	} {
		c.form.Set("csrf", csrf)
		p := b.post(create, c.form)
		wantPage(t, p, http.StatusBadRequest, "Connect an application to Jira", `id="`+c.errorID+`"`, c.kept, c.inText)
		if strings.Contains(p.body, typedToken) {
			t.Errorf("%s: the page echoes the token", c.what)
		}
	}
	if n := countConnectors(); n != 0 {
		t.Fatalf("refused forms created %d connectors", n)
	}

	// A target that fails the connector's steps (a wrong token: every
	// request is refused) is refused, the steps listed; force accepts it
	// with the gaps recorded.
	refused := url.Values{"csrf": {csrf}, "name": {"Wrong token"}, "url": {tg.base}, "token": {"not-the-token"}}
	p := b.post(create, refused)
	wantPage(t, p, http.StatusBadRequest, `id="refused"`, "fails", "a connector needs", "Create user", `id="check-counts"`, `value="Wrong token"`)
	if strings.Contains(p.body, "not-the-token") {
		t.Error("the refusal echoes the token")
	}
	if n := countConnectors(); n != 0 {
		t.Fatalf("a refused target made %d connectors", n)
	}
	refused.Set("force", "1")
	p, at := b.postSeeOther(create, refused)
	wantPage(t, p, http.StatusOK, "Wrong token is connected, with", `id="check-gaps"`, "Create user", `id="check-result"`)
	m := connectorLink.FindStringSubmatch(at)
	if m == nil {
		t.Fatalf("forcing landed on %s, not a connector's page", at)
	}
	forced, err := f.store.GetConnector(ctx, f.org.ID, m[1])
	must(t, err)
	if len(forced.CheckGaps) == 0 {
		t.Errorf("the forced connector records no gaps")
	}
	p, _ = b.postSeeOther(f.path("products", "jira", "connectors", forced.ID, "delete"), url.Values{"csrf": {csrf}})
	wantPage(t, p, http.StatusOK, "Wrong token is disconnected", `id="no-connector"`)

	// Connected: the check's summary once; the token nowhere.
	p, at = b.postSeeOther(create, url.Values{"csrf": {csrf}, "name": {"Jira Cloud"}, "url": {tg.base}, "token": {tg.token}})
	wantPage(t, p, http.StatusOK, "Jira Cloud is connected", `id="check-result"`, " passed, 0 failed", `<strong id="in-sync">0</strong>`, `id="last-push">never`)
	if strings.Contains(p.body, `id="check-gaps"`) {
		t.Error("a target that passes shows gaps")
	}
	m = connectorLink.FindStringSubmatch(at)
	if m == nil {
		t.Fatalf("connecting landed on %s, not a connector's page", at)
	}
	conn, err := f.store.GetConnector(ctx, f.org.ID, m[1])
	must(t, err)
	connPath := f.path("products", "jira", "connectors", conn.ID)
	again := b.get(at)
	wantPage(t, again, http.StatusOK, "<h1>Jira Cloud</h1>")
	if strings.Contains(again.body, `id="check-result"`) {
		t.Error("a reload shows the check's summary again")
	}
	if n := countConnectors(); n != 1 {
		t.Errorf("%d connectors after one connection and a reload", n)
	}
	// A name taken is drawn beside the name.
	wantPage(t, b.post(create, url.Values{"csrf": {csrf}, "name": {"Jira Cloud"}, "url": {tg.base}, "token": {tg.token}}), http.StatusConflict, `id="name-error"`)
	for _, path := range []string{productPath, connPath, connPath + "/deliveries", connPath + "/delete"} {
		if strings.Contains(b.get(path).body, tg.token) {
			t.Errorf("%s shows the application's token", path)
		}
	}

	// Preview says what a sync does, writing nothing.
	p = b.get(connPath + "/preview")
	wantPage(t, p, http.StatusOK, `id="total-create"><strong>2</strong>`, `id="total-delete"><strong>0</strong>`, "ann@acme.test", "ben@acme.test")
	if strings.Contains(p.body, "cat@acme.test") {
		t.Error("the preview creates a user without access")
	}
	if got := tg.users(t); len(got) != 0 {
		t.Fatalf("the preview wrote users to the target: %v", got)
	}

	// Sync now, from the product's page: the users are in the target, the
	// row counts them, the log lists the requests.
	if p := b.post(connPath+"/sync", url.Values{"back": {"product"}}); p.status != http.StatusForbidden {
		t.Errorf("a sync without the CSRF token: %d", p.status)
	}
	p, at = b.postSeeOther(connPath+"/sync", url.Values{"csrf": {csrf}, "back": {"product"}})
	wantPage(t, p, http.StatusOK, "Synced Jira Cloud: 2 create", `id="connector-`+conn.ID+`"`, `<td class="in-sync">2</td>`, `<td class="out-of-sync">0</td>`, `<td class="lag">up to date</td>`)
	if !strings.HasPrefix(at, productPath) {
		t.Errorf("sync now from the product page led to %s", at)
	}
	if got := tg.users(t); len(got) != 2 || !got["ann@acme.test"] || !got["ben@acme.test"] {
		t.Fatalf("after the sync the target holds %v, want ann and ben, active", got)
	}
	wantPage(t, b.get(connPath), http.StatusOK, `<strong id="in-sync">2</strong>`, `id="lag">up to date`)
	wantPage(t, b.get(connPath+"/deliveries"), http.StatusOK, `id="connector-deliveries"`, ">create<", "ann@acme.test", "ben@acme.test", "POST /Users", `<td class="key">201</td>`)
	wantPage(t, b.get(connPath+"/deliveries?failed=1"), http.StatusOK, "No failed request.")
	wantPage(t, b.get(connPath+"/preview"), http.StatusOK, `id="no-change"`)

	// A change waits for the next pass: the lag says so.
	status, _ := f.scim(dirToken, "PATCH", base+"/Groups/"+eng, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+ids[2]+`"}]}]}`)
	if status != http.StatusOK && status != http.StatusNoContent {
		t.Fatalf("adding cat to the group: %d", status)
	}
	wantPage(t, b.get(connPath), http.StatusOK, `id="lag">under a minute behind: changes waiting since`)

	// A wrong token replaced in: the pass fails (its lookups are refused),
	// the state says failing, with the last error.
	wantPage(t, b.post(connPath+"/token", url.Values{"csrf": {csrf}, "token": {" "}}), http.StatusBadRequest, `id="token-error"`)
	p, _ = b.postSeeOther(connPath+"/token", url.Values{"csrf": {csrf}, "token": {"wrong-token"}})
	wantPage(t, p, http.StatusOK, "token of Jira Cloud is replaced")
	p, _ = b.postSeeOther(connPath+"/sync", url.Values{"csrf": {csrf}})
	wantPage(t, p, http.StatusOK, "failed: see the delivery log", `<span class="badge state failing">failing</span>`, `<strong id="failures">1</strong>`, "the target answered 401")
	if strings.Contains(p.body, `id="last-error">none`) {
		t.Error("a failed pass leaves no last error")
	}
	// The right token back, but the application failing writes: the
	// failed request is in the log, and the failed-only filter keeps it.
	b.postSeeOther(connPath+"/token", url.Values{"csrf": {csrf}, "token": {tg.token}})
	tg.failWrites.Store(true)
	p, _ = b.postSeeOther(connPath+"/sync", url.Values{"csrf": {csrf}})
	wantPage(t, p, http.StatusOK, "1 user failed", `<strong id="failures">2</strong>`)
	tg.failWrites.Store(false)
	p = b.get(connPath + "/deliveries?failed=1")
	wantPage(t, p, http.StatusOK, `class="failed"`, "cat@acme.test", `<td class="key">500</td>`, "database is down")
	if strings.Contains(p.body, "ann@acme.test") {
		t.Error("the failed-only log lists a request that succeeded")
	}
	wantPage(t, b.get(connPath+"/deliveries"), http.StatusOK, "ann@acme.test", "cat@acme.test")
	// Push again, on the failed row: cat alone, at once.
	resend := regexp.MustCompile(`name="user" value="([^"]+)">\s*<button type="submit" class="secondary resend">Push again`).FindStringSubmatch(p.body)
	if resend == nil {
		t.Fatalf("the failed request has no Push again button:\n%s", p.body)
	}
	if code := b.post(connPath+"/resend", url.Values{"user": {resend[1]}}).status; code != http.StatusForbidden {
		t.Errorf("Push again without the CSRF token: %d, want 403", code)
	}
	p, _ = b.postSeeOther(connPath+"/resend", url.Values{"csrf": {csrf}, "user": {resend[1]}})
	wantPage(t, p, http.StatusOK, "Pushed again: 1 create.")
	if got := tg.users(t); !got["cat@acme.test"] {
		t.Errorf("once the application took writes again, it still lacks cat: %v", got)
	}
	p, _ = b.postSeeOther(connPath+"/sync", url.Values{"csrf": {csrf}})
	wantPage(t, p, http.StatusOK, "Synced Jira Cloud: no change", `<span class="badge state active">active</span>`, `<strong id="in-sync">3</strong>`, `<strong id="failures">0</strong>`)

	// Settings: mistakes stay on the form; a change is stored.
	p = b.post(connPath+"/settings", url.Values{"csrf": {csrf}, "name": {"Jira Cloud"}, "on_revoke": {"delete"}, "rate_limit": {"lots"}})
	wantPage(t, p, http.StatusBadRequest, `id="settings-rate-error"`, `value="lots"`, `<option value="delete" selected>`)
	p = b.post(connPath+"/settings", url.Values{"csrf": {csrf}, "name": {"Jira Cloud"}, "rate_limit": {"20000"}})
	wantPage(t, p, http.StatusBadRequest, `id="settings-error"`, "10000", `value="20000"`)
	p, _ = b.postSeeOther(connPath+"/settings", url.Values{"csrf": {csrf}, "name": {"Jira"}, "on_revoke": {"delete"}, "rate_limit": {"10"}, "dry_run": {"1"}})
	wantPage(t, p, http.StatusOK, "Settings of Jira saved", "<h1>Jira</h1>", `value="10"`, `<option value="delete" selected>`, `id="settings-dry-run" name="dry_run" type="checkbox" value="1" checked`, "the account is deleted")
	if c, _ := f.store.GetConnector(ctx, f.org.ID, conn.ID); c == nil || c.Name != "Jira" || c.RateLimit != 10 || !c.DryRun || c.OnRevoke != roster.RevokeDelete {
		t.Errorf("after saving the settings the connector is %+v", c)
	}
	b.postSeeOther(connPath+"/settings", url.Values{"csrf": {csrf}, "name": {"Jira Cloud"}, "on_revoke": {"deactivate"}, "rate_limit": {"25"}})
	if c, _ := f.store.GetConnector(ctx, f.org.ID, conn.ID); c == nil || c.DryRun || c.OnRevoke != roster.RevokeDeactivate {
		t.Errorf("the settings put back: %+v", c)
	}

	// Pause and resume, from the product's page.
	p, _ = b.postSeeOther(connPath+"/paused", url.Values{"csrf": {csrf}, "on": {"1"}, "back": {"product"}})
	wantPage(t, p, http.StatusOK, "Jira Cloud is paused", `<span class="badge state retiring">paused</span>`, ">Resume</button>")
	if c, _ := f.store.GetConnector(ctx, f.org.ID, conn.ID); c == nil || !c.Paused {
		t.Error("pausing did not pause the connector")
	}
	p, _ = b.postSeeOther(connPath+"/paused", url.Values{"csrf": {csrf}, "on": {"0"}, "back": {"product"}})
	wantPage(t, p, http.StatusOK, "Jira Cloud is resumed", ">Pause</button>")
	if c, _ := f.store.GetConnector(ctx, f.org.ID, conn.ID); c == nil || c.Paused {
		t.Error("resuming did not resume the connector")
	}

	// A connector is found under its own product only.
	must(t, f.store.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "figma", Name: "Figma"}))
	wantPage(t, b.get(f.path("products", "figma", "connectors", conn.ID)), http.StatusNotFound)
	wantPage(t, b.post(f.path("products", "figma", "connectors", conn.ID, "sync"), url.Values{"csrf": {csrf}}), http.StatusNotFound)
	wantPage(t, b.get(f.path("products", "jira", "connectors", "00000000-0000-0000-0000-000000000000")), http.StatusNotFound)
	wantPage(t, b.get(f.path("products", "nope", "connectors", "new")), http.StatusNotFound)
	wantPage(t, b.post(f.path("products", "nope", "connectors"), url.Values{"csrf": {csrf}, "url": {tg.base}, "token": {tg.token}}), http.StatusNotFound)
	for _, id := range []string{"not-an-id", "%27%3B--", strings.Repeat("9", 300)} {
		wantPage(t, b.get(f.path("products", "jira", "connectors", id)), http.StatusNotFound)
		wantPage(t, b.get(f.path("products", "jira", "connectors", id, "deliveries")), http.StatusNotFound)
		wantPage(t, b.post(f.path("products", "jira", "connectors", id, "paused"), url.Values{"csrf": {csrf}, "on": {"1"}}), http.StatusNotFound)
	}

	// Disconnect: a page that says what goes, then the POST.
	wantPage(t, b.get(connPath+"/delete"), http.StatusOK, "Disconnect Jira Cloud?", "leaves the users it made in the application")
	if c, _ := f.store.GetConnector(ctx, f.org.ID, conn.ID); c == nil {
		t.Fatal("the confirmation page deleted the connector")
	}
	if p := b.post(connPath+"/delete", nil); p.status != http.StatusForbidden {
		t.Errorf("a delete without the CSRF token: %d", p.status)
	}
	p, _ = b.postSeeOther(connPath+"/delete", url.Values{"csrf": {csrf}})
	wantPage(t, p, http.StatusOK, "Jira Cloud is disconnected", `id="no-connector"`)
	wantPage(t, b.get(connPath), http.StatusNotFound)
	if got := tg.users(t); len(got) != 3 {
		t.Errorf("disconnecting changed the target's users: %v", got)
	}
}

// TestConnectWithoutSecretKey: a server without a secret key says on the
// form how to make one, and a create says it again, creating nothing.
func TestConnectWithoutSecretKey(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		must(t, f.store.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "jira", Name: "Jira"}))
		b := f.browser()
		csrf := b.signIn()
		wantPage(t, b.get(f.path("products", "jira", "connectors", "new")), http.StatusOK, `id="no-key"`, "roster keygen --out roster.key", "--secret-key-file roster.key")
		p := b.post(f.path("products", "jira", "connectors"), url.Values{"csrf": {csrf}, "url": {"https://93.184.215.14/scim/v2"}, "token": {"t0ken"}})
		wantPage(t, p, http.StatusBadRequest, `id="connect-error"`, "roster keygen --out roster.key", "--secret-key-file roster.key")
		if list, _ := f.store.ListConnectors(ctx, f.org.ID); len(list) != 0 {
			t.Errorf("%d connectors made without a key", len(list))
		}
	})
}

package console_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/console"
	"github.com/rosterhq/roster/http/scimtest"
	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/password"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
	"github.com/rosterhq/roster/storage/sqlite"
)

const adminPassword = "correct horse battery staple"

// fixture is Roster's whole HTTP surface on a real SQLite store, with an
// organization and an admin who has a password.
type fixture struct {
	t     *testing.T
	store roster.Store
	srv   *httptest.Server
	org   roster.Org
	admin roster.Admin
	log   *server.RequestLog
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "roster.db"))
	must(t, err)
	return newFixtureOn(t, st)
}

// onEveryBackend runs test on SQLite and on PostgreSQL (a throwaway
// cluster; skipped, saying so, where PostgreSQL is not installed), so that
// what the console sends the database works on both.
func onEveryBackend(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Run("sqlite", func(t *testing.T) { test(t, newFixture(t)) })
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.DSN(t), postgres.Options{})
		must(t, err)
		test(t, newFixtureOn(t, st))
	})
}

func newFixtureOn(t *testing.T, st roster.Store, opts ...func(*server.Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, store: st, org: roster.Org{Name: "Acme"}}
	must(t, st.CreateOrg(ctx, &f.org))
	hash, err := password.Hash(adminPassword)
	must(t, err)
	f.admin = roster.Admin{OrgID: f.org.ID, Email: "root@acme.test", PasswordHash: hash}
	must(t, st.CreateAdmin(ctx, &f.admin))
	f.srv = httptest.NewUnstartedServer(nil)
	public := "http://" + f.srv.Listener.Addr().String()
	f.log = server.NewRequestLog(st, slog.New(slog.DiscardHandler), time.Hour)
	t.Cleanup(f.log.Close)
	c := server.Config{Store: st, PublicURL: public, RequestLog: f.log}
	for _, o := range opts {
		o(&c)
	}
	f.srv.Config.Handler = server.Handler(c)
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

// addDirectory creates a directory of an organization in the store, with
// its first token and that token's secret.
func (f *fixture) addDirectory(orgID, name string) (roster.Directory, roster.Token, string) {
	f.t.Helper()
	secret, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: orgID, Name: name}
	must(f.t, f.store.CreateDirectory(context.Background(), &dir, &tok))
	return dir, tok, secret
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser is an HTTP client that keeps cookies and does not follow
// redirects, so that each step's answer can be checked.
type browser struct {
	t      *testing.T
	f      *fixture
	client *http.Client
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: f.t, f: f, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (p page) location() string { return p.header.Get("Location") }

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{res.StatusCode, res.Header, string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.f.srv.URL+path, nil)
	return b.do(req)
}

// post submits a form as a same-origin browser would.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// postSeeOther submits a form that must answer 303, and follows it: the
// page the browser lands on, with the address it was sent to.
func (b *browser) postSeeOther(path string, form url.Values) (page, string) {
	b.t.Helper()
	p := b.post(path, form)
	if p.status != http.StatusSeeOther {
		b.t.Fatalf("POST %s: %d, want 303\n%s", path, p.status, p.body)
	}
	return b.get(p.location()), p.location()
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token from a page's first form.
func (b *browser) csrf(p page) string {
	b.t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("no CSRF field on the page:\n%s", p.body)
	}
	return m[1]
}

func (f *fixture) path(parts ...string) string {
	return "/orgs/" + f.org.ID + strings.Join(append([]string{""}, parts...), "/")
}

// signIn signs the browser in and returns a CSRF token for its forms.
func (b *browser) signIn() string {
	b.t.Helper()
	form := b.get(b.f.path("signin"))
	p := b.post(b.f.path("signin"), url.Values{"csrf": {b.csrf(form)}, "email": {"ROOT@acme.test"}, "password": {adminPassword}})
	if p.status != http.StatusSeeOther || p.location() != b.f.path()+"/" {
		b.t.Fatalf("sign-in: %d to %q\n%s", p.status, p.location(), p.body)
	}
	return b.csrf(b.get(b.f.path() + "/"))
}

func wantPage(t *testing.T, p page, status int, texts ...string) {
	t.Helper()
	if p.status != status {
		t.Errorf("status %d, want %d\n%s", p.status, status, p.body)
		return
	}
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Errorf("the page lacks %q:\n%s", s, p.body)
		}
	}
}

func TestSignInAndSessions(t *testing.T) {
	f := newFixture(t)
	b := f.browser()

	// Signed out, a page sends the browser to sign in, and back after.
	p := b.get(f.path("users") + "?q=ann")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), f.path("signin")+"?next=") {
		t.Fatalf("signed-out page: %d to %q", p.status, p.location())
	}
	form := b.get(p.location())
	wantPage(t, form, http.StatusOK, `name="next" value="`+f.path("users")+`?q=ann"`, `autocomplete="current-password"`)
	csrf := b.csrf(form)

	// A wrong password, an unknown admin, a missing CSRF token: refused.
	wantPage(t, b.post(f.path("signin"), url.Values{"csrf": {csrf}, "email": {"root@acme.test"}, "password": {"wrong password!"}}),
		http.StatusUnauthorized, "The email address or the password is wrong.")
	wantPage(t, b.post(f.path("signin"), url.Values{"csrf": {csrf}, "email": {"nobody@acme.test"}, "password": {adminPassword}}),
		http.StatusUnauthorized, "The email address or the password is wrong.")
	wantPage(t, b.post(f.path("signin"), url.Values{"email": {"root@acme.test"}, "password": {adminPassword}}), http.StatusForbidden, "expired")

	p = b.post(f.path("signin"), url.Values{"csrf": {csrf}, "email": {"root@acme.test"}, "password": {adminPassword}, "next": {f.path("users") + "?q=ann"}})
	if p.status != http.StatusSeeOther || p.location() != f.path("users")+"?q=ann" {
		t.Fatalf("sign-in: %d to %q", p.status, p.location())
	}
	cookie := p.header.Get("Set-Cookie")
	for _, want := range []string{"roster_session=" + f.org.ID + ".rosteradm_", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %q", cookie, want)
		}
	}
	wantPage(t, b.get(f.path("users")+"?q=ann"), http.StatusOK, "<h1>Users</h1>", "root@acme.test")

	// next may not lead off the organization's pages.
	form = f.browser().get(f.path("signin") + "?next=https://evil.test/")
	if !strings.Contains(form.body, `name="next" value="`+f.path()+`/"`) {
		t.Errorf("an outside next survived")
	}

	// Signed out, "/" asks for an address and a password; ?org= (old
	// links) still goes to the organization's sign-in.
	stranger := f.browser()
	wantPage(t, stranger.get("/"), http.StatusOK, `action="/signin"`, `autocomplete="current-password"`)
	if p := stranger.get("/?org=" + f.org.ID); p.status != http.StatusSeeOther || p.location() != f.path("signin") {
		t.Errorf("/?org=: %d to %q", p.status, p.location())
	}
	// "/" goes to the session's organization.
	if p := b.get("/"); p.status != http.StatusSeeOther || p.location() != f.path()+"/" {
		t.Errorf("/ when signed in: %d to %q", p.status, p.location())
	}

	// Another organization's pages do not open with this session.
	other := roster.Org{Name: "Other"}
	must(t, f.store.CreateOrg(context.Background(), &other))
	if p := b.get("/orgs/" + other.ID + "/"); p.status != http.StatusSeeOther {
		t.Errorf("another organization's overview: %d", p.status)
	}

	// Signing out revokes the session on the server, not just the cookie.
	jarCookies := b.client.Jar.Cookies(mustURL(f.srv.URL))
	csrf = b.csrf(b.get(f.path() + "/"))
	if p := b.post(f.path("signout"), url.Values{"csrf": {csrf}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", p.status)
	}
	replay := f.browser()
	replay.client.Jar.SetCookies(mustURL(f.srv.URL), jarCookies)
	if p := replay.get(f.path() + "/"); p.status != http.StatusSeeOther || !strings.Contains(p.location(), "/signin") {
		t.Errorf("the signed-out session still opens the console: %d", p.status)
	}
	events, _ := f.store.SearchEvents(context.Background(), f.org.ID, roster.EventFilter{Actor: "admin:root@acme.test"}, 10)
	if len(events) == 0 {
		t.Error("the sign-in left no event under the admin")
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestSignInThrottle(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	csrf := b.csrf(b.get(f.path("signin")))
	for i := 0; i < 5; i++ {
		wantPage(t, b.post(f.path("signin"), url.Values{"csrf": {csrf}, "email": {"root@acme.test"}, "password": {"not the password"}}), http.StatusUnauthorized)
	}
	// Now even the right password waits: guessing has stopped paying.
	wantPage(t, b.post(f.path("signin"), url.Values{"csrf": {csrf}, "email": {"root@acme.test"}, "password": {adminPassword}}),
		http.StatusTooManyRequests, "Too many failed attempts", "15 minutes")
	// Another address is not held up.
	wantPage(t, b.post(f.path("signin"), url.Values{"csrf": {csrf}, "email": {"other@acme.test"}, "password": {"x"}}), http.StatusUnauthorized)
}

func TestSignInLink(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	secret, link := roster.NewAdminTokenSecret()
	link.OrgID, link.AdminID, link.Kind, link.Expires = f.org.ID, f.admin.ID, roster.AdminSignIn, time.Now().Add(time.Hour)
	must(t, f.store.CreateAdminToken(ctx, &link))

	// Opening the link (a mail scanner does) spends nothing.
	b := f.browser()
	for range 2 {
		wantPage(t, b.get(f.path("signin", secret)), http.StatusOK, "Sign in with your link")
	}
	csrf := b.csrf(b.get(f.path("signin", secret)))
	p := b.post(f.path("signin", secret), url.Values{"csrf": {csrf}})
	if p.status != http.StatusSeeOther || p.location() != f.path()+"/" {
		t.Fatalf("spending the link: %d to %q\n%s", p.status, p.location(), p.body)
	}
	wantPage(t, b.get(f.path()+"/"), http.StatusOK, "<h1>Overview</h1>")

	// Spent: a second browser cannot use it.
	other := f.browser()
	csrf = other.csrf(other.get(f.path("signin", secret)))
	wantPage(t, other.post(f.path("signin", secret), url.Values{"csrf": {csrf}}), http.StatusUnauthorized, "does not work")
	// A session secret is not a sign-in link, nor the other way round.
	wantPage(t, other.post(f.path("signin", "rosteradm_nonsense"), url.Values{"csrf": {csrf}}), http.StatusUnauthorized)
}

func TestCSRF(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.signIn()
	// No token, a wrong token: refused, nothing created.
	wantPage(t, b.post(f.path("directories"), url.Values{"name": {"Okta"}}), http.StatusForbidden, "out of date")
	wantPage(t, b.post(f.path("directories"), url.Values{"name": {"Okta"}, "csrf": {"forged"}}), http.StatusForbidden)
	// A cross-site POST is refused before the handler, token or not.
	csrf := b.csrf(b.get(f.path() + "/"))
	req, _ := http.NewRequest("POST", f.srv.URL+f.path("directories"), strings.NewReader(url.Values{"name": {"Okta"}, "csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.status != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", p.status)
	}
	if dirs, _ := f.store.ListDirectories(context.Background(), f.org.ID); len(dirs) != 0 {
		t.Errorf("a refused form created %d directories", len(dirs))
	}
	// The token of one session does not work in another.
	other := f.browser()
	other.signIn()
	wantPage(t, other.post(f.path("directories"), url.Values{"name": {"Okta"}, "csrf": {csrf}}), http.StatusForbidden)
}

// scim sends a SCIM request with a directory token.
func (f *fixture) scim(token, method, url, body string) (int, map[string]any) {
	f.t.Helper()
	okta := scimtest.Client{Token: token, Header: map[string]string{"User-Agent": "Okta SCIM Client 1.0.0"}}
	a := okta.Do(f.t, method, url, body)
	return a.Status, a.Body
}

var (
	baseURLField = regexp.MustCompile(`<code id="base-url">([^<]+)</code>`)
	tokenField   = regexp.MustCompile(`<code id="token" class="secret">([^<]+)</code>`)
)

// TestAdminFlow walks the console's pages the way an admin does, checking
// what each shows against what the store holds.
func TestAdminFlow(t *testing.T) { onEveryBackend(t, testAdminFlow) }

func testAdminFlow(t *testing.T, f *fixture) {
	ctx := context.Background()
	b := f.browser()
	csrf := b.signIn()
	wantPage(t, b.get(f.path()+"/"), http.StatusOK, "<h1>Overview</h1>", "verifying a domain", "No directory yet")

	// Domains: added, with its records to publish.
	p := b.post(f.path("domains"), url.Values{"csrf": {csrf}, "domain": {" Acme.TEST "}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("add domain: %d\n%s", p.status, p.body)
	}
	d, err := f.store.GetDomain(ctx, f.org.ID, "acme.test")
	must(t, err)
	wantPage(t, b.get(f.path("domains")), http.StatusOK, "acme.test added", "roster-verification="+d.Token,
		"https://acme.test/.well-known/roster-verification.txt", `data-copy="txt-value-acme.test"`, "pending")
	wantPage(t, b.post(f.path("domains"), url.Values{"csrf": {csrf}, "domain": {"gmail.com"}}), http.StatusBadRequest, "gmail.com")
	// Manual verification, audited.
	b.post(f.path("domains", "acme.test", "verify"), url.Values{"csrf": {csrf}, "method": {"manual"}})
	wantPage(t, b.get(f.path("domains")), http.StatusOK, "acme.test is verified", `badge verified`)

	// Directories: the token page shows the secret once, uncached.
	p, _ = b.postSeeOther(f.path("directories"), url.Values{"csrf": {csrf}, "name": {"Okta"}, "expires": {"30"}})
	wantPage(t, p, http.StatusOK, "shown only this once", "Directory Okta created")
	if cc := p.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("token page Cache-Control = %q", cc)
	}
	base, token := baseURLField.FindStringSubmatch(p.body)[1], tokenField.FindStringSubmatch(p.body)[1]
	dirs, _ := f.store.ListDirectories(ctx, f.org.ID)
	if len(dirs) != 1 || !strings.HasSuffix(base, "/scim/v2/directories/"+dirs[0].ID) {
		t.Fatalf("base URL %q for directories %+v", base, dirs)
	}
	dir := dirs[0]

	// The identity provider provisions; one request fails.
	status, ann := f.scim(token, "POST", base+"/Users", `{"userName":"ann@acme.test","name":{"givenName":"Ann"},"emails":[{"value":"ann@acme.test","primary":true}]}`)
	if status != http.StatusCreated {
		t.Fatalf("SCIM create: %d %v", status, ann)
	}
	status, ben := f.scim(token, "POST", base+"/Users", `{"userName":"ben@partner.test","active":false,"costCentre":"42"}`)
	if status != http.StatusCreated {
		t.Fatalf("SCIM create: %d %v", status, ben)
	}
	status, eng := f.scim(token, "POST", base+"/Groups", `{"displayName":"Engineering","members":[{"value":"`+ann["id"].(string)+`"},{"value":"`+ben["id"].(string)+`"}]}`)
	if status != http.StatusCreated {
		t.Fatalf("SCIM group: %d %v", status, eng)
	}
	if status, _ := f.scim(token, "GET", base+"/Users?filter=userName+eq", ""); status != http.StatusBadRequest {
		t.Fatalf("bad filter: %d", status)
	}
	f.log.Close() // writes the request log now (Close may be called again)

	wantPage(t, b.get(f.path()+"/"), http.StatusOK, "<strong>2</strong> users", "<strong>1</strong> deactivated", "<strong>1</strong> managed", "Okta", "400 failed")
	wantPage(t, b.get(f.path("directories", dir.ID)), http.StatusOK, "Okta", "4 requests", "<strong>1</strong> error (",
		"GET /Users?filter=userName eq", "Roster could not understand the identity provider&#39;s filter", "invalidFilter", "2 users", "1 group",
		"<strong>Warning:</strong> ignored User attributes Roster does not know: &#34;costCentre&#34;")
	// One hour of the chart holds them all; failures only, on request.
	p = b.get(f.path("directories", dir.ID))
	if bars := regexp.MustCompile(`<title>\d\d:00 UTC: 4 requests, 1 error</title>`).FindAllString(p.body, -1); len(bars) != 1 {
		t.Errorf("the chart has %d hours with the 4 requests and the error, want 1:\n%s", len(bars), p.body)
	}
	wantPage(t, p, http.StatusOK, "Show failures only")
	failedOnly := b.get(f.path("directories", dir.ID) + "?failed=1")
	wantPage(t, failedOnly, http.StatusOK, "The last 1 failed requests", "GET /Users?filter=userName eq", "Show all requests")
	if strings.Contains(failedOnly.body, "POST /Users") {
		t.Error("the failures-only log lists a successful request")
	}
	wantPage(t, b.get(f.path("users")+"?managed=managed"), http.StatusOK, "1 user", "ann@acme.test")
	if p := b.get(f.path("users") + "?active=deactivated"); strings.Contains(p.body, "ann@acme.test") || !strings.Contains(p.body, "ben@partner.test") {
		t.Errorf("deactivated filter:\n%s", p.body)
	}
	wantPage(t, b.get(f.path("users", ann["id"].(string))), http.StatusOK, "ann@acme.test", "badge managed", "Engineering", "user.created", "Okta (identity provider)")
	engID := eng["id"].(string)
	wantPage(t, b.get(f.path("groups")), http.StatusOK, "Engineering", "<td>2</td>")
	wantPage(t, b.get(f.path("groups", engID)+"?q=ann"), http.StatusOK, "ann@acme.test", "2 (direct)")

	// Products: created, granted to the synced group, counted.
	wantPage(t, b.post(f.path("products"), url.Values{"csrf": {csrf}, "key": {"Bad Key"}}), http.StatusBadRequest, "product key")
	p = b.post(f.path("products"), url.Values{"csrf": {csrf}, "key": {"jira"}, "name": {"Jira"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("create product: %d\n%s", p.status, p.body)
	}
	wantPage(t, b.post(f.path("products", "jira", "grants"), url.Values{"csrf": {csrf}, "group": {"no such group"}}), http.StatusNotFound)
	p = b.post(f.path("products", "jira", "grants"), url.Values{"csrf": {csrf}, "group": {"engineering"}, "role": {"admin"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("grant: %d\n%s", p.status, p.body)
	}
	// Ben is deactivated: one user has access, ann, as admin.
	wantPage(t, b.get(f.path("products", "jira")), http.StatusOK, "Members of Engineering have Jira access as admin now", "Who has access (1)", "ann@acme.test")
	if a, _ := f.store.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, "ann@acme.test"); !a.Allowed || a.Role != roster.RoleAdmin {
		t.Errorf("access after the grant: %+v", a)
	}
	wantPage(t, b.get(f.path("users", ann["id"].(string))), http.StatusOK, "yes, as admin")
	b.post(f.path("products", "jira", "grants", engID, "revoke"), url.Values{"csrf": {csrf}, "back": {"group"}})
	wantPage(t, b.get(f.path("groups", engID)), http.StatusOK, "no longer grants Jira access", "The group grants no product.")
	if p := b.post(f.path("groups", engID, "grants"), url.Values{"csrf": {csrf}, "product": {"jira"}, "role": {"user"}}); p.status != http.StatusSeeOther {
		t.Errorf("grant from the group's page: %d\n%s", p.status, p.body)
	}

	// Tokens: rotated with a grace period, then revoked.
	toks, _ := f.store.ListTokens(ctx, f.org.ID, dir.ID)
	p, _ = b.postSeeOther(f.path("directories", dir.ID, "tokens", toks[0].ID, "rotate"), url.Values{"csrf": {csrf}, "grace": {"1h"}})
	wantPage(t, p, http.StatusOK, "New token for Okta", "keeps working until")
	next := tokenField.FindStringSubmatch(p.body)[1]
	for _, tok := range []string{token, next} {
		if status, _ := f.scim(tok, "GET", base+"/Users", ""); status != http.StatusOK {
			t.Errorf("during the grace a token gets %d", status)
		}
	}
	wantPage(t, b.post(f.path("directories", dir.ID, "tokens", toks[0].ID, "rotate"), url.Values{"csrf": {csrf}, "grace": {"-1h"}}), http.StatusBadRequest, "grace period")
	b.post(f.path("directories", dir.ID, "tokens", toks[0].ID, "revoke"), url.Values{"csrf": {csrf}})
	if status, _ := f.scim(token, "GET", base+"/Users", ""); status != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", status)
	}
	if status, _ := f.scim(next, "GET", base+"/Users", ""); status != http.StatusOK {
		t.Errorf("the new token after the old one's revocation: %d", status)
	}

	// Activity: filtered, exported.
	wantPage(t, b.get(f.path("activity")+"?actor=admin:"), http.StatusOK, "token.revoked", "product.granted")
	if p := b.get(f.path("activity") + "?actor=admin:"); strings.Contains(p.body, "user.created") {
		t.Error("the admin filter shows the identity provider's events")
	}
	p = b.get(f.path("activity", "export") + "?format=csv")
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV export: %d %s", p.status, p.header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	must(t, err)
	all, _ := f.store.SearchEvents(ctx, f.org.ID, roster.EventFilter{}, 1000)
	if len(rows) != len(all)+1 || rows[0][3] != "action" {
		t.Errorf("CSV export has %d rows for %d events", len(rows), len(all))
	}
	p = b.get(f.path("activity", "export") + "?format=json&action=user.")
	var exported []map[string]any
	if err := json.Unmarshal([]byte(p.body), &exported); err != nil || len(exported) != 2 {
		t.Errorf("JSON export of user events: %v, %d events\n%s", err, len(exported), p.body)
	}
	wantPage(t, b.get(f.path("activity", "export")+"?format=xml"), http.StatusBadRequest)

	// Deleting a directory needs its name, and says what went.
	wantPage(t, b.get(f.path("directories", dir.ID, "delete")), http.StatusOK, "2 users", "1 group", "Type <strong>Okta</strong>")
	wantPage(t, b.post(f.path("directories", dir.ID, "delete"), url.Values{"csrf": {csrf}, "confirm": {"okta?"}}), http.StatusBadRequest)
	if p := b.post(f.path("directories", dir.ID, "delete"), url.Values{"csrf": {csrf}, "confirm": {"Okta"}}); p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", p.status)
	}
	wantPage(t, b.get(f.path("directories")), http.StatusOK, "2 users and 1 group of Okta were deleted")
	if status, _ := f.scim(next, "GET", base+"/Users", ""); status != http.StatusUnauthorized {
		t.Errorf("a deleted directory's token: %d", status)
	}
}

// TestLargeGroupPage: a group's page reads one page of members, however
// large the group; the next page starts after the last member shown.
func TestLargeGroupPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dir, _, _ := f.addDirectory(f.org.ID, "Entra ID")
	tenant := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: dir.ID}
	var ids []string
	for i := range 250 {
		u := roster.User{UserName: fmt.Sprintf("user%03d@acme.test", i), Active: true, Attributes: []byte(`{}`)}
		must(t, f.store.CreateUser(ctx, tenant, &u))
		ids = append(ids, u.ID)
	}
	g := roster.Group{DisplayName: "Everyone", Attributes: []byte(`{}`)}
	must(t, f.store.CreateGroup(ctx, tenant, &g, ids))

	b := f.browser()
	b.signIn()
	p := b.get(f.path("groups", g.ID))
	wantPage(t, p, http.StatusOK, "250 (direct)", "Next 100")
	if n := strings.Count(p.body, `href="/orgs/`+f.org.ID+`/users/`); n != 100 {
		t.Errorf("first page lists %d members, want 100", n)
	}
	next := regexp.MustCompile(`href="([^"]+after=[^"]+)" rel="next"`).FindStringSubmatch(p.body)
	if next == nil {
		t.Fatal("no next-page link")
	}
	seen := 100
	for next != nil {
		p = b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		seen += strings.Count(p.body, `href="/orgs/`+f.org.ID+`/users/`)
		next = regexp.MustCompile(`href="([^"]+after=[^"]+)" rel="next"`).FindStringSubmatch(p.body)
	}
	if seen != 250 {
		t.Errorf("paging through the members saw %d, want 250", seen)
	}
}

// TestErrorsArePages: whatever the console is sent, the answer is a page
// with the right status, never a 500.
func TestErrorsArePages(t *testing.T) { onEveryBackend(t, testErrorsArePages) }

func testErrorsArePages(t *testing.T, f *fixture) {
	b := f.browser()
	csrf := b.signIn()
	for _, c := range []struct {
		method, path string
		form         url.Values
		status       int
	}{
		{"GET", f.path("users", "nobody"), nil, http.StatusNotFound},
		{"GET", f.path("groups", "nobody"), nil, http.StatusNotFound},
		{"GET", f.path("directories", "nobody"), nil, http.StatusNotFound},
		{"GET", f.path("products", "nobody"), nil, http.StatusNotFound},
		{"GET", f.path("users") + "?page=-5&active=nonsense", nil, http.StatusOK},
		{"GET", f.path("activity") + "?before=abc", nil, http.StatusOK},
		{"GET", "/no/such/page", nil, http.StatusNotFound},
		{"GET", f.path("users") + "?q=%ff", nil, http.StatusBadRequest},
		{"GET", f.path("users") + "?q=a%00b", nil, http.StatusBadRequest},
		{"GET", f.path("users", "%ff"), nil, http.StatusBadRequest},
		{"GET", f.path("groups") + "?q=%e2%28%a1", nil, http.StatusBadRequest},
		{"GET", f.path("activity") + "?action=%ff", nil, http.StatusBadRequest},
		{"POST", f.path("directories"), url.Values{"name": {"bad \xff name"}}, http.StatusBadRequest},
		{"POST", f.path("products"), url.Values{"key": {"jira"}, "name": {"nul\x00"}}, http.StatusBadRequest},
		{"GET", f.path("users") + "?q=" + url.QueryEscape("Åström %_\\"), nil, http.StatusOK},
		{"POST", f.path("domains"), url.Values{"domain": {"not a domain"}}, http.StatusBadRequest},
		{"POST", f.path("domains", "nope.test", "verify"), url.Values{}, http.StatusNotFound},
		{"POST", f.path("directories"), url.Values{"name": {""}}, http.StatusBadRequest},
		{"POST", f.path("directories"), url.Values{"name": {"x"}, "expires": {"forever"}}, http.StatusBadRequest},
		{"POST", f.path("products"), url.Values{"key": {strings.Repeat("k", 100)}}, http.StatusBadRequest},
		{"POST", f.path("users", "nobody", "unlink"), url.Values{}, http.StatusNotFound},
		{"POST", f.path("groups", "nobody", "link"), url.Values{}, http.StatusNotFound},
	} {
		var p page
		if c.method == "GET" {
			p = b.get(c.path)
		} else {
			c.form.Set("csrf", csrf)
			p = b.post(c.path, c.form)
		}
		if p.status != c.status || !strings.Contains(p.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s %s: %d %s, want %d HTML\n%s", c.method, c.path, p.status, p.header.Get("Content-Type"), c.status, p.body)
		}
	}
}

// TestEveryFormHasCSRF reads every template: a form that posts carries the
// CSRF token field, so that signedIn's check can never lock out a form
// someone adds, nor a form slip through without one.
func TestEveryFormHasCSRF(t *testing.T) {
	files, err := filepath.Glob("templates/*.html")
	must(t, err)
	forms := regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	posts := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		must(t, err)
		for _, m := range forms.FindAllStringSubmatch(string(src), -1) {
			if !strings.Contains(m[1], `method="post"`) {
				if !strings.Contains(m[1], `method="get"`) {
					t.Errorf("%s: a form without an explicit method: <form%s>", file, m[1])
				}
				continue
			}
			posts++
			if !strings.Contains(m[2], `name="csrf"`) {
				t.Errorf("%s: a form that posts without the CSRF field: <form%s>", file, m[1])
			}
		}
	}
	if posts < 15 {
		t.Errorf("found %d forms that post; the templates have more (is the pattern right?)", posts)
	}
}

// TestSecureCookieUnderTLS: served over TLS, the session cookie is Secure.
func TestSecureCookieUnderTLS(t *testing.T) {
	f := newFixture(t)
	tlsSrv := httptest.NewUnstartedServer(f.srv.Config.Handler)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	client := tlsSrv.Client()
	client.Jar, _ = cookiejar.New(nil)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Get(tlsSrv.URL + f.path("signin"))
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csrf := csrfField.FindStringSubmatch(string(body))[1]
	req, _ := http.NewRequest("POST", tlsSrv.URL+f.path("signin"), strings.NewReader(url.Values{"csrf": {csrf}, "email": {"root@acme.test"}, "password": {adminPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err = client.Do(req)
	must(t, err)
	res.Body.Close()
	cookie := res.Header.Get("Set-Cookie")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(cookie, "roster_session=") || !strings.Contains(cookie, "; Secure") {
		t.Errorf("sign-in over TLS: %d, cookie %q; want a Secure session cookie", res.StatusCode, cookie)
	}
	if hsts := res.Header.Get("Strict-Transport-Security"); hsts == "" {
		t.Error("no HSTS header over TLS")
	}
}

// TestConflictsAndUnlinking: a group an identity provider pushes under a
// local group's name is shown as a conflict, previewed and linked; users
// and groups are unlinked from their directory.
func TestConflictsAndUnlinking(t *testing.T) { onEveryBackend(t, testConflictsAndUnlinking) }

func testConflictsAndUnlinking(t *testing.T, f *fixture) {
	ctx := context.Background()
	b := f.browser()
	csrf := b.signIn()
	p, _ := b.postSeeOther(f.path("directories"), url.Values{"csrf": {csrf}, "name": {"Okta"}})
	base, token := baseURLField.FindStringSubmatch(p.body)[1], tokenField.FindStringSubmatch(p.body)[1]

	local := roster.Group{DisplayName: "Design", Attributes: []byte(`{}`)}
	must(t, f.store.CreateLocalGroup(ctx, f.org.ID, &local))
	must(t, f.store.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "figma", Name: "Figma"}))
	must(t, f.store.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "figma", GroupID: local.ID, Role: roster.RoleUser}))
	_, ann := f.scim(token, "POST", base+"/Users", `{"userName":"ann@acme.test"}`)
	status, synced := f.scim(token, "POST", base+"/Groups", `{"displayName":"Design","members":[{"value":"`+ann["id"].(string)+`"}]}`)
	if status != http.StatusCreated {
		t.Fatalf("pushing a group named like a local one: %d %v", status, synced)
	}
	syncedID := synced["id"].(string)

	wantPage(t, b.get(f.path()+"/"), http.StatusOK, "Name conflicts: 1")
	wantPage(t, b.get(f.path("groups")+"?conflicts=1"), http.StatusOK, "conflict: review", f.path("groups", syncedID, "link"))
	wantPage(t, b.get(f.path("groups", syncedID, "link")), http.StatusOK, "Would gain access (1)", "ann@acme.test", "figma")
	if p := b.post(f.path("groups", syncedID, "link"), url.Values{"csrf": {csrf}}); p.status != http.StatusSeeOther {
		t.Fatalf("link: %d\n%s", p.status, p.body)
	}
	wantPage(t, b.get(f.path("groups", syncedID)), http.StatusOK, "is linked", "Figma")
	if a, _ := f.store.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "figma"}, "ann@acme.test"); !a.Allowed {
		t.Errorf("after the link ann has no Figma access: %+v", a)
	}
	wantPage(t, b.get(f.path("groups", local.ID)), http.StatusNotFound)

	// Unlinking: the user and the group become local, and the identity
	// provider no longer sees them.
	annID := ann["id"].(string)
	if p := b.post(f.path("users", annID, "unlink"), url.Values{"csrf": {csrf}}); p.status != http.StatusSeeOther {
		t.Fatalf("unlink user: %d\n%s", p.status, p.body)
	}
	wantPage(t, b.get(f.path("users", annID)), http.StatusOK, "is unlinked", "a local user")
	if status, _ := f.scim(token, "GET", base+"/Users/"+annID, ""); status != http.StatusNotFound {
		t.Errorf("the identity provider still sees the unlinked user: %d", status)
	}
	if p := b.post(f.path("groups", syncedID, "unlink"), url.Values{"csrf": {csrf}}); p.status != http.StatusSeeOther {
		t.Fatalf("unlink group: %d\n%s", p.status, p.body)
	}
	wantPage(t, b.get(f.path("groups", syncedID)), http.StatusOK, "is unlinked", "a local group")
	if status, _ := f.scim(token, "GET", base+"/Groups/"+syncedID, ""); status != http.StatusNotFound {
		t.Errorf("the identity provider still sees the unlinked group: %d", status)
	}
	// A local user or group has nothing to unlink from.
	wantPage(t, b.post(f.path("users", annID, "unlink"), url.Values{"csrf": {csrf}}), http.StatusConflict)
}

// TestFirstRunSetup: with no organization, the setup link (and only it)
// creates the first organization and its admin, who is signed in; then
// the link is spent.
func TestFirstRunSetup(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "roster.db"))
	must(t, err)
	defer st.Close()
	const token = "the-setup-token-serve-printed"
	srv := httptest.NewServer(server.Handler(server.Config{Store: st, PublicURL: "http://roster.test", SetupToken: token}))
	defer srv.Close()
	b := (&fixture{t: t, srv: srv}).browser()

	wantPage(t, b.get("/setup/guessed"), http.StatusNotFound)
	form := b.get("/setup/" + token)
	wantPage(t, form, http.StatusOK, "Set up Roster", `autocomplete="new-password"`)
	csrf := b.csrf(form)
	post := func(values url.Values) page {
		values.Set("csrf", csrf)
		return b.post("/setup/"+token, values)
	}
	wantPage(t, post(url.Values{"org": {"Acme"}, "email": {"Root <root@acme.test>"}, "password": {adminPassword}, "confirm": {adminPassword}}),
		http.StatusBadRequest, "Give your email address")
	wantPage(t, post(url.Values{"org": {"Acme"}, "email": {"root@acme.test"}, "password": {"short"}, "confirm": {"short"}}),
		http.StatusBadRequest, "at least 12")
	wantPage(t, post(url.Values{"org": {"Acme"}, "email": {"root@acme.test"}, "password": {adminPassword}, "confirm": {adminPassword + "!"}}),
		http.StatusBadRequest, "The two passwords differ")
	if orgs, _ := st.ListOrgs(ctx); len(orgs) != 0 {
		t.Fatalf("refused setups created %d organizations", len(orgs))
	}

	p := post(url.Values{"org": {" Acme "}, "email": {"root@acme.test"}, "password": {adminPassword}, "confirm": {adminPassword}})
	orgs, _ := st.ListOrgs(ctx)
	if p.status != http.StatusSeeOther || len(orgs) != 1 || orgs[0].Name != "Acme" || p.location() != "/orgs/"+orgs[0].ID+"/" {
		t.Fatalf("setup: %d to %q, organizations %+v\n%s", p.status, p.location(), orgs, p.body)
	}
	wantPage(t, b.get(p.location()), http.StatusOK, "Acme is set up, and you are signed in", "root@acme.test")
	if a, err := st.GetAdminByEmail(ctx, orgs[0].ID, "root@acme.test"); err != nil || a.PasswordHash == "" {
		t.Errorf("the first admin: %+v, %v", a, err)
	}

	// Spent: the link no longer opens, nor sets up another organization.
	wantPage(t, b.get("/setup/"+token), http.StatusConflict, "set up already")
	wantPage(t, post(url.Values{"org": {"Evil"}, "email": {"x@evil.test"}, "password": {adminPassword}, "confirm": {adminPassword}}), http.StatusConflict)
	if orgs, _ := st.ListOrgs(ctx); len(orgs) != 1 {
		t.Errorf("%d organizations after a second setup", len(orgs))
	}
	// Without a token (an installation that has organizations), no setup.
	other := httptest.NewServer(server.Handler(server.Config{Store: st, PublicURL: "http://roster.test"}))
	defer other.Close()
	if res, err := http.Get(other.URL + "/setup/"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("/setup/ without a token: %v %v", res, err)
	}
}

var signInLinkField = regexp.MustCompile(`<code id="signin-link" class="secret">([^<]+)</code>`)

// TestAdmins: an admin adds another with a one-time link, which signs the
// new admin in once; passwords are set and changed; a new link replaces
// the unused one; an admin is signed out everywhere.
func TestAdmins(t *testing.T) {
	f := newFixture(t)
	root := f.browser()
	csrf := root.signIn()

	wantPage(t, root.post(f.path("admins"), url.Values{"csrf": {csrf}, "email": {"not an address"}}), http.StatusBadRequest)
	p, _ := root.postSeeOther(f.path("admins"), url.Values{"csrf": {csrf}, "email": {"ops@acme.test"}})
	wantPage(t, p, http.StatusOK, "ops@acme.test is an admin", "shown only this once")
	link := signInLinkField.FindStringSubmatch(p.body)[1]
	if !strings.HasPrefix(link, f.srv.URL+f.path("signin", roster.AdminSecretPrefix)) {
		t.Fatalf("sign-in link %q", link)
	}
	wantPage(t, root.post(f.path("admins"), url.Values{"csrf": {csrf}, "email": {"OPS@acme.test"}}), http.StatusConflict)

	// A new link replaces the unused one.
	ops, err := f.store.GetAdminByEmail(context.Background(), f.org.ID, "ops@acme.test")
	must(t, err)
	p, _ = root.postSeeOther(f.path("admins", ops.ID, "signin-link"), url.Values{"csrf": {csrf}})
	wantPage(t, p, http.StatusOK, "New sign-in link for ops@acme.test", "earlier unused links (1) no longer work")
	stale, link := link, signInLinkField.FindStringSubmatch(p.body)[1]
	opsBrowser := f.browser()
	spend := func(link string) page {
		path := strings.TrimPrefix(link, f.srv.URL)
		return opsBrowser.post(path, url.Values{"csrf": {opsBrowser.csrf(opsBrowser.get(path))}})
	}
	wantPage(t, spend(stale), http.StatusUnauthorized, "does not work")
	if p := spend(link); p.status != http.StatusSeeOther {
		t.Fatalf("spending the new link: %d\n%s", p.status, p.body)
	}

	// The new admin sets a password (there is no current one to give).
	opsCSRF := opsBrowser.csrf(opsBrowser.get(f.path("admins")))
	wantPage(t, opsBrowser.get(f.path("admins")), http.StatusOK, "ops@acme.test <span class=\"muted\">(you)</span>", "Set a password")
	p = opsBrowser.post(f.path("password"), url.Values{"csrf": {opsCSRF}, "password": {"a long new passphrase"}, "confirm": {"a long new passphrase"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("setting a password: %d\n%s", p.status, p.body)
	}
	fresh := f.browser()
	form := fresh.get(f.path("signin"))
	if p := fresh.post(f.path("signin"), url.Values{"csrf": {fresh.csrf(form)}, "email": {"ops@acme.test"}, "password": {"a long new passphrase"}}); p.status != http.StatusSeeOther {
		t.Errorf("signing in with the new password: %d", p.status)
	}

	// Changing a password needs the current one.
	wantPage(t, root.post(f.path("password"), url.Values{"csrf": {csrf}, "current": {"wrong"}, "password": {"another long passphrase"}, "confirm": {"another long passphrase"}}),
		http.StatusForbidden, "current password is wrong")
	wantPage(t, root.post(f.path("password"), url.Values{"csrf": {csrf}, "current": {adminPassword}, "password": {"another long passphrase"}, "confirm": {"different"}}),
		http.StatusBadRequest, "differ")

	// Signing ops out everywhere ends both of their sessions.
	wantPage(t, root.get(f.path("admins")), http.StatusOK, "<td>2</td>")
	if p := root.post(f.path("admins", ops.ID, "signout"), url.Values{"csrf": {csrf}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", p.status)
	}
	wantPage(t, root.get(f.path("admins")), http.StatusOK, "ops@acme.test is signed out of 2 sessions")
	for _, b := range []*browser{opsBrowser, fresh} {
		if p := b.get(f.path() + "/"); p.status != http.StatusSeeOther {
			t.Errorf("a signed-out session still opens the console: %d", p.status)
		}
	}
}

// TestLocalGroupsDefaultsAndDomainLinks: what the command line does for
// local groups, default groups and domain links, the console does too.
func TestLocalGroupsDefaultsAndDomainLinks(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.browser()
	csrf := b.signIn()
	newDirectory := func(name string) (base, token string) {
		p, _ := b.postSeeOther(f.path("directories"), url.Values{"csrf": {csrf}, "name": {name}})
		return baseURLField.FindStringSubmatch(p.body)[1], tokenField.FindStringSubmatch(p.body)[1]
	}
	okta, oktaToken := newDirectory("Okta")
	entra, entraToken := newDirectory("Entra ID")
	_, ann := f.scim(oktaToken, "POST", okta+"/Users", `{"userName":"ann@acme.test"}`)
	f.scim(entraToken, "POST", entra+"/Users", `{"userName":"ben@partner.test"}`)

	// A local group, filled with users of two directories.
	p := b.post(f.path("groups"), url.Values{"csrf": {csrf}, "name": {"Everyone"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("create local group: %d\n%s", p.status, p.body)
	}
	group := strings.TrimPrefix(p.location(), f.path("groups")+"/")
	wantPage(t, b.post(f.path("groups", group, "members"), url.Values{"csrf": {csrf}, "users": {"ann@acme.test\nnobody@acme.test"}}),
		http.StatusNotFound, "nobody was added")
	if g, _ := f.store.GetOrgGroup(ctx, f.org.ID, group); g.Members != 0 {
		t.Fatalf("a refused add left %d members", g.Members)
	}
	if p := b.post(f.path("groups", group, "members"), url.Values{"csrf": {csrf}, "users": {" ann@acme.test \n\nBEN@partner.test\n"}}); p.status != http.StatusSeeOther {
		t.Fatalf("add members: %d\n%s", p.status, p.body)
	}
	wantPage(t, b.get(f.path("groups", group)), http.StatusOK, "2 users added", "2 (direct)", "ann@acme.test", "ben@partner.test", `aria-label="Remove ann@acme.test"`)
	if p := b.post(f.path("groups", group, "members", ann["id"].(string), "remove"), url.Values{"csrf": {csrf}}); p.status != http.StatusSeeOther {
		t.Fatalf("remove member: %d", p.status)
	}
	wantPage(t, b.get(f.path("groups", group)), http.StatusOK, "1 (direct)")
	// A synced group's members are its identity provider's.
	_, synced := f.scim(oktaToken, "POST", okta+"/Groups", `{"displayName":"Sales"}`)
	wantPage(t, b.post(f.path("groups", synced["id"].(string), "members"), url.Values{"csrf": {csrf}, "users": {"ann@acme.test"}}), http.StatusBadRequest, "identity provider decides")
	if p := b.get(f.path("groups", synced["id"].(string))); strings.Contains(p.body, "Add users") {
		t.Error("a synced group's page offers to add members")
	}

	// A default group: new managed accounts join it.
	must(t, f.store.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "wiki", Name: "Wiki"}))
	b.post(f.path("products", "wiki", "grants"), url.Values{"csrf": {csrf}, "group": {"Everyone"}})
	wantPage(t, b.post(f.path("products", "wiki", "defaults"), url.Values{"csrf": {csrf}, "group": {synced["id"].(string)}, "on": {"1"}}), http.StatusBadRequest)
	if p := b.post(f.path("products", "wiki", "defaults"), url.Values{"csrf": {csrf}, "group": {group}, "on": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("set default: %d\n%s", p.status, p.body)
	}
	wantPage(t, b.get(f.path("products", "wiki")), http.StatusOK, "New managed accounts join Everyone from now on")
	b.post(f.path("domains"), url.Values{"csrf": {csrf}, "domain": {"acme.test"}})
	b.post(f.path("domains", "acme.test", "verify"), url.Values{"csrf": {csrf}, "method": {"manual"}})
	f.scim(oktaToken, "POST", okta+"/Users", `{"userName":"cat@acme.test"}`)
	if a, _ := f.store.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "wiki"}, "cat@acme.test"); !a.Allowed {
		t.Errorf("a new managed account did not join the default group: %+v", a)
	}

	// A domain linked to one directory: the other may not provision on it.
	dirs, _ := f.store.ListDirectories(ctx, f.org.ID)
	var oktaID string
	for _, d := range dirs {
		if d.Name == "Okta" {
			oktaID = d.ID
		}
	}
	if p := b.post(f.path("domains", "acme.test", "directory"), url.Values{"csrf": {csrf}, "directory": {oktaID}}); p.status != http.StatusSeeOther {
		t.Fatalf("link domain: %d\n%s", p.status, p.body)
	}
	wantPage(t, b.get(f.path("domains")), http.StatusOK, "Only the chosen directory may provision users on acme.test", `selected>Only Okta</option>`)
	if status, _ := f.scim(entraToken, "POST", entra+"/Users", `{"userName":"dan@acme.test"}`); status != http.StatusConflict {
		t.Errorf("another directory provisioning on a linked domain: %d, want 409", status)
	}
	b.post(f.path("domains", "acme.test", "directory"), url.Values{"csrf": {csrf}, "directory": {""}})
	if status, _ := f.scim(entraToken, "POST", entra+"/Users", `{"userName":"dan@acme.test"}`); status != http.StatusCreated {
		t.Errorf("after lifting the link: %d, want 201", status)
	}
}

// TestOrgIsolation: an admin of one organization reaches nothing of
// another's through the console, whatever IDs they put in the URL.
func TestOrgIsolation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other := roster.Org{Name: "Other"}
	must(t, f.store.CreateOrg(ctx, &other))
	dir, tok, _ := f.addDirectory(other.ID, "Theirs")
	tenant := roster.DirectoryScope{OrgID: other.ID, DirectoryID: dir.ID}
	u := roster.User{UserName: "eve@other.test", Active: true, Attributes: []byte(`{}`)}
	must(t, f.store.CreateUser(ctx, tenant, &u))
	g := roster.Group{DisplayName: "Theirs", Attributes: []byte(`{}`)}
	must(t, f.store.CreateGroup(ctx, tenant, &g, []string{u.ID}))
	must(t, f.store.CreateProduct(ctx, &roster.Product{OrgID: other.ID, Key: "theirs", Name: "Theirs"}))
	must(t, f.store.CreateDomain(ctx, &roster.Domain{OrgID: other.ID, Name: "other.test", Token: "t"}))

	b := f.browser()
	csrf := b.signIn()
	for _, path := range []string{
		f.path("directories", dir.ID), f.path("directories", dir.ID, "delete"), f.path("users", u.ID), f.path("users", "eve@other.test"),
		f.path("groups", g.ID), f.path("groups", g.ID, "link"), f.path("products", "theirs"),
	} {
		if p := b.get(path); p.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, p.status)
		}
	}
	for _, path := range []string{
		f.path("directories", dir.ID, "tokens", tok.ID, "revoke"), f.path("directories", dir.ID, "tokens", tok.ID, "rotate"),
		f.path("directories", dir.ID, "tokens"), f.path("directories", dir.ID, "delete"), f.path("users", u.ID, "unlink"),
		f.path("groups", g.ID, "unlink"), f.path("groups", g.ID, "members"), f.path("groups", g.ID, "grants"),
		f.path("products", "theirs", "grants"), f.path("domains", "other.test", "verify"), f.path("domains", "other.test", "remove"),
		f.path("domains", "other.test", "directory"),
	} {
		form := url.Values{"csrf": {csrf}, "grace": {"1h"}, "confirm": {"Theirs"}, "users": {"eve@other.test"}, "product": {"theirs"},
			"group": {g.ID}, "method": {"manual"}}
		if p := b.post(path, form); p.status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, p.status)
		}
	}
	// Theirs, untouched.
	if toks, _ := f.store.ListTokens(ctx, other.ID, dir.ID); len(toks) != 1 || !toks[0].Revoked.IsZero() {
		t.Errorf("their tokens: %+v", toks)
	}
	if _, err := f.store.FindUser(ctx, other.ID, u.ID); err != nil {
		t.Errorf("their user: %v", err)
	}
	if d, _ := f.store.GetDomain(ctx, other.ID, "other.test"); d.Status != roster.DomainPending {
		t.Errorf("their domain: %+v", d)
	}
	if grants, _ := f.store.ListGrants(ctx, other.ID, "theirs"); len(grants) != 0 {
		t.Errorf("their grants: %+v", grants)
	}
}

// TestExplanationsOfRealErrors: the failures Roster really answers
// identity providers with, recorded in the request log, each get their
// own explanation (Explain reads Roster's own error texts, so this guards
// against them drifting apart).
func TestExplanationsOfRealErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dir, _, secret := f.addDirectory(f.org.ID, "Okta")
	revokedSecret, revoked := roster.NewTokenSecret()
	revoked.OrgID, revoked.DirectoryID = f.org.ID, dir.ID
	must(t, f.store.CreateToken(ctx, &revoked))
	must(t, f.store.RevokeToken(ctx, roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: dir.ID}, revoked.ID))
	otherDir, _, otherSecret := f.addDirectory(f.org.ID, "Entra ID")
	base := f.srv.URL + "/scim/v2/directories/" + dir.ID
	must(t, f.store.CreateDomain(ctx, &roster.Domain{OrgID: f.org.ID, Name: "linked.test", Token: "t", DirectoryID: otherDir.ID}))

	// Rejected tokens are only counted, never logged (issue 12 finding 1):
	// they have no row to explain.
	rejected := []string{revokedSecret, "not-a-token", otherSecret}
	cases := []struct {
		method, path, token, body, want string
	}{
		{"POST", "/Users", secret, `{"userName":"ann@acme.test"}`, ""},
		{"POST", "/Users", secret, `{"userName":"ANN@acme.test"}`, "already exists"},
		{"POST", "/Users", secret, `{"userName":"bob@linked.test"}`, "linked to another directory"},
		{"GET", "/Users/no-such-user", secret, "", "does not have"},
		{"GET", "/Userz", secret, "", "not a SCIM endpoint"},
		{"GET", "/Users?filter=userName%20eq", secret, "", "filter"},
		{"POST", "/Users", secret, `{"userName":"x@acme.test","active":"maybe"}`, "does not accept"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Content-Type", "application/scim+json")
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		res.Body.Close()
	}
	for _, token := range rejected {
		req, _ := http.NewRequest("GET", base+"/Users", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		res.Body.Close()
	}
	f.log.Close()
	if st, err := f.store.GetRequestStats(ctx, f.org.ID, dir.ID, time.Now().Add(-time.Hour)); err != nil || st.Rejected != len(rejected) {
		t.Errorf("stats = %+v, %v; want %d rejected", st, err, len(rejected))
	}
	reqs, err := f.store.ListRequests(ctx, f.org.ID, dir.ID, false, 100)
	must(t, err)
	if len(reqs) != len(cases) {
		t.Fatalf("%d requests recorded, want %d", len(reqs), len(cases))
	}
	for i, c := range cases {
		r := reqs[len(reqs)-1-i] // newest first
		e := console.Explain(r)
		switch {
		case c.want == "" && e != nil:
			t.Errorf("%s %s (%d) got an explanation: %+v", c.method, c.path, r.Status, e)
		case c.want != "" && (e == nil || !strings.Contains(e.What, c.want)):
			t.Errorf("%s %s %s → %d %q: explained as %+v, want it to say %q", c.method, c.path, c.body, r.Status, r.Error, e, c.want)
		}
	}
}

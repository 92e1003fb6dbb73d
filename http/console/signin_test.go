package console_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/password"
	"github.com/rosterhq/roster/storage/sqlite"
)

// TestSignInFromHome: "/" signs in by address and password. One
// organization: straight in. Several with that password: a choice by
// name. Unknown address or wrong password: one generic answer, recorded
// (never the password) where the address is an admin.
func TestSignInFromHome(t *testing.T) { onEveryBackend(t, testSignInFromHome) }

func testSignInFromHome(t *testing.T, f *fixture) {
	ctx := context.Background()
	signInHome := func(b *browser, email, pw string) page {
		t.Helper()
		form := b.get("/")
		return b.post("/signin", url.Values{"csrf": {b.csrf(form)}, "email": {email}, "password": {pw}})
	}

	// One organization: straight in.
	b := f.browser()
	p := signInHome(b, "Root@ACME.test", adminPassword)
	if p.status != http.StatusSeeOther || p.location() != f.path()+"/" {
		t.Fatalf("sign-in from /: %d to %q\n%s", p.status, p.location(), p.body)
	}
	wantPage(t, b.get(f.path()+"/"), http.StatusOK, "<h1>Overview</h1>")

	// Wrong password, unknown address: the same answer.
	const secretGuess = "guessed-password-xyz"
	wantPage(t, signInHome(f.browser(), "root@acme.test", secretGuess), http.StatusUnauthorized, "The email address or the password is wrong.", `value="root@acme.test"`)
	wantPage(t, signInHome(f.browser(), "nobody@acme.test", adminPassword), http.StatusUnauthorized, "The email address or the password is wrong.")
	events, err := f.store.SearchEvents(ctx, f.org.ID, roster.EventFilter{Action: "admin.sign_in_failed"}, 10)
	must(t, err)
	if len(events) != 1 || events[0].ResourceID != f.admin.ID || !strings.Contains(events[0].Detail, "root@acme.test") || strings.Contains(events[0].Detail, secretGuess) {
		t.Errorf("failed sign-in events = %+v, want one for root, without the password", events)
	}

	// A second organization where the address has the same password, a
	// third where it has another: the password opens two, offered by name.
	beta := roster.Org{Name: "Beta Corp"}
	must(t, f.store.CreateOrg(ctx, &beta))
	hash, err := password.Hash(adminPassword)
	must(t, err)
	must(t, f.store.CreateAdmin(ctx, &roster.Admin{OrgID: beta.ID, Email: "root@acme.test", PasswordHash: hash}))
	gamma := roster.Org{Name: "Gamma"}
	must(t, f.store.CreateOrg(ctx, &gamma))
	other, err := password.Hash("another password entirely")
	must(t, err)
	must(t, f.store.CreateAdmin(ctx, &roster.Admin{OrgID: gamma.ID, Email: "root@acme.test", PasswordHash: other}))

	b = f.browser()
	p = signInHome(b, "root@acme.test", adminPassword)
	if p.status != http.StatusSeeOther || p.location() != "/signin/choose" {
		t.Fatalf("sign-in with two organizations: %d to %q", p.status, p.location())
	}
	choose := b.get("/signin/choose")
	wantPage(t, choose, http.StatusOK, "Choose an organization", "Acme", "Beta Corp")
	if strings.Contains(choose.body, "Gamma") {
		t.Errorf("the choice offers an organization the password does not open")
	}
	// Gamma is not among the choices, whatever the form says.
	wantPage(t, b.post("/signin/choose", url.Values{"csrf": {b.csrf(choose)}, "org": {gamma.ID}}), http.StatusUnauthorized)
	p = b.post("/signin/choose", url.Values{"csrf": {b.csrf(choose)}, "org": {beta.ID}})
	if p.status != http.StatusSeeOther || p.location() != "/orgs/"+beta.ID+"/" {
		t.Fatalf("choosing Beta: %d to %q\n%s", p.status, p.location(), p.body)
	}
	wantPage(t, b.get("/orgs/"+beta.ID+"/"), http.StatusOK, "Beta Corp")

	// A choice cookie nobody signed does not sign anyone in.
	forger := f.browser()
	payload := base64.RawURLEncoding.EncodeToString([]byte("9999999999 " + beta.ID + "/x"))
	forger.client.Jar.SetCookies(mustURL(f.srv.URL+"/signin"), []*http.Cookie{{Name: "roster_choose", Value: payload + ".forged", Path: "/signin"}})
	csrf := forger.csrf(forger.get("/"))
	wantPage(t, forger.post("/signin/choose", url.Values{"csrf": {csrf}, "org": {beta.ID}}), http.StatusUnauthorized)

	// The per-organization sign-in still works (bookmarks).
	b = f.browser()
	form := b.get("/orgs/" + gamma.ID + "/signin")
	p = b.post("/orgs/"+gamma.ID+"/signin", url.Values{"csrf": {b.csrf(form)}, "email": {"root@acme.test"}, "password": {"another password entirely"}})
	if p.status != http.StatusSeeOther || p.location() != "/orgs/"+gamma.ID+"/" {
		t.Errorf("per-organization sign-in: %d to %q", p.status, p.location())
	}
}

// TestPreSessionCSRFIsMinted: the pre-session CSRF cookie is one the
// server minted; a pair the client chose (cookie and field alike) is
// refused, and the cookie replaced.
func TestPreSessionCSRFIsMinted(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	chosen := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	for _, path := range []string{"/signin", f.path("signin")} {
		b.client.Jar.SetCookies(mustURL(f.srv.URL), []*http.Cookie{{Name: "roster_csrf", Value: chosen, Path: "/"}})
		p := b.post(path, url.Values{"csrf": {chosen}, "email": {"root@acme.test"}, "password": {adminPassword}})
		wantPage(t, p, http.StatusForbidden, "expired")
		if p.header.Get("Set-Cookie") == "" || strings.Contains(p.header.Get("Set-Cookie"), chosen) {
			t.Errorf("%s: the chosen cookie was not replaced: %q", path, p.header.Get("Set-Cookie"))
		}
	}
	// A form shown with a chosen cookie gets a minted one instead.
	b.client.Jar.SetCookies(mustURL(f.srv.URL), []*http.Cookie{{Name: "roster_csrf", Value: chosen, Path: "/"}})
	form := b.get("/")
	if got := b.csrf(form); got == chosen || !strings.Contains(got, ".") {
		t.Errorf("the form echoes the chosen cookie: %q", got)
	}
	p := b.post("/signin", url.Values{"csrf": {b.csrf(form)}, "email": {"root@acme.test"}, "password": {adminPassword}})
	if p.status != http.StatusSeeOther {
		t.Errorf("with the minted token: %d\n%s", p.status, p.body)
	}

	// Minted by one node, accepted by another: the key is in the database.
	srv2 := httptest.NewServer(server.Handler(server.Config{Store: f.store, PublicURL: f.srv.URL}))
	t.Cleanup(srv2.Close)
	b2 := f.browser()
	form = b2.get("/")
	b2.f = &fixture{t: t, srv: srv2}
	for _, c := range b2.client.Jar.Cookies(mustURL(f.srv.URL)) {
		b2.client.Jar.SetCookies(mustURL(srv2.URL), []*http.Cookie{c})
	}
	p = b2.post("/signin", url.Values{"csrf": {b2.csrf(form)}, "email": {"root@acme.test"}, "password": {adminPassword}})
	if p.status != http.StatusSeeOther {
		t.Errorf("another node refused this node's CSRF token: %d\n%s", p.status, p.body)
	}
}

// TestFreshInstallHome: with no organization, "/" says where setup starts.
func TestFreshInstallHome(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "roster.db"))
	must(t, err)
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(server.Handler(server.Config{Store: st, PublicURL: "http://localhost", SetupToken: "tok"}))
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL + "/")
	must(t, err)
	defer res.Body.Close()
	var body strings.Builder
	_, _ = io.Copy(&body, res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(body.String(), "not set up yet") || !strings.Contains(body.String(), "setup link") {
		t.Errorf("fresh /: %d\n%s", res.StatusCode, body.String())
	}
}

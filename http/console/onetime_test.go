package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

// TestReloadCreatesNothing: every creating POST ends in a 303 to a GET
// page; the secret it made is shown there once, from the session's slot.
// Reloading that page shows "shown already" and creates nothing (rows
// counted before and after); another session cannot open the slot.
func TestReloadCreatesNothing(t *testing.T) { onEveryBackend(t, testReloadCreatesNothing) }

func testReloadCreatesNothing(t *testing.T, f *fixture) {
	ctx := context.Background()
	b := f.browser()
	csrf := b.signIn()
	tokenCount := func(dirID string) int {
		list, err := f.store.ListTokens(ctx, f.org.ID, dirID)
		must(t, err)
		return len(list)
	}
	adminTokens := func(adminID string) int {
		list, err := f.store.ListAdminTokens(ctx, f.org.ID, adminID)
		must(t, err)
		return len(list)
	}
	reload := func(at string, before func() int) {
		t.Helper()
		n := before()
		for range 2 {
			p := b.get(at)
			wantPage(t, p, http.StatusOK, "shown already")
			if tokenField.MatchString(p.body) || signInLinkField.MatchString(p.body) {
				t.Errorf("the reload of %s shows a secret again", at)
			}
		}
		if after := before(); after != n {
			t.Errorf("reloading %s: %d rows before, %d after", at, n, after)
		}
	}

	// A new directory.
	p, at := b.postSeeOther(f.path("directories"), url.Values{"csrf": {csrf}, "name": {"Okta"}})
	wantPage(t, p, http.StatusOK, "Directory Okta created")
	if !tokenField.MatchString(p.body) {
		t.Fatalf("the first GET shows no token:\n%s", p.body)
	}
	dirs, err := f.store.ListDirectories(ctx, f.org.ID)
	must(t, err)
	dirCount := func() int { d, _ := f.store.ListDirectories(ctx, f.org.ID); return len(d) }
	reload(at, dirCount)
	dir := dirs[0]

	// Another session cannot read this session's slot.
	p, at = b.postSeeOther(f.path("directories", dir.ID, "tokens"), url.Values{"csrf": {csrf}, "name": {"second"}})
	if !tokenField.MatchString(p.body) {
		t.Fatalf("a new token's page shows no token:\n%s", p.body)
	}
	reload(at, func() int { return tokenCount(dir.ID) })
	thief := f.browser()
	thief.signIn()
	slot := b.post(f.path("directories", dir.ID, "tokens"), url.Values{"csrf": {csrf}, "name": {"third"}})
	var cookies []*http.Cookie
	for _, c := range (&http.Response{Header: slot.header}).Cookies() {
		if c.Name == "roster_reveal" {
			cookies = append(cookies, c)
		}
	}
	if len(cookies) != 1 {
		t.Fatalf("the POST set no one-time slot: %v", slot.header)
	}
	cookies[0].Path = "/"
	thief.client.Jar.SetCookies(mustURL(f.srv.URL), cookies)
	wantPage(t, thief.get(slot.location()), http.StatusOK, "shown already")

	// A rotation.
	toks, err := f.store.ListTokens(ctx, f.org.ID, dir.ID)
	must(t, err)
	p, at = b.postSeeOther(f.path("directories", dir.ID, "tokens", toks[0].ID, "rotate"), url.Values{"csrf": {csrf}, "grace": {"1h"}})
	wantPage(t, p, http.StatusOK, "New token for Okta", "keeps working until")
	reload(at, func() int { return tokenCount(dir.ID) })

	// A new admin, and a new link for them.
	p, at = b.postSeeOther(f.path("admins"), url.Values{"csrf": {csrf}, "email": {"ops@acme.test"}})
	wantPage(t, p, http.StatusOK, "ops@acme.test is an admin")
	if !signInLinkField.MatchString(p.body) {
		t.Fatalf("the new admin's page shows no link:\n%s", p.body)
	}
	ops, err := f.store.GetAdminByEmail(ctx, f.org.ID, "ops@acme.test")
	must(t, err)
	adminCount := func() int { l, _ := f.store.ListAdmins(ctx, f.org.ID); return len(l) + adminTokens(ops.ID) }
	reload(at, adminCount)
	p, at = b.postSeeOther(f.path("admins", ops.ID, "signin-link"), url.Values{"csrf": {csrf}})
	wantPage(t, p, http.StatusOK, "New sign-in link for ops@acme.test")
	reload(at, adminCount)
}

// TestAdminRoles: the first admin is the owner; an admin who is not is
// refused (403) when adding admins, making a link for another admin,
// changing roles or removing; an owner can, and the affected admin sees
// it on their own Admins page. Removal ends the admin's sessions at once;
// the last owner stays.
func TestAdminRoles(t *testing.T) { onEveryBackend(t, testAdminRoles) }

func testAdminRoles(t *testing.T, f *fixture) {
	ctx := context.Background()
	root := f.browser()
	csrf := root.signIn()
	wantPage(t, root.get(f.path("admins")), http.StatusOK, "You are an owner", `<td class="role">owner</td>`)

	// The owner adds ops (an admin) and signs ops in with the link.
	p, _ := root.postSeeOther(f.path("admins"), url.Values{"csrf": {csrf}, "email": {"ops@acme.test"}})
	link := signInLinkField.FindStringSubmatch(p.body)[1]
	ops := f.browser()
	path := strings.TrimPrefix(link, f.srv.URL)
	if p := ops.post(path, url.Values{"csrf": {ops.csrf(ops.get(path))}}); p.status != http.StatusSeeOther {
		t.Fatalf("ops signing in: %d", p.status)
	}
	opsAdmin, err := f.store.GetAdminByEmail(ctx, f.org.ID, "ops@acme.test")
	must(t, err)
	opsCSRF := ops.csrf(ops.get(f.path("admins")))
	adminsPage := ops.get(f.path("admins"))
	wantPage(t, adminsPage, http.StatusOK, "You are an admin", "Only an owner adds or removes admins")
	if strings.Contains(adminsPage.body, f.path("admins", f.admin.ID, "signin-link")) || strings.Contains(adminsPage.body, "/remove") {
		t.Errorf("an admin is offered the owner's actions")
	}

	// Refused for a non-owner, whatever the form says; nothing made.
	before, _ := f.store.ListAdminTokens(ctx, f.org.ID, f.admin.ID)
	for _, try := range []struct {
		path string
		form url.Values
	}{
		{f.path("admins", f.admin.ID, "signin-link"), nil},
		{f.path("admins"), url.Values{"email": {"mallory@acme.test"}}},
		{f.path("admins", opsAdmin.ID, "role"), url.Values{"role": {"owner"}}},
		{f.path("admins", f.admin.ID, "role"), url.Values{"role": {"admin"}}},
		{f.path("admins", f.admin.ID, "remove"), nil},
		{f.path("admins", f.admin.ID, "signout"), nil},
	} {
		form := url.Values{"csrf": {opsCSRF}}
		for k, v := range try.form {
			form[k] = v
		}
		wantPage(t, ops.post(try.path, form), http.StatusForbidden, "only an owner")
	}
	after, _ := f.store.ListAdminTokens(ctx, f.org.ID, f.admin.ID)
	if len(after) != len(before) {
		t.Errorf("refused actions made %d tokens for the owner", len(after)-len(before))
	}
	if _, err := f.store.GetAdminByEmail(ctx, f.org.ID, "mallory@acme.test"); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("a non-owner added an admin: %v", err)
	}
	// A link for oneself is fine.
	if p := ops.post(f.path("admins", opsAdmin.ID, "signin-link"), url.Values{"csrf": {opsCSRF}}); p.status != http.StatusSeeOther {
		t.Errorf("a link for oneself: %d", p.status)
	}

	// The owner makes a link for ops: ops sees it on their own page.
	root.postSeeOther(f.path("admins", opsAdmin.ID, "signin-link"), url.Values{"csrf": {csrf}})
	wantPage(t, ops.get(f.path("admins")), http.StatusOK, "Changes to your account by others", "admin_token.created", "by admin:root@acme.test")

	// The last owner can be neither demoted nor removed.
	wantPage(t, root.post(f.path("admins", f.admin.ID, "role"), url.Values{"csrf": {csrf}, "role": {"admin"}}), http.StatusConflict, "at least one owner")
	wantPage(t, root.post(f.path("admins", f.admin.ID, "remove"), url.Values{"csrf": {csrf}}), http.StatusConflict, "at least one owner")

	// Promoted, ops sees it; then removed, ops's session ends at once.
	p, _ = root.postSeeOther(f.path("admins", opsAdmin.ID, "role"), url.Values{"csrf": {csrf}, "role": {"owner"}})
	wantPage(t, p, http.StatusOK, "ops@acme.test is an owner now")
	wantPage(t, ops.get(f.path("admins")), http.StatusOK, "You are an owner", "admin.role_changed")
	p, _ = root.postSeeOther(f.path("admins", opsAdmin.ID, "remove"), url.Values{"csrf": {csrf}})
	wantPage(t, p, http.StatusOK, "ops@acme.test is no longer an admin")
	if p := ops.get(f.path() + "/"); p.status != http.StatusSeeOther {
		t.Errorf("a removed admin's session still opens the console: %d", p.status)
	}
	events, err := f.store.SearchEvents(ctx, f.org.ID, roster.EventFilter{Action: "admin.removed"}, 5)
	must(t, err)
	if len(events) != 1 || events[0].Actor != "admin:root@acme.test" {
		t.Errorf("removal events = %+v", events)
	}
}

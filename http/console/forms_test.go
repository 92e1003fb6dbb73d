package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestFormMistakesStayOnTheForm: a validation error draws the same form
// again, the message beside its field, what was typed kept (never a
// password), with the status the mistake calls for; no error page.
func TestFormMistakesStayOnTheForm(t *testing.T) { onEveryBackend(t, testFormMistakesStayOnTheForm) }

func testFormMistakesStayOnTheForm(t *testing.T, f *fixture) {
	b := f.browser()
	csrf := b.signIn()
	b.postSeeOther(f.path("products"), url.Values{"csrf": {csrf}, "key": {"jira"}, "name": {"Jira"}})
	const typedPassword = "short-pw"
	for _, c := range []struct {
		what, path string
		form       url.Values
		status     int
		heading    string
		errorID    string // the field's message
		kept       string // the typed value, kept in the field
	}{
		{"a bad domain", "domains", url.Values{"domain": {"not a domain!"}}, http.StatusBadRequest, "Domains", "domain-error", `value="not a domain!"`},
		{"a public mail domain", "domains", url.Values{"domain": {"gmail.com"}}, http.StatusBadRequest, "Domains", "domain-error", `value="gmail.com"`},
		{"a bad token lifetime", "directories", url.Values{"name": {"Okta"}, "expires": {"forever and ever"}}, http.StatusBadRequest, "Directories", "expires-error", `value="Okta"`},
		{"a bad product key", "products", url.Values{"key": {"Bad Key"}, "name": {"Confluence"}}, http.StatusBadRequest, "Products", "key-error", `value="Confluence"`},
		{"a product key taken", "products", url.Values{"key": {"jira"}, "name": {"Jira again"}}, http.StatusConflict, "Products", "key-error", `value="Jira again"`},
		{"a product name taken", "products", url.Values{"key": {"jira2"}, "name": {"JIRA"}}, http.StatusConflict, "Products", "name-error", `value="jira2"`},
		{"an admin address taken", "admins", url.Values{"email": {"ROOT@acme.test"}}, http.StatusConflict, "Admins", "email-error", `value="ROOT@acme.test"`},
		{"a short password", "password", url.Values{"current": {adminPassword}, "password": {typedPassword}, "confirm": {typedPassword}}, http.StatusBadRequest, "Admins", "new-password-error", ""},
		{"passwords that differ", "password", url.Values{"current": {adminPassword}, "password": {"a long new passphrase"}, "confirm": {"another long passphrase"}}, http.StatusBadRequest, "Admins", "confirm-error", ""},
		{"a wrong current password", "password", url.Values{"current": {"wrong current password"}, "password": {"a long new passphrase"}, "confirm": {"a long new passphrase"}}, http.StatusForbidden, "Admins", "current-error", ""},
	} {
		c.form.Set("csrf", csrf)
		p := b.post(f.path(c.path), c.form)
		wantPage(t, p, c.status, "<h1>"+c.heading+"</h1>", `class="field-error" id="`+c.errorID+`"`, c.kept)
		if strings.Contains(p.body, `class="problem"`) {
			t.Errorf("%s: an error page, not the form", c.what)
		}
		for _, pw := range []string{typedPassword, adminPassword, "a long new passphrase", "wrong current password"} {
			if strings.Contains(p.body, pw) {
				t.Errorf("%s: the page echoes the password %q", c.what, pw)
			}
		}
	}
	// Not a form mistake: still the error page.
	wantPage(t, b.post(f.path("products", "nope", "grants"), url.Values{"csrf": {csrf}, "group": {"x"}}), http.StatusNotFound)
}

// TestDirectoryNamesUnique: a directory name taken (in any case) is
// refused beside the field with 409, on creation and on rename; a rename
// works.
func TestDirectoryNamesUnique(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	csrf := b.signIn()
	okta, _, _ := f.addDirectory(f.org.ID, "Okta")
	entra, _, _ := f.addDirectory(f.org.ID, "Entra ID")
	wantPage(t, b.post(f.path("directories"), url.Values{"csrf": {csrf}, "name": {"OKTA"}}), http.StatusConflict,
		"<h1>Directories</h1>", `id="name-error"`, `value="OKTA"`)
	wantPage(t, b.post(f.path("directories", entra.ID, "rename"), url.Values{"csrf": {csrf}, "name": {" okta "}}), http.StatusConflict,
		"<h1>Entra ID</h1>", `id="rename-name-error"`, "a directory called Okta already")
	p, _ := b.postSeeOther(f.path("directories", okta.ID, "rename"), url.Values{"csrf": {csrf}, "name": {"Okta Production"}})
	wantPage(t, p, http.StatusOK, "<h1>Okta Production</h1>", "Okta is called Okta Production now.")
	if dirs, _ := f.store.ListDirectories(context.Background(), f.org.ID); len(dirs) != 2 {
		t.Errorf("%d directories, want 2", len(dirs))
	}
}

// TestReachWarning: with a base URL on plain http and a loopback address
// (as the fixture's is), the directory page says cloud identity providers
// cannot reach it and how to fix it; the connection reads "not connected
// yet" until a request with a valid token arrives.
func TestReachWarning(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.signIn()
	dir, _, _ := f.addDirectory(f.org.ID, "Okta")
	wantPage(t, b.get(f.path("directories", dir.ID)), http.StatusOK, `id="reach-problem"`, "need a public HTTPS URL",
		"plain http://", "loopback", "--base-url https://", "--tls-cert", "not connected yet")
}

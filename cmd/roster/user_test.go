package main

import (
	"strings"
	"testing"
)

// TestUsersNamedByEmail: every command that names a user takes its ID,
// its userName or its email address, also when the email is not the
// userName.
func TestUsersNamedByEmail(t *testing.T) {
	fx := serveDirectory(t, "Okta", "--domain-recheck", "0")
	env := fx.env
	okta := fx.scim
	status, carol := okta.do("POST", "/Users", `{"userName":"c.jones","emails":[{"value":"Carol@Acme.test","primary":true}]}`)
	if status != 201 {
		t.Fatalf("create user: %d %v", status, carol)
	}
	carolID := carol["id"].(string)

	var local struct{ ID string }
	rosterJSON(t, env, &local, "group", "create", "--org", fx.org, "--name", "Editors")
	rosterJSON(t, env, &struct{}{}, "product", "create", "--org", fx.org, "--key", "wiki", "--name", "Wiki")
	rosterJSON(t, env, &struct{}{}, "access", "grant", "--org", fx.org, "--product", "wiki", "--group", local.ID)
	var added struct{ User string }
	rosterJSON(t, env, &added, "group", "add-member", "--org", fx.org, "--group", local.ID, "--user", "carol@acme.test")
	if added.User != carolID {
		t.Errorf("add-member by email added %q, want %s", added.User, carolID)
	}
	for _, ref := range []string{carolID, "c.jones", "carol@acme.test"} {
		var shown struct{ ID string }
		rosterJSON(t, env, &shown, "user", "show", "--org", fx.org, "--user", ref)
		var a struct{ Allowed bool }
		rosterJSON(t, env, &a, "access", "check", "--org", fx.org, "--product", "wiki", "--user", ref)
		if shown.ID != carolID || !a.Allowed {
			t.Errorf("--user %s: show found %q, access check allowed=%v", ref, shown.ID, a.Allowed)
		}
	}
	var unlinked struct{ User string }
	rosterJSON(t, env, &unlinked, "user", "unlink", "--org", fx.org, "--user", "carol@acme.test")
	if unlinked.User != carolID {
		t.Errorf("user unlink by email unlinked %q, want %s", unlinked.User, carolID)
	}
	if status, _ := okta.do("GET", "/Users/"+carolID, ""); status != 404 {
		t.Errorf("the identity provider still sees the user unlinked by email: %d", status)
	}
	if _, errOut, code := runCLI(t, env, "user", "show", "--org", fx.org, "--user", "nobody@acme.test"); code == 0 || !strings.Contains(errOut, "nobody@acme.test") {
		t.Errorf("an unknown email: exit %d %q", code, errOut)
	}
}

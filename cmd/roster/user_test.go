package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestUsersNamedByEmail: every command that names a user takes its ID,
// its userName or its email address, also when the email is not the
// userName.
func TestUsersNamedByEmail(t *testing.T) {
	env := map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db")}
	url := serve(t, env, "--domain-recheck", "0")
	var org struct{ ID string }
	rosterJSON(t, env, &org, "org", "create", "--name", "Acme")
	var dir struct{ Token, BaseURL string }
	rosterJSON(t, env, &dir, "directory", "create", "--org", org.ID, "--name", "Okta", "--base-url", url)
	okta := scimClient{t, dir.BaseURL, dir.Token}
	status, carol := okta.do("POST", "/Users", `{"userName":"c.jones","emails":[{"value":"Carol@Acme.test","primary":true}]}`)
	if status != 201 {
		t.Fatalf("create user: %d %v", status, carol)
	}
	carolID := carol["id"].(string)

	var local struct{ ID string }
	rosterJSON(t, env, &local, "group", "create", "--org", org.ID, "--name", "Editors")
	rosterJSON(t, env, &struct{}{}, "product", "create", "--org", org.ID, "--key", "wiki", "--name", "Wiki")
	rosterJSON(t, env, &struct{}{}, "access", "grant", "--org", org.ID, "--product", "wiki", "--group", local.ID)
	var added struct{ User string }
	rosterJSON(t, env, &added, "group", "add-member", "--org", org.ID, "--group", local.ID, "--user", "carol@acme.test")
	if added.User != carolID {
		t.Errorf("add-member by email added %q, want %s", added.User, carolID)
	}
	for _, ref := range []string{carolID, "c.jones", "carol@acme.test"} {
		var shown struct{ ID string }
		rosterJSON(t, env, &shown, "user", "show", "--org", org.ID, "--user", ref)
		var a struct{ Allowed bool }
		rosterJSON(t, env, &a, "access", "check", "--org", org.ID, "--product", "wiki", "--user", ref)
		if shown.ID != carolID || !a.Allowed {
			t.Errorf("--user %s: show found %q, access check allowed=%v", ref, shown.ID, a.Allowed)
		}
	}
	var unlinked struct{ User string }
	rosterJSON(t, env, &unlinked, "user", "unlink", "--org", org.ID, "--user", "carol@acme.test")
	if unlinked.User != carolID {
		t.Errorf("user unlink by email unlinked %q, want %s", unlinked.User, carolID)
	}
	if status, _ := okta.do("GET", "/Users/"+carolID, ""); status != 404 {
		t.Errorf("the identity provider still sees the user unlinked by email: %d", status)
	}
	if _, errOut, code := runCLI(t, env, "user", "show", "--org", org.ID, "--user", "nobody@acme.test"); code == 0 || !strings.Contains(errOut, "nobody@acme.test") {
		t.Errorf("an unknown email: exit %d %q", code, errOut)
	}
}

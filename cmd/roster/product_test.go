package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestProductAccess walks product access from the command line: a product,
// a grant to a group synced over SCIM, a local admins group with a default
// membership for new managed accounts, access checks as applications
// would make them, and counts.
func TestProductAccess(t *testing.T) {
	fx := serveDirectory(t, "Entra ID", "--domain-recheck", "0")
	env := fx.env
	entra := fx.scim
	rosterJSON(t, env, &struct{}{}, "domain", "add", "--org", fx.org, "--domain", "acme.test")
	rosterJSON(t, env, &struct{}{}, "domain", "verify", "--org", fx.org, "--domain", "acme.test", "--method", "manual")

	_, ann := entra.do("POST", "/Users", `{"userName":"ann@acme.test"}`)
	_, ext := entra.do("POST", "/Users", `{"userName":"pat@partner.test"}`)
	_, eng := entra.do("POST", "/Groups", `{"displayName":"Engineering","members":[{"value":"`+ann["id"].(string)+`"},{"value":"`+ext["id"].(string)+`"}]}`)

	if _, errOut, code := runCLI(t, env, "product", "create", "--org", fx.org, "--key", "Jira!", "--name", "Jira"); code == 0 || !strings.Contains(errOut, "product key") || !strings.Contains(errOut, "Jira!") {
		t.Errorf("a bad key: exit %d %q", code, errOut)
	}
	rosterJSON(t, env, &struct{}{}, "product", "create", "--org", fx.org, "--key", "jira", "--name", "Jira")
	rosterJSON(t, env, &struct{}{}, "access", "grant", "--org", fx.org, "--product", "jira", "--group", eng["id"].(string))
	var local struct{ ID string }
	rosterJSON(t, env, &local, "group", "create", "--org", fx.org, "--name", "Jira admins")
	rosterJSON(t, env, &struct{}{}, "access", "grant", "--org", fx.org, "--product", "jira", "--group", local.ID, "--role", "admin")
	rosterJSON(t, env, &struct{}{}, "product", "default", "--org", fx.org, "--product", "jira", "--group", local.ID)

	type access struct {
		Allowed bool
		Role    *string
		Via     []struct{ ID, DisplayName string }
		Reason  string
	}
	check := func(user string) access {
		t.Helper()
		var a access
		rosterJSON(t, env, &a, "access", "check", "--org", fx.org, "--product", "jira", "--user", user)
		return a
	}
	// ann was provisioned before the default group existed: Engineering only.
	if a := check("ann@acme.test"); !a.Allowed || a.Role == nil || *a.Role != "user" || len(a.Via) != 1 || a.Via[0].DisplayName != "Engineering" {
		t.Errorf("ann = %+v, want user through Engineering", a)
	}
	// A new managed account joins the default group and gets its role.
	_, zoe := entra.do("POST", "/Users", `{"userName":"zoe@acme.test"}`)
	if a := check(zoe["id"].(string)); !a.Allowed || a.Role == nil || *a.Role != "admin" || a.Via[0].ID != local.ID {
		t.Errorf("zoe = %+v, want admin through the default group", a)
	}
	// Deactivation takes access away at once.
	entra.do("PATCH", "/Users/"+ann["id"].(string), `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`)
	if a := check("ann@acme.test"); a.Allowed || a.Role != nil || !strings.Contains(a.Reason, "deactivated") {
		t.Errorf("deactivated ann = %+v", a)
	}
	if a := check("ghost@acme.test"); a.Allowed || !strings.Contains(a.Reason, "no user") {
		t.Errorf("an unknown user = %+v", a)
	}
	var list struct {
		Grants                   []struct{ Group, GroupName, Role string }
		Users, Managed, External int
	}
	rosterJSON(t, env, &list, "access", "list", "--org", fx.org, "--product", "jira")
	var names []string
	for _, g := range list.Grants {
		names = append(names, g.GroupName+":"+g.Role)
	}
	if !slices.Equal(names, []string{"Engineering:user", "Jira admins:admin"}) || list.Users != 2 || list.Managed != 1 || list.External != 1 {
		t.Errorf("access list = %+v (%v)", list, names)
	}
	out, _, _ := runCLI(t, env, "product", "list", "--org", fx.org)
	if !strings.Contains(out, "jira") || !strings.Contains(out, "MANAGED") {
		t.Errorf("product list:\n%s", out)
	}
	if _, errOut, code := runCLI(t, env, "product", "default", "--org", fx.org, "--product", "jira", "--group", eng["id"].(string)); code == 0 || !strings.Contains(errOut, "local group") {
		t.Errorf("a synced group as default: exit %d %q", code, errOut)
	}
}

// TestRenameAndDeleteFromCLI: products and local groups are renamed
// (names unique in any case) and deleted, --yes after a look at what
// access goes.
func TestRenameAndDeleteFromCLI(t *testing.T) {
	env := map[string]string{"ROSTER_DB": filepath.Join(t.TempDir(), "roster.db")}
	var org struct{ ID string }
	rosterJSON(t, env, &org, "org", "create", "--name", "Acme")
	rosterJSON(t, env, &struct{}{}, "product", "create", "--org", org.ID, "--key", "jira", "--name", "Jira")
	rosterJSON(t, env, &struct{}{}, "product", "create", "--org", org.ID, "--key", "wiki", "--name", "Wiki")
	if _, errOut, code := runCLI(t, env, "product", "rename", "--org", org.ID, "--product", "wiki", "--name", "JIRA"); code != 1 || !strings.Contains(errOut, "called Jira already") {
		t.Errorf("renaming wiki to JIRA: exit %d %q, want a refusal naming Jira", code, errOut)
	}
	var renamed struct{ Key, Name string }
	rosterJSON(t, env, &renamed, "product", "rename", "--org", org.ID, "--product", "wiki", "--name", "Confluence")
	if renamed.Key != "wiki" || renamed.Name != "Confluence" {
		t.Errorf("product rename = %+v", renamed)
	}
	var g struct{ ID string }
	rosterJSON(t, env, &g, "group", "create", "--org", org.ID, "--name", "Editors")
	rosterJSON(t, env, &struct{}{}, "group", "create", "--org", org.ID, "--name", "Readers")
	if _, errOut, code := runCLI(t, env, "group", "rename", "--org", org.ID, "--group", g.ID, "--name", "readers"); code != 1 || !strings.Contains(errOut, "Readers") {
		t.Errorf("renaming Editors to readers: exit %d %q", code, errOut)
	}
	var gr struct{ DisplayName string }
	rosterJSON(t, env, &gr, "group", "rename", "--org", org.ID, "--group", g.ID, "--name", "Wiki editors")
	if gr.DisplayName != "Wiki editors" {
		t.Errorf("group rename = %+v", gr)
	}
	rosterJSON(t, env, &struct{}{}, "access", "grant", "--org", org.ID, "--product", "wiki", "--group", g.ID)
	rosterJSON(t, env, &struct{}{}, "product", "default", "--org", org.ID, "--product", "wiki", "--group", g.ID)

	var look struct {
		Access []struct {
			Product               string
			UsersLosingAccess     int
			Granted, DefaultGroup bool
		}
		Deleted bool
	}
	rosterJSON(t, env, &look, "group", "delete", "--org", org.ID, "--group", g.ID)
	if look.Deleted || len(look.Access) != 1 || look.Access[0].Product != "wiki" || !look.Access[0].Granted || !look.Access[0].DefaultGroup {
		t.Errorf("group delete without --yes = %+v, want wiki's grant and default role, nothing deleted", look)
	}
	out, _, _ := runCLI(t, env, "group", "delete", "--org", org.ID, "--group", g.ID)
	if !strings.Contains(out, "Confluence: 0 users lose access; new managed accounts no longer join it") || !strings.Contains(out, "Nothing changed yet") {
		t.Errorf("group delete's text:\n%s", out)
	}
	rosterJSON(t, env, &look, "group", "delete", "--org", org.ID, "--group", g.ID, "--yes")
	if !look.Deleted {
		t.Errorf("group delete --yes = %+v", look)
	}
	if _, errOut, code := runCLI(t, env, "group", "delete", "--org", org.ID, "--group", g.ID); code != 1 || !strings.Contains(errOut, g.ID) {
		t.Errorf("deleting the group again: exit %d %q", code, errOut)
	}

	var pd struct {
		Key, Name string
		GrantsTo  []string
		Deleted   bool
	}
	rosterJSON(t, env, &pd, "product", "delete", "--org", org.ID, "--product", "jira")
	if pd.Deleted || pd.Name != "Jira" {
		t.Errorf("product delete without --yes = %+v", pd)
	}
	rosterJSON(t, env, &pd, "product", "delete", "--org", org.ID, "--product", "jira", "--yes")
	var products []struct{ Key string }
	rosterJSON(t, env, &products, "product", "list", "--org", org.ID)
	if !pd.Deleted || len(products) != 1 || products[0].Key != "wiki" {
		t.Errorf("after product delete --yes (%+v) the products are %+v, want wiki only", pd, products)
	}
}

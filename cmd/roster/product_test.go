package main

import (
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

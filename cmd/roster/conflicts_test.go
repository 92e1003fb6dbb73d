package main

import (
	"strings"
	"testing"
)

// TestGroupConflictAndUnlink: an identity provider pushes a group named
// like a local group; the push succeeds, the conflict is listed, the
// preview says who gains and loses, and linking hands over the access.
// Then a user is unlinked: the identity provider no longer sees it.
func TestGroupConflictAndUnlink(t *testing.T) {
	fx := serveDirectory(t, "Okta", "--domain-recheck", "0")
	env := fx.env
	okta := fx.scim
	_, ann := okta.do("POST", "/Users", `{"userName":"ann@acme.test"}`)
	_, bob := okta.do("POST", "/Users", `{"userName":"bob@acme.test"}`)
	annID, bobID := ann["id"].(string), bob["id"].(string)

	rosterJSON(t, env, &struct{}{}, "product", "create", "--org", fx.org, "--key", "wiki", "--name", "Wiki")
	var local struct{ ID string }
	rosterJSON(t, env, &local, "group", "create", "--org", fx.org, "--name", "Editors")
	rosterJSON(t, env, &struct{}{}, "group", "add-member", "--org", fx.org, "--group", local.ID, "--user", "ann@acme.test")
	rosterJSON(t, env, &struct{}{}, "access", "grant", "--org", fx.org, "--product", "wiki", "--group", local.ID)

	status, synced := okta.do("POST", "/Groups", `{"displayName":"editors","members":[{"value":"`+bobID+`"}]}`)
	if status != 201 {
		t.Fatalf("pushing a group named like a local one: %d %v", status, synced)
	}
	var conflicts []struct {
		Synced struct{ ID, DisplayName, DirectoryID string }
		Local  struct{ ID string }
	}
	rosterJSON(t, env, &conflicts, "group", "conflicts", "--org", fx.org)
	if len(conflicts) != 1 || conflicts[0].Synced.ID != synced["id"] || conflicts[0].Local.ID != local.ID || conflicts[0].Synced.DirectoryID != fx.dir.ID {
		t.Fatalf("conflicts = %+v", conflicts)
	}
	out, _, _ := runCLI(t, env, "group", "link", "--group", conflicts[0].Synced.ID) // as the README has it: the group names its organization
	if !strings.Contains(out, "Would gain access   1: bob@acme.test") || !strings.Contains(out, "Would lose it       1: ann@acme.test") || !strings.Contains(out, "Nothing changed yet") {
		t.Errorf("link preview:\n%s", out)
	}
	var linked struct {
		Linked     bool
		Gain, Lose []struct{ ID, UserName string }
	}
	rosterJSON(t, env, &linked, "group", "link", "--org", fx.org, "--group", conflicts[0].Synced.ID, "--yes")
	if !linked.Linked || len(linked.Gain) != 1 || linked.Gain[0].UserName != "bob@acme.test" || linked.Gain[0].ID != bobID {
		t.Errorf("link = %+v", linked)
	}
	var a struct{ Allowed bool }
	rosterJSON(t, env, &a, "access", "check", "--org", fx.org, "--product", "wiki", "--user", bobID)
	if !a.Allowed {
		t.Error("bob has no access after the link")
	}

	rosterJSON(t, env, &struct{}{}, "user", "unlink", "--org", fx.org, "--user", annID)
	if status, _ := okta.do("GET", "/Users/"+annID, ""); status != 404 {
		t.Errorf("the identity provider still sees an unlinked user: %d", status)
	}
	var shown struct{ DirectoryID string }
	rosterJSON(t, env, &shown, "user", "show", "--org", fx.org, "--user", annID)
	if shown.DirectoryID != "" {
		t.Errorf("the unlinked user still has directory %q", shown.DirectoryID)
	}
	if _, errOut, code := runCLI(t, env, "user", "unlink", "--org", fx.org, "--user", annID); code == 0 || !strings.Contains(errOut, "local already") {
		t.Errorf("unlinking twice: exit %d %q", code, errOut)
	}
}

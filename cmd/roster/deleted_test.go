package main

import (
	"strings"
	"testing"
)

// TestDeletedAndRestore: users and groups an identity provider deletes are
// listed by `roster directory deleted` and come back with `roster user
// restore` / `roster group restore`, memberships included; a restore over
// a userName provisioned again fails with restore_clash; `roster directory
// policy` shows and sets the policy.
func TestDeletedAndRestore(t *testing.T) {
	fx := serveDirectory(t, "Okta", "--domain-recheck", "0")
	env := fx.env
	okta := fx.scim
	_, dana := okta.do("POST", "/Users", `{"userName":"dana@acme.test"}`)
	_, eve := okta.do("POST", "/Users", `{"userName":"eve@acme.test"}`)
	danaID, eveID := dana["id"].(string), eve["id"].(string)
	status, grp := okta.do("POST", "/Groups", `{"displayName":"Design","members":[{"value":"`+danaID+`"},{"value":"`+eveID+`"}]}`)
	if status != 201 {
		t.Fatalf("create group: %d %v", status, grp)
	}
	grpID := grp["id"].(string)
	for _, p := range []string{"/Users/" + danaID, "/Users/" + eveID, "/Groups/" + grpID} {
		if status, _ := okta.do("DELETE", p, ""); status != 204 {
			t.Fatalf("DELETE %s: %d", p, status)
		}
	}

	var listed []struct{ ID, Type, Name string }
	rosterJSON(t, env, &listed, "directory", "deleted", "--directory", fx.dir.ID)
	if len(listed) != 3 {
		t.Fatalf("directory deleted listed %v, want 3", listed)
	}
	rosterJSON(t, env, &listed, "directory", "deleted", "--directory", fx.dir.ID, "--type", "groups")
	if len(listed) != 1 || listed[0].ID != grpID || listed[0].Name != "Design" {
		t.Errorf("deleted groups = %v", listed)
	}
	out, _, code := runCLI(t, env, "directory", "deleted", "--directory", fx.dir.ID)
	if code != 0 || !strings.Contains(out, "dana@acme.test") || !strings.Contains(out, "RESTORABLE UNTIL") {
		t.Errorf("directory deleted text: exit %d\n%s", code, out)
	}

	// The identity provider provisions dana again: her restore clashes.
	if status, _ := okta.do("POST", "/Users", `{"userName":"dana@acme.test"}`); status != 201 {
		t.Fatalf("re-provision dana: %d", status)
	}
	_, errOut, code := runCLI(t, env, "user", "restore", "--directory", fx.dir.ID, "--user", danaID)
	if code == 0 || !strings.Contains(errOut, "cannot be restored") {
		t.Errorf("restore over a re-provisioned userName: exit %d %q", code, errOut)
	}
	var res struct {
		Restored int
		Outcomes []struct{ ID, Reason string }
	}
	rosterJSON(t, env, &res, "group", "restore", "--directory", fx.dir.ID, "--group", grpID)
	rosterJSON(t, env, &res, "user", "restore", "--directory", fx.dir.ID, "--user", eveID)
	if res.Restored != 1 {
		t.Fatalf("user restore = %+v", res)
	}
	status, g := okta.do("GET", "/Groups/"+grpID, "")
	members, _ := g["members"].([]any)
	if status != 200 || len(members) != 1 || members[0].(map[string]any)["value"] != eveID {
		t.Errorf("restored Design over SCIM: %d %v; want eve as its only member", status, g)
	}
	// Several at once, one failing: each is reported, the exit is not 0.
	out, _, code = runCLI(t, env, "user", "restore", "--directory", fx.dir.ID, "--user", danaID+",nope")
	if code == 0 || !strings.Contains(out, "restore_clash") || !strings.Contains(out, "not_found") {
		t.Errorf("restore of two failing: exit %d\n%s", code, out)
	}

	var p struct {
		Retention   string
		MassPercent int
		MassMinimum int
	}
	rosterJSON(t, env, &p, "directory", "policy", "--directory", fx.dir.ID)
	if p.Retention != "30d" || p.MassPercent != 10 || p.MassMinimum != 10 {
		t.Errorf("default policy = %+v", p)
	}
	rosterJSON(t, env, &p, "directory", "policy", "--directory", fx.dir.ID, "--retention", "0", "--mass-threshold", "25%", "--mass-minimum", "3")
	if p.Retention != "0" || p.MassPercent != 25 || p.MassMinimum != 3 {
		t.Errorf("set policy = %+v", p)
	}
	if _, _, code := runCLI(t, env, "directory", "policy", "--directory", fx.dir.ID, "--retention", "forever"); code == 0 {
		t.Error("--retention forever accepted")
	}
	// Retention 0: a deletion is not kept.
	okta.do("DELETE", "/Users/"+eveID, "")
	rosterJSON(t, env, &listed, "directory", "deleted", "--directory", fx.dir.ID, "--type", "users")
	for _, l := range listed {
		if l.ID == eveID {
			t.Errorf("with retention 0, eve is still listed as restorable")
		}
	}
}

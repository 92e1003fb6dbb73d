package scimapi_test

// A directory's token opens that directory only. These tests attack one
// directory (the victim) from another (the attacker), in the same
// organization and in another one, through every endpoint and method, and
// then check through the victim's own token and the store that nothing of
// the victim was read or changed.

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/directories"
	"github.com/rosterhq/roster/scim"
)

func TestIsolation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	acme := f.newOrg("Acme")
	attacker := f.newDirectory(acme, "Entra ID")
	for _, c := range []struct {
		name   string
		victim *directory
	}{
		{"directory of the same organization", f.newDirectory(acme, "Okta")},
		{"directory of another organization", f.newDirectory(f.newOrg("Globex"), "Entra ID")},
	} {
		t.Run(c.name, func(t *testing.T) { testIsolation(t, attacker, c.victim) })
	}
}

// victimState is everything the victim can see of itself, plus its audit
// trail.
type victimState struct {
	user, group, users, groups, otherUser string
	events                                []roster.Event
}

func snapshot(t *testing.T, v *directory, userID, groupID, otherID string) victimState {
	t.Helper()
	s := victimState{
		user:      string(v.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK).Raw),
		otherUser: string(v.do(t, "GET", "/Users/"+otherID, nil).want(t, http.StatusOK).Raw),
		group:     string(v.do(t, "GET", "/Groups/"+groupID, nil).want(t, http.StatusOK).Raw),
		users:     string(v.do(t, "GET", "/Users?count=100", nil).want(t, http.StatusOK).Raw),
		groups:    string(v.do(t, "GET", "/Groups?count=100", nil).want(t, http.StatusOK).Raw),
	}
	all, err := v.f.store.ListEvents(bg, v.org.ID, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if e.DirectoryID == v.dir.ID {
			s.events = append(s.events, e)
		}
	}
	return s
}

func testIsolation(t *testing.T, a, v *directory) {
	userName := "victim-" + randomHex(4) + "@example.com"
	r := v.do(t, "POST", "/Users", map[string]any{
		"userName": userName, "displayName": "Victim", "externalId": "victim-ext",
		"emails": []any{map[string]any{"value": userName, "type": "work", "primary": true}},
	}).want(t, http.StatusCreated)
	vUser := r.id(t)
	vVersion := r.Header.Get("ETag")
	vOther := v.createUser(t, "victim-other-"+randomHex(4)+"@example.com")
	groupName := "Victims " + randomHex(4)
	vGroup := v.createGroup(t, groupName, vUser)
	gVersion := v.do(t, "GET", "/Groups/"+vGroup, nil).Header.Get("ETag")
	before := snapshot(t, v, vUser, vGroup, vOther)

	userBody := map[string]any{"schemas": []string{scim.UserSchema}, "userName": "intruder-" + randomHex(4) + "@example.com"}
	groupBody := map[string]any{"schemas": []string{scim.GroupSchema}, "displayName": "Intruders", "members": memberValues(vUser)}
	userPatch := patchOp(op("replace", "active", false), op("replace", "displayName", "pwned"))
	groupPatch := patchOp(op("add", "members", memberValues(vOther)), opRemove("remove", `members[value eq "`+vUser+`"]`))

	type call struct {
		method, path string
		body         any
		headers      []string
	}
	t.Run("attacker's token on the victim's URL is 401 everywhere", func(t *testing.T) {
		intruder := v.withToken(a.token)
		for _, c := range []call{
			{"GET", "/Users", nil, nil},
			{"GET", "/Users" + filterQ(`userName eq "`+userName+`"`), nil, nil},
			{"POST", "/Users", userBody, nil},
			{"GET", "/Users/" + vUser, nil, nil},
			{"GET", "/Users/" + vUser, nil, []string{"If-None-Match", vVersion}},
			{"PUT", "/Users/" + vUser, userBody, nil},
			{"PATCH", "/Users/" + vUser, userPatch, nil},
			{"DELETE", "/Users/" + vUser, nil, nil},
			{"DELETE", "/Users/" + vUser, nil, []string{"If-Match", vVersion}},
			{"GET", "/Groups", nil, nil},
			{"GET", "/Groups" + filterQ(`displayName eq "`+groupName+`"`, "excludedAttributes", "members"), nil, nil},
			{"POST", "/Groups", groupBody, nil},
			{"GET", "/Groups/" + vGroup, nil, nil},
			{"PUT", "/Groups/" + vGroup, groupBody, nil},
			{"PATCH", "/Groups/" + vGroup, groupPatch, nil},
			{"DELETE", "/Groups/" + vGroup, nil, nil},
			{"DELETE", "/Groups/" + vGroup, nil, []string{"If-Match", gVersion}},
			{"GET", "/ServiceProviderConfig", nil, nil},
			{"GET", "/ResourceTypes", nil, nil},
			{"GET", "/ResourceTypes/User", nil, nil},
			{"GET", "/Schemas", nil, nil},
			{"GET", "/Schemas/" + scim.UserSchema, nil, nil},
			{"GET", "/Bulk", nil, nil},
			{"DELETE", "/Users", nil, nil}, // 401 before 405
			{"POST", "/Users/" + vUser, userBody, nil},
		} {
			r := intruder.do(t, c.method, c.path, c.body, c.headers...)
			r.wantError(t, http.StatusUnauthorized, "")
			for _, secret := range []string{userName, vUser, vGroup, groupName} {
				if strings.Contains(string(r.Raw), secret) && !strings.Contains(c.path, secret) {
					t.Errorf("%s %s: the 401 leaks %q: %s", c.method, c.path, secret, r.Raw)
				}
			}
		}
	})

	t.Run("victim's IDs on the attacker's URL are 404", func(t *testing.T) {
		for _, c := range []call{
			{"GET", "/Users/" + vUser, nil, nil},
			{"GET", "/Users/" + vUser + "?attributes=userName", nil, nil},
			{"GET", "/Users/" + vUser, nil, []string{"If-None-Match", vVersion}},
			{"PUT", "/Users/" + vUser, userBody, nil},
			{"PUT", "/Users/" + vUser, userBody, []string{"If-Match", vVersion}},
			{"PATCH", "/Users/" + vUser, userPatch, nil},
			{"PATCH", "/Users/" + vUser, userPatch, []string{"If-Match", vVersion}},
			{"DELETE", "/Users/" + vUser, nil, nil},
			{"DELETE", "/Users/" + vUser, nil, []string{"If-Match", vVersion}},
			{"GET", "/Groups/" + vGroup, nil, nil},
			{"GET", "/Groups/" + vGroup + "?excludedAttributes=members", nil, nil},
			{"PUT", "/Groups/" + vGroup, map[string]any{"displayName": "renamed"}, nil},
			{"PATCH", "/Groups/" + vGroup, groupPatch, nil},
			{"PATCH", "/Groups/" + vGroup, patchOp(op("replace", "displayName", "renamed")), []string{"If-Match", gVersion}},
			{"DELETE", "/Groups/" + vGroup, nil, nil},
			{"DELETE", "/Groups/" + vGroup, nil, []string{"If-Match", gVersion}},
		} {
			a.do(t, c.method, c.path, c.body, c.headers...).wantError(t, http.StatusNotFound, "")
		}
		for _, c := range []struct{ endpoint, filter string }{
			{"/Users", `id eq "` + vUser + `"`},
			{"/Users", `userName eq "` + userName + `"`},
			{"/Users", `externalId eq "victim-ext"`},
			{"/Users", `emails[value eq "` + userName + `"]`},
			{"/Users", `groups.value eq "` + vGroup + `"`},
			{"/Groups", `id eq "` + vGroup + `"`},
			{"/Groups", `displayName eq "` + groupName + `"`},
			{"/Groups", `members.value eq "` + vUser + `"`},
		} {
			r := a.do(t, "GET", c.endpoint+filterQ(c.filter), nil)
			if res := r.list(t); len(res) != 0 || r.total() != 0 {
				t.Errorf("%s?filter=%s finds the victim's resources: %s", c.endpoint, c.filter, r.Raw)
			}
		}
		for _, endpoint := range []string{"/Users?count=1000", "/Groups?count=1000"} {
			r := a.do(t, "GET", endpoint, nil)
			for _, res := range r.list(t) {
				if id := str(res["id"]); id == vUser || id == vOther || id == vGroup {
					t.Errorf("%s lists the victim's %s", endpoint, id)
				}
			}
			if strings.Contains(string(r.Raw), userName) || strings.Contains(string(r.Raw), vUser) {
				t.Errorf("%s leaks the victim: %s", endpoint, r.Raw)
			}
		}
	})

	t.Run("victim's users cannot become members of the attacker's groups", func(t *testing.T) {
		aUser := a.createUser(t, "attacker-"+randomHex(4)+"@example.com")
		aGroup := a.createGroup(t, "Attackers "+randomHex(4), aUser)
		groupsBefore := a.do(t, "GET", "/Groups?count=1000", nil).total()
		// A lenient directory (the default) adds what exists of a PATCH's
		// members and ignores the rest: the victim's IDs are ignored, as
		// IDs of nothing are.
		for _, body := range []any{
			patchOp(op("add", "members", memberValues(vUser))),
			patchOp(op("Add", "members", memberValues(aUser, vOther))),
			patchOp(op("add", "members", memberValues(vGroup))),
		} {
			a.do(t, "PATCH", "/Groups/"+aGroup, body).want(t, http.StatusNoContent)
		}
		if got := a.members(t, aGroup); !slices.Equal(got, []string{aUser}) {
			t.Errorf("attacker's group members %v, want only %s", got, aUser)
		}
		// A strict directory refuses every one.
		if _, err := (&directories.Service{Store: a.f.store}).SetStrict(bg, a.org.ID, a.dir.ID, true); err != nil {
			t.Fatal(err)
		}
		defer (&directories.Service{Store: a.f.store}).SetStrict(bg, a.org.ID, a.dir.ID, false)
		for _, c := range []call{
			{"PATCH", "/Groups/" + aGroup, patchOp(op("add", "members", memberValues(vUser))), nil},
			{"PATCH", "/Groups/" + aGroup, patchOp(op("Add", "members", memberValues(aUser, vOther))), nil},
			{"PATCH", "/Groups/" + aGroup, patchOp(op("add", "members", memberValues(vGroup))), nil},
			{"PATCH", "/Groups/" + aGroup, patchOp(op("replace", "members", memberValues(vUser))), nil},
			{"PATCH", "/Groups/" + aGroup, patchOp(op("replace", "", map[string]any{"members": memberValues(vUser)})), nil},
			{"PUT", "/Groups/" + aGroup, map[string]any{"displayName": "Attackers", "members": memberValues(vUser)}, nil},
			{"POST", "/Groups", map[string]any{"displayName": "Attackers 2", "members": memberValues(vUser)}, nil},
			{"POST", "/Groups", map[string]any{"displayName": "Attackers 3", "members": memberValues(vGroup)}, nil},
		} {
			a.do(t, c.method, c.path, c.body, c.headers...).wantError(t, http.StatusBadRequest, "invalidValue")
		}
		// All or nothing: the attacker's own member stayed, nothing was added.
		if got := a.members(t, aGroup); !slices.Equal(got, []string{aUser}) {
			t.Errorf("attacker's group members %v, want only %s", got, aUser)
		}
		if n := a.do(t, "GET", "/Groups?count=1000", nil).total(); n != groupsBefore {
			t.Errorf("a refused POST /Groups created a group: %d -> %d", groupsBefore, n)
		}
		// Removing the victim's user from the attacker's group is a no-op
		// and touches nothing of the victim's.
		a.do(t, "PATCH", "/Groups/"+aGroup, patchOp(opRemove("remove", `members[value eq "`+vUser+`"]`))).want(t, http.StatusNoContent)
		a.do(t, "PATCH", "/Groups/"+aGroup, patchOp(op("remove", "members", memberValues(vUser)))).want(t, http.StatusNoContent)
		var inStore []string
		if err := a.f.store.ListMembers(bg, a.tenant, aGroup, func(m roster.Member) error {
			inStore = append(inStore, m.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(inStore, []string{aUser}) {
			t.Errorf("store: attacker's group has members %v", inStore)
		}
		refs, err := v.f.store.ListUserGroups(bg, v.tenant, []string{vUser, vOther})
		if err != nil {
			t.Fatal(err)
		}
		if len(refs[vUser]) != 1 || refs[vUser][0].ID != vGroup || len(refs[vOther]) != 0 {
			t.Errorf("store: victim's users belong to %v", refs)
		}
	})

	t.Run("userName uniqueness across directories", func(t *testing.T) {
		r := a.do(t, "POST", "/Users", map[string]any{"userName": strings.ToUpper(userName)})
		if a.org.ID == v.org.ID {
			// One organization: one user per userName, whichever
			// directory provisioned it.
			r.wantError(t, http.StatusConflict, "uniqueness")
		} else {
			r.want(t, http.StatusCreated)
			if r.id(t) == vUser {
				t.Errorf("the other organization's POST returned the victim's user")
			}
		}
	})

	t.Run("nothing of the victim was read or changed", func(t *testing.T) {
		after := snapshot(t, v, vUser, vGroup, vOther)
		for _, c := range []struct{ name, before, after string }{
			{"user", before.user, after.user},
			{"other user", before.otherUser, after.otherUser},
			{"group", before.group, after.group},
			{"user list", before.users, after.users},
			{"group list", before.groups, after.groups},
		} {
			if c.before != c.after {
				t.Errorf("the victim's %s changed:\nbefore %s\nafter  %s", c.name, c.before, c.after)
			}
		}
		if len(after.events) != len(before.events) {
			for _, e := range after.events[len(before.events):] {
				t.Errorf("new event in the victim's directory: %s %s by %s", e.Action, e.ResourceID, e.Actor)
			}
		}
		for _, e := range after.events {
			if e.Actor == "directory:"+a.dir.ID {
				t.Errorf("the attacker acted in the victim's directory: %+v", e)
			}
		}
		// And the victim's own token still works.
		if res := v.do(t, "GET", "/Users"+filterQ(`userName eq "`+userName+`"`), nil).list(t); len(res) != 1 || res[0]["id"] != vUser {
			t.Errorf("victim lookup: %v", res)
		}
	})
}

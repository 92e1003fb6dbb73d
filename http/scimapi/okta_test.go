package scimapi_test

// The requests below follow Okta's "SCIM 2.0 Protocol Reference"
// (developer.okta.com/docs/reference/scim/scim-20): lookups with
// filter=userName eq "..." and startIndex=1&count=100, POST /Users with a
// password and an empty groups array, PUT /Users/{id} carrying id, meta and
// groups, deactivation by a path-less PATCH, group push (POST with no
// members, then PATCHes of members), renames by a path-less replace that
// carries the id, and full membership pushes by replace.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster/scim"
)

const oktaContentType = "application/scim+json; charset=utf-8"

func TestOktaUserLifecycle(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	d.ua = "Okta SCIM Client 1.0.0"
	ct := func() []string { return []string{"Content-Type", oktaContentType} }

	userName := "test.user." + randomHex(4) + "@okta.local"
	const password = "1mz050nq"
	var userID, created, version string

	runSteps(t, []step{
		{"test connection and lookup of a user that does not exist", func(t *testing.T) {
			r := d.do(t, "GET", "/Users?startIndex=1&count=2", nil)
			r.list(t)
			r = d.do(t, "GET", "/Users"+filterQ(`userName eq "`+userName+`"`, "startIndex", "1", "count", "100"), nil)
			if res := r.list(t); len(res) != 0 || r.total() != 0 || num(r.Body["startIndex"]) != 1 || num(r.Body["itemsPerPage"]) != 0 {
				t.Errorf("want an empty page, got %s", r.Raw)
			}
		}},
		{"create user with a password", func(t *testing.T) {
			r := d.do(t, "POST", "/Users", map[string]any{
				"schemas":  []string{scim.UserSchema},
				"userName": userName,
				"name":     map[string]any{"givenName": "Test", "familyName": "User"},
				"emails": []any{map[string]any{
					"primary": true, "value": userName, "type": "work",
				}},
				"displayName": "Test User",
				"locale":      "en-US",
				"externalId":  "00ujl29u0le5T6Aj10h7",
				"groups":      []any{},
				"password":    password,
				"active":      true,
			}, ct()...).want(t, http.StatusCreated)
			userID = r.id(t)
			version = d.wantSingle(t, r, "User")
			created = str(get(r.Body, "meta", "created"))
			if r.Body["userName"] != userName || r.Body["displayName"] != "Test User" || r.Body["locale"] != "en-US" ||
				r.Body["externalId"] != "00ujl29u0le5T6Aj10h7" || r.Body["active"] != true {
				t.Errorf("created user: %s", r.Raw)
			}
			if strings.Contains(string(r.Raw), password) || r.Body["password"] != nil {
				t.Errorf("the password is returned: %s", r.Raw)
			}
		}},
		{"the password is never returned nor stored", func(t *testing.T) {
			for _, path := range []string{"/Users/" + userID, "/Users/" + userID + "?attributes=password", "/Users/" + userID + "?attributes=userName,password"} {
				r := d.do(t, "GET", path, nil).want(t, http.StatusOK)
				if strings.Contains(string(r.Raw), password) || r.Body["password"] != nil {
					t.Errorf("GET %s returns the password: %s", path, r.Raw)
				}
			}
			r := d.do(t, "GET", "/Users"+filterQ(`userName eq "`+userName+`"`, "startIndex", "1", "count", "100"), nil)
			if strings.Contains(string(r.Raw), password) {
				t.Errorf("the list returns the password: %s", r.Raw)
			}
			// Nobody may probe it with a filter either.
			d.do(t, "GET", "/Users"+filterQ(`password eq "`+password+`"`), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
			u, err := d.f.store.GetUser(bg, d.tenant, userID)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(u.Attributes), password) {
				t.Errorf("the store keeps the password: %s", u.Attributes)
			}
			events, err := d.f.store.ListEvents(bg, d.org.ID, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range events {
				if strings.Contains(e.Detail, password) {
					t.Errorf("event %s holds the password: %s", e.Action, e.Detail)
				}
			}
		}},
		{"lookup finds the user", func(t *testing.T) {
			r := d.do(t, "GET", "/Users"+filterQ(`userName eq "`+userName+`"`, "startIndex", "1", "count", "100"), nil)
			res := r.list(t)
			if len(res) != 1 || res[0]["id"] != userID || r.total() != 1 {
				t.Fatalf("lookup: %s", r.Raw)
			}
		}},
		{"update with PUT: full replace carrying id, meta and groups", func(t *testing.T) {
			d.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK)
			r := d.do(t, "PUT", "/Users/"+userID, map[string]any{
				"schemas":  []string{scim.UserSchema},
				"id":       userID,
				"userName": userName,
				"name":     map[string]any{"givenName": "Another", "middleName": "Excited", "familyName": "User"},
				"emails": []any{map[string]any{
					"primary": true, "value": userName, "type": "work", "display": userName,
				}},
				"active": true,
				"groups": []any{},
				"meta":   map[string]any{"resourceType": "User"},
			}, ct()...).want(t, http.StatusOK)
			v := d.wantSingle(t, r, "User")
			if v == version {
				t.Errorf("version unchanged after a change: %s", v)
			}
			version = v
			if r.id(t) != userID || get(r.Body, "meta", "created") != created {
				t.Errorf("PUT changed id or created: %s", r.Raw)
			}
			if get(r.Body, "name", "middleName") != "Excited" || get(r.Body, "name", "givenName") != "Another" {
				t.Errorf("name = %v", r.Body["name"])
			}
			if get(r.Body, "emails", 0, "display") != userName {
				t.Errorf("emails = %v", r.Body["emails"])
			}
			// A full replace drops what the body no longer has.
			for _, gone := range []string{"locale", "displayName", "externalId"} {
				if _, ok := r.Body[gone]; ok {
					t.Errorf("%s survived a PUT that did not carry it: %s", gone, r.Raw)
				}
			}
			g := d.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK)
			if get(g.Body, "name", "middleName") != "Excited" || g.Body["locale"] != nil {
				t.Errorf("GET after PUT: %s", g.Raw)
			}
		}},
		{"PUT ignores a different id and meta in the body", func(t *testing.T) {
			r := d.do(t, "PUT", "/Users/"+userID, map[string]any{
				"schemas":  []string{scim.UserSchema},
				"id":       "not-" + userID,
				"userName": userName,
				"name":     map[string]any{"givenName": "Another", "middleName": "Excited", "familyName": "User"},
				"emails":   []any{map[string]any{"primary": true, "value": userName, "type": "work", "display": userName}},
				"active":   true,
				"groups":   []any{map[string]any{"value": "some-group", "display": "ignored"}},
				"meta":     map[string]any{"resourceType": "User", "version": `W/"999"`, "created": "2001-01-01T00:00:00Z"},
			}, ct()...).want(t, http.StatusOK)
			if r.id(t) != userID || get(r.Body, "meta", "created") != created || get(r.Body, "meta", "version") == `W/"999"` {
				t.Errorf("read-only attributes taken from the body: %s", r.Raw)
			}
			if gs, _ := r.Body["groups"].([]any); len(gs) != 0 {
				t.Errorf("groups taken from the body: %v", gs)
			}
			if r.Header.Get("ETag") != version {
				t.Errorf("an identical PUT changed the version: %s -> %s", version, r.Header.Get("ETag"))
			}
		}},
		{"deactivate with a path-less PATCH", func(t *testing.T) {
			r := d.do(t, "PATCH", "/Users/"+userID, map[string]any{
				"schemas":    []string{scim.PatchOpSchema},
				"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}},
			}, ct()...).want(t, http.StatusOK)
			if r.Body["active"] != false || get(r.Body, "name", "middleName") != "Excited" {
				t.Errorf("after deactivation: %s", r.Raw)
			}
			version = d.wantSingle(t, r, "User")
			if u, _ := d.f.store.GetUser(bg, d.tenant, userID); u == nil || u.Active {
				t.Errorf("store still has the user active")
			}
		}},
		{"password sync is accepted and not kept", func(t *testing.T) {
			const next = "n3wPassw0rd!"
			r := d.do(t, "PATCH", "/Users/"+userID, patchOp(op("replace", "", map[string]any{"password": next})), ct()...).want(t, http.StatusOK)
			if strings.Contains(string(r.Raw), next) {
				t.Errorf("password returned: %s", r.Raw)
			}
			if u, _ := d.f.store.GetUser(bg, d.tenant, userID); u == nil || strings.Contains(string(u.Attributes), next) {
				t.Errorf("password stored")
			}
		}},
		{"reactivate", func(t *testing.T) {
			r := d.do(t, "PATCH", "/Users/"+userID, patchOp(op("replace", "", map[string]any{"active": true})), ct()...).want(t, http.StatusOK)
			if r.Body["active"] != true {
				t.Errorf("active = %v", r.Body["active"])
			}
		}},
		{"deactivate with PUT (App Integration Wizard apps)", func(t *testing.T) {
			r := d.do(t, "PUT", "/Users/"+userID, map[string]any{
				"schemas": []string{scim.UserSchema}, "id": userID, "userName": userName, "active": false,
			}, ct()...).want(t, http.StatusOK)
			if r.Body["active"] != false {
				t.Errorf("active = %v", r.Body["active"])
			}
		}},
	})
}

func TestOktaGroupPush(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	d.ua = "Okta SCIM Client 1.0.0"
	ct := []string{"Content-Type", oktaContentType}

	var u []string
	for i := 0; i < 4; i++ {
		u = append(u, d.createUser(t, fmt.Sprintf("user%d.%s@okta.local", i, randomHex(3))))
	}
	var groupID string
	name := "Test SCIMv2"

	runSteps(t, []step{
		{"push group with no members", func(t *testing.T) {
			r := d.do(t, "POST", "/Groups", map[string]any{
				"schemas":     []string{scim.GroupSchema},
				"displayName": name,
				"members":     []any{},
			}, ct...).want(t, http.StatusCreated)
			groupID = r.id(t)
			d.wantSingle(t, r, "Group")
			if r.Body["displayName"] != name {
				t.Errorf("displayName %v", r.Body["displayName"])
			}
			if m, _ := r.Body["members"].([]any); len(m) != 0 {
				t.Errorf("members %v", m)
			}
		}},
		{"add members", func(t *testing.T) {
			d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("add", "members", []any{
				map[string]any{"value": u[0], "display": "user0@okta.local"},
				map[string]any{"value": u[1], "display": "user1@okta.local"},
			})), ct...).want(t, http.StatusNoContent)
			if got := d.members(t, groupID); !sameSet(got, []string{u[0], u[1]}) {
				t.Errorf("members %v", got)
			}
		}},
		{"remove a member", func(t *testing.T) {
			d.do(t, "PATCH", "/Groups/"+groupID, patchOp(opRemove("remove", `members[value eq "`+u[1]+`"]`)), ct...).want(t, http.StatusNoContent)
			if got := d.members(t, groupID); !sameSet(got, []string{u[0]}) {
				t.Errorf("members %v", got)
			}
		}},
		{"remove and add in one request", func(t *testing.T) {
			d.do(t, "PATCH", "/Groups/"+groupID, patchOp(
				opRemove("remove", `members[value eq "`+u[0]+`"]`),
				op("add", "members", []any{map[string]any{"value": u[2], "display": "user2@okta.local"}}),
			), ct...).want(t, http.StatusNoContent)
			if got := d.members(t, groupID); !sameSet(got, []string{u[2]}) {
				t.Errorf("members %v, want [%s]", got, u[2])
			}
			// Order matters: removing what the same request added.
			d.do(t, "PATCH", "/Groups/"+groupID, patchOp(
				op("add", "members", []any{map[string]any{"value": u[3]}}),
				opRemove("remove", `members[value eq "`+u[3]+`"]`),
			), ct...).want(t, http.StatusNoContent)
			if got := d.members(t, groupID); !sameSet(got, []string{u[2]}) {
				t.Errorf("add then remove of one member left %v", got)
			}
		}},
		{"rename with a path-less replace carrying the id", func(t *testing.T) {
			before := d.do(t, "GET", "/Groups/"+groupID, nil).want(t, http.StatusOK)
			name = "Test SCIMv20"
			r := d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("replace", "", map[string]any{
				"id": groupID, "displayName": name,
			})), ct...).want(t, http.StatusNoContent)
			if r.Header.Get("ETag") == before.Header.Get("ETag") {
				t.Errorf("ETag unchanged by a rename")
			}
			g := d.do(t, "GET", "/Groups/"+groupID, nil).want(t, http.StatusOK)
			if g.Body["displayName"] != name || g.id(t) != groupID {
				t.Errorf("after rename: %s", g.Raw)
			}
			if got := ids(g.Body["members"], "value"); !sameSet(got, []string{u[2]}) {
				t.Errorf("rename changed members: %v", got)
			}
			// Okta sends the rename with every membership update: an
			// unchanged name is not a change.
			again := d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("replace", "", map[string]any{
				"id": groupID, "displayName": name,
			})), ct...).want(t, http.StatusNoContent)
			if again.Header.Get("ETag") != r.Header.Get("ETag") {
				t.Errorf("a no-op rename changed the version: %s -> %s", r.Header.Get("ETag"), again.Header.Get("ETag"))
			}
		}},
		{"PATCH returns the group when the client asks for attributes", func(t *testing.T) {
			r := d.do(t, "PATCH", "/Groups/"+groupID+"?attributes=displayName", patchOp(op("replace", "", map[string]any{"displayName": name})), ct...).want(t, http.StatusOK)
			if r.Body["displayName"] != name || r.Body["members"] != nil {
				t.Errorf("projected PATCH response: %s", r.Raw)
			}
		}},
		{"replace all members", func(t *testing.T) {
			d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("replace", "members", []any{
				map[string]any{"value": u[0], "display": "user0@okta.local"},
				map[string]any{"value": u[3], "display": "user3@okta.local"},
			})), ct...).want(t, http.StatusNoContent)
			if got := d.members(t, groupID); !sameSet(got, []string{u[0], u[3]}) {
				t.Errorf("members %v, want %v", got, []string{u[0], u[3]})
			}
			for i, id := range u {
				r := d.do(t, "GET", "/Users/"+id, nil).want(t, http.StatusOK)
				in := slices.Contains(ids(r.Body["groups"], "value"), groupID)
				if in != (i == 0 || i == 3) {
					t.Errorf("user %d lists the group: %v", i, in)
				}
			}
		}},
		{"replace members with an empty list", func(t *testing.T) {
			d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("replace", "members", []any{})), ct...).want(t, http.StatusNoContent)
			if got := d.members(t, groupID); len(got) != 0 {
				t.Errorf("members %v, want none", got)
			}
		}},
		{"PUT group (App Integration Wizard apps)", func(t *testing.T) {
			name = "Test SCIMv2 (PUT)"
			r := d.do(t, "PUT", "/Groups/"+groupID, map[string]any{
				"schemas":     []string{scim.GroupSchema},
				"id":          groupID,
				"displayName": name,
				"members":     []any{map[string]any{"value": u[1], "display": "user1@okta.local"}},
			}, ct...).want(t, http.StatusOK)
			d.wantSingle(t, r, "Group")
			if r.Body["displayName"] != name || !sameSet(ids(r.Body["members"], "value"), []string{u[1]}) {
				t.Errorf("after PUT: %s", r.Raw)
			}
		}},
		{"unlink and delete the pushed group", func(t *testing.T) {
			d.do(t, "DELETE", "/Groups/"+groupID, nil).want(t, http.StatusNoContent)
			d.do(t, "GET", "/Groups/"+groupID, nil).wantError(t, http.StatusNotFound, "")
			d.do(t, "GET", "/Users/"+u[1], nil).want(t, http.StatusOK)
		}},
	})
}

// TestOktaImportPaging replays Okta's imports: GET /Users and GET /Groups
// page by page with startIndex and count. The pages must not overlap, must
// cover everything, and must come in the same order every time.
func TestOktaImportPaging(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	var users, groups []string
	for i := 0; i < 7; i++ {
		users = append(users, d.createUser(t, fmt.Sprintf("import%d.%s@okta.local", i, randomHex(3))))
	}
	for i := 0; i < 5; i++ {
		groups = append(groups, d.createGroup(t, fmt.Sprintf("Import group %d", i), users[i]))
	}
	for _, c := range []struct {
		endpoint string
		all      []string
	}{{"/Users", users}, {"/Groups", groups}} {
		t.Run(c.endpoint, func(t *testing.T) {
			var seen []string
			var pages [][]string
			for start := 1; start <= len(c.all); start += 2 {
				r := d.do(t, "GET", fmt.Sprintf("%s?startIndex=%d&count=2", c.endpoint, start), nil)
				res := r.list(t)
				if r.total() != len(c.all) || num(r.Body["startIndex"]) != start {
					t.Errorf("page at %d: totalResults %d startIndex %v", start, r.total(), r.Body["startIndex"])
				}
				if want := min(2, len(c.all)-start+1); len(res) != want {
					t.Errorf("page at %d has %d resources, want %d", start, len(res), want)
				}
				var page []string
				for _, e := range res {
					page = append(page, str(e["id"]))
				}
				pages = append(pages, page)
				seen = append(seen, page...)
			}
			if !sameSet(seen, c.all) || len(seen) != len(c.all) {
				t.Errorf("pages %v do not cover %v exactly once", pages, c.all)
			}
			// The same page twice comes back in the same order.
			again := d.do(t, "GET", c.endpoint+"?startIndex=1&count=2", nil).list(t)
			if len(again) != len(pages[0]) || str(again[0]["id"]) != pages[0][0] || str(again[1]["id"]) != pages[0][1] {
				t.Errorf("first page changed order: %v then %v", pages[0], ids(again, "id"))
			}
			// Beyond the end: an empty page, the total still right.
			r := d.do(t, "GET", fmt.Sprintf("%s?startIndex=%d&count=100", c.endpoint, len(c.all)+1), nil)
			if res := r.list(t); len(res) != 0 || r.total() != len(c.all) {
				t.Errorf("past the end: %s", r.Raw)
			}
			// One big page has everything.
			r = d.do(t, "GET", c.endpoint+"?startIndex=1&count=100", nil)
			if got := ids(r.list(t), "id"); !sameSet(got, c.all) {
				t.Errorf("count=100 returned %v", got)
			}
		})
	}
	// Groups listed with their members, as an import reads them.
	r := d.do(t, "GET", "/Groups?startIndex=1&count=100", nil)
	for _, g := range r.list(t) {
		i := slices.Index(groups, str(g["id"]))
		if got := ids(g["members"], "value"); i < 0 || !sameSet(got, []string{users[i]}) {
			t.Errorf("group %v members %v", g["displayName"], got)
		}
	}
}

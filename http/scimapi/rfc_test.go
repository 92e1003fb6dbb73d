package scimapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Tests of the parts of RFC 7644 and RFC 9865 that identity providers use
// least: cursor pagination, POST /.search and /Bulk.

func TestCursorPagination(t *testing.T) {
	d := newDir(t)
	var created []string
	for i := 0; i < 23; i++ {
		created = append(created, d.createUser(t, fmt.Sprintf("cursor%02d@acme.test", i)))
	}
	spc := d.do(t, "GET", "/ServiceProviderConfig", nil).want(t, 200)
	if get(spc.Body, "pagination", "cursor") != true || get(spc.Body, "pagination", "index") != true {
		t.Errorf("ServiceProviderConfig pagination = %v", spc.Body["pagination"])
	}

	// Walk forwards with count 5, deleting and creating users meanwhile.
	var seen []string
	deleted := map[string]bool{}
	path := "/Users?cursor&count=5&attributes=userName"
	for page := 0; ; page++ {
		r := d.do(t, "GET", path, nil).want(t, 200)
		if _, has := r.Body["startIndex"]; has {
			t.Errorf("a cursor page carries startIndex")
		}
		if r.total() != 23 {
			t.Errorf("page %d: totalResults %v, want 23 (counted when the walk began)", page, r.Body["totalResults"])
		}
		res, _ := r.Body["Resources"].([]any)
		if num(r.Body["itemsPerPage"]) != len(res) {
			t.Errorf("page %d: itemsPerPage %v for %d resources", page, r.Body["itemsPerPage"], len(res))
		}
		for _, u := range res {
			seen = append(seen, str(get(u, "id")))
		}
		if page == 0 {
			if _, has := r.Body["previousCursor"]; has {
				t.Error("the first page has a previousCursor")
			}
			// Meanwhile: one user ahead of the walk goes, a new one comes.
			d.do(t, "DELETE", "/Users/"+created[20], nil).want(t, 204)
			deleted[created[20]] = true
			d.createUser(t, "late@acme.test")
		} else if str(r.Body["previousCursor"]) == "" {
			t.Errorf("page %d has no previousCursor", page)
		}
		next := str(r.Body["nextCursor"])
		if next == "" {
			break
		}
		if strings.Trim(next, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") != "" {
			t.Errorf("nextCursor %q has characters outside RFC 3986's unreserved set", next)
		}
		if page > 10 {
			t.Fatal("the walk does not end")
		}
		path = "/Users?count=5&attributes=userName&cursor=" + url.QueryEscape(next)
	}
	for _, id := range created {
		n := 0
		for _, s := range seen {
			if s == id {
				n++
			}
		}
		if !deleted[id] && n != 1 {
			t.Errorf("user %s seen %d times", id, n)
		}
	}

	// A cursor belongs to its query; garbage is refused.
	first := d.do(t, "GET", "/Users?cursor=&count=2", nil).want(t, 200)
	next := str(first.Body["nextCursor"])
	d.do(t, "GET", "/Users?count=2&cursor="+next+"&filter="+url.QueryEscape(`userName sw "c"`), nil).wantError(t, 400, "invalidCursor")
	d.do(t, "GET", "/Users?cursor=not-a-cursor", nil).wantError(t, 400, "invalidCursor")
	d.do(t, "GET", "/Users?cursor=&sortBy=userName", nil).wantError(t, 400, "invalidValue")
	d.do(t, "GET", "/Users?cursor=&startIndex=3", nil).wantError(t, 400, "invalidValue")
	d.do(t, "GET", "/Users?cursor=&count=0", nil).wantError(t, 400, "invalidCount")

	// previousCursor leads back to the page before.
	second := d.do(t, "GET", "/Users?count=2&cursor="+next, nil).want(t, 200)
	back := d.do(t, "GET", "/Users?count=2&cursor="+str(second.Body["previousCursor"]), nil).want(t, 200)
	if got, want := ids(back.Body["Resources"], "id"), ids(first.Body["Resources"], "id"); !slices.Equal(got, want) {
		t.Errorf("previousCursor page = %v, want the first page %v", got, want)
	}
}

func TestSearch(t *testing.T) {
	d := newDir(t)
	alice := d.createUser(t, "alice@acme.test")
	d.createUser(t, "bob@acme.test")
	team := d.createGroup(t, "Alpha team", alice)
	d.createGroup(t, "Beta team")

	r := d.do(t, "POST", "/Users/.search", map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
		"filter":     `userName sw "ali"`,
		"attributes": []string{"userName", "groups"},
		"startIndex": 1, "count": 10,
	})
	users := r.list(t)
	if len(users) != 1 || users[0]["userName"] != "alice@acme.test" || users[0]["displayName"] != nil || len(get(users[0], "groups").([]any)) != 1 {
		t.Errorf("/Users/.search = %v", users)
	}
	groups := d.do(t, "POST", "/Groups/.search", map[string]any{"filter": `displayName ew "team"`, "sortBy": "displayName", "sortOrder": "descending", "excludedAttributes": []string{"members"}}).list(t)
	if len(groups) != 2 || groups[0]["displayName"] != "Beta team" || groups[1]["members"] != nil {
		t.Errorf("/Groups/.search = %v", groups)
	}

	// At the root: users, then groups, paged as one list.
	all := d.do(t, "POST", "/.search", map[string]any{"count": 3})
	list := all.list(t)
	if all.total() != 4 || len(list) != 3 || get(list[2], "meta", "resourceType") != "Group" || get(list[0], "meta", "resourceType") != "User" {
		t.Errorf("root search page 1 = total %d, %v", all.total(), list)
	}
	rest := d.do(t, "POST", "/.search", map[string]any{"startIndex": 4, "count": 3}).list(t)
	if len(rest) != 1 || get(rest[0], "meta", "resourceType") != "Group" {
		t.Errorf("root search page 2 = %v", rest)
	}
	// A filter only groups have selects groups only.
	byName := d.do(t, "POST", "/.search", map[string]any{"filter": `displayName eq "Alpha team"`}).list(t)
	if len(byName) != 1 || byName[0]["id"] != team {
		t.Errorf("root search by displayName = %v", byName)
	}
	d.do(t, "POST", "/.search", map[string]any{"filter": `nosuch eq "x"`}).wantError(t, 400, "invalidFilter")
	d.do(t, "POST", "/Users/.search", map[string]any{"filter": 3}).wantError(t, 400, "invalidValue")
	d.do(t, "POST", "/Users/.search", map[string]any{"bogus": true}).wantError(t, 400, "invalidSyntax")
}

func TestBulk(t *testing.T) {
	d := newDir(t)
	existing := d.createUser(t, "existing@acme.test")
	r := d.do(t, "POST", "/Bulk", map[string]any{
		"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"},
		"failOnErrors": 10,
		"Operations": []any{
			// A group that refers forward to users created later in the request.
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g1", "data": map[string]any{
				"displayName": "Bulk team",
				"members":     []any{map[string]any{"value": "bulkId:u1"}, map[string]any{"value": "bulkId:u2"}, map[string]any{"value": existing}},
			}},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "u1", "data": map[string]any{"userName": "u1@acme.test"}},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "u2", "data": map[string]any{"userName": "u2@acme.test"}},
			map[string]any{"method": "PATCH", "path": "/Users/bulkId:u1", "data": map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "Lead"}}}},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "dup", "data": map[string]any{"userName": "EXISTING@acme.test"}},
			// Two operations that wait for each other.
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "a", "data": map[string]any{"displayName": "A", "members": []any{map[string]any{"value": "bulkId:b"}}}},
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "b", "data": map[string]any{"displayName": "B", "members": []any{map[string]any{"value": "bulkId:a"}}}},
			map[string]any{"method": "DELETE", "path": "/Users/" + existing, "version": `W/"999"`},
		},
	}).want(t, http.StatusOK)
	ops, _ := r.Body["Operations"].([]any)
	status := map[string]string{}
	for i, o := range ops {
		key := str(get(o, "bulkId"))
		if key == "" {
			key = fmt.Sprintf("%s#%d", str(get(o, "method")), i)
		}
		status[key] = str(get(o, "status"))
	}
	want := map[string]string{"g1": "201", "u1": "201", "u2": "201", "PATCH#3": "200", "dup": "409", "a": "409", "b": "409", "DELETE#7": "412"}
	for k, v := range want {
		if status[k] != v {
			t.Errorf("operation %s: status %q, want %s (all: %v)", k, status[k], v, status)
		}
	}
	var groupLoc string
	for _, o := range ops {
		if str(get(o, "bulkId")) == "g1" {
			groupLoc = str(get(o, "location"))
			if !strings.HasPrefix(str(get(o, "version")), `W/"`) {
				t.Errorf("g1 has no version: %v", o)
			}
		}
		if str(get(o, "bulkId")) == "dup" && get(o, "response", "scimType") != "uniqueness" {
			t.Errorf("the failed create carries no SCIM error: %v", o)
		}
	}
	g := d.do(t, "GET", strings.TrimPrefix(groupLoc, d.base), nil).want(t, 200)
	if n := len(g.Body["members"].([]any)); n != 3 {
		t.Errorf("the group created by bulk has %d members, want 3 (two by forward bulkId references)", n)
	}
	u1 := d.do(t, "GET", "/Users"+filterQ(`userName eq "u1@acme.test"`), nil).list(t)
	if len(u1) != 1 || u1[0]["title"] != "Lead" {
		t.Errorf("the PATCH by bulkId did not apply: %v", u1)
	}

	// failOnErrors stops the request after that many errors.
	r = d.do(t, "POST", "/Bulk", map[string]any{"failOnErrors": 1, "Operations": []any{
		map[string]any{"method": "POST", "path": "/Users", "bulkId": "x", "data": map[string]any{"userName": "u1@acme.test"}},
		map[string]any{"method": "POST", "path": "/Users", "bulkId": "y", "data": map[string]any{"userName": "never@acme.test"}},
	}}).want(t, 200)
	if ops, _ := r.Body["Operations"].([]any); len(ops) != 1 {
		t.Errorf("failOnErrors 1: %d operations answered, want 1", len(ops))
	}
	if n := d.do(t, "GET", "/Users"+filterQ(`userName eq "never@acme.test"`), nil).list(t); len(n) != 0 {
		t.Error("an operation after failOnErrors was reached ran anyway")
	}

	// Limits and shape.
	many := make([]any, 1001)
	for i := range many {
		many[i] = map[string]any{"method": "DELETE", "path": "/Users/x"}
	}
	d.do(t, "POST", "/Bulk", map[string]any{"Operations": many}).wantError(t, http.StatusRequestEntityTooLarge, "tooMany")
	d.do(t, "POST", "/Bulk", map[string]any{"Operations": []any{map[string]any{"method": "POST", "path": "/Users", "data": map[string]any{"userName": "nobulkid"}}}}).wantError(t, 400, "invalidValue")
	d.do(t, "POST", "/Bulk", map[string]any{"Operations": []any{map[string]any{"method": "GET", "path": "/Users"}}}).wantError(t, 400, "invalidValue")
	big := strings.Repeat("x", 5<<20)
	d.do(t, "POST", "/Bulk", `{"Operations":[{"method":"POST","path":"/Users","bulkId":"b","data":{"userName":"`+big+`"}}]}`).wantError(t, http.StatusRequestEntityTooLarge, "")
	spc := d.do(t, "GET", "/ServiceProviderConfig", nil).want(t, 200)
	if get(spc.Body, "bulk", "supported") != true || num(get(spc.Body, "bulk", "maxOperations")) != 1000 || num(get(spc.Body, "bulk", "maxPayloadSize")) != 4<<20 {
		t.Errorf("ServiceProviderConfig bulk = %v", spc.Body["bulk"])
	}
}

// TestGroupPutKeepsMembersUnlessGiven: a PUT that renames a group without
// listing members must not empty it; an explicit empty list does.
func TestGroupPutKeepsMembersUnlessGiven(t *testing.T) {
	d := newDir(t)
	u := d.createUser(t, "m@acme.test")
	g := d.createGroup(t, "Team", u)
	d.do(t, "PUT", "/Groups/"+g, map[string]any{"displayName": "Renamed team"}).want(t, 200)
	if got := d.members(t, g); !slices.Equal(got, []string{u}) {
		t.Errorf("after a PUT without members: %v, want [%s]", got, u)
	}
	d.do(t, "PUT", "/Groups/"+g, map[string]any{"displayName": "Renamed team", "members": []any{}}).want(t, 200)
	if got := d.members(t, g); len(got) != 0 {
		t.Errorf(`after a PUT with "members": []: %v, want none`, got)
	}
}

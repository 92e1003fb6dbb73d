package scimapi_test

// Every client error is a SCIM error (RFC 7644 §3.12) with the right HTTP
// status and scimType, and none is a 500.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/directories"
	"github.com/rosterhq/roster/http/scimapi"
	"github.com/rosterhq/roster/scim"
)

func TestBodyErrors(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	// Strict, so that unknown attributes are refused as well; a lenient
	// directory drops them (TestUnknownAttributesDroppedWithWarning).
	if _, err := (&directories.Service{Store: d.f.store}).SetStrict(bg, d.org.ID, d.dir.ID, true); err != nil {
		t.Fatal(err)
	}
	userID := d.createUser(t, "body@example.com")
	groupID := d.createGroup(t, "Body")
	big := `{"schemas":["` + scim.UserSchema + `"],"userName":"` + strings.Repeat("a", scimapi.DefaultMaxBodyBytes) + `"}`
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)

	cases := []struct {
		name     string
		method   string
		path     string
		body     any
		headers  []string
		status   int
		scimType string
	}{
		{"malformed JSON", "POST", "/Users", `{"userName": "x",`, nil, 400, "invalidSyntax"},
		{"malformed JSON in PATCH", "PATCH", "/Users/" + userID, `{"Operations": [}`, nil, 400, "invalidSyntax"},
		{"malformed JSON in PUT", "PUT", "/Groups/" + groupID, `not json`, nil, 400, "invalidSyntax"},
		{"empty body", "POST", "/Users", ``, nil, 400, "invalidSyntax"},
		{"array body", "POST", "/Users", `[{"userName":"x"}]`, nil, 400, "invalidSyntax"},
		{"trailing data", "POST", "/Users", `{"userName":"x"} {"userName":"y"}`, nil, 400, "invalidSyntax"},
		{"too deep", "POST", "/Users", `{"a":` + deep + `}`, nil, 400, "invalidSyntax"},
		{"invalid UTF-8", "POST", "/Users", []byte("{\"userName\":\"a\xff\xfeb\"}"), nil, 400, "invalidSyntax"},
		{"body too large", "POST", "/Users", big, nil, 413, ""},
		{"body too large in PATCH", "PATCH", "/Users/" + userID, big, nil, 413, ""},
		{"text/plain", "POST", "/Users", `{"userName":"ct@example.com"}`, []string{"Content-Type", "text/plain"}, 415, ""},
		{"form", "PATCH", "/Groups/" + groupID, `a=b`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, ""},
		{"unparsable Content-Type", "POST", "/Users", `{"userName":"ct@example.com"}`, []string{"Content-Type", "application/json; ;="}, 415, ""},
		{"unknown attribute", "POST", "/Users", map[string]any{"userName": "u1@example.com", "favouriteColour": "blue"}, nil, 400, "invalidSyntax"},
		{"unknown sub-attribute", "POST", "/Users", map[string]any{"userName": "u2@example.com", "name": map[string]any{"nick": "x"}}, nil, 400, "invalidSyntax"},
		{"unknown enterprise attribute", "POST", "/Users", map[string]any{"userName": "u3@example.com", scim.EnterpriseUserSchema: map[string]any{"shoeSize": "9"}}, nil, 400, "invalidSyntax"},
		{"unknown group attribute", "PUT", "/Groups/" + groupID, map[string]any{"displayName": "x", "owner": "me"}, nil, 400, "invalidSyntax"},
		{"boolean that is not one", "POST", "/Users", map[string]any{"userName": "u4@example.com", "active": "maybe"}, nil, 400, "invalidValue"},
		{"userName not a string", "POST", "/Users", map[string]any{"userName": true}, nil, 400, "invalidValue"},
		{"name not an object", "POST", "/Users", map[string]any{"userName": "u5@example.com", "name": "John Smith"}, nil, 400, "invalidValue"},
		{"two values for a single-valued attribute", "POST", "/Users", map[string]any{"userName": "u6@example.com", "displayName": []any{"a", "b"}}, nil, 400, "invalidValue"},
		{"two primary emails", "POST", "/Users", map[string]any{"userName": "u7@example.com", "emails": []any{
			map[string]any{"value": "a@example.com", "primary": true}, map[string]any{"value": "b@example.com", "primary": true}}}, nil, 400, "invalidValue"},
		{"userName missing", "POST", "/Users", map[string]any{"displayName": "No Name"}, nil, 400, "invalidValue"},
		{"userName blank", "PUT", "/Users/" + userID, map[string]any{"userName": "  "}, nil, 400, "invalidValue"},
		{"displayName missing", "POST", "/Groups", map[string]any{"members": []any{}}, nil, 400, "invalidValue"},
		{"member that does not exist", "POST", "/Groups", map[string]any{"displayName": "G", "members": memberValues(guid())}, nil, 400, "invalidValue"},
		{"schemas not an array", "POST", "/Users", map[string]any{"userName": "u8@example.com", "schemas": scim.UserSchema}, nil, 400, "invalidSyntax"},
		{"PATCH without Operations", "PATCH", "/Users/" + userID, map[string]any{"schemas": []string{scim.PatchOpSchema}}, nil, 400, "invalidSyntax"},
		{"PATCH with empty Operations", "PATCH", "/Users/" + userID, patchOp(), nil, 400, "invalidSyntax"},
		{"PATCH with a resource instead of operations", "PATCH", "/Users/" + userID, map[string]any{"userName": "x"}, nil, 400, "invalidSyntax"},
		{"unknown PATCH op", "PATCH", "/Users/" + userID, patchOp(op("move", "title", "x")), nil, 400, "invalidSyntax"},
		{"PATCH op missing", "PATCH", "/Groups/" + groupID, patchOp(map[string]any{"path": "displayName", "value": "x"}), nil, 400, "invalidSyntax"},
		{"PATCH path not a string", "PATCH", "/Users/" + userID, patchOp(map[string]any{"op": "replace", "path": 7, "value": "x"}), nil, 400, "invalidPath"},
		{"PATCH invalid path syntax", "PATCH", "/Users/" + userID, patchOp(op("replace", `emails[type eq "work"`, "x")), nil, 400, "invalidPath"},
		{"PATCH path to an unknown attribute", "PATCH", "/Users/" + userID, patchOp(op("replace", "favouriteColour", "x")), nil, 400, "invalidPath"},
		{"PATCH path to an unknown sub-attribute", "PATCH", "/Users/" + userID, patchOp(op("replace", "name.nick", "x")), nil, 400, "invalidPath"},
		{"PATCH filter on a single-valued attribute", "PATCH", "/Users/" + userID, patchOp(op("replace", `userName[value eq "x"]`, "x")), nil, 400, "invalidPath"},
		{"PATCH remove without path", "PATCH", "/Users/" + userID, patchOp(map[string]any{"op": "remove"}), nil, 400, "noTarget"},
		{"PATCH remove without path on a group", "PATCH", "/Groups/" + groupID, patchOp(map[string]any{"op": "Remove", "value": memberValues(userID)}), nil, 400, "noTarget"},
		{"PATCH read-only id", "PATCH", "/Users/" + userID, patchOp(op("replace", "id", "other")), nil, 400, "mutability"},
		{"PATCH read-only meta", "PATCH", "/Users/" + userID, patchOp(op("replace", "meta.created", "2001-01-01T00:00:00Z")), nil, 400, "mutability"},
		{"PATCH read-only groups", "PATCH", "/Users/" + userID, patchOp(op("add", "groups", memberValues(groupID))), nil, 400, "mutability"},
		{"PATCH read-only group id", "PATCH", "/Groups/" + groupID, patchOp(op("replace", "id", "other")), nil, 400, "mutability"},
		{"PATCH remove a required attribute", "PATCH", "/Users/" + userID, patchOp(opRemove("remove", "userName")), nil, 400, "invalidValue"},
		{"PATCH wrong value type", "PATCH", "/Users/" + userID, patchOp(op("replace", "active", "perhaps")), nil, 400, "invalidValue"},
		{"PATCH path-less value not an object", "PATCH", "/Users/" + userID, patchOp(op("replace", "", "x")), nil, 400, "invalidValue"},
		{"PATCH add a member that does not exist", "PATCH", "/Groups/" + groupID, patchOp(op("add", "members", memberValues(guid()))), nil, 400, "invalidValue"},
		{"PATCH add a group to itself", "PATCH", "/Groups/" + groupID, patchOp(op("add", "members", memberValues(groupID))), nil, 400, "invalidValue"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := d.do(t, c.method, c.path, c.body, c.headers...)
			detail := r.wantError(t, c.status, c.scimType)
			if r.Header.Get("X-Request-Id") == "" {
				t.Errorf("no X-Request-Id on an error")
			}
			if c.status == 413 && !strings.Contains(detail, fmt.Sprint(scimapi.DefaultMaxBodyBytes)) {
				t.Errorf("413 detail does not state the limit: %q", detail)
			}
		})
	}

	// None of the bad requests changed anything.
	r := d.do(t, "GET", "/Users", nil)
	if got := ids(r.list(t), "userName"); !slices.Equal(got, []string{"body@example.com"}) {
		t.Errorf("users after bad requests: %v", got)
	}
	if g := d.do(t, "GET", "/Groups", nil).list(t); len(g) != 1 || g[0]["displayName"] != "Body" {
		t.Errorf("groups after bad requests: %v", g)
	}
	for _, path := range []string{"/Users/" + userID, "/Groups/" + groupID} {
		if v := d.do(t, "GET", path, nil).Header.Get("ETag"); v != scim.ETag(1) {
			t.Errorf("%s is at %s after only failed changes", path, v)
		}
	}

	// The media types identity providers send are accepted.
	for i, ct := range []string{"application/scim+json", "application/json", "application/scim+json; charset=utf-8", "application/json;charset=UTF-8"} {
		d.do(t, "POST", "/Users", map[string]any{"userName": fmt.Sprintf("ct%d@example.com", i)}, "Content-Type", ct).want(t, http.StatusCreated)
	}
}

func TestFilterAndQueryErrors(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	d.createUser(t, "q@example.com")
	for _, c := range []struct {
		endpoint, query, scimType string
	}{
		{"/Users", "filter=" + pathEscape(`userName eq`), "invalidFilter"},
		{"/Users", "filter=" + pathEscape(`userName eq "unterminated`), "invalidFilter"},
		{"/Users", "filter=" + pathEscape(`userName xx "a"`), "invalidFilter"},
		{"/Users", "filter=" + pathEscape(`favouriteColour eq "blue"`), "invalidFilter"},
		{"/Users", "filter=" + pathEscape(`name.nick eq "x"`), "invalidFilter"},
		{"/Users", "filter=" + pathEscape(`active co "tr"`), "invalidFilter"},
		{"/Users", "filter=" + pathEscape(`meta.created gt "yesterday"`), "invalidFilter"},
		{"/Users", "filter=" + pathEscape(`userName eq unquoted`), "invalidFilter"},
		{"/Users", "filter=" + pathEscape(strings.Repeat(`userName eq "a" or `, 100)+`userName eq "b"`), "invalidFilter"},
		{"/Groups", "filter=" + pathEscape(`members.value eq`), "invalidFilter"},
		{"/Groups", "filter=" + pathEscape(`userName eq "a"`), "invalidFilter"},
		{"/Users", "count=ten", "invalidValue"},
		{"/Users", "startIndex=first", "invalidValue"},
		{"/Users", "sortBy=favouriteColour", "invalidValue"},
		{"/Users", "sortBy=userName&sortOrder=sideways", "invalidValue"},
		{"/Groups", "sortBy=members", "invalidValue"},
	} {
		t.Run(c.endpoint+"?"+c.query, func(t *testing.T) {
			d.do(t, "GET", c.endpoint+"?"+c.query, nil).wantError(t, http.StatusBadRequest, c.scimType)
		})
	}
}

func TestUniqueness(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	org := f.newOrg("Acme")
	d := f.newDirectory(org, "Entra ID")
	other := f.newDirectory(org, "Okta")
	id := d.createUser(t, "taken@example.com")
	secondID := d.createUser(t, "second@example.com")

	// Same directory, same name in another case.
	for _, name := range []string{"taken@example.com", "TAKEN@example.com"} {
		detail := d.do(t, "POST", "/Users", map[string]any{"userName": name}).wantError(t, http.StatusConflict, "uniqueness")
		if !strings.Contains(detail, id) || !strings.Contains(detail, "this directory") {
			t.Errorf("detail %q does not say which user has the name", detail)
		}
	}
	// Another directory of the organization: the detail names it.
	detail := other.do(t, "POST", "/Users", map[string]any{"userName": "taken@example.com"}).wantError(t, http.StatusConflict, "uniqueness")
	if !strings.Contains(detail, "Entra ID") || !strings.Contains(detail, d.dir.ID) {
		t.Errorf("detail %q does not name the directory that has the user", detail)
	}
	// Renaming onto a taken name, by PATCH and by PUT.
	d.do(t, "PATCH", "/Users/"+secondID, patchOp(op("Replace", "userName", "Taken@Example.com"))).wantError(t, http.StatusConflict, "uniqueness")
	d.do(t, "PUT", "/Users/"+secondID, map[string]any{"userName": "taken@example.com"}).wantError(t, http.StatusConflict, "uniqueness")
	r := d.do(t, "GET", "/Users/"+secondID, nil).want(t, http.StatusOK)
	if r.Body["userName"] != "second@example.com" || r.Header.Get("ETag") != scim.ETag(1) {
		t.Errorf("a refused rename changed the user: %s", r.Raw)
	}
	// Another organization may use the name.
	f.newDirectory(f.newOrg("Globex"), "Okta").do(t, "POST", "/Users", map[string]any{"userName": "taken@example.com"}).want(t, http.StatusCreated)
	// Group names are not unique in SCIM; Roster accepts duplicates.
	d.createGroup(t, "Same")
	d.createGroup(t, "Same")
}

func TestPreconditions(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	for _, kind := range []string{"Users", "Groups"} {
		t.Run(kind, func(t *testing.T) {
			create := func() (string, string) {
				var id string
				if kind == "Users" {
					id = d.createUser(t, "pre-"+randomHex(4)+"@example.com")
				} else {
					id = d.createGroup(t, "pre "+randomHex(4))
				}
				return id, d.do(t, "GET", "/"+kind+"/"+id, nil).want(t, http.StatusOK).Header.Get("ETag")
			}
			id, v1 := create()
			path := "/" + kind + "/" + id
			var change any = patchOp(op("replace", "displayName", "changed"))
			// Make version 2.
			if kind == "Users" {
				d.do(t, "PATCH", path, change).want(t, http.StatusOK)
			} else {
				d.do(t, "PATCH", path, change).want(t, http.StatusNoContent)
			}
			v2 := d.do(t, "GET", path, nil).want(t, http.StatusOK).Header.Get("ETag")
			if v1 == v2 || v1 == "" || v2 == "" {
				t.Fatalf("versions %q and %q", v1, v2)
			}
			before := d.do(t, "GET", path, nil).Raw

			var put any = map[string]any{"userName": "put-" + randomHex(4) + "@example.com", "displayName": "put"}
			if kind == "Groups" {
				put = map[string]any{"displayName": "put"}
			}
			stale := patchOp(op("replace", "displayName", "stale write"))
			for _, c := range []struct {
				method string
				body   any
			}{{"PUT", put}, {"PATCH", stale}, {"DELETE", nil}} {
				for _, tag := range []string{v1, `"1"`, `W/"999"`, `garbage`} {
					d.do(t, c.method, path, c.body, "If-Match", tag).wantError(t, http.StatusPreconditionFailed, "")
				}
			}
			if after := d.do(t, "GET", path, nil).Raw; string(after) != string(before) {
				t.Errorf("failed preconditions changed the resource:\n%s\n%s", before, after)
			}

			// If-None-Match: the current version is 304 without a body, an
			// old one is a 200.
			r := d.do(t, "GET", path, nil, "If-None-Match", v2).want(t, http.StatusNotModified)
			if len(r.Raw) != 0 || r.Header.Get("ETag") != v2 {
				t.Errorf("304 with body %q, ETag %q", r.Raw, r.Header.Get("ETag"))
			}
			d.do(t, "GET", path, nil, "If-None-Match", v1+", "+v2).want(t, http.StatusNotModified)
			d.do(t, "GET", path, nil, "If-None-Match", v1).want(t, http.StatusOK)

			// Matching preconditions succeed: the current tag, a list
			// holding it, its strong form, and *.
			patched := func(r *response) string {
				t.Helper()
				if r.Status != http.StatusOK && r.Status != http.StatusNoContent {
					t.Fatalf("%s", r)
				}
				return r.Header.Get("ETag")
			}
			v3 := patched(d.do(t, "PATCH", path, patchOp(op("replace", "displayName", "matched")), "If-Match", v2))
			v4 := patched(d.do(t, "PATCH", path, patchOp(op("replace", "displayName", "matched again")), "If-Match", v1+", "+v3))
			if v3 == v2 || v4 == v3 {
				t.Errorf("PATCH with a matching If-Match did not apply: %s %s %s", v2, v3, v4)
			}
			d.do(t, "PUT", path, put, "If-Match", strings.TrimPrefix(v4, "W/")).want(t, http.StatusOK)
			v5 := patched(d.do(t, "PATCH", path, patchOp(op("replace", "displayName", "star")), "If-Match", "*"))
			d.do(t, "DELETE", path, nil, "If-Match", v1+", "+v5).want(t, http.StatusNoContent)
			d.do(t, "GET", path, nil).wantError(t, http.StatusNotFound, "")

			id2, cur := create()
			d.do(t, "DELETE", "/"+kind+"/"+id2, nil, "If-Match", cur).want(t, http.StatusNoContent)
			id3, _ := create()
			d.do(t, "DELETE", "/"+kind+"/"+id3, nil, "If-Match", "*").want(t, http.StatusNoContent)
		})
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	missing := guid()
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/Users/" + missing, nil},
		{"PUT", "/Users/" + missing, map[string]any{"userName": "x@example.com"}},
		{"PATCH", "/Users/" + missing, patchOp(op("replace", "active", false))},
		{"DELETE", "/Users/" + missing, nil},
		{"GET", "/Groups/" + missing, nil},
		{"PUT", "/Groups/" + missing, map[string]any{"displayName": "x"}},
		{"PATCH", "/Groups/" + missing, patchOp(op("add", "members", []any{}))},
		{"DELETE", "/Groups/" + missing, nil},
		{"GET", "/Devices", nil},
		{"GET", "/Users/" + missing + "/manager", nil},
		{"POST", "/Bulks", map[string]any{}},
		{"GET", "/ResourceTypes/Device", nil},
		{"GET", "/Schemas/urn:example:unknown", nil},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			d.do(t, c.method, c.path, c.body).wantError(t, http.StatusNotFound, "")
		})
	}

	for _, c := range []struct {
		method, path string
		allow        []string
	}{
		{"DELETE", "/Users", []string{"GET", "POST"}},
		{"PUT", "/Users", []string{"GET", "POST"}},
		{"POST", "/Users/" + missing, []string{"GET", "PUT", "PATCH", "DELETE"}},
		{"PATCH", "/Groups", []string{"GET", "POST"}},
		{"POST", "/Groups/" + missing, []string{"GET", "PUT", "PATCH", "DELETE"}},
		{"POST", "/ServiceProviderConfig", []string{"GET"}},
		{"DELETE", "/Schemas", []string{"GET"}},
		{"PUT", "/ResourceTypes/User", []string{"GET"}},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			r := d.do(t, c.method, c.path, nil)
			r.wantError(t, http.StatusMethodNotAllowed, "")
			var allow []string
			for _, m := range strings.Split(r.Header.Get("Allow"), ",") {
				if m = strings.TrimSpace(m); m != "" && m != "HEAD" {
					allow = append(allow, m)
				}
			}
			if !sameSet(allow, c.allow) {
				t.Errorf("Allow %q, want %v", r.Header.Get("Allow"), c.allow)
			}
			// The same request twice lists the methods in the same order.
			if again := d.do(t, c.method, c.path, nil).Header.Get("Allow"); again != r.Header.Get("Allow") {
				t.Errorf("Allow changes between requests: %q then %q", r.Header.Get("Allow"), again)
			}
		})
	}

	// Paths under the SCIM prefix that name no directory endpoint are SCIM
	// 404s too, not the router's plain-text page.
	for _, path := range []string{scimapi.Prefix, "/scim/v2/Users", "/scim/v2/directories", "/scim/"} {
		r := send(t, "GET", d.f.url+path, d.token, "", nil)
		if detail := r.wantError(t, http.StatusNotFound, ""); !strings.Contains(detail, scimapi.Prefix) {
			t.Errorf("GET %s: the detail %q does not say where directories live", path, detail)
		}
	}
	r := send(t, "GET", d.base+"/", d.token, "", nil)
	if detail := r.wantError(t, http.StatusNotFound, ""); !strings.Contains(detail, "/Users") {
		t.Errorf("GET %s/: the detail %q does not list the endpoints", d.base, detail)
	}
}

// TestMemberWithoutValue: a member given without its value (the id to add)
// cannot be added; it must be refused, not silently dropped while the
// request reports success.
func TestMemberWithoutValue(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	d.createUser(t, "member@example.com")
	groupID := d.createGroup(t, "G")
	r := d.do(t, "POST", "/Groups", map[string]any{"displayName": "H", "members": []any{map[string]any{"display": "member@example.com"}}})
	if r.Status != http.StatusBadRequest {
		t.Errorf("BUG in scim (normalizeSingle drops the element before memberIDs checks it): POST /Groups with a member without value: %s", r)
	} else {
		r.wantError(t, http.StatusBadRequest, "invalidValue")
	}
	for _, member := range []map[string]any{
		{"display": "member@example.com", "type": "User"},
		{"display": "member@example.com"},
	} {
		r = d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("add", "members", []any{member})))
		if r.Status != http.StatusBadRequest {
			t.Errorf("BUG in scim (normalizeSingle drops the element before memberIDs checks it): PATCH add of member %v: %s", member, r)
		}
	}
	if got := d.members(t, groupID); len(got) != 0 {
		t.Errorf("members %v", got)
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	st := d.f.store

	// An unknown token of the right shape, a revoked one and an expired one.
	unknown, _ := roster.NewTokenSecret()
	revoked, rt := roster.NewTokenSecret()
	rt.OrgID, rt.DirectoryID, rt.Name = d.org.ID, d.dir.ID, "revoked"
	if err := st.CreateToken(bg, &rt); err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeToken(bg, roster.DirectoryScope{OrgID: d.org.ID, DirectoryID: d.dir.ID}, rt.ID); err != nil {
		t.Fatal(err)
	}
	expired, et := roster.NewTokenSecret()
	et.OrgID, et.DirectoryID, et.Name, et.Expires = d.org.ID, d.dir.ID, "expired", time.Now().Add(-time.Hour)
	if err := st.CreateToken(bg, &et); err != nil {
		t.Fatal(err)
	}
	// A valid token with one character changed fails its checksum.
	mangled := []byte(d.token)
	if mangled[10] == 'a' {
		mangled[10] = 'b'
	} else {
		mangled[10] = 'a'
	}

	for _, c := range []struct {
		name, auth, inDetail string
	}{
		{"missing", "", "Bearer"},
		{"empty bearer", "Bearer ", "Bearer"},
		{"basic auth", "Basic dXNlcjpwYXNz", "Bearer"},
		{"token without scheme", d.token, "Bearer"},
		{"malformed", "Bearer not-a-token", roster.TokenSecretPrefix},
		{"bad checksum", "Bearer " + string(mangled), roster.TokenSecretPrefix},
		{"unknown", "Bearer " + unknown, "does not open"},
		{"revoked", "Bearer " + revoked, "revoked"},
		{"expired", "Bearer " + expired, "expired"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, ep := range []struct{ method, path string }{
				{"GET", "/Users"}, {"POST", "/Users"}, {"GET", "/Groups/" + guid()}, {"GET", "/ServiceProviderConfig"}, {"GET", "/Nowhere"},
			} {
				var body any
				if ep.method == "POST" {
					body = map[string]any{"userName": "intruder@example.com"}
				}
				h := []string{"Authorization", c.auth}
				if c.auth == "" {
					h = []string{"Authorization", ""}
				}
				r := send(t, ep.method, d.base+ep.path, "", "", body, h...)
				detail := r.wantError(t, http.StatusUnauthorized, "")
				if !strings.Contains(detail, c.inDetail) {
					t.Errorf("%s %s: detail %q does not mention %q", ep.method, ep.path, detail, c.inDetail)
				}
				if strings.Contains(string(r.Raw), d.token) {
					t.Errorf("the response echoes the directory's token")
				}
			}
		})
	}
	if res := d.do(t, "GET", "/Users", nil).list(t); len(res) != 0 {
		t.Errorf("an unauthenticated POST created %v", res)
	}

	// The scheme is case-insensitive (RFC 6750 §2.1 via RFC 9110 §11.1).
	send(t, "GET", d.base+"/Users", "", "", nil, "Authorization", "bearer "+d.token).want(t, http.StatusOK)
	send(t, "GET", d.base+"/Users", "", "", nil, "Authorization", "BEARER "+d.token).want(t, http.StatusOK)

	// Rotation: the new token works at once, the old one until its grace
	// period ends.
	next, nt := roster.NewTokenSecret()
	if err := st.RotateToken(bg, roster.DirectoryScope{OrgID: d.org.ID, DirectoryID: d.dir.ID}, d.tokID, time.Now().Add(time.Hour), &nt); err != nil {
		t.Fatal(err)
	}
	d.do(t, "GET", "/Users", nil).want(t, http.StatusOK)
	d.withToken(next).do(t, "GET", "/Users", nil).want(t, http.StatusOK)
	d.withToken(next).do(t, "GET", "/Users", nil).want(t, http.StatusOK)
	if err := st.RevokeToken(bg, roster.DirectoryScope{OrgID: d.org.ID, DirectoryID: d.dir.ID}, d.tokID); err != nil {
		t.Fatal(err)
	}
	d.do(t, "GET", "/Users", nil).wantError(t, http.StatusUnauthorized, "")
	d.withToken(next).do(t, "GET", "/Users", nil).want(t, http.StatusOK)

	// Use is recorded.
	toks, err := st.ListTokens(bg, d.org.ID, d.dir.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if tok.ID == nt.ID && tok.LastUsed.IsZero() {
			t.Errorf("the token's use was not recorded")
		}
		if tok.ID == rt.ID && !tok.LastUsed.IsZero() {
			t.Errorf("a revoked token's refused use was recorded")
		}
	}
}

// TestPaging checks the list parameters: count capped at scim.MaxResults
// rather than refused, a negative count taken as 0, a startIndex below 1
// taken as 1, and + for spaces in the query string.
func TestPaging(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	// More users than one page may hold, stored directly: going through
	// HTTP would only make the test slower.
	n := scim.MaxResults + 2
	var first string
	for i := 0; i < n; i++ {
		res, err := scim.UserType.Normalize(map[string]any{"userName": fmt.Sprintf("page%04d@example.com", i)})
		if err != nil {
			t.Fatal(err)
		}
		var u roster.User
		scim.UserFromDoc(res.Doc, &u)
		if err := d.f.store.CreateUser(bg, d.tenant, &u); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = u.ID
		}
	}

	r := d.do(t, "GET", "/Users?count=5000", nil)
	if res := r.list(t); len(res) != scim.MaxResults || r.total() != n {
		t.Errorf("count=5000: %d resources of %d, want %d of %d", len(res), r.total(), scim.MaxResults, n)
	}
	r = d.do(t, "GET", "/Users?startIndex=1001&count=5000", nil)
	if res := r.list(t); len(res) != n-1000 {
		t.Errorf("the last page has %d resources, want %d", len(res), n-1000)
	}
	r = d.do(t, "GET", "/Users", nil)
	if res := r.list(t); len(res) != scim.DefaultCount {
		t.Errorf("no count: %d resources, want the default %d", len(res), scim.DefaultCount)
	}
	for _, count := range []string{"-5", "0"} {
		r = d.do(t, "GET", "/Users?count="+count, nil)
		if res := r.list(t); len(res) != 0 || r.total() != n || num(r.Body["itemsPerPage"]) != 0 {
			t.Errorf("count=%s: %d resources, total %d", count, len(res), r.total())
		}
	}
	for _, start := range []string{"0", "-3", "1"} {
		r = d.do(t, "GET", "/Users?count=1&startIndex="+start, nil)
		res := r.list(t)
		if num(r.Body["startIndex"]) != 1 || len(res) != 1 || res[0]["id"] != first {
			t.Errorf("startIndex=%s: startIndex %v, first %v, want 1 and %s", start, r.Body["startIndex"], ids(res, "id"), first)
		}
	}
	// Parameter names in another case, as some clients send them.
	r = d.do(t, "GET", "/Users?StartIndex=2&Count=1", nil)
	if res := r.list(t); len(res) != 1 || num(r.Body["startIndex"]) != 2 || res[0]["id"] == first {
		t.Errorf("StartIndex/Count: %s", r.Raw)
	}
	// + for spaces, as form encoding writes them.
	r = d.do(t, "GET", "/Users?filter=userName+eq+%22page0007%40example.com%22", nil)
	if res := r.list(t); len(res) != 1 || res[0]["userName"] != "page0007@example.com" {
		t.Errorf("filter with +: %s", r.Raw)
	}
	r = d.do(t, "GET", `/Users?filter=userName+sw+"page000"&count=100`, nil)
	if res := r.list(t); len(res) != 10 || r.total() != 10 {
		t.Errorf("filter with + and raw quotes: %d of %d", len(res), r.total())
	}
}

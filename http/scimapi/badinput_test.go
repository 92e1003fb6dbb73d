package scimapi_test

// Input that must be refused with a 400 SCIM error, alike on SQLite and on
// PostgreSQL, before any store sees it: wrong JSON types (which used to be
// coerced), NUL characters in filter values, and numbers beyond what a
// store can keep. And what real clients send that must keep working.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster/scim"
)

func TestWrongTypesAreRefused(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, d *directory) {
		userID := d.createUser(t, "typed@example.com")
		groupID := d.createGroup(t, "Typed")
		cases := []struct {
			name, method, path string
			body               any
			scimType           string
		}{
			{"userName a number", "POST", "/Users", map[string]any{"schemas": []string{scim.UserSchema}, "userName": 123}, "invalidValue"},
			{"userName a one-element array", "POST", "/Users", map[string]any{"schemas": []string{scim.UserSchema}, "userName": []string{"one@example.com"}}, "invalidValue"},
			{"displayName a one-element array in PUT", "PUT", "/Users/" + userID, map[string]any{"schemas": []string{scim.UserSchema}, "userName": "typed@example.com", "displayName": []string{"T"}}, "invalidValue"},
			{"employeeNumber a number", "POST", "/Users", map[string]any{"schemas": []string{scim.UserSchema}, "userName": "n@example.com", scim.EnterpriseUserSchema: map[string]any{"employeeNumber": 1234}}, "invalidValue"},
			{"schemas without the core URN", "POST", "/Users", map[string]any{"schemas": []string{scim.EnterpriseUserSchema}, "userName": "s@example.com"}, "invalidValue"},
			{"a group's schemas naming User", "PUT", "/Groups/" + groupID, map[string]any{"schemas": []string{scim.UserSchema}, "displayName": "Typed"}, "invalidValue"},
			{"PATCH add without value", "PATCH", "/Users/" + userID, patchOp(map[string]any{"op": "add", "path": "title"}), "invalidSyntax"},
			{"PATCH Replace without value", "PATCH", "/Users/" + userID, patchOp(map[string]any{"op": "Replace", "path": "active"}), "invalidSyntax"},
			{"PATCH add of members without value", "PATCH", "/Groups/" + groupID, patchOp(map[string]any{"op": "add", "path": "members"}), "invalidSyntax"},
			{"PATCH a number for userName", "PATCH", "/Users/" + userID, patchOp(op("replace", "userName", 123)), "invalidValue"},
			{"PATCH a one-element array for displayName", "PATCH", "/Groups/" + groupID, patchOp(op("replace", "displayName", []string{"x"})), "invalidValue"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				d.do(t, tc.method, tc.path, tc.body).wantError(t, http.StatusBadRequest, tc.scimType)
			})
		}
		// Nothing was changed or created by the refused requests.
		r := d.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK)
		if r.Body["userName"] != "typed@example.com" || r.Body["title"] != nil || r.Body["active"] != true {
			t.Errorf("a refused request changed the user: %s", r.Raw)
		}
		if n := d.do(t, "GET", "/Users", nil).total(); n != 1 {
			t.Errorf("%d users after refused creations, want 1", n)
		}
	})
}

// TestRealClientsStillAccepted keeps what Entra ID and Okta send working
// beside the refusals above.
func TestRealClientsStillAccepted(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, d *directory) {
		userID := d.createUser(t, "entra@example.com")
		a, b, c := d.createUser(t, "a@example.com"), d.createUser(t, "b@example.com"), d.createUser(t, "c@example.com")
		groupID := d.createGroup(t, "Real")
		// Capitalised ops and booleans as strings (Entra).
		d.do(t, "PATCH", "/Users/"+userID, patchOp(op("Replace", "active", "False"), op("Add", "title", "Boss"))).want(t, http.StatusOK)
		r := d.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK)
		if r.Body["active"] != false || r.Body["title"] != "Boss" {
			t.Errorf("after Replace active \"False\" and Add title: %s", r.Raw)
		}
		// remove without value.
		d.do(t, "PATCH", "/Users/"+userID, patchOp(opRemove("remove", "title"))).want(t, http.StatusOK)
		if r := d.do(t, "GET", "/Users/"+userID, nil); r.Body["title"] != nil {
			t.Errorf("title after remove: %v", r.Body["title"])
		}
		// Members added in a batch, removed in both dialects.
		d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("Add", "members", memberValues(a, b, c)))).want(t, http.StatusNoContent)
		d.do(t, "PATCH", "/Groups/"+groupID, patchOp(opRemove("Remove", `members[value eq "`+a+`"]`))).want(t, http.StatusNoContent)
		d.do(t, "PATCH", "/Groups/"+groupID, patchOp(op("remove", "members", memberValues(b)))).want(t, http.StatusNoContent)
		if got := d.members(t, groupID); !sameSet(got, []string{c}) {
			t.Errorf("members %v, want [%s]", got, c)
		}
		// Okta's PUT: the whole user, schemas with the core URN.
		d.do(t, "PUT", "/Users/"+userID, map[string]any{"schemas": []string{scim.UserSchema}, "userName": "entra@example.com",
			"name": map[string]any{"givenName": "E", "familyName": "Ntra"}, "active": true}).want(t, http.StatusOK)
	})
}

func TestNULInFilterValues(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, d *directory) {
		d.createUser(t, "nul@example.com")
		for _, f := range []string{`userName eq "a\u0000b"`, `userName eq "a` + "\x00" + `b"`, `emails[value co "\u0000"]`} {
			d.do(t, "GET", "/Users"+filterQ(f), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
			d.do(t, "GET", "/Users?filter="+url.QueryEscape(f), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
		}
		d.do(t, "GET", "/Groups"+filterQ(`displayName co "\u0000"`), nil).wantError(t, http.StatusBadRequest, "invalidFilter")
		d.do(t, "PATCH", "/Users/"+d.createUser(t, "nul2@example.com"), patchOp(opRemove("remove", `emails[value eq "\u0000"]`))).
			wantError(t, http.StatusBadRequest, "invalidFilter")
		search := func(filter string) *response {
			return d.do(t, "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":`+filter+`}`)
		}
		search(`"userName eq \"a\\u0000b\""`).wantError(t, http.StatusBadRequest, "invalidFilter") // the filter's escape
		search(`"userName eq \"a\u0000b\""`).wantError(t, http.StatusBadRequest, "invalidFilter")  // the body's escape
		d.do(t, "POST", "/.search", `{"filter":"userName eq \"a\\u0000b\""}`).wantError(t, http.StatusBadRequest, "invalidFilter")
		d.do(t, "POST", "/Users/.search", `{"sortBy":"userName\u0000"}`).wantError(t, http.StatusBadRequest, "invalidValue")
	})
}

func TestHugeNumbers(t *testing.T) {
	const acme = "urn:example:params:scim:schemas:extension:acme:1.0:User"
	onEveryBackend(t, func(t *testing.T, d *directory) {
		userID := d.createUser(t, "numbers@example.com")
		for _, n := range []string{"1e400", "-1e400", "1e-400", "1e131073", strings.Repeat("9", 2000), "0." + strings.Repeat("1", 17000)} {
			name := n
			if len(name) > 12 {
				name = name[:12] + "…"
			}
			t.Run(name, func(t *testing.T) {
				user := func(ext string) string {
					return `{"schemas":["` + scim.UserSchema + `"],"userName":"numbers@example.com",` + ext + `}`
				}
				d.do(t, "POST", "/Users", user(`"`+acme+`":{"n":`+n+`}`)).wantError(t, http.StatusBadRequest, "invalidValue")
				d.do(t, "POST", "/Users", user(`"`+scim.EnterpriseUserSchema+`":{"employeeNumber":`+n+`}`)).wantError(t, http.StatusBadRequest, "invalidValue")
				d.do(t, "PUT", "/Users/"+userID, user(`"`+acme+`":{"deep":[{"n":`+n+`}]}`)).wantError(t, http.StatusBadRequest, "invalidValue")
				d.do(t, "PATCH", "/Users/"+userID, `{"schemas":["`+scim.PatchOpSchema+`"],"Operations":[{"op":"add","value":{"`+acme+`":{"n":`+n+`}}}]}`).
					wantError(t, http.StatusBadRequest, "invalidValue")
				d.do(t, "PATCH", "/Users/"+userID, `{"schemas":["`+scim.PatchOpSchema+`"],"Operations":[{"op":"add","path":"`+acme+`","value":{"n":`+n+`}}]}`).
					wantError(t, http.StatusBadRequest, "invalidValue")
			})
		}
		// Ordinary numbers in an unknown extension are kept as sent.
		d.do(t, "PUT", "/Users/"+userID, `{"schemas":["`+scim.UserSchema+`"],"userName":"numbers@example.com","`+acme+`":{"n":[12345678901234567890,-1.5e300,0]}}`).want(t, http.StatusOK)
		r := d.do(t, "GET", "/Users/"+userID, nil).want(t, http.StatusOK)
		if !strings.Contains(string(r.Raw), `12345678901234567890`) {
			t.Errorf("the extension's numbers were not kept: %s", r.Raw)
		}
	})
}

package scimapi_test

// What real clients send that RFC 7644 does not spell, and Roster accepts:
// the requests of Microsoft's SCIM reference test collection
// (AzureAD/SCIMReferenceCode; the whole collection runs in
// cmd/roster/msref_test.go) and what identity providers are configured to
// send.

import (
	"net/http"
	"testing"
)

func TestEndpointNamesAnyCaseAndTrailingSlash(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	id := d.createUser(t, "ann@acme.test")
	for _, path := range []string{
		"/users", "/USERS", "/Users/", "/users/?filter=" + pathEscape(`userName eq "ann@acme.test"`),
		"/users/" + id, "/Users/" + id + "/",
		"/groups", "/Groups/", "/serviceproviderconfig", "/ServiceProviderConfig/",
		"/schemas", "/resourcetypes", "/resourceTypes/", "/ResourceTypes/User",
	} {
		d.do(t, "GET", path, nil).want(t, http.StatusOK)
	}
	d.do(t, "POST", "/users/.SEARCH", map[string]any{"filter": `userName eq "ann@acme.test"`}).want(t, http.StatusOK)
	d.do(t, "POST", "/.Search/", map[string]any{}).want(t, http.StatusOK)
	created := d.do(t, "POST", "/users/", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "bob@acme.test"}).want(t, http.StatusCreated)
	d.do(t, "DELETE", "/users/"+created.id(t)+"/", nil).want(t, http.StatusNoContent)
	// What is not an endpoint stays a SCIM 404.
	for _, path := range []string{"/Userz", "/users/" + id + "/extra", "/"} {
		d.do(t, "GET", path, nil).wantError(t, http.StatusNotFound, "")
	}
}

// TestPatchMicrosoftReferenceBodies sends the group PATCH bodies of
// Microsoft's reference tests: "id" beside Operations, "name": "addMember"
// in an operation, members carrying "displayName", and a client-sent
// "display", which is accepted and not kept (the display is the member's).
func TestPatchMicrosoftReferenceBodies(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	user := d.createUser(t, "ann@acme.test")
	group := d.createGroup(t, "Group 1")
	d.do(t, "PATCH", "/Groups/"+group, map[string]any{
		"id":      group,
		"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"name": "addMember", "op": "add", "path": "members",
			"value": []any{map[string]any{"displayName": "new User", "value": user}}}},
	}).want(t, http.StatusNoContent)
	if got := d.members(t, group); len(got) != 1 || got[0] != user {
		t.Fatalf("members = %v, want [%s]", got, user)
	}
	g := d.do(t, "GET", "/Groups/"+group, nil).want(t, http.StatusOK)
	if display := str(get(g.Body, "members", 0, "display")); display != "ann@acme.test" {
		t.Errorf("member display = %q, want the user's own (ann@acme.test): %s", display, g.Raw)
	}
	d.do(t, "PATCH", "/Groups/"+group, patchOp(opRemove("remove", `members[value eq "`+user+`"]`))).want(t, http.StatusNoContent)
	d.do(t, "PATCH", "/Groups/"+group, patchOp(op("add", "members", []any{map[string]any{"display": "chosen by the client", "value": user}}))).want(t, http.StatusNoContent)
	g = d.do(t, "GET", "/Groups/"+group, nil).want(t, http.StatusOK)
	if display := str(get(g.Body, "members", 0, "display")); display != "ann@acme.test" {
		t.Errorf("member display = %q, want the user's own: %s", display, g.Raw)
	}
	// A bare string value names the member by id, as the reference tests send it.
	r := d.do(t, "PATCH", "/Groups/"+group, map[string]any{"id": group, "schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "add", "path": "members", "value": "string id 1"}}})
	t.Logf("%s", r)
}

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

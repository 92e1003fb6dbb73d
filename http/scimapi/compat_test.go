package scimapi_test

// What real clients send that RFC 7644 does not spell, and Roster accepts:
// the requests of Microsoft's SCIM reference test collection
// (AzureAD/SCIMReferenceCode; the whole collection runs in
// cmd/roster/msref_test.go) and what identity providers are configured to
// send.

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/directories"
	"github.com/rosterhq/roster/http/scimapi"
	"github.com/rosterhq/roster/http/urls"
)

func TestEndpointNamesAnyCaseAndTrailingSlash(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	id := d.createUser(t, "ann@acme.test")
	for _, path := range []string{
		"/users", "/USERS", "/Users/", "/users/?filter=" + pathEscape(`userName eq "ann@acme.test"`),
		"/users/" + id, "/Users/" + id + "/",
		"/groups", "/Groups/", "/serviceproviderconfig", "/ServiceProviderConfig/", "/serviceConfiguration",
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
	// "string id 1" is no member of this directory: the add applies
	// without it (see TestPatchUnknownMembers) and the members stay.
	d.do(t, "PATCH", "/Groups/"+group, map[string]any{"id": group, "schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "add", "path": "members", "value": "string id 1"}}}).want(t, http.StatusNoContent)
	if got := d.members(t, group); len(got) != 1 || got[0] != user {
		t.Errorf("members after adding an unknown id = %v, want [%s]", got, user)
	}
}

// TestUnknownAttributesDroppedWithWarning: a POST or PUT naming attributes
// Roster does not know succeeds without them by default, and the request
// log names each; a strict directory refuses it (400 invalidSyntax), as
// before. Extensions Roster does not know are kept either way.
func TestUnknownAttributesDroppedWithWarning(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.newDirectory(f.newOrg("Acme"), "Entra ID")
	rec := serveRecorded(t, f, d)
	// warned sends a request and returns the warning its request-log row
	// carries (the row is recorded just after the answer).
	warned := func(method, path string, body any, status int) (*response, string) {
		t.Helper()
		n := len(rec.rows())
		r := d.do(t, method, path, body).want(t, status)
		for range 200 {
			if rows := rec.rows(); len(rows) > n {
				return r, rows[n].Warning
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("%s %s was not recorded", method, path)
		return nil, ""
	}
	const customExt = "urn:example:params:scim:schemas:extension:acme:2.0:User"
	body := map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": "ann@acme.test", "adreses": []any{map[string]any{"country": "Germany"}}, "costCentre": "42",
		enterprise: map[string]any{"department": "Sales", "costCentr": "7"},
		customExt:  map[string]any{"badge": "B-1"},
	}
	r, w := warned("POST", "/Users", body, http.StatusCreated)
	if r.Body["adreses"] != nil || r.Body["costCentre"] != nil || get(r.Body, enterprise, "department") != "Sales" ||
		get(r.Body, enterprise, "costCentr") != nil || get(r.Body, customExt, "badge") != "B-1" {
		t.Errorf("created user = %s", r.Raw)
	}
	for _, name := range []string{`"adreses"`, `"costCentre"`, `"` + enterprise + `:costCentr"`} {
		if !strings.Contains(w, name) {
			t.Errorf("warning %q does not name %s", w, name)
		}
	}
	if strings.Contains(w, "badge") || strings.Contains(w, "userName") {
		t.Errorf("warning %q names an attribute that was kept", w)
	}
	id := r.id(t)
	if _, w := warned("PUT", "/Users/"+id, map[string]any{"userName": "ann@acme.test", "displayName": "Ann", "nickname2": "A"}, http.StatusOK); !strings.Contains(w, `"nickname2"`) {
		t.Errorf("PUT warning = %q", w)
	}
	if _, w := warned("PUT", "/Users/"+id, map[string]any{"userName": "ann@acme.test", "displayName": "Ann"}, http.StatusOK); w != "" {
		t.Errorf("a clean PUT has the warning %q", w)
	}
	if _, w := warned("POST", "/Groups", map[string]any{"displayName": "Sales", "owner": "ann"}, http.StatusCreated); !strings.Contains(w, `"owner"`) || !strings.Contains(w, "Group") {
		t.Errorf("group warning = %q", w)
	}

	// Strict: today's 400, and nothing is created.
	if _, err := (&directories.Service{Store: f.store}).SetStrict(bg, d.org.ID, d.dir.ID, true); err != nil {
		t.Fatal(err)
	}
	body["userName"] = "bob@acme.test"
	detail := d.do(t, "POST", "/Users", body).wantError(t, http.StatusBadRequest, "invalidSyntax")
	if !strings.Contains(detail, "unknown attribute") {
		t.Errorf("strict detail = %q", detail)
	}
	d.do(t, "PUT", "/Users/"+id, map[string]any{"userName": "ann@acme.test", "nickname2": "A"}).wantError(t, http.StatusBadRequest, "invalidSyntax")
	if got := d.do(t, "GET", "/Users"+filterQ(`userName eq "bob@acme.test"`), nil).want(t, http.StatusOK); got.total() != 0 {
		t.Errorf("the strict directory created bob: %s", got.Raw)
	}
	// An extension Roster does not know still works in strict mode.
	d.do(t, "POST", "/Users", map[string]any{"userName": "cy@acme.test", customExt: map[string]any{"badge": "C"}}).want(t, http.StatusCreated)
}

// TestPatchUnknownMembers: a PATCH adding a member that is no user or
// group of the directory applies without it (the rest of the PATCH
// applies) and the request log names it; a strict directory refuses it.
func TestPatchUnknownMembers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.newDirectory(f.newOrg("Acme"), "Entra ID")
	rec := serveRecorded(t, f, d)
	lastWarning := func() string { // of the latest PATCH, recorded after it is answered
		for range 100 {
			rows := rec.rows()
			for i := len(rows) - 1; i >= 0; i-- {
				if rows[i].Method == "PATCH" {
					return rows[i].Warning
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		return ""
	}
	user := d.createUser(t, "ann@acme.test")
	group := d.createGroup(t, "Sales")
	rec.reset()
	d.do(t, "PATCH", "/Groups/"+group, map[string]any{"id": group, "schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{
			map[string]any{"op": "add", "path": "members", "value": "string id 1"},
			map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": user}, map[string]any{"value": "string id 2"}}},
			map[string]any{"op": "replace", "path": "displayName", "value": "Sales EMEA"},
		}}).want(t, http.StatusNoContent)
	if got := d.members(t, group); len(got) != 1 || got[0] != user {
		t.Errorf("members = %v, want only %s", got, user)
	}
	if g := d.do(t, "GET", "/Groups/"+group, nil); g.Body["displayName"] != "Sales EMEA" {
		t.Errorf("the rest of the PATCH did not apply: %s", g.Raw)
	}
	if w := lastWarning(); !strings.Contains(w, `"string id 1"`) || !strings.Contains(w, `"string id 2"`) || strings.Contains(w, user) {
		t.Errorf("warning = %q", w)
	}
	// Replacing the members is all or nothing: an unknown one keeps the 400.
	d.do(t, "PATCH", "/Groups/"+group, patchOp(op("replace", "members", memberValues("string id 4")))).wantError(t, http.StatusBadRequest, "invalidValue")
	if got := d.members(t, group); len(got) != 1 || got[0] != user {
		t.Errorf("members after a refused replace = %v, want only %s", got, user)
	}
	if _, err := (&directories.Service{Store: f.store}).SetStrict(bg, d.org.ID, d.dir.ID, true); err != nil {
		t.Fatal(err)
	}
	d.do(t, "PATCH", "/Groups/"+group, patchOp(op("add", "members", "string id 3"))).wantError(t, http.StatusBadRequest, "invalidValue")
}

// recorder keeps the request-log rows a SCIM server recorded, in memory.
type recorder struct {
	mu     sync.Mutex
	logged []roster.Request
}

func (r *recorder) record(req roster.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logged = append(r.logged, req)
}

// rows returns the rows recorded so far.
func (r *recorder) rows() []roster.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]roster.Request(nil), r.logged...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logged = nil
}

// serveRecorded points d at a SCIM server of f's store whose request log
// is kept by the returned recorder.
func serveRecorded(t *testing.T, f *fixture, d *directory) *recorder {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(scimapi.New(scimapi.Config{Store: f.store, PublicURL: "http://roster.test", Record: rec.record}))
	t.Cleanup(srv.Close)
	d.base = urls.DirectoryBase(srv.URL, d.dir.ID)
	return rec
}

package adminapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/adminapi"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/storage/sqlstore"
)

var ctx = context.Background()

type env struct {
	t      *testing.T
	st     *sqlstore.Store
	srv    *httptest.Server
	org    roster.Org
	tenant roster.DirectoryScope
	token  string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st, org: roster.Org{Name: "Acme"}}
	must(t, st.CreateOrg(ctx, &e.org))
	dir := roster.Directory{OrgID: e.org.ID, Name: "Entra ID"}
	_, dtok := roster.NewTokenSecret()
	must(t, st.CreateDirectory(ctx, &dir, &dtok))
	e.tenant = roster.DirectoryScope{OrgID: e.org.ID, DirectoryID: dir.ID}
	e.token = e.adminToken(e.org.ID, "ops@acme.test", roster.AdminAPI)
	e.srv = httptest.NewServer(adminapi.New(adminapi.Config{Store: st}))
	t.Cleanup(e.srv.Close)
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// adminToken makes an admin (unless it exists) and a token of a kind.
func (e *env) adminToken(orgID, email string, kind roster.AdminTokenKind) string {
	a, err := e.st.GetAdminByEmail(ctx, orgID, email)
	if roster.ErrorCodeOf(err) == roster.ENotFound {
		a = &roster.Admin{OrgID: orgID, Email: email}
		must(e.t, e.st.CreateAdmin(ctx, a))
	} else {
		must(e.t, err)
	}
	secret, tok := roster.NewAdminTokenSecret()
	tok.OrgID, tok.AdminID, tok.Kind, tok.Name = orgID, a.ID, kind, "test"
	must(e.t, e.st.CreateAdminToken(ctx, &tok))
	return secret
}

func (e *env) user(userName string, extra ...string) string {
	obj, _ := scim.Decode([]byte(fmt.Sprintf(`{"userName":%q%s}`, userName, strings.Join(extra, ""))))
	res, err := scim.UserType.Normalize(obj)
	must(e.t, err)
	var u roster.User
	scim.UserFromDoc(res.Doc, &u)
	must(e.t, e.st.CreateUser(ctx, e.tenant, &u))
	return u.ID
}

func (e *env) group(name string, members ...string) string {
	g := roster.Group{DisplayName: name, Attributes: []byte(`{"displayName":"` + name + `"}`)}
	must(e.t, e.st.CreateGroup(ctx, e.tenant, &g, members))
	return g.ID
}

// call sends a request to /api/v1/orgs/{org}/path and decodes the answer.
func (e *env) call(method, path, body string, token ...string) (int, map[string]any) {
	e.t.Helper()
	tok := e.token
	if len(token) > 0 {
		tok = token[0]
	}
	req, _ := http.NewRequest(method, e.srv.URL+"/api/v1/orgs/"+e.org.ID+path, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
		if resp.Header.Get("Content-Type") != "application/json" {
			e.t.Errorf("%s %s: Content-Type %q", method, path, resp.Header.Get("Content-Type"))
		}
	}
	if resp.StatusCode >= 500 {
		e.t.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	other := roster.Org{Name: "Other"}
	must(t, e.st.CreateOrg(ctx, &other))
	otherToken := e.adminToken(other.ID, "boss@other.test", roster.AdminAPI)
	session := e.adminToken(e.org.ID, "ops@acme.test", roster.AdminSession)
	signin := e.adminToken(e.org.ID, "ops@acme.test", roster.AdminSignIn)
	for name, tok := range map[string]string{
		"none":                "",
		"garbage":             "nope",
		"a directory token":   "roster_" + strings.Repeat("a", 49),
		"another org's token": otherToken,
		"a console session":   session,
		"a sign-in link":      signin,
	} {
		status, body := e.call("GET", "/products", "", tok)
		if status != 401 || errCode(body) != string(roster.EUnauthorized) {
			t.Errorf("%s: %d %v, want 401", name, status, body)
		}
	}
	if status, _ := e.call("GET", "/products", ""); status != 200 {
		t.Errorf("a valid API token: %d", status)
	}
	if status, body := e.call("GET", "/nothing-here", ""); status != 404 || errCode(body) != string(roster.ENotFound) {
		t.Errorf("an unknown endpoint: %d %v", status, body)
	}
}

func TestAccessAndAudit(t *testing.T) {
	e := newEnv(t)
	ann := e.user("ann@acme.test")
	ext := e.user("pat@partner.test")
	eng := e.group("Engineering", ann, ext)

	if status, body := e.call("POST", "/products", `{"key":"jira","name":"Jira"}`); status != 201 || body["key"] != "jira" || body["users"] != 0.0 {
		t.Fatalf("create product: %d %v", status, body)
	}
	if status, body := e.call("POST", "/products", `{"key":"jira","name":"Again"}`); status != 409 {
		t.Errorf("duplicate product: %d %v", status, body)
	}
	if status, _ := e.call("POST", "/products", `{"key":"Bad Key","name":"x"}`); status != 400 {
		t.Errorf("bad key: %d", status)
	}
	if status, _ := e.call("POST", "/products", `{"key":"wiki","name":"Wiki","extra":1}`); status != 400 {
		t.Errorf("unknown field: %d", status)
	}
	if status, body := e.call("GET", "/products/jira/access/ann@acme.test", ""); status != 200 || body["allowed"] != false || body["reason"] == nil {
		t.Errorf("before any grant: %d %v", status, body)
	}
	if status, body := e.call("PUT", "/products/jira/grants/"+eng, `{"role":"admin"}`); status != 200 || body["role"] != "admin" {
		t.Fatalf("grant: %d %v", status, body)
	}
	status, body := e.call("GET", "/products/jira/access/"+ann, "")
	via, _ := body["via"].([]any)
	if status != 200 || body["allowed"] != true || body["role"] != "admin" || len(via) != 1 || via[0].(map[string]any)["id"] != eng {
		t.Errorf("access after the grant: %d %v", status, body)
	}
	if _, body := e.call("GET", "/products/jira/access/nobody", ""); body["allowed"] != false {
		t.Errorf("an unknown user: %v", body)
	}
	if status, _ := e.call("GET", "/products/wiki/access/"+ann, ""); status != 404 {
		t.Errorf("an unknown product: %d", status)
	}

	// Domains make accounts managed; counts follow.
	if status, body := e.call("POST", "/domains", `{"domain":"gmail.com"}`); status != 400 || !strings.Contains(fmt.Sprint(body), "public mail") {
		t.Errorf("a public mail domain: %d %v", status, body)
	}
	if status, body := e.call("POST", "/domains", `{"domain":"Acme.Test"}`); status != 201 || body["status"] != "pending" || get(body, "dns", "value") == nil {
		t.Fatalf("add domain: %d %v", status, body)
	}
	if status, body := e.call("POST", "/domains/acme.test/verify", `{"method":"manual"}`); status != 200 || body["status"] != "verified" || body["method"] != "manual" {
		t.Fatalf("verify: %d %v", status, body)
	}
	if _, body := e.call("GET", "/users/ANN@acme.test", ""); body["account"] != "managed" || body["id"] != ann {
		t.Errorf("ann: %v", body)
	}
	if _, body := e.call("GET", "/users/"+ext, ""); body["account"] != "external" {
		t.Errorf("pat: %v", body)
	}
	if _, body := e.call("GET", "/products/jira/grants", ""); body["users"] != 2.0 || body["managed"] != 1.0 || body["external"] != 1.0 || len(body["grants"].([]any)) != 1 {
		t.Errorf("grants and counts: %v", body)
	}
	if status, _ := e.call("DELETE", "/products/jira/grants/"+eng, ""); status != 204 {
		t.Errorf("revoke: %d", status)
	}
	if _, body := e.call("GET", "/products/jira/access/"+ann, ""); body["allowed"] != false {
		t.Errorf("after revoking: %v", body)
	}

	// Every change is in the audit trail, under the admin who made it.
	_, body = e.call("GET", "/events?limit=1000", "")
	byAdmin := map[string]bool{}
	for _, ev := range body["events"].([]any) {
		m := ev.(map[string]any)
		if m["actor"] == "admin:ops@acme.test" {
			byAdmin[m["action"].(string)] = true
		}
	}
	for _, want := range []string{"product.created", "product.granted", "domain.added", "domain.verified", "product.revoked"} {
		if !byAdmin[want] {
			t.Errorf("no %s event by the admin (have %v)", want, byAdmin)
		}
	}
	if _, body := e.call("GET", fmt.Sprintf("/events?after=%v", body["next"]), ""); len(body["events"].([]any)) != 0 {
		t.Errorf("events after the last: %v", body)
	}
}

func TestConflictsAndUnlink(t *testing.T) {
	e := newEnv(t)
	ann := e.user("ann@acme.test")
	must(t, e.st.CreateProduct(ctx, &roster.Product{OrgID: e.org.ID, Key: "wiki", Name: "Wiki"}))
	local := roster.Group{DisplayName: "Editors", Attributes: []byte(`{"displayName":"Editors"}`)}
	must(t, e.st.CreateLocalGroup(ctx, e.org.ID, &local))
	must(t, e.st.GrantAccess(ctx, &roster.Grant{OrgID: e.org.ID, Product: "wiki", GroupID: local.ID, Role: roster.RoleUser}))
	synced := e.group("EDITORS", ann)

	_, body := e.call("GET", "/conflicts", "")
	list := body["conflicts"].([]any)
	if len(list) != 1 || get(list[0], "synced", "id") != synced || get(list[0], "local", "id") != local.ID {
		t.Fatalf("conflicts: %v", body)
	}
	if _, body := e.call("GET", "/groups/"+synced+"/link", ""); len(body["gain"].([]any)) != 1 || len(body["lose"].([]any)) != 0 {
		t.Errorf("preview: %v", body)
	}
	if status, body := e.call("POST", "/groups/"+synced+"/link", ""); status != 200 || body["linked"] != true {
		t.Errorf("link: %d %v", status, body)
	}
	if _, body := e.call("GET", "/products/wiki/access/"+ann, ""); body["allowed"] != true {
		t.Errorf("after linking: %v", body)
	}
	if status, body := e.call("POST", "/users/"+ann+"/unlink", ""); status != 200 || body["directoryId"] != "" {
		t.Errorf("unlink user: %d %v", status, body)
	}
	if status, body := e.call("POST", "/groups/"+synced+"/unlink", ""); status != 200 || body["local"] != true {
		t.Errorf("unlink group: %d %v", status, body)
	}
	if status, _ := e.call("POST", "/groups/"+synced+"/unlink", ""); status != 409 {
		t.Errorf("unlinking twice: %d", status)
	}
}

func get(v any, path ...string) any {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

// TestRenameAndDelete: products and local groups renamed (a taken name
// is 409 name_taken, a synced group's name 400) and deleted, with what
// access went.
func TestRenameAndDelete(t *testing.T) {
	e := newEnv(t)
	ann := e.user("ann@acme.test")
	for _, key := range []string{"jira", "wiki"} {
		if status, body := e.call("POST", "/products", `{"key":"`+key+`"}`); status != 201 {
			t.Fatalf("creating %s: %d %v", key, status, body)
		}
	}
	if status, body := e.call("PATCH", "/products/wiki", `{"name":"JIRA"}`); status != 409 || get(body, "error", "reason") != "name_taken" && errCode(body) == "" {
		t.Errorf("renaming wiki to JIRA: %d %v, want 409", status, body)
	}
	if status, body := e.call("PATCH", "/products/wiki", `{"name":"Confluence"}`); status != 200 || body["name"] != "Confluence" || body["key"] != "wiki" {
		t.Errorf("renaming wiki: %d %v", status, body)
	}
	if status, _ := e.call("PATCH", "/products/nope", `{"name":"X"}`); status != 404 {
		t.Errorf("renaming an unknown product: %d, want 404", status)
	}
	local := roster.Group{DisplayName: "Editors", Attributes: []byte(`{}`)}
	must(t, e.st.CreateLocalGroup(ctx, e.org.ID, &local))
	must(t, e.st.AddLocalMembers(ctx, e.org.ID, local.ID, []string{ann}))
	must(t, e.st.GrantAccess(ctx, &roster.Grant{OrgID: e.org.ID, Product: "wiki", GroupID: local.ID, Role: roster.RoleUser}))
	synced := e.group("Sales", ann)
	if status, body := e.call("PATCH", "/groups/"+synced, `{"displayName":"Sales EU"}`); status != 400 {
		t.Errorf("renaming a synced group: %d %v, want 400", status, body)
	}
	if status, body := e.call("PATCH", "/groups/"+local.ID, `{"displayName":"Wiki editors"}`); status != 200 || body["displayName"] != "Wiki editors" {
		t.Errorf("renaming the local group: %d %v", status, body)
	}
	status, body := e.call("DELETE", "/groups/"+local.ID, "")
	access, _ := body["access"].([]any)
	if status != 200 || len(access) != 1 || get(access[0], "product") != "wiki" || get(access[0], "usersLosingAccess") != 1.0 {
		t.Errorf("deleting the local group: %d %v, want wiki lost by one user", status, body)
	}
	if _, body := e.call("GET", "/products/wiki/access/"+ann, ""); body["allowed"] != false {
		t.Errorf("after deleting the group ann's access: %v", body)
	}
	if status, body := e.call("DELETE", "/products/jira", ""); status != 200 || body["deleted"] != true || body["usersLosingAccess"] != 0.0 {
		t.Errorf("deleting jira: %d %v", status, body)
	}
	if status, _ := e.call("DELETE", "/products/jira", ""); status != 404 {
		t.Errorf("deleting jira twice: %d, want 404", status)
	}
}

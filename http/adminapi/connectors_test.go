package adminapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/connectors"
	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/webhooks"
)

// TestConnectors: create (the token in, never out), list, show, update,
// pause and resume, preview, sync and the delivery log, through the same
// use case as the command line, against a directory of another
// organization of the same server as the application; bad input is a
// 4xx, never a 500.
func TestConnectors(t *testing.T) {
	e := newEnv(t)
	if status, body := e.call("POST", "/connectors", `{"product":"jira","url":"https://jira.example.com/scim","token":"t"}`); status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body), "no_secret_key") {
		t.Errorf("create without a server key: %d %v", status, body)
	}
	keys, _ := webhooks.ParseKey(webhooks.NewKey())
	srv := httptest.NewServer(server.Handler(server.Config{Store: e.st, Connectors: &connectors.Service{Store: e.st, Keys: keys, AllowPrivate: true}}))
	defer srv.Close()
	e.srv.Close()
	e.srv = srv

	app := roster.Org{Name: "App"}
	must(t, e.st.CreateOrg(ctx, &app))
	secret, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: app.ID, Name: "From Acme"}
	must(t, e.st.CreateDirectory(ctx, &dir, &tok))
	base := urls.DirectoryBase(srv.URL, dir.ID)

	must(t, e.st.CreateProduct(ctx, &roster.Product{OrgID: e.org.ID, Key: "jira", Name: "Jira"}))
	u := &roster.User{UserName: "ann@acme.test", Active: true, Attributes: []byte(`{"userName":"ann@acme.test"}`)}
	must(t, e.st.CreateUser(ctx, e.tenant, u))
	g := &roster.Group{DisplayName: "Jira users", Attributes: []byte(`{"displayName":"Jira users"}`)}
	must(t, e.st.CreateGroup(ctx, e.tenant, g, []string{u.ID}))
	must(t, e.st.GrantAccess(ctx, &roster.Grant{OrgID: e.org.ID, Product: "jira", GroupID: g.ID, Role: roster.RoleUser}))

	for _, body := range []string{`{"product":"jira","url":"ftp://x","token":"t"}`, `{"product":"jira","url":"` + base + `"}`,
		`{"product":"jira","url":"` + base + `","token":"t","onRevoke":"archive"}`, `{"product":"jira","url":"` + base + `","token":"t","groups":"yes"}`,
		`{"product":"jira","url":"` + base + `","token":"t","rateLimit":-1}`, `{"url":7}`} {
		if status, out := e.call("POST", "/connectors", body); status != http.StatusBadRequest {
			t.Errorf("create %s: %d %v, want 400", body, status, out)
		}
	}
	status, out := e.call("POST", "/connectors", `{"product":"jira","url":"`+base+`","token":"`+secret+`","name":"Jira"}`)
	if status != http.StatusCreated || out["id"] == nil || strings.Contains(fmt.Sprint(out), secret) {
		t.Fatalf("create: %d %v", status, out)
	}
	id := out["id"].(string)
	if status, out := e.call("GET", "/connectors/"+id+"/preview", ""); status != http.StatusOK || fmt.Sprint(out["counts"]) != "map[create:1]" {
		t.Errorf("preview: %d %v", status, out)
	}
	// A sync starts in the background: 202, with the connector to poll.
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/orgs/"+e.org.ID+"/connectors/"+id+"/sync", nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	var accepted map[string]any
	json.NewDecoder(resp.Body).Decode(&accepted)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusAccepted || loc != "/api/v1/orgs/"+e.org.ID+"/connectors/"+id || accepted["id"] != id || accepted["syncPending"] != true {
		t.Fatalf("sync: %d, Location %q, %v; want 202 with the connector pending", resp.StatusCode, loc, accepted)
	}
	var health map[string]any
	for range 500 {
		_, health = e.call("GET", strings.TrimPrefix(loc, "/api/v1/orgs/"+e.org.ID), "")
		if health["syncPending"] == false && health["lastRun"] != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if health["syncPending"] != false || health["inSync"] != 1.0 || health["lastError"] != nil {
		t.Fatalf("the connector after the background sync: %v", health)
	}
	// ?wait=true: within the request, with the result (nothing left to do).
	if status, out := e.call("POST", "/connectors/"+id+"/sync?wait=true", ""); status != http.StatusOK || out["full"] != true || fmt.Sprint(out["counts"]) != "map[]" || out["inSync"] != 1.0 {
		t.Errorf("sync?wait=true: %d %v", status, out)
	}
	if status, out := e.call("POST", "/connectors/"+id+"/sync?wait=maybe", ""); status != http.StatusBadRequest {
		t.Errorf("sync?wait=maybe: %d %v, want 400", status, out)
	}
	if status, out := e.call("GET", "/connectors/"+id+"/deliveries", ""); status != http.StatusOK || len(out["deliveries"].([]any)) != 1 {
		t.Errorf("deliveries: %d %v", status, out)
	}
	// Push again: the user the log names, at once; nothing named, or a
	// body that is not the shape, is a 400.
	userID := deliveredUser(t, e, "/connectors/"+id+"/deliveries")
	if status, out := e.call("POST", "/connectors/"+id+"/resend", `{"users":["`+userID+`"]}`); status != http.StatusOK || out["failed"] != 0.0 {
		t.Errorf("resend: %d %v", status, out)
	}
	for _, body := range []string{`{}`, `{"users":"x"}`, `{"groups":true}`} {
		if status, out := e.call("POST", "/connectors/"+id+"/resend", body); status != http.StatusBadRequest {
			t.Errorf("resend %s: %d %v, want 400", body, status, out)
		}
	}
	if status, out := e.call("POST", "/connectors/"+id+"/pause", ""); status != http.StatusOK || out["paused"] != true {
		t.Errorf("pause: %d %v", status, out)
	}
	if status, out := e.call("POST", "/connectors/"+id+"/resume", ""); status != http.StatusOK || out["paused"] != false {
		t.Errorf("resume: %d %v", status, out)
	}
	if status, out := e.call("PATCH", "/connectors/"+id, `{"onRevoke":"delete","rateLimit":0,"token":"`+secret+`"}`); status != http.StatusOK || out["onRevoke"] != "delete" || out["rateLimit"] != 0.0 {
		t.Errorf("update: %d %v", status, out)
	}
	if status, _ := e.call("PATCH", "/connectors/"+id, `{"onRevoke":"archive"}`); status != http.StatusBadRequest {
		t.Errorf("update onRevoke archive: %d", status)
	}
	status, list := e.call("GET", "/connectors", "")
	if status != http.StatusOK || !strings.Contains(fmt.Sprint(list), id) || strings.Contains(fmt.Sprint(list), secret) {
		t.Errorf("list: %d %v", status, list)
	}
	if status, _ := e.call("GET", "/connectors/nope", ""); status != http.StatusNotFound {
		t.Errorf("get unknown: %d", status)
	}
	if status, _ := e.call("DELETE", "/connectors/"+id, ""); status != http.StatusNoContent {
		t.Errorf("delete: %d", status)
	}
	if status, _ := e.call("POST", "/connectors/"+id+"/sync", ""); status != http.StatusNotFound {
		t.Errorf("sync after delete: %d", status)
	}
}

// deliveredUser is the user of the newest request in a connector's delivery log.
func deliveredUser(t *testing.T, e *env, path string) string {
	t.Helper()
	_, out := e.call("GET", path, "")
	ds, _ := out["deliveries"].([]any)
	if len(ds) == 0 {
		t.Fatalf("no delivery at %s: %v", path, out)
	}
	return ds[0].(map[string]any)["user"].(string)
}

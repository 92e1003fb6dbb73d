package adminapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/scimapi"
)

// TestDeleteOverSCIMRestoreOverAPI: an identity provider deletes a user and
// a group over SCIM; the admin API lists them, refuses the restore of a
// user whose userName was provisioned again (409 restore_clash), restores
// the group and another user with their membership, and changes the policy.
func TestDeleteOverSCIMRestoreOverAPI(t *testing.T) {
	e := newEnv(t)
	dir := roster.Directory{OrgID: e.org.ID, Name: "Okta"}
	secret, dtok := roster.NewTokenSecret()
	must(t, e.st.CreateDirectory(ctx, &dir, &dtok))
	scimSrv := httptest.NewServer(scimapi.New(scimapi.Config{Store: e.st}))
	t.Cleanup(scimSrv.Close)
	e.tenant = roster.DirectoryScope{OrgID: e.org.ID, DirectoryID: dir.ID}
	scim := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, scimSrv.URL+"/scim/v2/directories/"+dir.ID+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	ann := e.user("ann@acme.test")
	ben := e.user("ben@acme.test")
	grp := e.group("Sales", ann, ben)

	for _, p := range []string{"/Users/" + ann, "/Users/" + ben, "/Groups/" + grp} {
		if status, body := scim("DELETE", p, ""); status != http.StatusNoContent {
			t.Fatalf("SCIM DELETE %s: %d %s", p, status, body)
		}
		if status, _ := scim("GET", p, ""); status != http.StatusNotFound {
			t.Fatalf("SCIM GET %s after DELETE: %d, want 404", p, status)
		}
	}
	// The identity provider provisions ann again.
	if status, body := scim("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann@acme.test"}`); status != http.StatusCreated {
		t.Fatalf("re-provision ann: %d %s", status, body)
	}

	base := "/directories/" + dir.ID
	status, list := e.call("GET", base+"/deleted", "")
	if status != http.StatusOK || len(list["deleted"].([]any)) != 3 {
		t.Fatalf("deleted list: %d %v", status, list)
	}
	if status, list := e.call("GET", base+"/deleted?type=groups", ""); status != http.StatusOK || len(list["deleted"].([]any)) != 1 {
		t.Errorf("deleted groups: %d %v", status, list)
	}
	if status, body := e.call("GET", base+"/deleted?type=robots", ""); status != http.StatusBadRequest {
		t.Errorf("type=robots: %d %v", status, body)
	}

	status, body := e.call("POST", base+"/deleted/restore", `{"ids":["`+ann+`"]}`)
	if status != http.StatusConflict || get(body, "error", "reason") != string(roster.ReasonRestoreClash) {
		t.Fatalf("restore of re-provisioned ann: %d %v, want 409 %s", status, body, roster.ReasonRestoreClash)
	}
	status, body = e.call("POST", base+"/deleted/restore", `{"ids":["`+ben+`","`+grp+`"]}`)
	if status != http.StatusOK || body["restored"] != float64(2) {
		t.Fatalf("restore ben and Sales: %d %v", status, body)
	}
	status, raw := scim("GET", "/Groups/"+grp, "")
	if status != http.StatusOK || !strings.Contains(raw, ben) || strings.Contains(raw, ann) {
		t.Errorf("restored Sales over SCIM: %d %s; want ben as its only member", status, raw)
	}
	if status, _ := scim("GET", "/Users/"+ben, ""); status != http.StatusOK {
		t.Errorf("restored ben over SCIM: %d", status)
	}
	if status, body := e.call("POST", base+"/deleted/restore", `{"ids":["nope"]}`); status != http.StatusNotFound {
		t.Errorf("restore of an unknown ID: %d %v", status, body)
	}
	if status, body := e.call("POST", base+"/deleted/restore", `{"ids":[]}`); status != http.StatusBadRequest {
		t.Errorf("restore of nothing: %d %v", status, body)
	}
	if status, body := e.call("POST", base+"/deleted/restore", `{"since":"yesterday"}`); status != http.StatusBadRequest {
		t.Errorf("since=yesterday: %d %v", status, body)
	}

	// The policy.
	if status, body := e.call("GET", base+"/deletion-policy", ""); status != http.StatusOK || body["retention"] != "30d" || body["massPercent"] != float64(10) {
		t.Errorf("default policy: %d %v", status, body)
	}
	if status, body := e.call("PUT", base+"/deletion-policy", `{"retention":"7d","massPercent":20}`); status != http.StatusOK || body["retention"] != "7d" || body["massPercent"] != float64(20) {
		t.Errorf("set policy: %d %v", status, body)
	}
	if status, body := e.call("PUT", base+"/deletion-policy", `{"retention":"-1d"}`); status != http.StatusBadRequest {
		t.Errorf("negative retention: %d %v", status, body)
	}
	if status, body := e.call("GET", "/directories/nope/deleted", ""); status != http.StatusNotFound {
		t.Errorf("unknown directory: %d %v", status, body)
	}
}

package adminapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestDirectoriesAndTokens: the admin API makes directories and tokens by
// the same rules as the console and the command line: the secret once, a
// rotation that keeps the lifetime, single-use rotation, grace capped.
func TestDirectoriesAndTokens(t *testing.T) {
	e := newEnv(t)
	base := "/directories"
	status, d := e.call("POST", base, `{"name": "Okta", "expires": "90d"}`)
	if status != http.StatusCreated {
		t.Fatalf("create directory: %d %v", status, d)
	}
	tok := d["token"].(map[string]any)
	if !strings.HasPrefix(tok["secret"].(string), "roster_") || !strings.HasSuffix(d["baseUrl"].(string), "/scim/v2/directories/"+d["id"].(string)) {
		t.Fatalf("create directory answered %v", d)
	}
	status, list := e.call("GET", base+"/"+d["id"].(string)+"/tokens", "")
	if status != http.StatusOK || strings.Contains(fmt.Sprint(list), tok["secret"].(string)) {
		t.Fatalf("token list: %d, or it shows the secret: %v", status, list)
	}
	rotate := base + "/" + d["id"].(string) + "/tokens/" + tok["id"].(string) + "/rotate"
	if status, body := e.call("POST", rotate, `{"grace": "31d"}`); status != http.StatusBadRequest {
		t.Errorf("a 31-day grace: %d %v", status, body)
	}
	// Ten rotations of one token at once: one wins, nine are refused.
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	var winner map[string]any
	for range 10 {
		wg.Go(func() {
			status, body := e.call("POST", rotate, `{"grace": "1h"}`)
			mu.Lock()
			defer mu.Unlock()
			statuses[status]++
			if status == http.StatusCreated {
				winner = body
			}
		})
	}
	wg.Wait()
	if statuses[http.StatusCreated] != 1 || statuses[http.StatusConflict] != 9 {
		t.Fatalf("ten concurrent rotations answered %v, want one 201 and nine 409", statuses)
	}
	if winner["replaced"].(map[string]any)["retiring"] != true {
		t.Errorf("the rotated token is not retiring: %v", winner["replaced"])
	}
	if got, want := winner["expires"].(string)[:10], tok["expires"].(string)[:10]; got < want {
		t.Errorf("the successor of a 90-day token expires %s, before the 90-day mark %s", got, want)
	}
	status, body := e.call("POST", rotate, "")
	if status != http.StatusConflict || body["error"].(map[string]any)["reason"] != "token_replaced" {
		t.Errorf("rotating the retiring token again: %d %v, want 409 with reason token_replaced", status, body)
	}
}

// TestDirectoryStrictSetting: PATCH on a directory turns strict mode on and
// off; the directory reads back with it; an unknown directory is a 404 and
// a body without the setting (or with another) is a 400.
func TestDirectoryStrictSetting(t *testing.T) {
	e := newEnv(t)
	status, d := e.call("POST", "/directories", `{"name": "Okta"}`)
	if status != http.StatusCreated || d["strict"] != false {
		t.Fatalf("create directory: %d %v, want strict false", status, d)
	}
	path := "/directories/" + d["id"].(string)
	if status, body := e.call("PATCH", path, `{"strict": true}`); status != http.StatusOK || body["strict"] != true {
		t.Fatalf("PATCH strict true: %d %v", status, body)
	}
	if _, list := e.call("GET", "/directories", ""); !strings.Contains(fmt.Sprint(list), "strict:true") {
		t.Errorf("the list does not show the directory strict: %v", list)
	}
	for _, body := range []string{`{}`, `{"strict": "yes"}`, `{"strikt": true}`} {
		if status, resp := e.call("PATCH", path, body); status != http.StatusBadRequest {
			t.Errorf("PATCH %s: %d %v, want 400", body, status, resp)
		}
	}
	if status, body := e.call("PATCH", "/directories/no-such-directory", `{"strict": true}`); status != http.StatusNotFound {
		t.Errorf("PATCH of an unknown directory: %d %v, want 404", status, body)
	}
	if status, body := e.call("PATCH", path, `{"strict": false}`); status != http.StatusOK || body["strict"] != false {
		t.Errorf("PATCH strict false: %d %v", status, body)
	}
}

// TestDeleteDirectory: DELETE on a directory needs its name in ?confirm=,
// as the console and the command line ask; it answers what went, and the
// directory is gone (a second DELETE is a 404).
func TestDeleteDirectory(t *testing.T) {
	e := newEnv(t)
	status, d := e.call("POST", "/directories", `{"name": "Okta"}`)
	if status != http.StatusCreated {
		t.Fatalf("create directory: %d %v", status, d)
	}
	path := "/directories/" + d["id"].(string)
	for _, confirm := range []string{"", "okta", "Other"} {
		status, body := e.call("DELETE", path+"?confirm="+confirm, "")
		if status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body), "nothing was deleted") {
			t.Errorf("DELETE with confirm %q: %d %v, want 400 saying nothing was deleted", confirm, status, body)
		}
	}
	if status, body := e.call("DELETE", path+"?confirm=Okta", ""); status != http.StatusOK || body["deleted"] != true || body["users"] != 0.0 || body["name"] != "Okta" {
		t.Errorf("DELETE confirmed: %d %v", status, body)
	}
	if status, body := e.call("DELETE", path+"?confirm=Okta", ""); status != http.StatusNotFound {
		t.Errorf("DELETE again: %d %v, want 404", status, body)
	}
	if _, list := e.call("GET", "/directories", ""); strings.Contains(fmt.Sprint(list), d["id"].(string)) {
		t.Errorf("the deleted directory is still listed: %v", list)
	}
}

package scimapi_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/scimapi"
	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
)

// TestRateLimitPerToken: a token over its rate gets 429 with Retry-After
// and a SCIM error; another token of the same directory is not affected.
func TestRateLimitPerToken(t *testing.T) {
	st, org := sqlitetest.New(t)
	dir, first := sqlitetest.Directory(t, st, org, "Entra")
	second, tok2 := roster.NewTokenSecret()
	tok2.OrgID, tok2.DirectoryID, tok2.Name = org.ID, dir.ID, "second"
	if err := st.CreateToken(bg, &tok2); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.Handler(server.Config{Store: st, RateLimit: 0.5, RateBurst: 3}))
	defer srv.Close()
	get := func(secret string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+scimapi.Prefix+dir.ID+"/Users", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i := 0; i < 3; i++ {
		if resp := get(first); resp.StatusCode != 200 {
			t.Fatalf("request %d within the burst: %d", i, resp.StatusCode)
		}
	}
	resp := get(first)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Content-Type") != "application/scim+json" {
		t.Fatalf("over the limit: %d %s, want 429 SCIM error", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 2 {
		t.Errorf("Retry-After = %q, want the 1-2 seconds until a request is allowed at 0.5/s", resp.Header.Get("Retry-After"))
	}
	if resp := get(second); resp.StatusCode != 200 {
		t.Errorf("another token is limited too: %d", resp.StatusCode)
	}
}

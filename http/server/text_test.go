package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/scimapi"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
	"github.com/rosterhq/roster/storage/sqlite"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestNonTextIsRefused: what is not text (invalid UTF-8, NUL) in a path
// or a body gets a 400 from the SCIM and admin APIs on every backend,
// never a 500 (PostgreSQL refuses to store or even compare such values)
// and is never stored (SQLite would).
func TestNonTextIsRefused(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "roster.db"))
		if err != nil {
			t.Fatal(err)
		}
		testNonTextIsRefused(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.DSN(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		testNonTextIsRefused(t, st)
	})
}

func testNonTextIsRefused(t *testing.T, st roster.Store) {
	defer st.Close()
	ctx := context.Background()
	org := roster.Org{Name: "Acme"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.CreateOrg(ctx, &org))
	secret, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: org.ID, Name: "Okta"}
	must(st.CreateDirectory(ctx, &dir, &tok))
	admin := roster.Admin{OrgID: org.ID, Email: "root@acme.test"}
	must(st.CreateAdmin(ctx, &admin))
	adminSecret, at := roster.NewAdminTokenSecret()
	at.OrgID, at.AdminID, at.Kind, at.Expires = org.ID, admin.ID, roster.AdminAPI, time.Now().Add(time.Hour)
	must(st.CreateAdminToken(ctx, &at))

	srv := httptest.NewServer(Handler(Config{Store: st, PublicURL: "http://roster.test", Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	base := srv.URL + scimapi.Prefix + dir.ID
	api := srv.URL + "/api/v1/orgs/" + org.ID
	for _, c := range []struct {
		method, url, token, body string
		status                   int
	}{
		{"GET", base + "/Users/%ff", secret, "", 400},
		{"GET", base + "/Users/a%00", secret, "", 400},
		{"DELETE", base + "/Groups/%ff", secret, "", 400},
		{"GET", srv.URL + scimapi.Prefix + "%ff/Users", secret, "", 400},
		{"POST", base + "/Users", secret, `{"userName":"a\u0000b"}`, 400},
		{"POST", base + "/Users", secret, `{"userName":"ann","name":{"givenName":"x\u0000"}}`, 400},
		{"POST", base + "/Users", secret, `{"userName":"ann","urn:x\u0000":1}`, 400},
		{"POST", base + "/Groups", secret, `{"displayName":"g\u0000"}`, 400},
		{"PATCH", base + "/Users/x", secret, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"title","value":"\u0000"}]}`, 400},
		{"GET", srv.URL + "/api/v1/orgs/%ff/products", adminSecret, "", 400},
		{"GET", api + "/users/%ff", adminSecret, "", 400},
		{"POST", api + "/products", adminSecret, `{"key":"jira","name":"J\u0000"}`, 400},
		{"POST", api + "/products", adminSecret, "{\"key\":\"jira\",\"name\":\"J\xff\"}", 400},
	} {
		req, _ := http.NewRequest(c.method, c.url, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+c.token)
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("%s %s %s: %v", c.method, c.url, c.body, err)
			continue
		}
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("%s %s %s: %d, want %d", c.method, c.url, c.body, res.StatusCode, c.status)
		}
	}
	if users, err := st.ListUsers(ctx, roster.DirectoryScope{OrgID: org.ID, DirectoryID: dir.ID}, roster.Query{StartIndex: 1, Count: 10}); err != nil || users.Total != 0 {
		t.Errorf("users stored: %v, %v", users, err)
	}
}

package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/http/urls"
)

// TestSecretsNotRecorded: a sign-in link's secret, the first-run page's
// token and a token sent in the query string reach neither the process
// log nor the request log admins read (issue 12, findings 3 and 10).
func TestSecretsNotRecorded(t *testing.T) {
	ctx := context.Background()
	st, org, dir, secret := newDirectory(t, "Entra ID")
	const (
		linkSecret  = "link-secret-4f1c9a"
		setupSecret = "setup-secret-77b2e0"
	)
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	requests := NewRequestLog(st, log, time.Hour)
	srv := httptest.NewServer(Handler(Config{Store: st, PublicURL: "http://roster.test", Logger: log, RequestLog: requests,
		SetupToken: setupSecret}))
	defer srv.Close()

	base := urls.DirectoryBase(srv.URL, dir.ID)
	for _, u := range []string{
		srv.URL + "/orgs/" + org.ID + "/signin/" + linkSecret,
		srv.URL + "/signin/" + linkSecret,
		srv.URL + "/setup/" + setupSecret,
		base + "/Users?access_token=" + url.QueryEscape(secret) + "&count=1",
		base + "/Users?token=" + url.QueryEscape(secret),
		base + "/Users?filter=userName+eq+%22x%22&api_key=" + url.QueryEscape(secret),
	} {
		req, _ := http.NewRequest("GET", u, nil)
		if strings.HasPrefix(u, base) {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	requests.Close()

	out := logs.String()
	if !strings.Contains(out, "/signin/REDACTED") || !strings.Contains(out, "/setup/REDACTED") {
		t.Errorf("the request lines do not show the redacted paths:\n%s", out)
	}
	for _, s := range []string{linkSecret, setupSecret, secret} {
		if strings.Contains(out, s) {
			t.Errorf("the process log carries the secret %q:\n%s", s, out)
		}
	}
	rows, err := st.ListRequests(ctx, org.ID, dir.ID, false, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d requests in the request log, want 3: %+v", len(rows), rows)
	}
	for _, r := range rows {
		if strings.Contains(r.Path+r.Error, secret) || !strings.Contains(r.Path, "=REDACTED") {
			t.Errorf("request log row %q carries the token, or does not show it redacted", r.Path)
		}
	}
	if rows[2].Path != "/Users?access_token=REDACTED&count=1" {
		t.Errorf("oldest row = %q, want the query kept but its token", rows[2].Path)
	}
}

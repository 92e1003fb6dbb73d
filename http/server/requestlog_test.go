package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/urls"
)

// TestRequestLog: every authenticated request is recorded, with the
// error's detail and never the token; a rejected one is only counted, for
// a directory that exists.
func TestRequestLog(t *testing.T) {
	ctx := context.Background()
	st, org, dir, secret := newDirectory(t, "Entra ID")
	revokedSecret, revoked := roster.NewTokenSecret()
	revoked.OrgID, revoked.DirectoryID = org.ID, dir.ID
	if err := st.CreateToken(ctx, &revoked); err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeToken(ctx, roster.DirectoryScope{OrgID: org.ID, DirectoryID: dir.ID}, revoked.ID); err != nil {
		t.Fatal(err)
	}

	log := NewRequestLog(st, slog.New(slog.DiscardHandler), time.Hour)
	srv := httptest.NewServer(routes(Config{Store: st, PublicURL: "http://roster.test", Logger: slog.New(slog.DiscardHandler), RequestLog: log}))
	defer srv.Close()
	base := urls.DirectoryBase(srv.URL, dir.ID)
	send := func(method, url, token string) int {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		req.Header.Set("User-Agent", "Azure-SCIM-Client/1.0")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	statuses := []int{
		send("GET", base+"/Users?filter=userName+eq+%22ann%40acme.test%22", secret),
		send("GET", base+"/Users?filter=nonsense", secret),
		send("GET", base+"/Users", revokedSecret),
		send("DELETE", base+"/Groups/missing", secret),
		send("GET", urls.DirectoryBase(srv.URL, "no-such-directory")+"/Users", secret),
	}
	if want := []int{200, 400, 401, 404, 401}; !slices.Equal(statuses, want) {
		t.Fatalf("statuses = %v, want %v", statuses, want)
	}
	log.Close()

	got, err := st.ListRequests(ctx, org.ID, dir.ID, false, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d requests recorded, want the 3 authenticated ones: %+v", len(got), got)
	}
	// Newest first.
	want := []struct {
		method, path string
		status       int
		err          string
	}{
		{"DELETE", "/Groups/missing", 404, "missing"},
		{"GET", "/Users?filter=nonsense", 400, "invalidFilter: "},
		{"GET", `/Users?filter=userName eq "ann@acme.test"`, 200, ""},
	}
	for i, w := range want {
		r := got[i]
		if r.Method != w.method || r.Path != w.path || r.Status != w.status || (w.err == "") != (r.Error == "") || !strings.Contains(r.Error, w.err) {
			t.Errorf("request %d = %s %s %d %q; want %s %s %d with %q", i, r.Method, r.Path, r.Status, r.Error, w.method, w.path, w.status, w.err)
		}
		if r.UserAgent != "Azure-SCIM-Client/1.0" || r.Time.IsZero() || r.Duration <= 0 {
			t.Errorf("request %d lacks its user agent, time or duration: %+v", i, r)
		}
		if strings.Contains(r.Path+r.Error, secret) || strings.Contains(r.Path+r.Error, revokedSecret) {
			t.Errorf("request %d carries a token: %+v", i, r)
		}
	}
	stats, err := st.GetRequestStats(ctx, org.ID, dir.ID, time.Now().Add(-time.Hour))
	if err != nil || stats.Total != 3 || stats.Errors != 2 || stats.Rejected != 1 || stats.Last == nil || stats.Last.Method != "DELETE" {
		t.Errorf("RequestStats = %+v, %v; want 3 requests, 2 errors, 1 rejected, last the DELETE", stats, err)
	}
}

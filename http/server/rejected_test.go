package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/console"
	"github.com/rosterhq/roster/http/scimapi"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
	"github.com/rosterhq/roster/storage/sqlite"
)

// TestRejectedRequests: requests that fail authentication cost O(1)
// storage, never change the directory's health, and are rate-limited per
// address before any database work (issue 12 finding 1, issue 14 item 4).
func TestRejectedRequests(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "roster.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		testRejectedRequests(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.DSN(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		testRejectedRequests(t, st)
	})
}

// lookupCounter is the real store, counting the token lookups that
// authentication makes: the database work a bad token can cause.
type lookupCounter struct {
	roster.Store
	lookups atomic.Int64
}

func (c *lookupCounter) ListTokensByPrefix(ctx context.Context, dirID, prefix string) ([]roster.Token, error) {
	c.lookups.Add(1)
	return c.Store.ListTokensByPrefix(ctx, dirID, prefix)
}

// clientFrom is an HTTP client whose connections come from the loopback
// address ip, so that the server sees another client address.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func testRejectedRequests(t *testing.T, st roster.Store) {
	ctx := context.Background()
	org := roster.Org{Name: "Acme"}
	if err := st.CreateOrg(ctx, &org); err != nil {
		t.Fatal(err)
	}
	good, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: org.ID, Name: "Entra ID"}
	if err := st.CreateDirectory(ctx, &dir, &tok); err != nil {
		t.Fatal(err)
	}
	bad, _ := roster.NewTokenSecret() // well-formed, so that it is looked up
	counted := &lookupCounter{Store: st}
	start := time.Now()

	// serve starts the whole surface with a request log; the returned
	// function stops both and so writes what the log holds.
	serve := func(failedRate float64, failedBurst int) (string, func()) {
		requests := NewRequestLog(counted, slog.New(slog.DiscardHandler), time.Hour)
		srv := httptest.NewServer(Handler(Config{Store: counted, PublicURL: "http://roster.test", RequestLog: requests,
			FailedAuthRate: failedRate, FailedAuthBurst: failedBurst}))
		return urls.DirectoryBase(srv.URL, dir.ID), func() { srv.Close(); requests.Close() }
	}
	send := func(c *http.Client, url, token, agent string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("User-Agent", agent)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	const entra = "Azure-SCIM-Client/1.0"
	a, b := clientFrom("127.0.0.1"), clientFrom("127.0.0.2")

	t.Run("counted, not logged", func(t *testing.T) {
		base, stop := serve(1e6, 1e6) // no limit: every bad token reaches the store
		if res := send(b, base+"/Users", good, entra); res.StatusCode != 200 {
			t.Fatalf("good token: %d", res.StatusCode)
		}
		var wg sync.WaitGroup
		var unauthorized atomic.Int64
		for w := 0; w < 8; w++ {
			wg.Go(func() {
				for i := 0; i < 125; i++ {
					if send(a, base+"/Users?filter=userName+eq+%22x%22", bad, "Okta SCIM Client 1.0").StatusCode == 401 {
						unauthorized.Add(1)
					}
				}
			})
		}
		wg.Wait()
		// The last word is a wrong token sent by "Okta": it must not make
		// the directory an Okta directory, nor its last request a failure.
		send(a, base+"/Users", bad, "Okta")
		stop()
		if unauthorized.Load() != 1000 {
			t.Fatalf("%d of 1,000 bad tokens got 401", unauthorized.Load())
		}
		rows, err := st.ListRequests(ctx, org.ID, dir.ID, false, 100)
		if err != nil || len(rows) != 1 {
			t.Fatalf("request log = %d rows, %v; want the one authenticated request", len(rows), err)
		}
		counts, err := st.ListRequestCounts(ctx, org.ID, dir.ID, start.Add(-time.Hour))
		if hours := int(time.Now().UTC().Truncate(time.Hour).Sub(start.UTC().Truncate(time.Hour))/time.Hour) + 1; err != nil || len(counts) > hours {
			t.Errorf("request counts = %+v, %v; want at most one row per hour", counts, err)
		}
		stats, err := st.GetRequestStats(ctx, org.ID, dir.ID, start.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if stats.Rejected != 1001 || stats.Total != 1 || stats.Errors != 0 {
			t.Errorf("stats = %+v; want 1 request, no errors, 1001 rejected", stats)
		}
		if stats.Last == nil || stats.Last.Status != 200 || stats.Last.UserAgent != entra || console.IdentityProvider(stats.Last.UserAgent) != "Microsoft Entra ID" {
			t.Errorf("last request = %+v; want the authenticated one from Entra ID", stats.Last)
		}
	})

	t.Run("a flood is refused before the store", func(t *testing.T) {
		before, _ := st.GetRequestStats(ctx, org.ID, dir.ID, start.Add(-time.Hour))
		base, stop := serve(0, 0) // the defaults
		lookups := counted.lookups.Load()
		var limited int
		var res *http.Response
		floodStart := time.Now()
		for i := 0; i < 1000; i++ {
			res = send(a, base+"/Users", bad, "flood")
			if res.StatusCode == http.StatusTooManyRequests {
				limited++
			}
		}
		floodLookups := counted.lookups.Load() - lookups
		// The bucket refills while the flood is sent (slowly, under the
		// race detector on a loaded machine): what may pass is the burst
		// plus the refill over the flood's duration, and no more.
		allowed := scimapi.DefaultFailedAuthBurst + int(scimapi.DefaultFailedAuthRate*time.Since(floodStart).Seconds()) + 2
		if limited < 1000-allowed || floodLookups > int64(allowed) {
			t.Errorf("of 1,000 bad tokens from one address %d got 429 and %d were looked up; want all but the burst and its refill (%d) refused unread",
				limited, floodLookups, allowed)
		}
		if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 {
			t.Errorf("429 Retry-After = %q", res.Header.Get("Retry-After"))
		}
		// The SCIM error body.
		req, _ := http.NewRequest("GET", base+"/Users", nil)
		req.Header.Set("Authorization", "Bearer "+bad)
		r, err := a.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Schemas []string
			Status  string
		}
		json.NewDecoder(r.Body).Decode(&body)
		r.Body.Close()
		if r.StatusCode != 429 || r.Header.Get("Content-Type") != "application/scim+json" || body.Status != "429" || len(body.Schemas) != 1 {
			t.Errorf("refused request: %d %s %+v; want a SCIM 429", r.StatusCode, r.Header.Get("Content-Type"), body)
		}
		// Another address's good token goes through meanwhile.
		if res := send(b, base+"/Users", good, entra); res.StatusCode != 200 {
			t.Errorf("another address's good token during the flood: %d", res.StatusCode)
		}
		stop()
		after, _ := st.GetRequestStats(ctx, org.ID, dir.ID, start.Add(-time.Hour))
		// Counted are the rejections that were looked up: the flood's, and
		// the SCIM-body request after it if the bucket had refilled.
		if got := int64(after.Rejected - before.Rejected); got < floodLookups || got > floodLookups+1 {
			t.Errorf("rejected went up by %d; want the %d looked up during the flood (and perhaps the one after it)", got, floodLookups)
		}
		if after.Total != before.Total+1 {
			t.Errorf("total %d -> %d; want one more, the good token's", before.Total, after.Total)
		}
	})
}

package conformance

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// expiringTokens makes, in f's directory, tokens that expire in each of
// the given numbers of days (negative: already expired), and returns them.
func expiringTokens(t *testing.T, s roster.Store, f fixture, now time.Time, days ...float64) []roster.Token {
	var out []roster.Token
	for _, d := range days {
		_, tok := roster.NewTokenSecret()
		tok.OrgID, tok.DirectoryID, tok.Name = f.org.ID, f.dir.ID, "entra"
		tok.Expires = now.Add(time.Duration(d * float64(24*time.Hour))).UTC().Truncate(time.Microsecond)
		must(t, s.CreateToken(ctx, &tok))
		out = append(out, tok)
	}
	return out
}

// testTokenExpiry: directory.token_expiring is written once per token and
// warning, for tokens that still work, with its payload.
func testTokenExpiry(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	now := time.Now()
	toks := expiringTokens(t, s, f, now, 2, 10, 30, -1)
	_, never := roster.NewTokenSecret()
	never.OrgID, never.DirectoryID, never.Name = f.org.ID, f.dir.ID, "never"
	must(t, s.CreateToken(ctx, &never))
	revoked := expiringTokens(t, s, f, now, 1)[0]
	must(t, s.RevokeToken(ctx, f.tenant, revoked.ID))
	seq := newestSeq(t, s, f.org.ID)

	warn := func(days, want int) {
		t.Helper()
		n, err := s.CreateTokenExpiryEvents(ctx, now, days, 100)
		if err != nil || n != want {
			t.Errorf("%d-day warnings: %d (%v), want %d", days, n, err, want)
		}
	}
	warn(3, 1)  // the 2-day token
	warn(14, 1) // the 10-day one; the 2-day one has had a nearer warning
	warn(14, 0) // once only
	warn(3, 0)
	ev := eventsSince(t, s, f.org.ID, seq)
	if len(ev) != 2 {
		t.Fatalf("warnings wrote %v", actions(ev))
	}
	for i, want := range []struct {
		tok  roster.Token
		days int
	}{{toks[0], 3}, {toks[1], 14}} {
		var d roster.TokenExpiringData
		must(t, json.Unmarshal(ev[i].Data, &d))
		if ev[i].Action != roster.EventTokenExpiring || ev[i].DirectoryID != f.dir.ID || d.TokenID != want.tok.ID || d.DaysLeft != want.days ||
			!d.Expires.Equal(want.tok.Expires) || d.DirectoryID != f.dir.ID || d.TokenName != "entra" {
			t.Errorf("warning %d = %s %s", i, ev[i].Action, ev[i].Data)
		}
	}
	// Twelve days on, the 10-day token is within three days: its second
	// warning.
	n, err := s.CreateTokenExpiryEvents(ctx, now.Add(8*24*time.Hour), 3, 100)
	if err != nil || n != 1 {
		t.Errorf("the second warning: %d %v", n, err)
	}
}

// testTokenExpiryOnTwoNodes: two nodes writing the warnings at once
// write each one once.
func testTokenExpiryOnTwoNodes(t *testing.T, a, b roster.Store) {
	f := newFixture(t, a, "Acme")
	now := time.Now()
	days := make([]float64, 30)
	for i := range days {
		days[i] = 1 + float64(i)/20 // all within three days
	}
	expiringTokens(t, a, f, now, days...)
	var wg sync.WaitGroup
	counts := make([]int, 8)
	for i := range counts {
		wg.Go(func() {
			node := a
			if i%2 == 1 {
				node = b
			}
			for {
				n, err := node.CreateTokenExpiryEvents(ctx, now, 3, 4)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
				counts[i] += n
			}
		})
	}
	wg.Wait()
	// A node can find the rows it picked taken by the other and stop
	// early; what is left is drained here, and still nothing twice.
	for {
		n, err := a.CreateTokenExpiryEvents(ctx, now, 3, 100)
		must(t, err)
		if n == 0 {
			break
		}
		counts[0] += n
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	events, err := a.SearchEvents(ctx, f.org.ID, roster.EventFilter{Action: roster.EventTokenExpiring}, 1000)
	must(t, err)
	if total != 30 || len(events) != 30 {
		t.Errorf("30 tokens got %d warnings (%d events) from two nodes", total, len(events))
	}
}

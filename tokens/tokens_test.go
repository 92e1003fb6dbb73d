package tokens_test

import (
	"context"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/directories"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
	"github.com/rosterhq/roster/tokens"
)

var ctx = context.Background()

func newDirectory(t *testing.T, lifetime time.Duration) (roster.Store, *directories.Created) {
	t.Helper()
	s, org := sqlitetest.New(t)
	d, err := (&directories.Service{Store: s}).Create(ctx, org.ID, "Okta", lifetime)
	if err != nil {
		t.Fatal(err)
	}
	return s, d
}

// TestRotationKeepsLifetime: a 90-day token is followed by a 90-day token,
// not by one of the default year; a lifetime given explicitly wins.
func TestRotationKeepsLifetime(t *testing.T) {
	s, d := newDirectory(t, 90*24*time.Hour)
	svc := tokens.Service{Store: s}
	r, err := svc.Rotate(ctx, &d.Directory, d.Token, tokens.Rotation{Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if got := tokens.Lifetime(r.Token); got != 90*24*time.Hour {
		t.Errorf("the successor of a 90-day token lives %v", got)
	}
	if r.Token.Name != d.Token.Name || r.Replaced.ReplacedBy != r.Token.ID {
		t.Errorf("successor %+v of %+v: want the same name, and the old one naming it", r.Token, r.Replaced)
	}
	week := 7 * 24 * time.Hour
	r2, err := svc.Rotate(ctx, &d.Directory, r.Token, tokens.Rotation{Lifetime: &week})
	if err != nil {
		t.Fatal(err)
	}
	if got := tokens.Lifetime(r2.Token); got != week {
		t.Errorf("an explicit lifetime of a week gave %v", got)
	}
	never := time.Duration(0)
	r3, err := svc.Rotate(ctx, &d.Directory, r2.Token, tokens.Rotation{Lifetime: &never})
	if err != nil {
		t.Fatal(err)
	}
	r4, err := svc.Rotate(ctx, &d.Directory, r3.Token, tokens.Rotation{})
	if err != nil {
		t.Fatal(err)
	}
	if !r4.Token.Expires.IsZero() {
		t.Errorf("the successor of a token that never expires expires %v", r4.Token.Expires)
	}
}

// TestRotationRules: a retiring token cannot be rotated again; the grace
// period is capped at 30 days on every surface (they all call Rotate);
// the old token's end is the grace's end, or its own earlier expiry.
func TestRotationRules(t *testing.T) {
	s, d := newDirectory(t, 365*24*time.Hour)
	svc := tokens.Service{Store: s}
	if _, err := svc.Rotate(ctx, &d.Directory, d.Token, tokens.Rotation{Grace: 31 * 24 * time.Hour}); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("a 31-day grace: %v, want EInvalid", err)
	}
	r, err := svc.Rotate(ctx, &d.Directory, d.Token, tokens.Rotation{Grace: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if until := time.Until(r.Replaced.Expires); until < time.Hour || until > 2*time.Hour {
		t.Errorf("the old token ends in %v, want the 2-hour grace", until)
	}
	list, err := s.ListTokens(ctx, d.Directory.OrgID, d.Directory.ID)
	if err != nil {
		t.Fatal(err)
	}
	old, err := tokens.Find(list, d.Token.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !old.Retiring(time.Now()) {
		t.Errorf("the rotated token as stored is %+v, want it retiring", old)
	}
	if _, err := svc.Rotate(ctx, &d.Directory, old, tokens.Rotation{Grace: time.Hour}); roster.ReasonOf(err) != roster.ReasonTokenReplaced {
		t.Errorf("rotating a retiring token: %v, want %s", err, roster.ReasonTokenReplaced)
	}
	// The only token that can be meant without naming one is the successor.
	only, err := tokens.Find(list, "", time.Now())
	if err != nil || only.ID != r.Token.ID {
		t.Errorf("Find(\"\") = %+v, %v; want the successor", only, err)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"": tokens.DefaultLifetime, "never": 0, "0": 0, "90": 90 * 24 * time.Hour, "90d": 90 * 24 * time.Hour, "12h": 12 * time.Hour,
	} {
		if got, err := tokens.ParseLifetime(in); err != nil || got != want {
			t.Errorf("ParseLifetime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"-1d", "3651d", "soon", "1.5d", "-3h"} {
		if _, err := tokens.ParseLifetime(bad); roster.ErrorCodeOf(err) != roster.EInvalid {
			t.Errorf("ParseLifetime(%q) = %v, want EInvalid", bad, err)
		}
	}
	for in, want := range map[string]time.Duration{"": tokens.DefaultGrace, "0s": 0, "0": 0, "720h": tokens.MaxGrace, "30d": tokens.MaxGrace} {
		if got, err := tokens.ParseGrace(in); err != nil || got != want {
			t.Errorf("ParseGrace(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"31d", "721h", "-1h", "x"} {
		if _, err := tokens.ParseGrace(bad); roster.ErrorCodeOf(err) != roster.EInvalid {
			t.Errorf("ParseGrace(%q) = %v, want EInvalid", bad, err)
		}
	}
}

func TestDefaultNames(t *testing.T) {
	s, d := newDirectory(t, 0)
	if d.Token.Name != "Okta token" {
		t.Errorf("first token named %q", d.Token.Name)
	}
	c, err := (&tokens.Service{Store: s}).Create(ctx, &d.Directory, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Token.Name != "Okta token 2" {
		t.Errorf("second token named %q, want %q", c.Token.Name, "Okta token 2")
	}
}

// TestWarnExpiring: a token two days from its expiry gets one warning,
// the three-day one, not the two-week one as well; the system is its actor.
func TestWarnExpiring(t *testing.T) {
	s, d := newDirectory(t, 2*24*time.Hour)
	now := time.Now()
	if n, err := tokens.WarnExpiringDue(ctx, s, now); err != nil || n != 1 {
		t.Fatalf("warnings: %d %v", n, err)
	}
	if n, err := tokens.WarnExpiringDue(ctx, s, now.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("an hour later: %d more warnings, %v", n, err)
	}
	events, err := s.SearchEvents(ctx, d.Directory.OrgID, roster.EventFilter{Action: roster.EventTokenExpiring}, 10)
	if err != nil || len(events) != 1 || events[0].ResourceID != d.Token.ID || events[0].Actor != "system:token-expiry" {
		t.Fatalf("events %+v %v", events, err)
	}
}

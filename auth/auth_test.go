package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/auth"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
)

var ctx = context.Background()

// TestDirectoryTokens: every way a bearer token can fail has its reason
// (the console explains each), and use is recorded at most once per
// TouchInterval.
func TestDirectoryTokens(t *testing.T) {
	s, org := sqlitetest.New(t)
	secret, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: org.ID, Name: "Okta"}
	if err := s.CreateDirectory(ctx, &dir, &tok); err != nil {
		t.Fatal(err)
	}
	other := roster.Directory{OrgID: org.ID, Name: "Entra"}
	_, otherTok := roster.NewTokenSecret()
	if err := s.CreateDirectory(ctx, &other, &otherTok); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	a := auth.Directories{Store: s, Now: func() time.Time { return now }}
	got, err := a.Authenticate(ctx, dir.ID, secret)
	if err != nil || got.ID != tok.ID {
		t.Fatalf("the right token: %+v, %v", got, err)
	}
	for name, c := range map[string]struct {
		dir, secret string
		want        roster.Reason
	}{
		"none":            {dir.ID, "", roster.ReasonTokenMissing},
		"not a token":     {dir.ID, "hunter2", roster.ReasonTokenMissing},
		"admin token":     {dir.ID, secretOf(roster.NewAdminTokenSecret()), roster.ReasonTokenMissing},
		"unknown":         {dir.ID, secretOf(roster.NewTokenSecret()), roster.ReasonTokenUnknown},
		"other directory": {other.ID, secret, roster.ReasonTokenUnknown},
	} {
		if _, err := a.Authenticate(ctx, c.dir, c.secret); roster.ReasonOf(err) != c.want {
			t.Errorf("%s: %v, want reason %s", name, err, c.want)
		}
	}
	// Use is recorded once, then not again within the interval.
	list, _ := s.ListTokens(ctx, org.ID, dir.ID)
	first := list[0].LastUsed
	if first.IsZero() {
		t.Fatal("use was not recorded")
	}
	now = now.Add(auth.TouchInterval / 2)
	a.Authenticate(ctx, dir.ID, secret)
	if list, _ := s.ListTokens(ctx, org.ID, dir.ID); !list[0].LastUsed.Equal(first) {
		t.Error("use recorded again within the touch interval")
	}
	now = now.Add(auth.TouchInterval)
	a.Authenticate(ctx, dir.ID, secret)
	if list, _ := s.ListTokens(ctx, org.ID, dir.ID); !list[0].LastUsed.After(first) {
		t.Error("use not recorded after the touch interval")
	}
	// Expired, then revoked.
	now = now.Add(2 * roster.DefaultTokenLifetime)
	expSecret, tokExpiring := roster.NewToken("short", time.Hour, time.Now())
	tokExpiring.OrgID, tokExpiring.DirectoryID = org.ID, dir.ID
	if err := s.CreateToken(ctx, &tokExpiring); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, dir.ID, expSecret); roster.ReasonOf(err) != roster.ReasonTokenExpired {
		t.Errorf("an expired token: %v", err)
	}
	if err := s.RevokeToken(ctx, dir.Scope(), tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, dir.ID, secret); roster.ReasonOf(err) != roster.ReasonTokenRevoked {
		t.Errorf("a revoked token: %v", err)
	}
}

func secretOf[T any](secret string, _ T) string { return secret }

// TestAdminTokens: a token opens only its kind; a sign-in link works once,
// even when spent twice at the same moment.
func TestAdminTokens(t *testing.T) {
	s, org := sqlitetest.New(t)
	admin := roster.Admin{OrgID: org.ID, Email: "ann@acme.test"}
	if err := s.CreateAdmin(ctx, &admin); err != nil {
		t.Fatal(err)
	}
	apiSecret, api := roster.NewAdminTokenSecret()
	api.OrgID, api.AdminID, api.Kind, api.Name = org.ID, admin.ID, roster.AdminAPI, "script"
	if err := s.CreateAdminToken(ctx, &api); err != nil {
		t.Fatal(err)
	}
	a := auth.Admins{Store: s}
	if got, _, err := a.Authenticate(ctx, org.ID, apiSecret, roster.AdminAPI); err != nil || got.ID != admin.ID {
		t.Fatalf("the API token: %+v, %v", got, err)
	}
	if _, _, err := a.Authenticate(ctx, org.ID, apiSecret, roster.AdminSession); roster.ReasonOf(err) != roster.ReasonTokenUnknown {
		t.Errorf("an API token as a console session: %v, want %s", err, roster.ReasonTokenUnknown)
	}
	linkSecret, link := roster.NewSignInLink(&admin, time.Now())
	if err := s.CreateAdminToken(ctx, &link); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	spent := 0
	for range 5 {
		wg.Go(func() {
			if got, err := a.SpendSignInLink(ctx, org.ID, linkSecret); err == nil && got.ID == admin.ID {
				mu.Lock()
				spent++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if spent != 1 {
		t.Errorf("a sign-in link opened %d times at once, want once", spent)
	}
	if _, err := a.SpendSignInLink(ctx, org.ID, linkSecret); roster.ErrorCodeOf(err) != roster.EUnauthorized {
		t.Errorf("a spent link again: %v", err)
	}
}

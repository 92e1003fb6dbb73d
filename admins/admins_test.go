package admins_test

import (
	"context"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admins"
	"github.com/rosterhq/roster/password"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
	"github.com/rosterhq/roster/storage/sqlstore"
)

var ctx = context.Background()

func newService(t *testing.T) (*admins.Service, *sqlstore.Store, roster.Org) {
	t.Helper()
	s, org := sqlitetest.New(t)
	return &admins.Service{Store: s}, s, org
}

func active(t *testing.T, s *sqlstore.Store, a *roster.Admin, kind roster.AdminTokenKind) (ids []string) {
	t.Helper()
	list, err := s.ListAdminTokens(ctx, a.OrgID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range list {
		if tok.Kind == kind && tok.Status(time.Now()) == roster.TokenActive {
			ids = append(ids, tok.ID)
		}
	}
	return ids
}

func session(t *testing.T, s *sqlstore.Store, a *roster.Admin) string {
	t.Helper()
	_, tok := roster.NewAdminTokenSecret()
	tok.OrgID, tok.AdminID, tok.Kind, tok.Name = a.OrgID, a.ID, roster.AdminSession, "session"
	tok.Expires = time.Now().Add(time.Hour)
	if err := s.CreateAdminToken(ctx, &tok); err != nil {
		t.Fatal(err)
	}
	return tok.ID
}

// TestCreate: an admin is a bare email address; without a password it
// gets a one-time sign-in link, with one a hash and no link; a short
// password is refused before anything is stored.
func TestCreate(t *testing.T) {
	svc, s, org := newService(t)
	for _, bad := range []string{"", "ann", "Ann <ann@acme.test>", "ann@acme.test, bob@acme.test"} {
		if _, err := svc.Create(ctx, org.ID, bad, ""); roster.ErrorCodeOf(err) != roster.EInvalid {
			t.Errorf("Create(%q) = %v, want EInvalid", bad, err)
		}
	}
	c, err := svc.Create(ctx, org.ID, " ann@acme.test ", "")
	if err != nil || c.Admin.Email != "ann@acme.test" || c.Link == nil || c.Link.Secret == "" {
		t.Fatalf("Create without a password = %+v, %v; want a trimmed email and a link", c, err)
	}
	if _, err := svc.Create(ctx, org.ID, "bob@acme.test", "short"); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("a short password: %v", err)
	}
	if _, err := s.GetAdminByEmail(ctx, org.ID, "bob@acme.test"); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("the admin with a refused password was stored: %v", err)
	}
	c, err = svc.Create(ctx, org.ID, "cat@acme.test", "a long enough passphrase")
	if err != nil || c.Link != nil {
		t.Fatalf("Create with a password = %+v, %v", c, err)
	}
	if ok, _ := password.Check("a long enough passphrase", c.Admin.PasswordHash); !ok {
		t.Error("the stored hash does not check against the password")
	}
}

// TestSetPassword: a new password ends every other session and keeps the
// one it was made from; the console's check of the current password
// refuses a wrong one and changes nothing.
func TestSetPassword(t *testing.T) {
	svc, s, org := newService(t)
	c, err := svc.Create(ctx, org.ID, "ann@acme.test", "the first passphrase")
	if err != nil {
		t.Fatal(err)
	}
	a := &c.Admin
	here, laptop, phone := session(t, s, a), session(t, s, a), session(t, s, a)
	_, err = svc.SetPassword(ctx, a, admins.PasswordChange{New: "the second passphrase", Current: "wrong guess", CheckCurrent: true, KeepSession: here})
	if roster.ReasonOf(err) != roster.ReasonWrongPassword {
		t.Fatalf("a wrong current password: %v, want %s", err, roster.ReasonWrongPassword)
	}
	if got := active(t, s, a, roster.AdminSession); len(got) != 3 {
		t.Fatalf("a refused change ended sessions: %d left", len(got))
	}
	ended, err := svc.SetPassword(ctx, a, admins.PasswordChange{New: "the second passphrase", Current: "the first passphrase", CheckCurrent: true, KeepSession: here})
	if err != nil || ended != 2 {
		t.Fatalf("SetPassword ended %d, %v; want the 2 other sessions", ended, err)
	}
	if got := active(t, s, a, roster.AdminSession); len(got) != 1 || got[0] != here {
		t.Errorf("sessions left %v, want only %s (not %s, %s)", got, here, laptop, phone)
	}
	stored, _ := s.GetAdmin(ctx, org.ID, a.ID)
	if ok, _ := password.Check("the second passphrase", stored.PasswordHash); !ok {
		t.Error("the new password is not the stored one")
	}
	// The operator's command line removes the password without the current one.
	if _, err := svc.SetPassword(ctx, a, admins.PasswordChange{}); err != nil {
		t.Fatal(err)
	}
	if stored, _ := s.GetAdmin(ctx, org.ID, a.ID); stored.PasswordHash != "" {
		t.Error("the password was not removed")
	}
}

// TestSignInLinks: a new link replaces the unspent ones; signing out
// everywhere ends every session.
func TestSignInLinks(t *testing.T) {
	svc, s, org := newService(t)
	c, _ := svc.Create(ctx, org.ID, "ann@acme.test", "")
	a := &c.Admin
	second, err := svc.NewSignInLink(ctx, a)
	if err != nil || second.Replaced != 1 {
		t.Fatalf("a second link = %+v, %v; want one replaced", second, err)
	}
	if got := active(t, s, a, roster.AdminSignIn); len(got) != 1 || got[0] != second.Token.ID {
		t.Errorf("usable links %v, want only the newest", got)
	}
	session(t, s, a)
	session(t, s, a)
	if n, err := svc.SignOutEverywhere(ctx, a); err != nil || n != 2 {
		t.Errorf("SignOutEverywhere = %d, %v", n, err)
	}
	if got := active(t, s, a, roster.AdminSession); len(got) != 0 {
		t.Errorf("sessions left after signing out everywhere: %v", got)
	}
	tok, err := svc.CreateAPIToken(ctx, a, "jira backend", 0)
	if err != nil || tok.Token.Kind != roster.AdminAPI || !tok.Token.Expires.IsZero() || tok.Secret == "" {
		t.Errorf("CreateAPIToken = %+v, %v", tok, err)
	}
	if _, err := svc.CreateAPIToken(ctx, a, " ", 0); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("an unnamed API token: %v", err)
	}
}

package admins_test

import (
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/admins"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
)

// TestOwnerRules: only an owner adds admins, sets roles, removes admins
// and makes links for another admin; any admin makes their own link; the
// operator (by nil) may do all; the last owner stays.
func TestOwnerRules(t *testing.T) {
	s, org := sqlitetest.New(t)
	svc := &admins.Service{Store: s}
	first, err := svc.Create(ctx, org.ID, "owner@acme.test", "")
	must(t, err)
	owner := &first.Admin
	if !owner.IsOwner() {
		t.Fatalf("the first admin's role = %q, want owner", owner.Role)
	}
	c, err := svc.CreateBy(ctx, owner, "ops@acme.test")
	must(t, err)
	ops := &c.Admin
	if ops.IsOwner() || c.Link == nil {
		t.Fatalf("added admin = %+v (link %v), want an admin with a link", ops, c.Link)
	}

	notOwner := func(what string, err error) {
		t.Helper()
		if roster.ReasonOf(err) != roster.ReasonNotOwner || roster.ErrorCodeOf(err) != roster.EForbidden {
			t.Errorf("%s by an admin: %v, want %s (403)", what, err, roster.ReasonNotOwner)
		}
	}
	_, err = svc.CreateBy(ctx, ops, "x@acme.test")
	notOwner("adding an admin", err)
	_, err = svc.SignInLinkBy(ctx, ops, owner)
	notOwner("a link for another admin", err)
	_, err = svc.SignOutBy(ctx, ops, owner)
	notOwner("signing another admin out", err)
	notOwner("a role", svc.SetRole(ctx, ops, ops, roster.AdminRoleOwner))
	notOwner("removing", svc.Remove(ctx, ops, owner))
	if _, err := svc.SignInLinkBy(ctx, ops, ops); err != nil {
		t.Errorf("a link for oneself: %v", err)
	}
	if _, err := svc.SignInLinkBy(ctx, owner, ops); err != nil {
		t.Errorf("an owner's link for an admin: %v", err)
	}

	if err := svc.Remove(ctx, nil, owner); roster.ReasonOf(err) != roster.ReasonLastOwner {
		t.Errorf("removing the last owner: %v, want %s", err, roster.ReasonLastOwner)
	}
	if _, err := admins.ParseRole("boss"); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("ParseRole(boss) = %v", err)
	}
	role, err := admins.ParseRole(" Owner ")
	must(t, err)
	must(t, svc.SetRole(ctx, nil, ops, role))
	must(t, svc.Remove(ctx, ops, owner))
	if _, err := s.GetAdmin(ctx, org.ID, owner.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("the removed admin: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

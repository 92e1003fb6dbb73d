package groups_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
	"github.com/rosterhq/roster/storage/sqlstore"
	"github.com/rosterhq/roster/users"
)

var ctx = context.Background()

func setup(t *testing.T) (*sqlstore.Store, roster.Org, roster.DirectoryScope) {
	t.Helper()
	s, org := sqlitetest.New(t)
	_, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: org.ID, Name: "Okta"}
	if err := s.CreateDirectory(ctx, &dir, &tok); err != nil {
		t.Fatal(err)
	}
	return s, org, dir.Scope()
}

func addUser(t *testing.T, s *sqlstore.Store, d roster.DirectoryScope, userName, email string) *roster.User {
	t.Helper()
	u := &roster.User{UserName: userName, Email: email, Active: true, Attributes: []byte(`{}`)}
	if err := s.CreateUser(ctx, d, u); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestLocalGroups: names are checked; members are named by ID, userName or
// email; one unknown name adds nobody; the limit per request holds.
func TestLocalGroups(t *testing.T) {
	s, org, d := setup(t)
	svc := groups.Service{Store: s}
	for _, bad := range []string{"", "  ", strings.Repeat("x", groups.MaxNameLen+1)} {
		if _, err := svc.CreateLocal(ctx, org.ID, bad); roster.ErrorCodeOf(err) != roster.EInvalid {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	g, err := svc.CreateLocal(ctx, org.ID, " Contractors ")
	if err != nil || g.DisplayName != "Contractors" {
		t.Fatalf("CreateLocal = %+v, %v", g, err)
	}
	ann := addUser(t, s, d, "ann", "ann@acme.test")
	bob := addUser(t, s, d, "bob@acme.test", "bob@acme.test")
	if _, err := svc.AddMembers(ctx, org.ID, g.ID, []string{"ann@acme.test", "nobody@acme.test"}); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Fatalf("with an unknown user: %v, want ENotFound", err)
	}
	if n := members(t, s, org.ID, g.ID); n != 0 {
		t.Fatalf("an add with an unknown user added %d members", n)
	}
	added, err := svc.AddMembers(ctx, org.ID, g.ID, []string{"ann@acme.test", " ", bob.ID})
	if err != nil || len(added) != 2 || added[0].ID != ann.ID {
		t.Fatalf("AddMembers by email and ID = %+v, %v", added, err)
	}
	if n := members(t, s, org.ID, g.ID); n != 2 {
		t.Errorf("%d members, want 2", n)
	}
	if _, err := svc.AddMembers(ctx, org.ID, g.ID, nil); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("nobody named: %v", err)
	}
	many := make([]string, groups.MaxAddMembers+1)
	for i := range many {
		many[i] = ann.ID
	}
	if _, err := svc.AddMembers(ctx, org.ID, g.ID, many); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("over the limit: %v", err)
	}
	if err := svc.RemoveMembers(ctx, org.ID, g.ID, []string{ann.ID}); err != nil {
		t.Fatal(err)
	}
	if n := members(t, s, org.ID, g.ID); n != 1 {
		t.Errorf("%d members after a removal, want 1", n)
	}
}

func members(t *testing.T, s *sqlstore.Store, orgID, groupID string) int {
	t.Helper()
	page, err := s.ListMembersPage(ctx, orgID, groupID, roster.MemberQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(page)
}

// TestFindUser: a user is named by ID, userName or email; an email two
// users share is refused rather than guessed.
func TestFindUser(t *testing.T) {
	s, org, d := setup(t)
	ann := addUser(t, s, d, "ann", "ann@acme.test")
	for _, ref := range []string{ann.ID, "ann", "ANN", "ann@acme.test", " ann@acme.test "} {
		if u, err := users.Find(ctx, s, org.ID, ref); err != nil || u.ID != ann.ID {
			t.Errorf("Find(%q) = %v, %v", ref, u, err)
		}
	}
	if _, err := users.Find(ctx, s, org.ID, "nobody@acme.test"); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("an unknown email: %v", err)
	}
	addUser(t, s, d, "ann.other", "shared@acme.test")
	addUser(t, s, d, "ann.third", "shared@acme.test")
	if _, err := users.Find(ctx, s, org.ID, "shared@acme.test"); roster.ErrorCodeOf(err) != roster.EConflict {
		t.Errorf("a shared email: %v, want EConflict", err)
	}
	u, err := users.Unlink(ctx, s, org.ID, "ann@acme.test")
	if err != nil || u.DirectoryID != "" {
		t.Errorf("Unlink = %+v, %v; want a local user", u, err)
	}
}

// TestRenameAndDeleteLocal: a rename is checked like a new name and is
// unique in any case; the deletion says which products go for how many
// users, and then they are gone.
func TestRenameAndDeleteLocal(t *testing.T) {
	s, org, d := setup(t)
	svc := groups.Service{Store: s}
	ann := addUser(t, s, d, "ann", "ann@acme.test")
	eng, err := svc.CreateLocal(ctx, org.ID, "Engineering")
	if err != nil {
		t.Fatal(err)
	}
	ops, err := svc.CreateLocal(ctx, org.ID, "Ops")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RenameLocal(ctx, org.ID, ops.ID, "  "); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("renaming to blanks: %v, want EInvalid", err)
	}
	if _, err := svc.RenameLocal(ctx, org.ID, ops.ID, "engineering"); roster.ReasonOf(err) != roster.ReasonNameTaken {
		t.Errorf("renaming to engineering: %v, want %s", err, roster.ReasonNameTaken)
	}
	if g, err := svc.RenameLocal(ctx, org.ID, ops.ID, " Operations "); err != nil || g.DisplayName != "Operations" {
		t.Errorf("renaming Ops = %+v, %v; want Operations", g, err)
	}
	if _, err := svc.AddMembers(ctx, org.ID, eng.ID, []string{"ann"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateProduct(ctx, &roster.Product{OrgID: org.ID, Key: "jira", Name: "Jira"}); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantAccess(ctx, &roster.Grant{OrgID: org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleUser}); err != nil {
		t.Fatal(err)
	}
	preview, err := svc.Deletion(ctx, org.ID, eng.ID)
	if err != nil || len(preview.Access) != 1 || preview.Access[0].Product.Name != "Jira" || preview.Access[0].Lose != 1 || !preview.Access[0].Direct {
		t.Fatalf("Deletion(Engineering) = %+v, %v; want Jira lost by one user", preview, err)
	}
	if _, err := svc.DeleteLocal(ctx, org.ID, eng.ID); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.CheckAccess(ctx, roster.ProductScope{OrgID: org.ID, Product: "jira"}, ann.ID); a.Allowed {
		t.Errorf("after deleting Engineering ann still has Jira: %+v", a)
	}
	if _, err := svc.DeleteLocal(ctx, org.ID, eng.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("deleting it twice: %v, want ENotFound", err)
	}
}

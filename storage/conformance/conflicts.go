package conformance

import (
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

// testConflicts: a synced group named like a local group is created in
// conflict instead of failing; linking hands the local group's access to
// it; unlinked users and groups become local and invisible to their
// identity provider.
func testConflicts(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "wiki", Name: "Wiki"}))
	ann := createUser(t, s, f.tenant, "ann@acme.test")
	bob := createUser(t, s, f.tenant, "bob@acme.test")
	cal := createUser(t, s, f.tenant, "cal@acme.test")
	local := group(t, "Wiki Editors")
	must(t, s.CreateLocalGroup(ctx, f.org.ID, local))
	must(t, s.AddLocalMembers(ctx, f.org.ID, local.ID, []string{ann.ID, bob.ID}))
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "wiki", GroupID: local.ID, Role: roster.RoleAdmin}))

	// The identity provider pushes "wiki editors": created, in conflict.
	synced := createGroup(t, s, f.tenant, "wiki editors", bob.ID, cal.ID)
	createGroup(t, s, other.tenant, "Wiki Editors") // another organization: no conflict with ours
	conflicts, err := s.ListConflicts(ctx, f.org.ID)
	must(t, err)
	if len(conflicts) != 1 || conflicts[0].Synced.ID != synced.ID || conflicts[0].Local.ID != local.ID || conflicts[0].DirectoryID != f.dir.ID {
		t.Fatalf("Conflicts = %+v", conflicts)
	}
	if c, _ := s.ListConflicts(ctx, other.org.ID); len(c) != 0 {
		t.Errorf("the other organization has conflicts: %+v", c)
	}
	lastEvent(t, s, f.org.ID, "group.conflict")

	preview, err := s.PreviewLink(ctx, f.org.ID, synced.ID)
	must(t, err)
	names := func(us []roster.User) string {
		var out []string
		for _, u := range us {
			out = append(out, u.UserName)
		}
		return strings.Join(out, ",")
	}
	if names(preview.Gain) != "cal@acme.test" || names(preview.Lose) != "ann@acme.test" || strings.Join(preview.Products, ",") != "wiki" {
		t.Errorf("preview: gain %s, lose %s, products %v", names(preview.Gain), names(preview.Lose), preview.Products)
	}
	if _, err := s.PreviewLink(ctx, other.org.ID, synced.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another organization previews our conflict: %v", err)
	}

	must(t, s.LinkGroup(ctx, f.org.ID, synced.ID))
	for who, want := range map[string]bool{ann.ID: false, bob.ID: true, cal.ID: true} {
		a, err := s.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "wiki"}, who)
		must(t, err)
		if a.Allowed != want || (want && (a.Role != roster.RoleAdmin || a.Via[0].ID != synced.ID)) {
			t.Errorf("after linking, access of %s = %+v, want %v through the synced group", who, a, want)
		}
	}
	if _, err := s.GetOrgGroup(ctx, f.org.ID, local.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("the local group is still there: %v", err)
	}
	if c, _ := s.ListConflicts(ctx, f.org.ID); len(c) != 0 {
		t.Errorf("conflicts after linking: %+v", c)
	}
	wantCode(t, s.LinkGroup(ctx, f.org.ID, synced.ID), roster.ENotFound)
	lastEvent(t, s, f.org.ID, "group.linked")

	// A rename into a local group's name is a conflict too; renaming away
	// clears it.
	other2 := group(t, "Designers")
	must(t, s.CreateLocalGroup(ctx, f.org.ID, other2))
	_, err = s.UpdateGroup(ctx, f.tenant, synced.ID, func(g *roster.Group) ([]roster.MemberOp, error) {
		*g = *group(t, "DESIGNERS")
		return nil, nil
	})
	must(t, err)
	if c, _ := s.ListConflicts(ctx, f.org.ID); len(c) != 1 || c[0].Local.ID != other2.ID {
		t.Errorf("after a rename onto a local name: %+v", c)
	}
	_, err = s.UpdateGroup(ctx, f.tenant, synced.ID, func(g *roster.Group) ([]roster.MemberOp, error) {
		*g = *group(t, "Wiki editors")
		return nil, nil
	})
	must(t, err)
	if c, _ := s.ListConflicts(ctx, f.org.ID); len(c) != 0 {
		t.Errorf("after renaming away: %+v", c)
	}

	// Unlinking: the user stays, with its access, out of the directory's sight.
	must(t, s.UnlinkUser(ctx, f.org.ID, bob.ID))
	if _, err := s.GetUser(ctx, f.tenant, bob.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("the directory still sees an unlinked user: %v", err)
	}
	if u, err := s.FindUser(ctx, f.org.ID, bob.ID); err != nil || u.DirectoryID != "" {
		t.Errorf("the unlinked user: %+v %v", u, err)
	}
	if a, _ := s.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "wiki"}, bob.ID); !a.Allowed {
		t.Errorf("unlinking took bob's access away: %+v", a)
	}
	wantCode(t, s.UnlinkUser(ctx, f.org.ID, bob.ID), roster.EConflict)
	wantCode(t, s.UnlinkUser(ctx, other.org.ID, ann.ID), roster.ENotFound)
	e := wantCode(t, s.CreateUser(ctx, f.tenant, user(t, `{"userName":"BOB@acme.test"}`)), roster.EConflict)
	if !strings.Contains(e.Detail, "local user") {
		t.Errorf("re-provisioning an unlinked userName: %q", e.Detail)
	}
	page, _ := s.ListUsers(ctx, f.tenant, roster.Query{StartIndex: 1, Count: 10})
	if page.Total != 2 || len(page.Items) != 2 {
		t.Errorf("after unlinking: the directory lists %d users (total %d), want 2", len(page.Items), page.Total)
	}
	must(t, s.UnlinkGroup(ctx, f.org.ID, synced.ID))
	if _, err := s.GetGroup(ctx, f.tenant, synced.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("the directory still sees an unlinked group: %v", err)
	}
	lastEvent(t, s, f.org.ID, "group.unlinked")
	lastEvent(t, s, f.org.ID, "user.unlinked")
}

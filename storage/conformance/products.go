package conformance

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testProducts: products, grants to synced and local groups, access as
// the union of a user's groups (nested included), at once gone for a
// deactivated, deleted or removed user, default groups, and counts.
func testProducts(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	okta := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.addDirectory(t, s, "Okta").ID}

	jira := roster.Product{OrgID: f.org.ID, Key: "jira", Name: "Jira"}
	must(t, s.CreateProduct(ctx, &jira))
	wantCode(t, s.CreateProduct(ctx, &roster.Product{OrgID: f.org.ID, Key: "jira", Name: "again"}), roster.EConflict)
	must(t, s.CreateProduct(ctx, &roster.Product{OrgID: other.org.ID, Key: "jira", Name: "Theirs"}))
	if _, err := s.GetProduct(ctx, f.org.ID, "wiki"); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("unknown product: %v", err)
	}

	ann := createUser(t, s, f.tenant, "ann@acme.test")
	ben := createUser(t, s, f.tenant, "ben@acme.test")
	cat := createUser(t, s, okta, "cat@partner.test")
	dan := createUser(t, s, f.tenant, "dan@acme.test")
	engineering := createGroup(t, s, f.tenant, "Engineering", ann.ID, ben.ID)
	platform := createGroup(t, s, f.tenant, "Platform", dan.ID)
	_, err := s.UpdateGroup(ctx, f.tenant, engineering.ID, func(*roster.Group) ([]roster.MemberOp, error) {
		return []roster.MemberOp{{Kind: roster.AddMembers, IDs: []string{platform.ID}}}, nil
	})
	must(t, err)
	admins := group(t, "Jira admins")
	must(t, s.CreateLocalGroup(ctx, f.org.ID, admins))
	must(t, s.AddLocalMembers(ctx, f.org.ID, admins.ID, []string{ann.ID, cat.ID})) // users of two directories
	wantCode(t, s.AddLocalMembers(ctx, f.org.ID, admins.ID, []string{"nobody"}), roster.EInvalid)
	wantCode(t, s.AddLocalMembers(ctx, f.org.ID, engineering.ID, []string{cat.ID}), roster.EInvalid)
	// Removing: members go, non-members are ignored, synced groups refuse.
	must(t, s.AddLocalMembers(ctx, f.org.ID, admins.ID, []string{ben.ID}))
	must(t, s.RemoveLocalMembers(ctx, f.org.ID, admins.ID, []string{ben.ID, dan.ID, ben.ID}))
	if g, _ := s.GetOrgGroup(ctx, f.org.ID, admins.ID); g.Members != 2 {
		t.Errorf("after removing ben the local group has %d members, want 2", g.Members)
	}
	if e := lastEvent(t, s, f.org.ID, roster.EventMemberRemoved); !strings.Contains(string(e.Data), ben.ID) {
		t.Errorf("the last member removal is not ben's: %s", e.Data)
	}
	wantCode(t, s.RemoveLocalMembers(ctx, f.org.ID, engineering.ID, []string{ann.ID}), roster.EInvalid)
	wantCode(t, s.RemoveLocalMembers(ctx, other.org.ID, admins.ID, []string{ann.ID}), roster.ENotFound)
	if g, err := s.GetOrgGroup(ctx, f.org.ID, admins.ID); err != nil || g.DirectoryID != "" || g.DisplayName != "Jira admins" || g.Members != 2 {
		t.Errorf("OrgGroup(local) = %+v %v", g, err)
	}
	if g, _ := s.GetOrgGroup(ctx, f.org.ID, engineering.ID); g.DirectoryID != f.dir.ID || g.Members != 3 {
		t.Errorf("OrgGroup(synced) = %+v, want directory %s and 3 members", g, f.dir.ID)
	}
	if _, err := s.GetOrgGroup(ctx, other.org.ID, engineering.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("OrgGroup of another organization's group: %v", err)
	}

	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: engineering.ID, Role: roster.RoleUser}))
	must(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: admins.ID, Role: roster.RoleAdmin}))
	wantCode(t, s.GrantAccess(ctx, &roster.Grant{OrgID: f.org.ID, Product: "jira", GroupID: engineering.ID, Role: "owner"}), roster.EInvalid)
	wantCode(t, s.GrantAccess(ctx, &roster.Grant{OrgID: other.org.ID, Product: "jira", GroupID: engineering.ID, Role: roster.RoleUser}), roster.ENotFound)
	grants, err := s.ListGrants(ctx, f.org.ID, "jira")
	must(t, err)
	if len(grants) != 2 || grants[0].GroupName != "Engineering" || grants[1].Role != roster.RoleAdmin {
		t.Errorf("Grants = %+v", grants)
	}

	check := func(who string, allowed bool, role string, via ...string) {
		t.Helper()
		a, err := s.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, who)
		must(t, err)
		var got []string
		for _, g := range a.Via {
			got = append(got, g.Display)
		}
		if a.Allowed != allowed || a.Role != role || !slices.Equal(got, via) || (!allowed && a.Reason == "") {
			t.Errorf("access of %s = %+v, want allowed %v role %q via %v", who, a, allowed, role, via)
		}
	}
	// A user's groups across the organization: synced, local, nested.
	refs, err := s.ListOrgUserGroups(ctx, f.org.ID, dan.ID)
	must(t, err)
	if len(refs) != 2 || refs[0].Display != "Engineering" || refs[0].Direct || refs[1].Display != "Platform" || !refs[1].Direct {
		t.Errorf("OrgUserGroups(dan) = %+v, want Engineering (nested), Platform (direct)", refs)
	}
	if refs, _ := s.ListOrgUserGroups(ctx, f.org.ID, ann.ID); len(refs) != 2 || refs[1].Display != "Jira admins" {
		t.Errorf("OrgUserGroups(ann) = %+v, want Engineering and the local Jira admins", refs)
	}
	if refs, _ := s.ListOrgUserGroups(ctx, other.org.ID, ann.ID); len(refs) != 0 {
		t.Errorf("another organization sees ann's groups: %+v", refs)
	}
	check(ben.ID, true, roster.RoleUser, "Engineering")
	check("ANN@acme.test", true, roster.RoleAdmin, "Engineering", "Jira admins")
	check(cat.ID, true, roster.RoleAdmin, "Jira admins")
	check(dan.ID, true, roster.RoleUser, "Engineering") // through Platform, nested
	check("nobody@acme.test", false, "")
	if _, err := s.CheckAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "wiki"}, ann.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("access to an unknown product: %v", err)
	}
	if a, _ := s.CheckAccess(ctx, roster.ProductScope{OrgID: other.org.ID, Product: "jira"}, ann.ID); a.Allowed {
		t.Error("another organization's product grants access to our user")
	}

	// Domain makes some managed; counts are per active user, once each.
	must(t, s.CreateDomain(ctx, &roster.Domain{OrgID: f.org.ID, Name: "acme.test", Token: "t"}))
	_, err = s.UpdateDomain(ctx, f.org.ID, "acme.test", func(d *roster.Domain) error {
		d.Status, d.VerifiedAt = roster.DomainVerified, time.Now()
		return nil
	})
	must(t, err)
	counts, err := s.GetProductCounts(ctx, f.org.ID, "jira")
	must(t, err)
	if *counts != (roster.ProductCounts{Users: 4, Managed: 3, External: 1}) {
		t.Errorf("counts = %+v, want 4 users, 3 managed, 1 external", *counts)
	}
	// Who has access: once each, in userName order, admin winning; paged.
	users, err := s.ListProductUsers(ctx, f.org.ID, "jira", 0, 3)
	must(t, err)
	if got := productUsers(users); users.Total != 4 || got != "ann@acme.test:admin ben@acme.test:user cat@partner.test:admin" {
		t.Errorf("ProductUsers = %d %s", users.Total, got)
	}
	users, err = s.ListProductUsers(ctx, f.org.ID, "jira", 3, 3)
	must(t, err)
	if got := productUsers(users); users.Total != 4 || got != "dan@acme.test:user" || !users.Items[0].Managed {
		t.Errorf("ProductUsers page 2 = %d %s", users.Total, got)
	}
	if _, err := s.ListProductUsers(ctx, f.org.ID, "wiki", 0, 10); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("ProductUsers of an unknown product: %v", err)
	}
	if users, _ := s.ListProductUsers(ctx, other.org.ID, "jira", 0, 10); users.Total != 0 || len(users.Items) != 0 {
		t.Errorf("another organization's product lists %d users", users.Total)
	}

	// Deactivated, removed from the group, deleted: no access at once.
	_, err = s.UpdateUser(ctx, f.tenant, ben.ID, func(u *roster.User) error {
		*u = *user(t, `{"userName":"ben@acme.test","active":false}`)
		return nil
	})
	must(t, err)
	check(ben.ID, false, "", "Engineering")
	_, err = s.UpdateGroup(ctx, f.tenant, platform.ID, func(*roster.Group) ([]roster.MemberOp, error) {
		return []roster.MemberOp{{Kind: roster.RemoveMembers, IDs: []string{dan.ID}}}, nil
	})
	must(t, err)
	check(dan.ID, false, "")
	must(t, s.DeleteUser(ctx, okta, cat.ID, 0))
	check(cat.ID, false, "")
	if counts, _ := s.GetProductCounts(ctx, f.org.ID, "jira"); *counts != (roster.ProductCounts{Users: 1, Managed: 1}) {
		t.Errorf("counts after the changes = %+v, want ann alone", *counts)
	}

	// Default groups: local ones only; every new managed account joins.
	wantCode(t, s.SetDefaultGroup(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, engineering.ID, true), roster.EInvalid)
	must(t, s.SetDefaultGroup(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, admins.ID, true))
	if d, _ := s.ListDefaultGroups(ctx, f.org.ID, "jira"); len(d) != 1 || d[0].ID != admins.ID {
		t.Errorf("DefaultGroups = %+v", d)
	}
	eve := createUser(t, s, okta, "eve@acme.test")
	check(eve.ID, true, roster.RoleAdmin, "Jira admins")
	fay := createUser(t, s, okta, "fay@partner.test")
	check(fay.ID, false, "")
	// The identity provider sees only its own directory's groups.
	if refs, _ := s.ListUserGroups(ctx, okta, []string{eve.ID}); len(refs[eve.ID]) != 0 {
		t.Errorf("a directory sees local groups: %+v", refs[eve.ID])
	}
	must(t, s.SetDefaultGroup(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, admins.ID, false))
	gus := createUser(t, s, okta, "gus@acme.test")
	check(gus.ID, false, "")

	// Revoking and deleting a granted group take its access away.
	must(t, s.RevokeAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, admins.ID))
	wantCode(t, s.RevokeAccess(ctx, roster.ProductScope{OrgID: f.org.ID, Product: "jira"}, admins.ID), roster.ENotFound)
	check(eve.ID, false, "")
	must(t, s.DeleteGroup(ctx, f.tenant, engineering.ID, 0))
	if grants, _ := s.ListGrants(ctx, f.org.ID, "jira"); len(grants) != 0 {
		t.Errorf("grants of a deleted group remain: %+v", grants)
	}
	check(ann.ID, false, "")
	lastEvent(t, s, f.org.ID, "product.revoked")
	lastEvent(t, s, f.org.ID, roster.EventMemberAdded)
}

// productUsers renders a page of ProductUsers as "userName:role ...".
func productUsers(p *roster.Page[roster.ProductUser]) string {
	var out []string
	for _, u := range p.Items {
		out = append(out, u.UserName+":"+u.Role)
	}
	return strings.Join(out, " ")
}

package access_test

import (
	"context"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
)

var ctx = context.Background()

// TestProductsAndGrants: the product key's form, the name defaulting to
// the key, a taken key, and the two roles a grant can give.
func TestProductsAndGrants(t *testing.T) {
	s, org := sqlitetest.New(t)
	svc := access.Service{Store: s}
	for _, bad := range []string{"", "Jira", "jira!", "-jira", "a very long key that goes on and on and on past sixty-three characters"} {
		if _, err := svc.CreateProduct(ctx, org.ID, bad, "Jira"); roster.ErrorCodeOf(err) != roster.EInvalid {
			t.Errorf("key %q: %v, want EInvalid", bad, err)
		}
	}
	p, err := svc.CreateProduct(ctx, org.ID, " jira ", "")
	if err != nil || p.Key != "jira" || p.Name != "jira" {
		t.Fatalf("CreateProduct = %+v, %v; want key and name jira", p, err)
	}
	if _, err := svc.CreateProduct(ctx, org.ID, "jira", "Jira again"); roster.ReasonOf(err) != roster.ReasonNameTaken {
		t.Errorf("a taken key: %v", err)
	}
	g, err := (&groups.Service{Store: s}).CreateLocal(ctx, org.ID, "Engineering")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Grant(ctx, org.ID, "jira", g.ID, "owner"); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("role owner: %v, want EInvalid", err)
	}
	grant, err := svc.Grant(ctx, org.ID, "jira", g.ID, "")
	if err != nil || grant.Role != roster.RoleUser {
		t.Fatalf("a grant without a role = %+v, %v; want user", grant, err)
	}
	if grant, err = svc.Grant(ctx, org.ID, "jira", g.ID, "Admin"); err != nil || grant.Role != roster.RoleAdmin {
		t.Errorf("changing the role = %+v, %v", grant, err)
	}
	if err := svc.Revoke(ctx, org.ID, "jira", g.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.Revoke(ctx, org.ID, "jira", g.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("revoking twice: %v", err)
	}
}

// TestRenameAndDeleteProduct: a rename is checked like a new name and is
// unique in any case; the deletion counts the users who lose access and
// names the grants and default groups that go.
func TestRenameAndDeleteProduct(t *testing.T) {
	s, org := sqlitetest.New(t)
	svc := access.Service{Store: s}
	for _, key := range []string{"jira", "wiki"} {
		if _, err := svc.CreateProduct(ctx, org.ID, key, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.RenameProduct(ctx, org.ID, "wiki", ""); roster.ErrorCodeOf(err) != roster.EInvalid {
		t.Errorf("renaming to nothing: %v, want EInvalid", err)
	}
	if _, err := svc.RenameProduct(ctx, org.ID, "wiki", "JIRA"); roster.ReasonOf(err) != roster.ReasonNameTaken {
		t.Errorf("renaming wiki to JIRA: %v, want %s", err, roster.ReasonNameTaken)
	}
	if p, err := svc.RenameProduct(ctx, org.ID, "wiki", " Confluence "); err != nil || p.Name != "Confluence" || p.Key != "wiki" {
		t.Errorf("renaming wiki = %+v, %v", p, err)
	}
	gs := &groups.Service{Store: s}
	g, err := gs.CreateLocal(ctx, org.ID, "Everyone")
	if err != nil {
		t.Fatal(err)
	}
	_, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: org.ID, Name: "Okta"}
	if err := s.CreateDirectory(ctx, &dir, &tok); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, dir.Scope(), &roster.User{UserName: "ann", Active: true, Attributes: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := gs.AddMembers(ctx, org.ID, g.ID, []string{"ann"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Grant(ctx, org.ID, "wiki", g.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetDefault(ctx, org.ID, "wiki", g.ID, true); err != nil {
		t.Fatal(err)
	}
	d, err := svc.ProductDeletion(ctx, org.ID, "wiki")
	if err != nil || d.Counts.Users != 1 || len(d.Grants) != 1 || len(d.Defaults) != 1 || d.Product.Name != "Confluence" {
		t.Fatalf("ProductDeletion(wiki) = %+v, %v; want one user, one grant, one default group", d, err)
	}
	if _, err := svc.DeleteProduct(ctx, org.ID, "wiki"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetProduct(ctx, org.ID, "wiki"); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("the deleted product is still there: %v", err)
	}
	if _, err := svc.DeleteProduct(ctx, org.ID, "wiki"); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("deleting it twice: %v", err)
	}
}

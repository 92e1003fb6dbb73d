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

package conformance

import (
	"reflect"
	"slices"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
)

// testUsersWithGroups checks that ListUsersWithGroups answers what
// ListUsers and ListUserGroups answer together, for pages by index, by
// filter and by cursor: users in no group, in several (ordered by display
// name, then ID), and in nested groups, whose indirect groups only the
// recursive read finds.
func testUsersWithGroups(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	ids := createUsers(t, s, f.tenant, 6, "user%d@acme.test")
	zeta := createGroup(t, s, f.tenant, "Zeta", ids[1], ids[2])
	createGroup(t, s, f.tenant, "alpha", ids[1])
	createGroup(t, s, f.tenant, "Alpha", ids[1], ids[3]) // the same name but for case: ordered by ID then
	// Another directory's group and users change nothing here.
	other := f.addDirectory(t, s, "Other")
	otherTenant := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: other.ID}
	createGroup(t, s, otherTenant, "Elsewhere", createUsers(t, s, otherTenant, 2, "other%d@acme.test")...)

	compare := func(stage string, q roster.Query) {
		t.Helper()
		want, err := s.ListUsers(ctx, f.tenant, q)
		must(t, err)
		page, groups, err := s.ListUsersWithGroups(ctx, f.tenant, q)
		must(t, err)
		if !reflect.DeepEqual(page, want) {
			t.Errorf("%s: the page differs from ListUsers':\n%+v\n%+v", stage, page, want)
		}
		var pageIDs []string
		for _, u := range want.Items {
			pageIDs = append(pageIDs, u.ID)
		}
		wantGroups, err := s.ListUserGroups(ctx, f.tenant, pageIDs)
		must(t, err)
		for _, id := range pageIDs {
			if !reflect.DeepEqual(groups[id], wantGroups[id]) {
				t.Errorf("%s: user %s's groups = %+v, ListUserGroups says %+v", stage, id, groups[id], wantGroups[id])
			}
		}
		for id := range groups {
			if len(groups[id]) > 0 && !slices.Contains(pageIDs, id) {
				t.Errorf("%s: groups of user %s, not on the page", stage, id)
			}
		}
	}
	compare("all, flat", roster.Query{StartIndex: 1, Count: 100})
	compare("second page", roster.Query{StartIndex: 2, Count: 2})
	flt, err := scim.UserType.ParseFilter(`userName eq "USER1@acme.test"`)
	must(t, err)
	compare("lookup", roster.Query{Filter: flt, StartIndex: 1, Count: 100})
	compare("cursor", roster.Query{Count: 3, Cursor: &roster.Cursor{Total: true}})

	// Nested: Zeta (ids[1], ids[2]) joins Outer, which ids[4] is in
	// directly; ids[1] and ids[2] are in Outer through Zeta.
	createGroup(t, s, f.tenant, "Outer", zeta.ID, ids[4])
	compare("nested", roster.Query{StartIndex: 1, Count: 100})
	compare("nested lookup", roster.Query{Filter: flt, StartIndex: 1, Count: 100})
	_, groups, err := s.ListUsersWithGroups(ctx, f.tenant, roster.Query{Filter: flt, StartIndex: 1, Count: 100})
	must(t, err)
	if len(groups[ids[1]]) != 4 {
		t.Errorf("user1's groups = %+v, want Alpha, alpha, Outer (through Zeta) and Zeta", groups[ids[1]])
	}
}

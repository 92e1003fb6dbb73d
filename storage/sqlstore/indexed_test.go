package sqlstore_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/storage/sqlite"
)

// indexedFilters are the filters issue 16 says an index answers, each
// with the index its plan must start from on SQLite. SQLite's planner
// decides on the query's shape and the schema (Roster keeps no
// statistics), so the plans on an empty database are the plans at any
// size.
var indexedFilters = []struct{ filter, index string }{
	{`displayName eq "Ann Archer"`, "users_ix_display_name"},
	{`displayName sw "ann"`, "users_ix_display_name"},
	{`title eq "engineer"`, "users_ix_title"},
	{`title gt "m"`, "users_ix_title"},
	{`name.givenName eq "Ann"`, "users_ix_given_name"},
	{`name.familyName sw "Arch"`, "users_ix_family_name"},
	{`active eq true and name.familyName sw "Arch"`, "users_ix_family_name"},
	{`employeeNumber eq "100"`, "users_ix_employee_number"},
	{`employeeNumber le "100"`, "users_ix_employee_number"},
	{`department eq "R&D"`, "users_ix_department"},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "R&D"`, "users_ix_department"},
	{`costCenter eq "42"`, "users_ix_cost_center"},
	{`organization sw "Acme"`, "users_ix_organization"},
	{`division eq "West"`, "users_ix_division"},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "boss"`, "users_ix_manager"},
	{`active eq false`, "users_ix_active"},
	{`meta.created gt "2026-01-01T00:00:00Z"`, "users_ix_created"},
	{`meta.lastModified ge "2026-01-01T00:00:00Z"`, "users_ix_modified"},
	{`emails.value eq "ann@acme.test"`, "user_values_value"},
	{`emails[type eq "work" and value eq "ann@acme.test"]`, "user_values_value"},
	{`emails[type eq "work" and value ew "@acme.test"]`, "user_values_value_rev"},
	{`emails.value sw "ann@"`, "user_values_value"},
	{`phoneNumbers.value eq "+1 555 0100"`, "user_values_value"},
	{`department eq "R&D" and title co "eng"`, "users_ix_department"},
	{`userName sw "ann"`, "users_user_name"},
}

// TestIndexedPlans checks that SQLite answers each of indexedFilters from
// its index, for the page and for the count, and never by reading the
// directory (users_tenant on its own) or the whole table.
func TestIndexedPlans(t *testing.T) {
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org := roster.Org{Name: "Acme"}
	if err := s.CreateOrg(ctx, &org); err != nil {
		t.Fatal(err)
	}
	dir := roster.Directory{OrgID: org.ID, Name: "Okta"}
	_, tok := roster.NewTokenSecret()
	if err := s.CreateDirectory(ctx, &dir, &tok); err != nil {
		t.Fatal(err)
	}
	tenant := roster.DirectoryScope{OrgID: org.ID, DirectoryID: dir.ID}
	for _, tc := range indexedFilters {
		f, err := scim.UserType.ParseFilter(tc.filter)
		if err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		page, count, err := s.ExplainUsers(ctx, tenant, f, "EXPLAIN QUERY PLAN ")
		if err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		for what, plan := range map[string][]string{"page": page, "count": count} {
			text := strings.Join(plan, "\n")
			t.Logf("%s (%s):\n%s", tc.filter, what, text)
			// users_tenant may only be sought by rowid, once per
			// candidate that user_values found.
			if !strings.Contains(text, tc.index) || strings.Contains(text, "users_tenant (org_id=? AND directory_id=?)") || strings.Contains(text, "SCAN r\n") || strings.HasSuffix(text, "SCAN r") {
				t.Errorf("%s: the %s's plan does not use %s alone:\n%s", tc.filter, what, tc.index, text)
			}
		}
	}
}

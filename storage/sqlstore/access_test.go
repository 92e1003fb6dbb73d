package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/rosterhq/roster"
)

// TestAccessStateMigration writes users, nested groups and grants the way
// release 0014 did, and migrates: access_state holds what CheckAccess says
// (active users only, through nesting, admin wins), no access event is
// invented, and the grant's old access.granted event is product.granted.
func TestAccessStateMigration(t *testing.T) {
	for _, backend := range migrationBackends {
		t.Run(backend.name, func(t *testing.T) {
			db, _, open, exec := backend.at(t, 14)
			exec(`INSERT INTO orgs (id, name, created) VALUES ('o1', 'Acme', 1), ('o2', 'Other', 1)`)
			exec(`INSERT INTO directories (id, org_id, name, created) VALUES ('d1', 'o1', 'Entra', 1), ('d2', 'o2', 'Okta', 1)`)
			for i, u := range []struct {
				id, org string
				active  bool
			}{{"u1", "o1", true}, {"u2", "o1", false}, {"u3", "o1", true}, {"u4", "o1", true}, {"u5", "o2", true}} {
				name := u.id + "@acme.test"
				exec(`INSERT INTO users (id, org_id, directory_id, user_name, user_name_fold, user_name_key, active, attributes, version, created, modified)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, u.id, u.org, "d"+u.org[1:], name, name, name, u.active, fmt.Sprintf(`{"userName":%q}`, name), i, i)
			}
			for _, g := range []struct{ id, org string }{{"g1", "o1"}, {"g2", "o1"}, {"g3", "o1"}, {"g5", "o2"}} {
				exec(`INSERT INTO groups (id, org_id, directory_id, display_name, display_name_fold, attributes, version, created, modified)
					VALUES (?, ?, ?, ?, ?, '{}', 1, 1, 1)`, g.id, g.org, "d"+g.org[1:], g.id, g.id)
			}
			for _, m := range [][3]string{{"g1", "u1", "User"}, {"g1", "u2", "User"}, {"g1", "g2", "Group"}, {"g2", "u3", "User"}, {"g2", "u1", "User"},
				{"g3", "u4", "User"}, {"g5", "u5", "User"}} {
				exec(`INSERT INTO group_members (group_id, member_id, member_type) VALUES (?, ?, ?)`, m[0], m[1], m[2])
			}
			exec(`INSERT INTO products (org_id, key, name, created) VALUES ('o1', 'jira', 'Jira', 1), ('o1', 'wiki', 'Wiki', 1), ('o2', 'jira', 'Jira', 1)`)
			exec(`INSERT INTO grants (org_id, product, group_id, role, created) VALUES ('o1', 'jira', 'g1', 'user', 1), ('o1', 'jira', 'g2', 'admin', 1),
				('o1', 'wiki', 'g3', 'user', 1), ('o2', 'jira', 'g5', 'admin', 1)`)
			exec(`INSERT INTO events (org_id, directory_id, time, actor, action, resource_type, resource_id, detail)
				VALUES ('o1', '', 1, 'admin:x', 'access.granted', 'Product', 'jira', '{"group":"g1","role":"user"}')`)
			db.Close()

			s, err := open()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for org, want := range map[string]string{"o1": "[{jira u1 admin} {jira u3 admin} {wiki u4 user}]", "o2": "[{jira u5 admin}]"} {
				st, err := s.ListAccessState(ctx, org, roster.AccessKey{}, 100)
				if err != nil {
					t.Fatal(err)
				}
				var got []struct{ p, u, r string }
				for _, a := range st {
					got = append(got, struct{ p, u, r string }{a.Product, a.UserID, a.Role})
				}
				if fmt.Sprint(got) != want {
					t.Errorf("%s: access_state %v, want %s", org, got, want)
				}
				for _, a := range st {
					dec, err := s.CheckAccess(ctx, roster.ProductScope{OrgID: org, Product: a.Product}, a.UserID)
					if err != nil || !dec.Allowed || dec.Role != a.Role {
						t.Errorf("CheckAccess(%s, %s) = %+v, %v; access_state says %s", a.Product, a.UserID, dec, err, a.Role)
					}
				}
			}
			events, err := s.ListEvents(ctx, "o1", 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 || events[0].Action != "product.granted" {
				t.Errorf("events after the migration: %+v, want the one grant, as product.granted", events)
			}
		})
	}
}

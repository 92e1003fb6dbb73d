package sqlstore_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/sqlstore"
)

// TestNameKeyMigration writes users the way release 0007 did, some of
// whose names are one name by roster.NameKey, and migrates: the oldest of
// each keeps the key, the others keep working with a NULL key, and every
// collision is in the organization's audit log with both IDs.
func TestNameKeyMigration(t *testing.T) {
	for _, backend := range migrationBackends {
		t.Run(backend.name, func(t *testing.T) {
			db, _, open, exec := backend.at(t, sqlstore.LastFrozen)
			exec(`INSERT INTO orgs (id, name, created) VALUES ('o1', 'Acme', 1), ('o2', 'Other', 1)`)
			exec(`INSERT INTO directories (id, org_id, name, created) VALUES ('d1', 'o1', 'Entra', 1), ('d2', 'o2', 'Okta', 1)`)
			users := []struct{ id, org, dir, name string }{
				{"u1", "o1", "d1", "josé"},       // NFC: the oldest keeps the name
				{"u2", "o1", "d1", "jose\u0301"}, // NFD
				{"u3", "o1", "d1", "jo\u200bsé"}, // a zero-width space, accepted before
				{"u4", "o1", "d1", "Straße"},
				{"u5", "o1", "d1", "strasse "},
				{"u6", "o2", "d2", "josé"}, // another organization: no collision
				{"u7", "o1", "d1", "zoë"},
			}
			for i, u := range users {
				exec(`INSERT INTO users (id, org_id, directory_id, user_name, user_name_fold, active, attributes, version, created, modified)
					VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, u.id, u.org, u.dir, u.name, strings.ToLower(u.name), true,
					fmt.Sprintf(`{"userName":%q}`, u.name), i, i)
			}
			db.Close()

			s, err := open()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var nullKeys []string
			rows, err := s.DB().Query(`SELECT id FROM users WHERE user_name_key IS NULL ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id string
				rows.Scan(&id)
				nullKeys = append(nullKeys, id)
			}
			rows.Close()
			if want := []string{"u2", "u3", "u5"}; !slices.Equal(nullKeys, want) {
				t.Errorf("users with a NULL key: %v, want %v", nullKeys, want)
			}
			events, err := s.SearchEvents(ctx, "o1", roster.EventFilter{Action: "user.name_collision"}, 10)
			if err != nil {
				t.Fatal(err)
			}
			reported := map[string]string{}
			for _, e := range events {
				var detail struct{ SameNameAs string }
				if err := json.Unmarshal([]byte(e.Detail), &detail); err != nil {
					t.Fatal(err)
				}
				reported[e.ResourceID] = detail.SameNameAs
			}
			for id, other := range map[string]string{"u2": "u1", "u3": "u1", "u5": "u4"} {
				if reported[id] != other {
					t.Errorf("collision of %s reported with %q, want %s", id, reported[id], other)
				}
			}
			if len(events) != 3 {
				t.Errorf("%d collisions reported, want 3", len(events))
			}

			tn := roster.DirectoryScope{OrgID: "o1", DirectoryID: "d1"}
			// The names are taken, in every spelling.
			err = s.CreateUser(ctx, tn, &roster.User{UserName: "JOSÉ", Active: true, Attributes: []byte(`{"userName":"JOSÉ"}`)})
			if roster.ErrorCodeOf(err) != roster.EConflict || !strings.Contains(err.Error(), "u1") {
				t.Errorf("creating JOSÉ: %v, want a conflict naming u1", err)
			}
			// A colliding user keeps working under its name...
			u, err := s.UpdateUser(ctx, tn, "u2", func(u *roster.User) error {
				u.Active = false
				u.Attributes = []byte(`{"userName":"jose\u0301","active":false}`)
				return nil
			})
			if err != nil || u.Active {
				t.Fatalf("updating a colliding user: %v, %v", u, err)
			}
			// ...and gets a key once renamed to a free name.
			if _, err := s.UpdateUser(ctx, tn, "u3", func(u *roster.User) error {
				u.UserName, u.Attributes = "josé.3", []byte(`{"userName":"josé.3"}`)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if found, err := s.FindUser(ctx, "o1", "JOSÉ.3"); err != nil || found.ID != "u3" {
				t.Errorf("FindUser after the rename: %v, %v", found, err)
			}
			// A rename onto a taken name is refused.
			_, err = s.UpdateUser(ctx, tn, "u5", func(u *roster.User) error {
				u.UserName, u.Attributes = "Zoë", []byte(`{"userName":"Zoë"}`)
				return nil
			})
			if roster.ErrorCodeOf(err) != roster.EConflict {
				t.Errorf("renaming onto zoë: %v, want a conflict", err)
			}
		})
	}
}

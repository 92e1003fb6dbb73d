package sqlstore_test

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/storage/sqlstore"
)

// migrationBackend is a backend for the migration tests.
type migrationBackend struct {
	name string
	open func(t *testing.T) (*sql.DB, sqlstore.Dialect, func() (*sqlstore.Store, error))
}

// migrationBackends open a database of each backend for a migration
// test: the raw handle (to write rows the way an older release did) and
// a function that opens it as a store, which migrates it to the end.
var migrationBackends = []migrationBackend{
	{"sqlite", func(t *testing.T) (*sql.DB, sqlstore.Dialect, func() (*sqlstore.Store, error)) {
		path := filepath.Join(t.TempDir(), "r.db")
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		return db, sqlite.Dialect(), func() (*sqlstore.Store, error) { return sqlite.Open(ctx, path) }
	}},
	{"postgres", func(t *testing.T) (*sql.DB, sqlstore.Dialect, func() (*sqlstore.Store, error)) {
		dsn := pgtest.DSN(t)
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		return db, postgres.Dialect(), func() (*sqlstore.Store, error) { return postgres.Open(ctx, dsn, postgres.Options{}) }
	}},
}

// at opens the backend's database migrated to version, and returns
// with it exec, which runs a statement on it (written with ? placeholders)
// and fails the test if that fails.
func (b migrationBackend) at(t *testing.T, version int) (db *sql.DB, d sqlstore.Dialect, open func() (*sqlstore.Store, error), exec func(q string, args ...any)) {
	t.Helper()
	db, d, open = b.open(t)
	if err := sqlstore.MigrateTo(ctx, db, d, version); err != nil {
		t.Fatal(err)
	}
	exec = func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(d.Rebind(q), args...); err != nil {
			t.Fatal(err)
		}
	}
	return db, d, open, exec
}

// TestNamesMigration writes products and local groups the way releases
// before 0018 could, two of them with one name by roster.NameKey, and a
// directory's request log, and migrates: the oldest of each name keeps
// it, the later ones are renamed with a suffix, and say so in the audit
// log; synced groups keep their names; the first sync comes from the log.
func TestNamesMigration(t *testing.T) {
	for _, backend := range migrationBackends {
		t.Run(backend.name, func(t *testing.T) {
			db, _, open, exec := backend.at(t, 17)
			exec(`INSERT INTO orgs (id, name, created) VALUES ('o1', 'Acme', 1), ('o2', 'Other', 1)`)
			exec(`INSERT INTO directories (id, org_id, name, created) VALUES ('d1', 'o1', 'Entra', 1), ('d2', 'o1', 'Okta', 1), ('d3', 'o1', 'Idle', 1)`)
			exec(`INSERT INTO products (org_id, key, name, created) VALUES ('o1', 'jira', 'Jira', 1), ('o1', 'jira2', 'JIRA ', 2),
				('o1', 'jira3', 'Jira (2)', 3), ('o2', 'jira', 'Jira', 1)`)
			for i, g := range []struct{ id, org, dir, name string }{
				{"g1", "o1", "", "Admins"}, {"g2", "o1", "", "admins"}, {"g3", "o1", "d1", "Sales"}, {"g4", "o1", "d2", "Sales"},
				{"g5", "o2", "", "Admins"},
			} {
				var dir any
				if g.dir != "" {
					dir = g.dir
				}
				exec(`INSERT INTO groups (id, org_id, directory_id, display_name, display_name_fold, attributes, version, created, modified)
					VALUES (?, ?, ?, ?, ?, '{}', 1, ?, ?)`, g.id, g.org, dir, g.name, g.name, i, i)
			}
			first := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
			for i, status := range []int{500, 200, 201} {
				exec(`INSERT INTO request_log (org_id, directory_id, time, method, path, status, duration_us, user_agent, error)
					VALUES ('o1', 'd1', ?, 'GET', '/Users', ?, 1, 'Okta', '')`, first.Add(time.Duration(i-1)*time.Minute).UnixMicro(), status)
			}
			db.Close()

			s, err := open()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			products, err := s.ListProducts(ctx, "o1")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range products {
				names = append(names, p.Key+"="+p.Name)
			}
			if want := []string{"jira=Jira", "jira2=JIRA (2)", "jira3=Jira (2) (2)"}; !slices.Equal(names, want) {
				t.Errorf("products after the migration: %q, want %q", names, want)
			}
			if p, _ := s.GetProduct(ctx, "o2", "jira"); p.Name != "Jira" {
				t.Errorf("another organization's Jira is called %q", p.Name)
			}
			for id, want := range map[string]string{"g1": "Admins", "g2": "admins (2)", "g3": "Sales", "g4": "Sales", "g5": "Admins"} {
				org := "o1"
				if id == "g5" {
					org = "o2"
				}
				if g, err := s.GetOrgGroup(ctx, org, id); err != nil || g.DisplayName != want {
					t.Errorf("group %s after the migration: %+v %v, want %q", id, g, err, want)
				}
			}
			events, err := s.SearchEvents(ctx, "o1", roster.EventFilter{Actor: "migration 0018"}, 10)
			if err != nil {
				t.Fatal(err)
			}
			renamed := map[string]string{}
			for _, e := range events {
				var detail struct{ From, To string }
				json.Unmarshal([]byte(e.Detail), &detail)
				renamed[e.Action+" "+e.ResourceID] = detail.From + " -> " + detail.To
			}
			want := map[string]string{"product.renamed jira2": "JIRA  -> JIRA (2)", "product.renamed jira3": "Jira (2) -> Jira (2) (2)", "group.renamed g2": "admins -> admins (2)"}
			if len(renamed) != len(want) {
				t.Errorf("renamings in the audit log: %v, want %v", renamed, want)
			}
			for k, v := range want {
				if renamed[k] != v {
					t.Errorf("audit log: %s is %q, want %q", k, renamed[k], v)
				}
			}
			// The names are taken now, in any case.
			if err := s.CreateProduct(ctx, &roster.Product{OrgID: "o1", Key: "new", Name: "jira"}); roster.ReasonOf(err) != roster.ReasonNameTaken {
				t.Errorf("a new product called jira: %v", err)
			}
			if err := s.CreateLocalGroup(ctx, "o1", &roster.Group{DisplayName: "ADMINS", Attributes: []byte(`{}`)}); roster.ReasonOf(err) != roster.ReasonNameTaken {
				t.Errorf("a new local group called ADMINS: %v", err)
			}
			for dir, want := range map[string]time.Time{"d1": first, "d3": {}} {
				st, err := s.GetRequestStats(ctx, "o1", dir, first.Add(-time.Hour))
				if err != nil || !st.First.Equal(want) {
					t.Errorf("directory %s's first sync after the migration: %v %v, want %v", dir, st.First, err, want)
				}
			}
		})
	}
}

package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/storage/sqlstore"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

// frozen holds the SHA-256 of every released migration file of each
// dialect. A release adds its migrations here; a failure means a released
// migration was edited, which nodes that applied it refuse: write a new
// migration instead.
var frozen = map[string]map[string]string{
	"sqlite": {
		"0001_init.sql":            "10bf9f6443da51b7f8a8a3459f0501c43f0979a69c046809385b31ae617e98fd",
		"0002_domains.sql":         "b622295491ae228e03b27397c3140d8a385a03b6c1e7a70c2e4e7a1b7e07bcf2",
		"0003_products.sql":        "b020f1a9f2e340003acda17ebba25854d04787190ce36a6943ed9810c019f1be",
		"0004_admins.sql":          "6ed1bb810e2105f5b778b752b7f792da5c806678a0bcc4058831a0dfec1026f6",
		"0005_group_conflicts.sql": "e0a4a4bfd507cea1a1fade087a257bc263b1141122bf1e6c5136228615a1c3f5",
		"0006_console.sql":         "343b4ac6569448c7f39770a19b6af0a68cad325406183802d6283960438537ba",
		"0007_request_counts.sql":  "5076c48c9a8097f9495feab4f100b23a74b70d2fa72326ad9666404c7bff8f51",
	},
	"postgres": {
		"0001_init.sql":            "2224258e719945f5c7c9240aba1c9bf95756b914f4bbd2214fc89a763655bef1",
		"0002_domains.sql":         "6722784ac7e034b8e5d7c883dbc25a35624e6e39fa64e355f763b5087cbe8d51",
		"0003_products.sql":        "53a401bf581e7470bbe903d355cb7e171098fa2666d9c5831c38e76dc7974dcf",
		"0004_admins.sql":          "925415323454d9b8880fb02177c383594692bb02f8b4fee08907d66ee9c7c6a5",
		"0005_group_conflicts.sql": "e0a4a4bfd507cea1a1fade087a257bc263b1141122bf1e6c5136228615a1c3f5",
		"0006_console.sql":         "67a887de8bfab305f2ab9f6d6b4fe76828fedc2ed9588b7a4f89200dbd52d198",
		"0007_request_counts.sql":  "5076c48c9a8097f9495feab4f100b23a74b70d2fa72326ad9666404c7bff8f51",
	},
}

func dialects() []sqlstore.Dialect { return []sqlstore.Dialect{sqlite.Dialect(), postgres.Dialect()} }

func TestFrozenMigrationsUnchanged(t *testing.T) {
	for _, d := range dialects() {
		ms, err := sqlstore.Migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, m := range ms {
			if m.Version > sqlstore.LastFrozen {
				continue
			}
			seen++
			if want, ok := frozen[d.Name][m.Name]; !ok || m.Checksum != want {
				t.Errorf("%s migration %s has checksum %s, want %s: released migrations are never edited", d.Name, m.Name, m.Checksum, want)
			}
		}
		if seen != len(frozen[d.Name]) {
			t.Errorf("%s has %d migrations up to %04d, want %d", d.Name, seen, sqlstore.LastFrozen, len(frozen[d.Name]))
		}
	}
}

// The checksum is of the file as written: the SHA-256 of the bytes, not
// of the SQL once placeholders are filled.
func TestSharedMigrationsChecksumTheFile(t *testing.T) {
	for _, d := range dialects() {
		ms, err := sqlstore.Migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		var versions []int
		for _, m := range ms {
			versions = append(versions, m.Version)
			if m.Version <= sqlstore.LastFrozen {
				continue
			}
			body, err := os.ReadFile(filepath.Join("migrations", m.Name))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(body)
			if m.Checksum != hex.EncodeToString(sum[:]) {
				t.Errorf("%s %s: checksum %s is not that of the file", d.Name, m.Name, m.Checksum)
			}
		}
		if !slices.IsSorted(versions) || len(slices.Compact(slices.Clone(versions))) != len(versions) {
			t.Errorf("%s: versions %v are not increasing", d.Name, versions)
		}
	}
	names, _ := filepath.Glob("migrations/*.sql")
	for _, n := range names {
		parts := strings.Split(strings.TrimSuffix(filepath.Base(n), ".sql"), ".")
		if len(parts) == 2 && parts[1] != "sqlite" && parts[1] != "postgres" {
			t.Errorf("%s: %q is no dialect", n, parts[1])
		}
	}
}

func TestDialectsFillTheSamePlaceholders(t *testing.T) {
	s, p := sqlite.Dialect().Placeholders, postgres.Dialect().Placeholders
	for k := range s {
		if _, ok := p[k]; !ok {
			t.Errorf("placeholder {{%s}} is defined for sqlite only", k)
		}
	}
	for k := range p {
		if _, ok := s[k]; !ok {
			t.Errorf("placeholder {{%s}} is defined for postgres only", k)
		}
	}
}

func TestSharedMigrationLayout(t *testing.T) {
	d := sqlite.Dialect()
	d.Migrations = fstest.MapFS{"0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")}}
	shared := fstest.MapFS{
		"migrations/0008_b.sql":          {Data: []byte("CREATE TABLE b (seq {{seq_key}}, doc {{ json }}, at {{int64}});")},
		"migrations/0009_c.sql":          {Data: []byte("shared c")},
		"migrations/0009_c.sqlite.sql":   {Data: []byte("sqlite's own c")},
		"migrations/0010_d.postgres.sql": {Data: []byte("postgres's own d")},
		"migrations/0010_d.sql":          {Data: []byte("shared d")},
	}
	ms, err := sqlstore.MigrationsIn(d, shared)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, fmt.Sprintf("%d %s: %s", m.Version, m.Name, m.Body))
	}
	want := []string{
		"1 0001_a.sql: CREATE TABLE a (x INTEGER);",
		"8 0008_b.sql: CREATE TABLE b (seq INTEGER PRIMARY KEY, doc TEXT, at INTEGER);",
		"9 0009_c.sqlite.sql: sqlite's own c",
		"10 0010_d.sql: shared d",
	}
	if !slices.Equal(got, want) {
		t.Errorf("sqlite migrations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	pg := postgres.Dialect()
	pg.Migrations = nil
	ms, err = sqlstore.MigrationsIn(pg, shared)
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Body != "CREATE TABLE b (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, doc JSONB, at BIGINT);" ||
		ms[1].Body != "shared c" || ms[2].Body != "postgres's own d" {
		t.Errorf("postgres migrations: %+v", ms)
	}

	for name, fsys := range map[string]fs.FS{
		"unknown placeholder":    fstest.MapFS{"migrations/0008_x.sql": {Data: []byte("CREATE TABLE x (a {{jsn}})")}},
		"stray braces":           fstest.MapFS{"migrations/0008_x.sql": {Data: []byte("CREATE TABLE x (a {{ json)")}},
		"frozen version":         fstest.MapFS{"migrations/0007_x.sql": {Data: []byte("SELECT 1")}},
		"other dialect only":     fstest.MapFS{"migrations/0008_x.postgres.sql": {Data: []byte("SELECT 1")}},
		"two names, one version": fstest.MapFS{"migrations/0008_x.sql": {Data: []byte("SELECT 1")}, "migrations/0008_y.sql": {Data: []byte("SELECT 1")}},
		"no number":              fstest.MapFS{"migrations/x.sql": {Data: []byte("SELECT 1")}},
	} {
		if _, err := sqlstore.MigrationsIn(d, fsys); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	d.Migrations = fstest.MapFS{"0008_late.sql": {Data: []byte("SELECT 1")}}
	if _, err := sqlstore.MigrationsIn(d, fstest.MapFS{}); err == nil || !strings.Contains(err.Error(), "written once") {
		t.Errorf("a per-dialect migration after %04d: %v, want an error", sqlstore.LastFrozen, err)
	}
}

// A node refuses a database where a released migration, shared ones
// included, was applied from a file that has since changed.
func TestEditedMigrationRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, v := range []int{3, 8} {
		if _, err := db.Exec(`UPDATE schema_migrations SET checksum = 'edited' WHERE version = ?`, v); err != nil {
			t.Fatal(err)
		}
		err := sqlstore.Migrate(ctx, db, sqlite.Dialect())
		if err == nil || !strings.Contains(err.Error(), "changed after it was applied") {
			t.Errorf("migration %d edited: Migrate = %v, want a refusal", v, err)
		}
		if _, err := db.Exec(`UPDATE schema_migrations SET checksum = (SELECT checksum FROM schema_migrations WHERE version = 1) WHERE version = ?`, v); err != nil {
			t.Fatal(err)
		}
	}
}

// Nodes starting together on a fresh PostgreSQL database all start: the
// advisory lock is taken before schema_migrations is created.
func TestPostgresNodesStartTogether(t *testing.T) {
	dsn := pgtest.DSN(t)
	const nodes = 8
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	start := make(chan struct{})
	for i := range nodes {
		wg.Go(func() {
			<-start
			s, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: 2})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
}

package sqlstore_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
	"github.com/rosterhq/roster/storage/sqlite"
)

// TestSchemasAgree migrates a fresh SQLite and a fresh PostgreSQL database
// and compares what the SQL relies on: tables, columns (name, nullability,
// type class), primary keys and indexes (name, columns, uniqueness,
// partial or not). The comparison is normalized where the two databases
// say one thing two ways:
//
//   - type classes: integer (SQLite's INTEGER; PostgreSQL's integer, bigint
//     and boolean, which SQLite keeps as integers), text (text and jsonb,
//     which SQLite keeps as text), bytes (BLOB, bytea);
//   - a primary key's columns are NOT NULL (SQLite reports a rowid alias
//     as nullable);
//   - indexes made by a UNIQUE constraint are compared by their columns,
//     their names being generated; primary keys are compared as keys;
//   - an index expression is "(expression)", its text being each
//     dialect's own;
//   - the substring indexes, of different kinds, are left out, and so is
//     PostgreSQL's users_user_name_prefix (SQLite needs no such index);
//   - an index's INCLUDE columns (PostgreSQL's alone: migration 0026
//     makes counts index-only with them) are left out;
//   - a trailing seq (the table's integer primary key) is dropped from an
//     index's columns: every SQLite index ends with the rowid implicitly,
//     PostgreSQL's spell it out.
func TestSchemasAgree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	ls, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	dsn := pgtest.DSN(t)
	ps, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()

	// The substring indexes of migrations 0021 and 0024 are each
	// database's own kind: FTS5 tables (user_text and user_search, the
	// tables FTS5 keeps them in, and user_text_pending, which 0027 writes
	// them from at commit) on SQLite, pg_trgm indexes (users_trgm_*) on
	// PostgreSQL.
	lite := slices.DeleteFunc(describe(t, ls.DB(), sqliteSchema), func(l string) bool { return strings.HasPrefix(l, "user_text") || strings.HasPrefix(l, "user_search") })
	// users_user_name_prefix (0025) is PostgreSQL's alone: the code-point
	// order that SQLite's users_user_name already has.
	pg := slices.DeleteFunc(describe(t, ps.DB(), postgresSchema), func(l string) bool {
		return strings.Contains(l, " users_trgm_") || strings.Contains(l, " users_user_name_prefix ")
	})
	if len(lite) < 20 {
		t.Fatalf("the SQLite schema is too short to be real:\n%s", strings.Join(lite, "\n"))
	}
	var diff []string
	for _, l := range lite {
		if !slices.Contains(pg, l) {
			diff = append(diff, "- sqlite only:   "+l)
		}
	}
	for _, l := range pg {
		if !slices.Contains(lite, l) {
			diff = append(diff, "+ postgres only: "+l)
		}
	}
	if len(diff) > 0 {
		t.Errorf("the migrated schemas differ:\n%s", strings.Join(diff, "\n"))
	}
}

type column struct {
	name, class string
	notNull     bool
}

type index struct {
	name            string // "" for an index that backs a UNIQUE constraint
	columns         []string
	unique, partial bool
	primary         bool
}

type introspect struct {
	tables  string                                  // one column: the table names
	columns func(db *sql.DB, table string) []column // in any order
	pk      func(db *sql.DB, table string) []string
	indexes func(db *sql.DB, table string) []index
}

func describe(t *testing.T, db *sql.DB, in introspect) []string {
	t.Helper()
	tables := strings1(t, db, in.tables)
	var out []string
	for _, table := range tables {
		pk := in.pk(db, table)
		cols := in.columns(db, table)
		seqKey := ""
		for _, c := range cols {
			if len(pk) == 1 && c.name == pk[0] && c.class == "integer" {
				seqKey = c.name
			}
		}
		for _, c := range cols {
			null := "NULL"
			if c.notNull || slices.Contains(pk, c.name) {
				null = "NOT NULL"
			}
			out = append(out, fmt.Sprintf("%s: column %s %s %s", table, c.name, c.class, null))
		}
		out = append(out, fmt.Sprintf("%s: primary key (%s)", table, strings.Join(pk, ", ")))
		for _, ix := range in.indexes(db, table) {
			if ix.primary {
				continue
			}
			cols := ix.columns
			if n := len(cols); n > 1 && seqKey != "" && cols[n-1] == seqKey {
				cols = cols[:n-1]
			}
			kind := "index"
			if ix.unique {
				kind = "unique index"
			}
			if ix.partial {
				kind = "partial " + kind
			}
			name := ix.name
			if name == "" {
				kind, name = "unique constraint", "-"
			}
			out = append(out, fmt.Sprintf("%s: %s %s (%s)", table, kind, name, strings.Join(cols, ", ")))
		}
	}
	slices.Sort(out)
	return out
}

func strings1(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func typeClass(declared string) string {
	d := strings.ToUpper(declared)
	switch {
	case strings.Contains(d, "INT") || strings.Contains(d, "BOOL"):
		return "integer"
	case strings.Contains(d, "TEXT") || strings.Contains(d, "CHAR") || strings.Contains(d, "JSON"):
		return "text"
	case d == "BLOB" || d == "BYTEA":
		return "bytes"
	}
	return "unknown type " + declared
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// scanColumns reads rows of name, type and not-null as columns, and
// closes them.
func scanColumns(rows *sql.Rows) []column {
	defer rows.Close()
	var out []column
	for rows.Next() {
		var c column
		var typ string
		must(0, rows.Scan(&c.name, &typ, &c.notNull))
		c.class = typeClass(typ)
		out = append(out, c)
	}
	return out
}

var sqliteSchema = introspect{
	tables: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`,
	columns: func(db *sql.DB, table string) []column {
		// table_xinfo, not table_info, lists generated columns too
		// (migration 0026); hidden = 1 are a virtual table's own.
		rows := must(db.Query(`SELECT name, type, "notnull" FROM pragma_table_xinfo(?) WHERE hidden <> 1`, table))
		return scanColumns(rows)
	},
	pk: func(db *sql.DB, table string) []string {
		rows := must(db.Query(`SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, table))
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			must(0, rows.Scan(&s))
			out = append(out, s)
		}
		return out
	},
	indexes: func(db *sql.DB, table string) []index {
		rows := must(db.Query(`SELECT name, "unique", origin, partial FROM pragma_index_list(?)`, table))
		var out []index
		for rows.Next() {
			var ix index
			var origin string
			must(0, rows.Scan(&ix.name, &ix.unique, &origin, &ix.partial))
			ix.primary = origin == "pk"
			if origin == "u" {
				ix.columns = []string{ix.name} // filled below
			}
			out = append(out, ix)
		}
		rows.Close()
		for i := range out {
			name := out[i].name
			if out[i].columns != nil {
				out[i].name = ""
			}
			// An expression (migration 0021) has no column name; both
			// dialects report it as "(expression)".
			cols := must(db.Query(`SELECT COALESCE(name, '(expression)') FROM pragma_index_info(?) ORDER BY seqno`, name))
			out[i].columns = nil
			for cols.Next() {
				var c string
				must(0, cols.Scan(&c))
				out[i].columns = append(out[i].columns, c)
			}
			cols.Close()
		}
		return out
	},
}

var postgresSchema = introspect{
	tables: `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
	columns: func(db *sql.DB, table string) []column {
		rows := must(db.Query(`SELECT column_name, data_type, is_nullable = 'NO' FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name = $1`, table))
		return scanColumns(rows)
	},
	pk: func(db *sql.DB, table string) []string {
		for _, ix := range postgresIndexes(db, table) {
			if ix.primary {
				return ix.columns
			}
		}
		return nil
	},
	indexes: postgresIndexes,
}

func postgresIndexes(db *sql.DB, table string) []index {
	rows := must(db.Query(`SELECT i.relname, ix.indisunique, ix.indisprimary, ix.indpred IS NOT NULL,
			EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype = 'u'),
			(SELECT string_agg(COALESCE(a.attname, '(expression)'), ',' ORDER BY k.ord) FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
				LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
				WHERE k.ord <= ix.indnkeyatts)
		FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = 'public' AND t.relname = $1`, table))
	defer rows.Close()
	var out []index
	for rows.Next() {
		var ix index
		var constraint bool
		var cols string
		must(0, rows.Scan(&ix.name, &ix.unique, &ix.primary, &ix.partial, &constraint, &cols))
		if constraint {
			ix.name = ""
		}
		ix.columns = strings.Split(cols, ",")
		out = append(out, ix)
	}
	return out
}

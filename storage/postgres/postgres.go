// Package postgres opens Roster's store on PostgreSQL through
// github.com/jackc/pgx/v5, for organizations that run several Roster nodes
// behind a load balancer. It shares all its SQL with the embedded SQLite
// store (package sqlstore); this package supplies the dialect and the
// migrations.
//
// It may depend on storage/sqlstore, the root package and pgx only.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock that makes nodes starting together
// apply each migration once.
const migrationLock = 7_370_837

// Dialect is PostgreSQL's sqlstore.Dialect.
func Dialect() sqlstore.Dialect {
	sub, _ := fs.Sub(migrations, "migrations")
	return sqlstore.Dialect{
		Name:       "postgres",
		Migrations: sub,
		Placeholders: map[string]string{
			"seq_key":       "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
			"int64":         "BIGINT",
			"bool":          "BOOLEAN",
			"bytes":         "BYTEA",
			"json":          "JSONB",
			"without_rowid": "",
		},
		Rebind: Rebind,
		JSONValue: func(doc string, path []string, typ roster.AttrType) string {
			if typ == roster.TypeBoolean {
				return "(" + doc + " #> " + sqlstore.PostgresPath(path) + ")::boolean"
			}
			return "(" + doc + " #>> " + sqlstore.PostgresPath(path) + ")"
		},
		JSONPresent: func(doc string, path []string, array bool) string {
			if array {
				return "COALESCE(jsonb_array_length(" + doc + " #> " + sqlstore.PostgresPath(path) + "), 0) > 0"
			}
			return "(" + doc + " #> " + sqlstore.PostgresPath(path) + ") IS NOT NULL"
		},
		JSONElements: func(doc string, path []string, alias string) string {
			return "jsonb_array_elements(" + doc + " #> " + sqlstore.PostgresPath(path) + ") AS " + alias + "(v)"
		},
		JSONElemValue: func(alias, field string, typ roster.AttrType) string {
			key := "'" + strings.ReplaceAll(field, "'", "''") + "'"
			if typ == roster.TypeBoolean {
				return "(" + alias + ".v -> " + key + ")::boolean"
			}
			return "(" + alias + ".v ->> " + key + ")"
		},
		// = ANY of an array, not IN (SELECT …): the planner takes a set-returning
		// function for 100 rows and, with a generic plan, hashed them against a
		// sequential scan of any table under a few thousand rows (the groups of
		// a directory on every member add); an array parameter it takes for 10
		// and looks up in the index.
		InJSON: func(expr string) string {
			return expr + " = ANY(ARRAY(SELECT jsonb_array_elements_text(CAST(? AS JSONB))))"
		},
		JSONObject:        func(kv ...string) string { return "jsonb_build_object(" + sqlstore.JSONPairs(kv) + ")" },
		JSONArrayAgg:      func(expr, orderBy string) string { return "jsonb_agg(" + expr + " ORDER BY " + orderBy + ")" },
		JSONStored:        func(expr string) string { return expr },
		JSONBool:          func(cond string) string { return "to_jsonb(" + cond + ")" },
		Fold:              func(expr string) string { return "lower(" + expr + ")" },
		Binary:            func(expr string) string { return "(" + expr + ` COLLATE "C")` },
		Reverse:           func(expr string) string { return "reverse(" + expr + ")" },
		ForUpdate:         " FOR UPDATE",
		CountShards:       8,
		IsUniqueViolation: func(err error) bool { return hasCode(err, "23505") },
		IsRetryable:       func(err error) bool { return hasCode(err, "40001", "40P01") },
		// 22021 character_not_in_repertoire (invalid UTF-8), 22P05
		// untranslatable_character (a NUL in JSON), 22003
		// numeric_value_out_of_range.
		IsBadValue:       func(err error) bool { return hasCode(err, "22021", "22P05", "22003") },
		ReadTx:           &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
		ForKeyShare:      " FOR KEY SHARE",
		LockMigrations:   "SELECT pg_advisory_lock(" + strconv.Itoa(migrationLock) + ")",
		UnlockMigrations: "SELECT pg_advisory_unlock(" + strconv.Itoa(migrationLock) + ")",
	}
}

func hasCode(err error, codes ...string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	for _, c := range codes {
		if pe.Code == c {
			return true
		}
	}
	return false
}

// Rebind turns ? placeholders into $1, $2, ..., leaving ? inside string
// literals and quoted identifiers alone.
func Rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Options tune the connection pool.
type Options struct {
	MaxConns int // 0: 20
}

// Open connects to the database at dsn (a postgres:// URL), applies the
// migrations and returns the store. Readers and writers share one pool:
// PostgreSQL has no single-writer limit.
func Open(ctx context.Context, dsn string, o Options) (*sqlstore.Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 20
	}
	db.SetMaxOpenConns(o.MaxConns)
	db.SetMaxIdleConns(o.MaxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := sqlstore.Migrate(ctx, db, Dialect()); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return sqlstore.New(Dialect(), db, db), nil
}

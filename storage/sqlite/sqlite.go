// Package sqlite opens Roster's embedded default store: a SQLite database
// file, through the pure-Go driver modernc.org/sqlite, so that Roster builds
// and runs without cgo.
//
// The database runs in WAL mode with synchronous=NORMAL: a commit is in the
// write-ahead log before it is acknowledged, so it survives the process
// being killed; a power loss can drop the last commits before the next
// checkpoint. Open(path, Durable()) switches to synchronous=FULL, which
// survives power loss at the cost of an fsync per commit (see
// docs/benchmarks.md for both). The CLI and a running server may open the
// same file at once: writers wait for each other (busy_timeout) instead of
// failing.
//
// It may depend on storage/sqlstore, the root package and the driver only.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

func init() {
	// fold() is the case folding of the *_fold columns, for attributes
	// kept only in the JSON document. SQLite's lower() folds ASCII only.
	sqlite.MustRegisterDeterministicScalarFunction("fold", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return sqlstore.Fold(v), nil
		case []byte:
			return sqlstore.Fold(string(v)), nil
		}
		return args[0], nil
	})
	// reverse() reverses a text by code point, as PostgreSQL's does:
	// user_values keeps values reversed for ew (see sqlstore/indexed.go).
	sqlite.MustRegisterDeterministicScalarFunction("reverse", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return sqlstore.ReverseRunes(v), nil
		case []byte:
			return sqlstore.ReverseRunes(string(v)), nil
		}
		return args[0], nil
	})
}

// Dialect is SQLite's sqlstore.Dialect.
func Dialect() sqlstore.Dialect {
	sub, _ := fs.Sub(migrations, "migrations")
	return sqlstore.Dialect{
		Name:       "sqlite",
		Migrations: sub,
		Placeholders: map[string]string{
			// The rowid: creation order, and the key every index ends with.
			"seq_key":       "INTEGER PRIMARY KEY",
			"int64":         "INTEGER",
			"bool":          "INTEGER",
			"bytes":         "BLOB",
			"json":          "TEXT",
			"without_rowid": "WITHOUT ROWID",
		},
		Rebind: func(q string) string { return q },
		JSONValue: func(doc string, path []string, _ roster.AttrType) string {
			return "json_extract(" + doc + ", " + sqlstore.SQLitePath(path) + ")"
		},
		JSONPresent: func(doc string, path []string, array bool) string {
			if array {
				return "COALESCE(json_array_length(" + doc + ", " + sqlstore.SQLitePath(path) + "), 0) > 0"
			}
			return "json_type(" + doc + ", " + sqlstore.SQLitePath(path) + ") IS NOT NULL"
		},
		JSONElements: func(doc string, path []string, alias string) string {
			return "json_each(" + doc + ", " + sqlstore.SQLitePath(path) + ") AS " + alias
		},
		JSONElemValue: func(alias, field string, _ roster.AttrType) string {
			return "json_extract(" + alias + ".value, " + sqlstore.SQLitePath([]string{field}) + ")"
		},
		InJSON:            func(expr string) string { return expr + " IN (SELECT value FROM json_each(?))" },
		JSONObject:        func(kv ...string) string { return "json_object(" + sqlstore.JSONPairs(kv) + ")" },
		JSONArrayAgg:      func(expr, orderBy string) string { return "json_group_array(" + expr + " ORDER BY " + orderBy + ")" },
		JSONStored:        func(expr string) string { return "json(" + expr + ")" },
		JSONBool:          func(cond string) string { return "json(CASE WHEN " + cond + " THEN 'true' ELSE 'false' END)" },
		Fold:              func(expr string) string { return "fold(" + expr + ")" },
		Binary:            func(expr string) string { return expr }, // BINARY is SQLite's default
		CodePointOrder:    true,
		TextMatch:         true,
		Reverse:           func(expr string) string { return "reverse(" + expr + ")" },
		IsUniqueViolation: isUniqueViolation,
		GroupCommit:       true,
		CheckpointFrames:  checkpointFrames,
		CacheStatements:   true,
		CountShards:       1,
	}
}

// checkpointFrames bounds the write-ahead log: 4,000 frames of 4 KiB,
// four times SQLite's own checkpoint threshold. The log gets there only
// under sustained writes, whose commits leave the passive checkpoints no
// gap to finish in; then the checkpoint on the writer restarts it.
const checkpointFrames = 4000

func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Option changes how Open opens the database.
type Option func(*options)

type options struct{ synchronous string }

// Durable makes every commit survive power loss (synchronous=FULL).
func Durable() Option { return func(o *options) { o.synchronous = "FULL" } }

// Open opens (creating if needed) the database file at path, applies the
// migrations and returns the store.
func Open(ctx context.Context, path string, opts ...Option) (*sqlstore.Store, error) {
	o := options{synchronous: "NORMAL"}
	for _, opt := range opts {
		opt(&o)
	}
	// One writer connection: SQLite has one writer at a time, and waiting
	// in Go's pool is cheaper than waiting in SQLite's busy handler.
	// IMMEDIATE transactions take the write lock at BEGIN, so a writer
	// never fails halfway for want of it.
	// It never checkpoints: the store does, beside it (sqlstore's
	// checkpoint.go).
	write, err := sql.Open("sqlite", dsn(path, o, "_txlock=immediate&_pragma=wal_autocheckpoint(0)"))
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	if err := sqlstore.Migrate(ctx, write, Dialect()); err != nil {
		write.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", dsn(path, o, "_pragma=query_only(1)"))
	if err != nil {
		write.Close()
		return nil, err
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxLifetime(0)
	return sqlstore.New(Dialect(), write, read), nil
}

func dsn(path string, o options, extra string) string {
	params := []string{
		// SQLite's busy handler is not fair between processes: a write
		// of the CLI (or of a second store on the file) polls every
		// 100 ms for a write lock that a server writing without a pause
		// takes back within microseconds of each commit. At 10 s
		// Conformance/DeleteDirectoryWhileProvisioning once failed with
		// SQLITE_BUSY in CI (4 December); 30 s gives such a write three
		// times the tries. A request's own context still ends its wait.
		"_pragma=busy_timeout(30000)",
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(" + o.synchronous + ")",
		"_pragma=foreign_keys(1)",
		// LIKE compares case-sensitively; case-insensitive attributes
		// are compared through their folded form instead.
		"_pragma=case_sensitive_like(1)",
		"_pragma=cache_size(-8000)",
		"_pragma=temp_store(MEMORY)",
		extra,
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + strings.Join(params, "&")
}

// Backup writes a consistent copy of the open database to path while it
// stays in use: VACUUM INTO reads one snapshot, so writers carry on and the
// copy holds every transaction committed before it began.
func Backup(ctx context.Context, s *sqlstore.Store, path string) error {
	if s.Dialect().Name != "sqlite" {
		return fmt.Errorf("backup: the store is not SQLite")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file", path)
	}
	_, err := s.DB().ExecContext(ctx, "VACUUM INTO ?", path)
	return err
}

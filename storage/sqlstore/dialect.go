package sqlstore

import (
	"database/sql"
	"io/fs"
	"strings"

	"github.com/rosterhq/roster"
)

// Dialect is what differs between the SQL databases Roster runs on. Queries
// are written once, with ? placeholders, in the SQL both databases share;
// the dialect supplies placeholders, JSON access and error classification.
type Dialect struct {
	Name string

	// Migrations holds this dialect's own numbered .sql files: the frozen
	// 0001–0007, written before migrations were shared. Later ones are
	// written once, in storage/sqlstore/migrations.
	Migrations fs.FS

	// Placeholders fill the {{name}} placeholders of the shared
	// migrations. Every dialect defines every name (see the package
	// documentation); the text is as released as the migrations that
	// use it.
	Placeholders map[string]string

	// Rebind rewrites ? placeholders into the database's own.
	Rebind func(query string) string

	// JSONValue is the SQL expression for the scalar at path inside the JSON
	// column doc, typed so that it compares with a bound Go value of typ.
	JSONValue func(doc string, path []string, typ roster.AttrType) string
	// JSONPresent is true when path holds a value (a non-empty array for
	// arrays).
	JSONPresent func(doc string, path []string, array bool) string
	// JSONElements is a FROM item that yields the elements of the array at
	// path under alias; JSONElemValue reads a field of one element.
	JSONElements  func(doc string, path []string, alias string) string
	JSONElemValue func(alias, field string, typ roster.AttrType) string

	// InJSON is a condition true when expr is one of the strings in a JSON
	// array bound to its one placeholder. Lists of IDs are bound this way
	// so that the SQL text, and its prepared statement, does not depend on
	// the length of the list.
	InJSON func(expr string) string

	// JSONObject builds a JSON object, of the type the {{json}} columns
	// hold, from alternating key literals (plain words) and value
	// expressions: access events are written set-based, one INSERT … SELECT
	// for any number of users, so their payloads are built in SQL.
	// JSONArrayAgg aggregates such objects into an array in orderBy's
	// order; JSONStored reads a {{json}} column as a value inside
	// JSONObject; JSONBool turns a condition into true or false.
	JSONObject   func(kv ...string) string
	JSONArrayAgg func(expr, orderBy string) string
	JSONStored   func(expr string) string
	JSONBool     func(cond string) string

	// Fold is the SQL lower-casing function matching Go's strings.ToLower,
	// which fills the *_fold columns.
	Fold func(expr string) string

	// Binary makes a text expression compare by code point (SQLite's
	// BINARY collation; COLLATE "C" on PostgreSQL), as the indexes of
	// migration 0021 do: sw becomes a range only in that order.
	Binary func(expr string) string
	// CodePointOrder says that text compares by code point without
	// Binary (SQLite): then sw is a range on any expression.
	CodePointOrder bool
	// TextMatch says that user_text, SQLite's FTS5 trigram index of the
	// indexed attributes (migration 0021), answers co and ew candidates.
	// Its rows, and user_search's, are written at each write's commit
	// from user_text_pending (migration 0027, text.go).
	TextMatch bool
	// Reverse reverses a text by code point: user_values keeps values
	// reversed, so that ew is a prefix range on them.
	Reverse func(expr string) string

	// ForUpdate is appended to a SELECT that reads a row the transaction
	// will write ("" where the database locks the whole file anyway).
	ForUpdate string
	// ForKeyShare is appended to a SELECT of a row that must not be
	// deleted before the transaction ends, while others may read, share
	// and update it: provisioning writes take it on their directory, which
	// deleting the directory locks FOR UPDATE.
	ForKeyShare string

	// IsUniqueViolation reports whether err is a unique-constraint failure.
	IsUniqueViolation func(err error) bool
	// IsRetryable reports whether a transaction failed only because of a
	// concurrent one (a deadlock or serialization failure) and may simply
	// be run again; nil where that cannot happen.
	IsRetryable func(err error) bool
	// IsBadValue reports whether the database refused a value the client
	// sent (text it cannot store, a number beyond its range): a client
	// error, not Roster's. nil where the database stores whatever it is
	// given, as SQLite does. Package scim refuses such values before any
	// store sees them; this keeps a store honest when they get through.
	IsBadValue func(err error) bool

	// CountShards is how many rows each directory's counters are spread
	// over, so that concurrent writers rarely wait for the same one (1
	// where writers are serialized anyway).
	CountShards int

	// CacheStatements keeps prepared statements per query text. SQLite's
	// driver prepares anew on every call, which is a large part of a
	// small query's cost; pgx caches prepared statements on each
	// connection itself, and a second cache on top only adds waits for
	// connections (to prepare) while transactions hold them.
	CacheStatements bool

	// GroupCommit runs concurrent write transactions together, in
	// savepoints of one transaction (see batch.go): for a database with a
	// single writer.
	GroupCommit bool

	// CheckpointFrames, where it is not 0, says that the writer's
	// connection does not checkpoint the write-ahead log itself (SQLite
	// opened with wal_autocheckpoint(0)): the store checkpoints beside it
	// after commits, and on the writer once the log holds this many
	// frames (checkpoint.go).
	CheckpointFrames int

	// ReadTx are the options of read transactions: one snapshot for the
	// page and the count of a list.
	ReadTx *sql.TxOptions

	// LockMigrations takes a session-level lock on the connection that
	// runs the migrations, before any DDL, so that nodes starting together
	// apply each migration once; UnlockMigrations releases it ("" if the
	// database serializes writers anyway).
	LockMigrations, UnlockMigrations string
}

// quoteJSONKey quotes a key for a JSON path when it holds characters other
// than letters and digits (schema URNs). Keys come from Roster's schema,
// never from a client.
func quoteJSONKey(k string) string {
	if strings.ContainsAny(k, ":.$\"") {
		return `"` + strings.ReplaceAll(k, `"`, `\"`) + `"`
	}
	return k
}

// JSONPairs joins JSONObject's alternating keys and values as a SQL
// argument list, quoting the keys: 'k1', v1, 'k2', v2.
func JSONPairs(kv []string) string {
	var b strings.Builder
	for i, x := range kv {
		if i > 0 {
			b.WriteString(", ")
		}
		if i%2 == 0 {
			x = "'" + x + "'"
		}
		b.WriteString(x)
	}
	return b.String()
}

// SQLitePath writes a JSON path for SQLite's json_extract: $.a."urn:…".b
func SQLitePath(path []string) string {
	var b strings.Builder
	b.WriteString("'$")
	for _, k := range path {
		b.WriteByte('.')
		b.WriteString(strings.ReplaceAll(quoteJSONKey(k), "'", "''"))
	}
	b.WriteByte('\'')
	return b.String()
}

// PostgresPath writes a text[] literal for Postgres's #> operator: '{a,b}'.
func PostgresPath(path []string) string {
	quoted := make([]string, len(path))
	for i, k := range path {
		quoted[i] = `"` + strings.ReplaceAll(strings.ReplaceAll(k, `\`, `\\`), `"`, `\"`) + `"`
	}
	return "'{" + strings.ReplaceAll(strings.Join(quoted, ","), "'", "''") + "}'"
}

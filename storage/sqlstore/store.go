// Package sqlstore implements roster.Store on SQL databases through
// database/sql. The SQL is written once; a Dialect (see storage/sqlite and
// storage/postgres) supplies what differs. Filters are compiled to SQL,
// memberships are rows, and every write is one transaction that also
// appends its audit event.
//
// # Migrations
//
// Migrate applies, in version order and each in one transaction with its
// row in schema_migrations, first the dialect's own frozen migrations
// 0001–0007 (storage/sqlite/migrations, storage/postgres/migrations:
// released, never edited, their checksums held by a test), then the shared
// ones in storage/sqlstore/migrations, written once for every dialect:
//
//   - NNNN_name.sql is SQL both databases accept, with placeholders the
//     Dialect fills (Dialect.Placeholders; an unknown one is an error):
//     {{seq_key}} the creation-order key column's type and PRIMARY KEY
//     (INTEGER PRIMARY KEY, the rowid, on SQLite; BIGINT GENERATED ALWAYS
//     AS IDENTITY PRIMARY KEY on PostgreSQL), {{int64}} integers and times
//     (microseconds since the epoch; INTEGER or BIGINT), {{bool}} (INTEGER
//     or BOOLEAN), {{bytes}} (BLOB or BYTEA), {{json}} a JSON document (TEXT
//     or JSONB), {{without_rowid}} after a table with a composite primary
//     key (WITHOUT ROWID on SQLite, nothing on PostgreSQL). Write seq
//     explicitly at the end of an index that must order by creation
//     (SQLite's indexes end with the rowid anyway).
//   - NNNN_name.<dialect>.sql (sqlite or postgres), the escape hatch for the
//     rare migration that cannot be shared: it replaces NNNN_name.sql for
//     that dialect, whose own file it is; the other dialect still reads
//     NNNN_name.sql (or its own override). Say in the file why it differs.
//   - A step SQL cannot express (computing keys in Go) is registered in
//     goSteps and runs right after its migration's SQL, in its transaction.
//
// The checksum kept for a migration is that of its file as written, before
// placeholders are filled: a node refuses to start on a database where a
// released migration, shared or not, has since been edited. A test
// migrates a fresh SQLite and a fresh PostgreSQL database and compares
// their tables, columns and indexes.
//
// It may depend on the root package (whose Query and Filter types it
// compiles to SQL) and database/sql only; never on scim or HTTP. Dialects live in storage/sqlite and
// storage/postgres, which import it, not the other way round.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/rosterhq/roster"
)

// Store is a roster.Store on a SQL database.
type Store struct {
	d     Dialect
	write *sql.DB // writers; on SQLite a single connection
	read  *sql.DB // readers; on Postgres the same pool as write
	now   func() time.Time

	mu    sync.Mutex
	stmts map[*sql.DB]map[string]*sql.Stmt

	batch   *batcher      // group commit, where the dialect asks for it
	rebound sync.Map      // query text -> the text with the dialect's placeholders
	gen     authGen       // the authentication generation, remembered (authgen.go)
	text    []string      // the trigram tables' statements at commit, where the dialect has them (text.go)
	ckpt    *checkpointer // checkpoints beside the writer, where the dialect asks for them (checkpoint.go)
}

var _ roster.Store = (*Store)(nil)

// New returns a Store over the given pools, which the Store owns and
// closes. Migrations must have been applied (see Migrate).
func New(d Dialect, write, read *sql.DB) *Store {
	s := &Store{d: d, write: write, read: read, now: time.Now, stmts: map[*sql.DB]map[string]*sql.Stmt{}}
	if d.GroupCommit {
		s.batch = newBatcher(s)
	}
	if d.TextMatch {
		s.text = textFlush(d)
	}
	if d.CheckpointFrames > 0 {
		s.ckpt = newCheckpointer(s)
	}
	return s
}

// SetClock replaces the store's clock; tests use it to control time.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.d }

// DB returns the writer pool, for operations such as backups.
func (s *Store) DB() *sql.DB { return s.write }

// Pools returns the connection pools by name, for metrics: "write" and
// "read", or only "write" where both are one pool.
func (s *Store) Pools() map[string]*sql.DB {
	if s.read == s.write {
		return map[string]*sql.DB{"write": s.write}
	}
	return map[string]*sql.DB{"write": s.write, "read": s.read}
}

// Close closes both pools.
func (s *Store) Close() error {
	if s.batch != nil {
		s.batch.close()
	}
	if s.ckpt != nil {
		s.ckpt.close()
	}
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.read.PingContext(ctx) }

// clock returns the current time at the precision the database keeps.
func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// micros and fromMicros convert times to and from the stored form: integer
// microseconds since the Unix epoch, UTC. Zero means "never".
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

// tx wraps a transaction so that queries go through the prepared-statement
// cache and get their placeholders rebound.
type tx struct {
	s   *Store
	db  *sql.DB
	sql *sql.Tx
	// uncached are queries this transaction prepared for itself; they are
	// added to the cache once it has ended.
	uncached []string
}

// stmt returns query prepared on the transaction's connection. A query
// not in the cache yet is prepared on that connection only: preparing it
// on the pool would wait for a free connection, and SQLite's writer pool
// has one, which this transaction holds.
func (t *tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := t.s.cached(t.db, query); st != nil {
		return t.sql.StmtContext(ctx, st), nil
	}
	t.uncached = append(t.uncached, query)
	st, err := t.sql.PrepareContext(ctx, t.s.d.Rebind(query))
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", query, err)
	}
	return st, nil
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if !t.s.d.CacheStatements {
		return t.sql.ExecContext(ctx, t.s.rebind(query), args...)
	}
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !t.s.d.CacheStatements {
		return t.sql.QueryContext(ctx, t.s.rebind(query), args...)
	}
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (t *tx) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	if !t.s.d.CacheStatements {
		return t.sql.QueryRowContext(ctx, t.s.rebind(query), args...)
	}
	st, err := t.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// maxCachedStatements bounds the statement cache per pool. Filters produce
// one SQL text per shape, not per value, so a few hundred cover every
// shape identity providers send.
const maxCachedStatements = 512

// rebind returns query with the dialect's placeholders, remembered per
// query text.
func (s *Store) rebind(query string) string {
	if q, ok := s.rebound.Load(query); ok {
		return q.(string)
	}
	q := s.d.Rebind(query)
	s.rebound.Store(query, q)
	return q
}

// poolQuery runs a query on db outside a transaction, through the
// statement cache where the dialect keeps one.
func (s *Store) poolQuery(ctx context.Context, db *sql.DB, query string, args ...any) (*sql.Rows, error) {
	if !s.d.CacheStatements {
		return db.QueryContext(ctx, s.rebind(query), args...)
	}
	st, err := s.prepare(ctx, db, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (s *Store) cached(db *sql.DB, query string) *sql.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stmts[db][query]
}

// prepare returns a prepared statement for query on db, preparing it once.
// Preparing is a large part of a small query's cost on SQLite. It must not
// be called while holding one of db's connections.
func (s *Store) prepare(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	if st := s.cached(db, query); st != nil {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, s.d.Rebind(query))
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", query, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cache := s.stmts[db]
	if cache == nil {
		cache = map[string]*sql.Stmt{}
		s.stmts[db] = cache
	}
	if old := cache[query]; old != nil {
		st.Close()
		return old, nil
	}
	if len(cache) >= maxCachedStatements {
		for q, old := range cache {
			old.Close()
			delete(cache, q)
			break
		}
	}
	cache[query] = st
	return st, nil
}

// maxAttempts bounds how often a transaction that lost a deadlock or a
// serialization conflict is run again, after a jittered wait: two
// transactions that wait alike after a deadlock would meet again in the
// same order.
const maxAttempts = 8

// inTx runs fn in a write transaction and commits it. fn's error (or a
// failed commit) rolls everything back. A transaction that failed only
// because of a concurrent one is run again from the start, so fn must not
// keep state from one run to the next.
func (s *Store) inTx(ctx context.Context, fn func(*tx) error) error {
	if s.batch != nil {
		return s.batch.run(ctx, fn)
	}
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, s.write, nil, fn)
		if err == nil || s.d.IsRetryable == nil || !s.d.IsRetryable(err) || attempt == maxAttempts {
			return s.badValue(err)
		}
		backoff := time.Duration(attempt*attempt) * time.Millisecond
		time.Sleep(backoff + rand.N(backoff))
	}
}

// inRead runs fn in a read-only transaction, so that the queries of one
// request see one snapshot.
func (s *Store) inRead(ctx context.Context, fn func(*tx) error) error {
	return s.badValue(s.runTx(ctx, s.read, s.d.ReadTx, fn))
}

// errBadValue is what a client learns when the database refused one of
// its values.
var errBadValue = roster.Invalidf(roster.ScimInvalidValue, "a value is not one the database can store or compare (text with a NUL or invalid UTF-8, or a number beyond its range)")

// badValue turns the database's refusal of a client's value into a client
// error; other errors pass unchanged.
func (s *Store) badValue(err error) error {
	if err != nil && s.d.IsBadValue != nil && s.d.IsBadValue(err) {
		return errBadValue
	}
	return err
}

func (s *Store) runTx(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(*tx) error) error {
	sqlTx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &tx{s: s, db: db, sql: sqlTx}
	defer s.cacheLater(ctx, t)
	err = fn(t)
	if err == nil && db == s.write && s.text != nil {
		err = s.flushText(ctx, t)
	}
	if err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if db == s.write && s.ckpt != nil {
		s.ckpt.committed()
	}
	return nil
}

// cacheLater prepares on the pool the queries a transaction had to
// prepare for itself, now that it no longer holds a connection.
func (s *Store) cacheLater(ctx context.Context, t *tx) {
	for _, q := range t.uncached {
		s.prepare(context.WithoutCancel(ctx), t.db, q) // a failure here only costs a later re-prepare
	}
}

// count adds delta to the directory's number of users or groups.
func (s *Store) count(ctx context.Context, t *tx, dirID, kind string, delta int) error {
	shard := 0
	if s.d.CountShards > 1 {
		shard = rand.IntN(s.d.CountShards)
	}
	_, err := t.exec(ctx, `INSERT INTO directory_counts (directory_id, kind, shard, n) VALUES (?, ?, ?, ?)
		ON CONFLICT (directory_id, kind, shard) DO UPDATE SET n = directory_counts.n + excluded.n`, dirID, kind, shard, delta)
	return err
}

// notFound reports sql.ErrNoRows as a roster ENotFound.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return roster.NotFoundf(format, args...)
	}
	return err
}

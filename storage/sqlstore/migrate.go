package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// LastFrozen is the last migration written once per dialect (in
// storage/sqlite/migrations and storage/postgres/migrations). Those are
// released and frozen; every later migration is written once, in
// storage/sqlstore/migrations.
const LastFrozen = 7

// shared holds the migrations after LastFrozen, written once for every
// dialect (see the package documentation for placeholders and the
// per-dialect escape hatch).
//
//go:embed migrations/*.sql
var shared embed.FS

// goSteps are the steps of a migration that SQL cannot express, run by
// Migrate right after the migration's SQL, in its transaction. A step is
// as released as the file it follows: never edited once released.
var goSteps = map[int]func(ctx context.Context, tx *sql.Tx, d Dialect) error{
	8:  fillUserNameKeys,
	16: fillAccessState,
	18: fillNameKeys,
	21: fillUserValues,
}

// Migrate applies the migrations that db has not seen, in version order,
// each in its own transaction together with its record in
// schema_migrations: the dialect's frozen 0001–0007, then the shared ones.
// A migration already applied whose file has since changed is an error:
// released migrations are never edited.
//
// Where the dialect has a migration lock (PostgreSQL's advisory lock), it
// is taken on one connection before anything else, even before
// schema_migrations is created, and held for the whole run: nodes starting
// together on a fresh database wait for each other instead of racing to
// create the same tables.
//
// This is hand-written rather than taken from a migration library because
// it is short, and the library that fits (pressly/goose) pulls in a
// modernc.org/libc version other than the one modernc.org/sqlite requires,
// which that driver's authors warn against.
func Migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	return migrate(ctx, db, d, math.MaxInt)
}

// migrate applies the migrations up to version upTo (tests stop early to
// write rows the way an older release did).
func migrate(ctx context.Context, db *sql.DB, d Dialect, upTo int) (err error) {
	files, err := migrations(d, shared)
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if d.LockMigrations != "" {
		if _, err := conn.ExecContext(ctx, d.LockMigrations); err != nil {
			return fmt.Errorf("lock migrations: %w", err)
		}
		defer func() {
			if _, uerr := conn.ExecContext(context.WithoutCancel(ctx), d.UnlockMigrations); uerr != nil {
				// The lock is the session's: a connection that could
				// not release it must not go back to the pool.
				conn.Raw(func(any) error { return driver.ErrBadConn })
				if err == nil {
					err = fmt.Errorf("unlock migrations: %w", uerr)
				}
			}
		}()
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, f := range files {
		if f.version > upTo {
			break
		}
		if err := applyMigration(ctx, conn, d, f); err != nil {
			return err
		}
	}
	return nil
}

// Pending returns the names of migrations not yet applied (for /readyz).
func Pending(ctx context.Context, db *sql.DB, d Dialect) ([]string, error) {
	files, err := migrations(d, shared)
	if err != nil {
		return nil, err
	}
	var pending []string
	for _, f := range files {
		var n int
		err := db.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), f.version).Scan(&n)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			pending = append(pending, f.name)
		}
	}
	return pending, nil
}

// Migration is one migration as a dialect applies it.
type Migration struct {
	Version  int
	Name     string // the file's name
	Body     string // the SQL, placeholders filled
	Checksum string // SHA-256 of the file as written, before placeholders are filled
}

// Migrations returns the migrations of dialect d in version order, as
// Migrate applies them.
func Migrations(d Dialect) ([]Migration, error) {
	files, err := migrations(d, shared)
	out := make([]Migration, len(files))
	for i, f := range files {
		out[i] = Migration{f.version, f.name, f.body, f.checksum}
	}
	return out, err
}

type migration struct {
	version  int
	name     string
	body     string
	checksum string
}

// migrations lists d's frozen migrations and then the shared ones of
// sharedFS, each shared version either from its file NNNN_name.sql or, when
// there is one, from NNNN_name.<dialect>.sql, which replaces it for that
// dialect.
func migrations(d Dialect, sharedFS fs.FS) ([]migration, error) {
	var out []migration
	if d.Migrations != nil {
		frozen, err := readMigrations(d.Migrations, ".")
		if err != nil {
			return nil, err
		}
		for _, f := range frozen {
			if f.dialect != "" || f.version > LastFrozen {
				return nil, fmt.Errorf("migration %s: migrations after %04d are written once, in storage/sqlstore/migrations", f.name, LastFrozen)
			}
			out = append(out, f.migration)
		}
	}
	files, err := readMigrations(sharedFS, "migrations")
	if err != nil {
		return nil, err
	}
	byVersion := map[int][]parsed{}
	for _, f := range files {
		if f.version <= LastFrozen {
			return nil, fmt.Errorf("migration %s: versions up to %04d are frozen; number it after them", f.name, LastFrozen)
		}
		byVersion[f.version] = append(byVersion[f.version], f)
	}
	versions := make([]int, 0, len(byVersion))
	for v := range byVersion {
		versions = append(versions, v)
	}
	sort.Ints(versions)
	for _, v := range versions {
		var common, own *parsed
		for i, f := range byVersion[v] {
			switch {
			case f.stem != byVersion[v][0].stem:
				return nil, fmt.Errorf("migrations %s and %s share version %d", byVersion[v][0].name, f.name, v)
			case f.dialect == "":
				common = &byVersion[v][i]
			case f.dialect == d.Name:
				own = &byVersion[v][i]
			}
		}
		chosen := common
		if own != nil {
			chosen = own
		}
		if chosen == nil {
			return nil, fmt.Errorf("migration %04d has no file for %s: write %s.sql, or %s.%s.sql", v, d.Name, byVersion[v][0].stem, byVersion[v][0].stem, d.Name)
		}
		m := chosen.migration
		if m.body, err = expand(m.name, m.body, d.Placeholders); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

type parsed struct {
	migration
	stem    string // "0008_user_name_key"
	dialect string // "postgres" in 0008_user_name_key.postgres.sql
}

func readMigrations(fsys fs.FS, dir string) ([]parsed, error) {
	pattern := dir + "/*.sql"
	if dir == "." {
		pattern = "*.sql"
	}
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	var out []parsed
	for _, path := range names {
		name := path[strings.LastIndex(path, "/")+1:]
		stem, dialect, _ := strings.Cut(strings.TrimSuffix(name, ".sql"), ".")
		num, _, ok := strings.Cut(stem, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil || strings.Contains(dialect, ".") {
			return nil, fmt.Errorf("migration %s: the name must be NNNN_name.sql or NNNN_name.<dialect>.sql", name)
		}
		body, err := fs.ReadFile(fsys, path)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		out = append(out, parsed{migration{version, name, string(body), hex.EncodeToString(sum[:])}, stem, dialect})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]*)\s*\}\}`)

// expand fills the {{name}} placeholders of a shared migration with the
// dialect's text for them; an unknown placeholder is an error, so that a
// typo fails every test instead of reaching a database.
func expand(file, body string, values map[string]string) (string, error) {
	var unknown []string
	out := placeholder.ReplaceAllStringFunc(body, func(m string) string {
		key := placeholder.FindStringSubmatch(m)[1]
		v, ok := values[key]
		if !ok {
			unknown = append(unknown, m)
		}
		return v
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("migration %s: unknown placeholders %s", file, strings.Join(unknown, ", "))
	}
	if strings.Contains(out, "{{") {
		return "", fmt.Errorf("migration %s: a {{ that is no placeholder", file)
	}
	return out, nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, d Dialect, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var checksum string
	err = tx.QueryRowContext(ctx, d.Rebind(`SELECT checksum FROM schema_migrations WHERE version = ?`), m.version).Scan(&checksum)
	switch {
	case err == nil && checksum != m.checksum:
		return fmt.Errorf("migration %s was changed after it was applied; released migrations must not be edited", m.name)
	case err == nil:
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	if _, err := tx.ExecContext(ctx, m.body); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if step := goSteps[m.version]; step != nil {
		if err := step(ctx, tx, d); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)`), m.version, m.name, m.checksum); err != nil {
		return err
	}
	return tx.Commit()
}

package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migrate applies the dialect's embedded migrations that db has not seen, in
// order, each in its own transaction together with its record in
// schema_migrations. A migration already applied whose file has since
// changed is an error: released migrations are never edited.
//
// This is hand-written rather than taken from a migration library because
// it is forty lines, and the library that fits (pressly/goose) pulls in a
// modernc.org/libc version other than the one modernc.org/sqlite requires,
// which that driver's authors warn against.
func Migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	files, err := migrationFiles(d.Migrations)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := applyMigration(ctx, db, d, f); err != nil {
			return err
		}
	}
	return nil
}

// Pending returns the names of migrations not yet applied (for /readyz).
func Pending(ctx context.Context, db *sql.DB, d Dialect) ([]string, error) {
	files, err := migrationFiles(d.Migrations)
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

type migration struct {
	version  int
	name     string
	body     string
	checksum string
}

func migrationFiles(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: the name must start with a number and an underscore", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		out = append(out, migration{version, name, string(body), hex.EncodeToString(sum[:])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

func applyMigration(ctx context.Context, db *sql.DB, d Dialect, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d.LockMigrations != "" {
		if _, err := tx.ExecContext(ctx, d.LockMigrations); err != nil {
			return fmt.Errorf("lock migrations: %w", err)
		}
	}
	var checksum string
	err = tx.QueryRowContext(ctx, d.Rebind(`SELECT checksum FROM schema_migrations WHERE version = ?`), m.version).Scan(&checksum)
	switch {
	case err == nil && checksum != m.checksum:
		return fmt.Errorf("migration %s was changed after it was applied; released migrations must not be edited", m.name)
	case err == nil:
		return nil
	case err != sql.ErrNoRows:
		return err
	}
	if _, err := tx.ExecContext(ctx, m.body); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)`), m.version, m.name, m.checksum); err != nil {
		return err
	}
	return tx.Commit()
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/storage/sqlstore"
)

// migrateCmd is `roster migrate`: opening the store applies the
// migrations, so its body only says so.
type migrateCmd struct{}

func (*migrateCmd) flags(*flag.FlagSet) []string { return nil }

func (*migrateCmd) run(_ context.Context, e *env) (output, error) {
	return migrated{redactDSN(e.db)}, nil
}

type migrated struct {
	Database string `json:"database"`
}

func (m migrated) Text(w io.Writer) { fmt.Fprintf(w, "Migrations applied to %s.\n", m.Database) }

// backupCmd is `roster backup`.
type backupCmd struct{ out string }

func (cmd *backupCmd) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.out, "out", "", "the file to write the copy to (must not exist)")
	return []string{"out"}
}

func (cmd *backupCmd) run(ctx context.Context, e *env) (output, error) {
	if isPostgres(e.db) {
		return nil, fmt.Errorf("backup copies SQLite databases; for PostgreSQL use pg_dump (see docs/operations.md)")
	}
	s, ok := e.st.(*sqlstore.Store)
	if !ok {
		return nil, fmt.Errorf("backup: unexpected store type %T", e.st)
	}
	if err := sqlite.Backup(ctx, s, cmd.out); err != nil {
		return nil, err
	}
	return backedUp{e.db, cmd.out}, nil
}

type backedUp struct {
	Database string `json:"database"`
	Backup   string `json:"backup"`
}

func (b backedUp) Text(w io.Writer) {
	fmt.Fprintf(w, "Backed up %s to %s (a consistent copy; the server may keep running).\n", b.Database, b.Backup)
}

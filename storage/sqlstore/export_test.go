package sqlstore

import (
	"context"
	"database/sql"
	"io/fs"
)

// MigrateTo applies the migrations up to version upTo only, so that a
// test can write rows the way an older release did.
func MigrateTo(ctx context.Context, db *sql.DB, d Dialect, upTo int) error {
	return migrate(ctx, db, d, upTo)
}

// MigrationsIn lists d's migrations with sharedFS (holding a migrations
// directory) in place of the embedded shared migrations.
func MigrationsIn(d Dialect, sharedFS fs.FS) ([]Migration, error) {
	files, err := migrations(d, sharedFS)
	out := make([]Migration, len(files))
	for i, f := range files {
		out[i] = Migration{f.version, f.name, f.body, f.checksum}
	}
	return out, err
}

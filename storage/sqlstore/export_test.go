package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/rosterhq/roster"
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

// ExplainUsers returns the plans, one line per step, of the two statements
// ListUsers runs for filter f (the page's rows in creation order, then the
// count), as the database's EXPLAIN shows them: explain is the dialect's
// EXPLAIN prefix ("EXPLAIN QUERY PLAN " on SQLite, "EXPLAIN " on
// PostgreSQL).
func (s *Store) ExplainUsers(ctx context.Context, t roster.DirectoryScope, f roster.Filter, explain string) (page, count []string, err error) {
	cond, args, err := s.compileFilter(f, userScope, t.OrgID)
	if err != nil {
		return nil, nil, err
	}
	where := "r.org_id = ? AND r.directory_id = ? AND " + cond
	args = append([]any{t.OrgID, t.DirectoryID}, args...)
	plan := func(q string, args ...any) ([]string, error) {
		rows, err := s.read.QueryContext(ctx, s.d.Rebind(explain+q), args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return nil, err
			}
			out = append(out, fmt.Sprint(vals[len(vals)-1]))
		}
		return out, rows.Err()
	}
	page, err = plan(`SELECT r.seq FROM users r WHERE `+where+` ORDER BY `+s.orderBy(userScope, roster.Query{})+` LIMIT ? OFFSET ?`, append(args, 100, 0)...)
	if err != nil {
		return nil, nil, err
	}
	count, err = plan(`SELECT COUNT(*) FROM users r WHERE `+where, args...)
	return page, count, err
}

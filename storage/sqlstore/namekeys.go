package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/rosterhq/roster"
)

// nameKeyBatch is how many users fillUserNameKeys reads at a time: memory
// stays bounded whatever the size of the table.
const nameKeyBatch = 1000

// fillUserNameKeys is the Go step of migration 0008: it computes the
// user_name_key of every existing user (NFKC and Unicode case folding
// cannot be done in SQL), in creation order, a batch at a time. Rows whose
// keys collide are not merged: the oldest keeps the key, and each later one
// keeps a NULL key, so the unique index holds and the row keeps working
// under its name (updates that leave its userName alone leave the key
// NULL). Each collision is logged and appended to the organization's audit
// log (action user.name_collision, with both IDs), where an admin sees it
// and can rename or delete one of the two; an operator lists them all with
// SELECT id, org_id, user_name FROM users WHERE user_name_key IS NULL.
func fillUserNameKeys(ctx context.Context, tx *sql.Tx, d Dialect) error {
	find, err := tx.PrepareContext(ctx, d.Rebind(`SELECT id FROM users WHERE org_id = ? AND user_name_key = ?`))
	if err != nil {
		return err
	}
	defer find.Close()
	set, err := tx.PrepareContext(ctx, d.Rebind(`UPDATE users SET user_name_key = ? WHERE seq = ?`))
	if err != nil {
		return err
	}
	defer set.Close()
	type row struct {
		seq                    int64
		id, org, dir, userName string
	}
	collisions := 0
	for after := int64(-1 << 62); ; {
		rs, err := tx.QueryContext(ctx, d.Rebind(`SELECT seq, id, org_id, COALESCE(directory_id, ''), user_name FROM users WHERE seq > ? ORDER BY seq LIMIT ?`), after, nameKeyBatch)
		if err != nil {
			return err
		}
		batch, err := scanAll(rs, func(sc rowScanner) (row, error) {
			var r row
			return r, sc.Scan(&r.seq, &r.id, &r.org, &r.dir, &r.userName)
		})
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		after = batch[len(batch)-1].seq
		for _, r := range batch {
			key := roster.StoredNameKey(r.userName)
			var other string
			err := find.QueryRowContext(ctx, r.org, key).Scan(&other)
			if errors.Is(err, sql.ErrNoRows) {
				if _, err := set.ExecContext(ctx, key, r.seq); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			collisions++
			slog.Warn("migration 0008: two users of one organization have the same userName once compared by roster.NameKey; the later one keeps a NULL user_name_key until it is renamed or deleted",
				"org", r.org, "user", r.id, "userName", r.userName, "sameNameAs", other)
			if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO events (org_id, directory_id, time, actor, action, resource_type, resource_id, detail)
				VALUES (?, ?, ?, 'migration 0008', 'user.name_collision', 'User', ?, ?)`),
				r.org, r.dir, micros(time.Now()), r.id, detail("userName", r.userName, "sameNameAs", other,
					"explanation", "This user's userName and that of user "+other+" differ only in case, Unicode form, invisible characters or white space, which Roster now treats as one name. Both keep working; rename or delete one of them.")); err != nil {
				return err
			}
		}
	}
	if collisions > 0 {
		slog.Warn("migration 0008: users share a userName; each is in its organization's audit log as user.name_collision", "users", collisions)
	}
	return nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// Product names and local-group names are unique in their organization,
// compared by roster.NameKey. Unlike directory names (directorynames.go,
// checked under the organization's lock because old databases may hold
// duplicates) they have a key column with a unique index, since migration
// 0018 renamed the duplicates it found: the index is the rule, and the
// check before a write only turns its violation into a message naming the
// other product or group.

// nameTable says where a kind of name lives.
type nameTable struct {
	table, keyColumn, nameColumn, idColumn string
	kind                                   string // "product", "local group": for messages
}

var (
	productNames = nameTable{table: "products", keyColumn: "name_key", nameColumn: "name", idColumn: "key", kind: "product"}
	groupNames   = nameTable{table: "groups", keyColumn: "local_name_key", nameColumn: "display_name", idColumn: "id", kind: "local group"}
)

// checkName returns the key of name, failing with ReasonNameTaken when a
// row of the organization other than except has it already.
func (s *Store) checkName(ctx context.Context, t *tx, n nameTable, orgID, except, name string) (string, error) {
	key, err := roster.NameKey(name)
	if err != nil {
		return "", err
	}
	return key, s.checkNameKey(ctx, t, n, orgID, except, key)
}

// checkNameKey fails with ReasonNameTaken when a row of the organization
// other than except has key.
func (s *Store) checkNameKey(ctx context.Context, t *tx, n nameTable, orgID, except, key string) error {
	var other string
	err := t.queryRow(ctx, `SELECT `+n.nameColumn+` FROM `+n.table+` WHERE org_id = ? AND `+n.keyColumn+` = ? AND `+n.idColumn+` <> ?`,
		orgID, key, except).Scan(&other)
	switch {
	case err == nil:
		return roster.E(roster.ReasonNameTaken, "the organization has a %s called %s already; give this one another name", n.kind, other)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	return nil
}

// nameTaken turns a unique violation of a name key (two writers racing
// past checkName) into ReasonNameTaken.
func (s *Store) nameTaken(err error, n nameTable, name string) error {
	if s.d.IsUniqueViolation(err) {
		return roster.E(roster.ReasonNameTaken, "the organization has a %s called %s already; give this one another name", n.kind, name)
	}
	return err
}

// fillNameKeys is the Go step of migration 0018: it computes the name key
// of every product and every local group, oldest first, a batch at a
// time (memory stays bounded). A name whose key an older row of the
// organization has already is renamed with the first free suffix " (2)",
// " (3)" ...; each renaming is logged and appended to the organization's
// audit log (product.renamed, group.renamed, actor "migration 0018"),
// where an admin sees why a name changed.
func fillNameKeys(ctx context.Context, tx *sql.Tx, d Dialect) error {
	type row struct {
		org, id, name string
		created       int64 // products: created; groups: seq
	}
	renamed := 0
	for _, n := range []struct {
		nameTable
		batch            string // the next rows after (created, org_id, id), oldest first
		resource, action string
	}{
		{productNames, `SELECT org_id, key, name, created FROM products WHERE (created, org_id, key) > (?, ?, ?)
			ORDER BY created, org_id, key LIMIT ?`, "Product", "product.renamed"},
		{groupNames, `SELECT org_id, id, display_name, seq FROM groups WHERE directory_id IS NULL AND (seq, org_id, id) > (?, ?, ?)
			ORDER BY seq, org_id, id LIMIT ?`, "Group", "group.renamed"},
	} {
		last := row{created: -1 << 62}
		for {
			rs, err := tx.QueryContext(ctx, d.Rebind(n.batch), last.created, last.org, last.id, nameKeyBatch)
			if err != nil {
				return err
			}
			batch, err := scanAll(rs, func(sc rowScanner) (row, error) {
				var r row
				return r, sc.Scan(&r.org, &r.id, &r.name, &r.created)
			})
			if err != nil {
				return err
			}
			if len(batch) == 0 {
				break
			}
			last = batch[len(batch)-1]
			for _, r := range batch {
				name := r.name
				for i := 2; ; i++ {
					var taken int
					if err := tx.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM `+n.table+` WHERE org_id = ? AND `+n.keyColumn+` = ?`),
						r.org, roster.StoredNameKey(name)).Scan(&taken); err != nil {
						return err
					}
					if taken == 0 {
						break
					}
					name = fmt.Sprintf("%s (%d)", strings.TrimSpace(r.name), i)
				}
				set, args := n.keyColumn+` = ?`, []any{roster.StoredNameKey(name)}
				if name != r.name {
					set, args = set+`, `+n.nameColumn+` = ?`, append(args, name)
					if n.table == "groups" {
						set, args = set+`, display_name_fold = ?`, append(args, fold(name))
					}
				}
				if _, err := tx.ExecContext(ctx, d.Rebind(`UPDATE `+n.table+` SET `+set+` WHERE org_id = ? AND `+n.idColumn+` = ?`),
					append(args, r.org, r.id)...); err != nil {
					return err
				}
				if name == r.name {
					continue
				}
				renamed++
				slog.Warn("migration 0018: two "+n.kind+"s of one organization had one name once compared by roster.NameKey; the later one is renamed",
					"org", r.org, n.kind, r.id, "from", r.name, "to", name)
				if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO events (org_id, directory_id, time, actor, action, resource_type, resource_id, detail)
					VALUES (?, '', ?, 'migration 0018', ?, ?, ?, ?)`), r.org, micros(time.Now()), n.action, n.resource, r.id,
					detail("from", r.name, "to", name, "explanation", "Another, older "+n.kind+" of the organization had this name (compared regardless of case, Unicode form and white space), and names are unique now; rename it as you like.")); err != nil {
					return err
				}
			}
		}
	}
	if renamed > 0 {
		slog.Warn("migration 0018: products or local groups shared a name and were renamed; each renaming is in its organization's audit log", "renamed", renamed)
	}
	return nil
}

// ListNames implements roster.Store: one query over the tables whose rows
// the audit trail and the request log name by ID, deleted users and
// groups included while they can be restored.
func (s *Store) ListNames(ctx context.Context, orgID string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	ids = dedupe(ids)
	if len(ids) == 0 {
		return out, nil
	}
	list := jsonList(ids)
	var q string
	var args []any
	for i, t := range []struct{ table, id, name string }{
		{"users", "id", "user_name"},
		{"groups", "id", "display_name"},
		{"products", "key", "name"},
		{"directories", "id", "name"},
		{"admins", "id", "email"},
		{"tokens", "id", "name"},
		{"deleted_resources", "id", "name"}, // a deleted user or group, while it can be restored
	} {
		if i > 0 {
			q += ` UNION ALL `
		}
		// The organization is compared as org_id || '': a value, not a
		// column, so that SQLite's planner reads by the ID (a unique
		// index, a few rows) instead of the organization's index (every
		// user of it), which made Activity 40 times slower at 100,000 users.
		q += `SELECT ` + t.id + `, ` + t.name + ` FROM ` + t.table + ` WHERE ` + s.d.InJSON(t.id) + ` AND ` + asValue("org_id") + ` = ?`
		args = append(args, list, orgID)
	}
	_, err := s.readRows(ctx, q, args, func(sc rowScanner) (int64, error) {
		var id, name string
		err := sc.Scan(&id, &name)
		if _, dup := out[id]; !dup {
			out[id] = name
		}
		return 0, err
	})
	return out, err
}

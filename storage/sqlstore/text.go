package sqlstore

// SQLite's trigram tables written once per commit (migration 0027).
//
// user_text (co and ew of the indexed attributes, migration 0021) and
// user_search (the admins' search, 0024) are FTS5 tables. FTS5 keeps what
// a transaction writes in memory and writes it out as a new segment at the
// next savepoint, and SQLite opens one at every statement: when triggers
// wrote these tables, each create wrote two one-row segments at its next
// statement and FTS5 then merged them, about a fifth of a create's server
// CPU (docs/benchmarks.md, "Creates and the trigram tables"). So the
// triggers only note which users changed, in user_text_pending, and the
// write transaction writes their rows just before it commits
// (flushText): one segment a commit, for all the writes a group commit
// holds. Nothing reads these tables inside a write transaction (filters and
// searches run on the readers), and a reader sees a commit whole, so no
// reader can tell the difference.

import (
	"context"
	"slices"
	"strings"

	"github.com/rosterhq/roster"
)

// flushText writes the trigram rows of the users user_text_pending names
// and empties it. A row whose user may be in the tables already
// (indexed) is deleted from them first; a user deleted since is not
// written again. It costs one indexed read when no user changed.
func (s *Store) flushText(ctx context.Context, t *tx) error {
	var pending bool
	if err := t.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM user_text_pending)`).Scan(&pending); err != nil {
		return err
	}
	if !pending {
		return nil
	}
	for _, q := range s.text {
		if _, err := t.exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// textFlush is flushText's statements. The columns are computed by the
// very expressions a scan compares (JSONValue, JSONElemValue, Fold), as
// valuesSelect computes user_values, so that a candidate set read from
// user_text holds every user the comparison can match.
func textFlush(d Dialect) []string {
	cols := []string{"rowid"}
	exprs := []string{"r.seq"}
	paths := make([]string, 0, len(indexedAttrs))
	for p := range indexedAttrs {
		paths = append(paths, p)
	}
	slices.Sort(paths) // one statement text, so one prepared statement
	for _, p := range paths {
		v := d.JSONValue("r.attributes", strings.Split(p, "/"), roster.TypeString)
		if strings.HasSuffix(indexedAttrs[p].generated, "_fold") { // folded unless caseExact, as its generated column
			v = d.Fold(v)
		}
		cols, exprs = append(cols, indexedAttrs[p].text), append(exprs, v)
	}
	for _, a := range valueAttrs {
		cols = append(cols, valueTextColumns[a])
		exprs = append(exprs, `(SELECT group_concat(`+d.Fold(d.JSONElemValue("e", "value", roster.TypeString))+`, char(10)) FROM `+
			d.JSONElements("r.attributes", []string{a}, "e")+`)`)
	}
	from := ` FROM user_text_pending p JOIN users r ON r.seq = p.seq`
	return []string{
		`DELETE FROM user_text WHERE rowid IN (SELECT seq FROM user_text_pending WHERE indexed)`,
		`DELETE FROM user_search WHERE rowid IN (SELECT seq FROM user_text_pending WHERE indexed)`,
		`INSERT INTO user_text (` + strings.Join(cols, ", ") + `) SELECT ` + strings.Join(exprs, ", ") + from,
		`INSERT INTO user_search (rowid, user_name, display_name, email) SELECT r.seq, r.user_name_fold, ` +
			d.Fold("r.display_name") + `, ` + d.Fold("r.email") + from,
		`DELETE FROM user_text_pending`,
	}
}

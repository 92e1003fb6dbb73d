package sqlstore

// Indexed filters (issue 16, migration 0021). The attributes clients filter
// on are answered from an index instead of a scan of the directory:
//
//   - single-valued attributes kept in the JSON document (indexedAttrs)
//     have a generated column holding the value a comparison reads (the
//     folded attribute, migration 0026; an expression index before), and
//     an index on it: the compiler names the column for eq, sw and the
//     ranges, so this list and the migration are written together, and
//     TestIndexedPlans checks each plan. On PostgreSQL the index also
//     holds seq and active, so that a count is an index-only scan;
//   - the values of multi-valued attributes (valueAttrs) are rows of
//     user_values, written here in the user's write transaction; a filter
//     on them adds a candidate set (r.seq IN (...)) and keeps its own
//     check of the element, so the index only narrows what the scan would
//     have checked, never decides;
//   - sw is a range (prefixRange) plus the LIKE that checks it, so that
//     any index on the expression serves it.
//
// On PostgreSQL the indexed expressions are compared COLLATE "C", by code
// point as SQLite compares text: a range is then exactly a prefix, and
// ordering comparisons on these attributes no longer depend on the
// database's collation (they agree with SQLite's).

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rosterhq/roster"
)

// indexedAttrs are the JSON-held user attributes with an index, by their
// document path joined with "/".
var indexedAttrs = map[string]indexedAttr{
	"displayName":                  {"display_name", "r.display_name_fold"},
	"title":                        {"title", "r.title_fold"},
	"name/givenName":               {"given_name", "r.given_name_fold"},
	"name/familyName":              {"family_name", "r.family_name_fold"},
	enterprise + "/employeeNumber": {"employee_number", "r.employee_number_fold"},
	enterprise + "/department":     {"department", "r.department_fold"},
	enterprise + "/costCenter":     {"cost_center", "r.cost_center_fold"},
	enterprise + "/organization":   {"organization", "r.organization_fold"},
	enterprise + "/division":       {"division", "r.division_fold"},
	enterprise + "/manager/value":  {"manager", "r.manager_value"}, // caseExact: not folded
}

// indexedAttr says where an indexed attribute is kept.
type indexedAttr struct {
	// text is the column of user_text (SQLite's trigram index) that
	// holds the attribute, for co and ew.
	text string
	// generated is the users column that holds the attribute as
	// comparisons read it (folded unless caseExact), with an index on
	// (org_id, directory_id, it), migration 0026.
	generated string
}

const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// valueAttrs are the multi-valued user attributes whose "value"
// sub-attribute is kept in user_values.
var valueAttrs = []string{"emails", "phoneNumbers"}

// valueTextColumns are user_text's columns of valueAttrs: each holds the
// attribute's values, folded, joined by newlines.
var valueTextColumns = map[string]string{"emails": "emails", "phoneNumbers": "phone_numbers"}

func isValueAttr(a roster.Attr) bool {
	for _, n := range valueAttrs {
		if a.Name == n && !a.Extension {
			return true
		}
	}
	return false
}

// valuesSelect selects the user_values rows of the users that cond (over
// users r) picks, computed from the stored document by the expressions a
// scan of the element evaluates (JSONElements, JSONElemValue, Fold), so
// that the index holds what the scan would compare.
func valuesSelect(d Dialect, cond string) string {
	var parts []string
	for _, a := range valueAttrs {
		v := d.Fold(d.JSONElemValue("e", "value", roster.TypeString))
		typ := d.Fold(d.JSONElemValue("e", "type", roster.TypeString))
		parts = append(parts, `SELECT r.seq, r.org_id, '`+a+`', `+v+`, `+d.Reverse(v)+`, `+typ+
			` FROM users r, `+d.JSONElements("r.attributes", []string{a}, "e")+` WHERE `+cond+` AND `+v+` IS NOT NULL`)
	}
	return `INSERT INTO user_values (user_seq, org_id, attr, value, value_rev, type) ` + strings.Join(parts, " UNION ALL ")
}

// indexValues writes the user_values rows of the user with id, in the
// transaction that wrote its row (create, restore).
func (s *Store) indexValues(ctx context.Context, tx *tx, id string) error {
	_, err := tx.exec(ctx, valuesSelect(s.d, "r.id = ?"), sliceOf(id, len(valueAttrs))...)
	return err
}

// reindexValues replaces the user_values rows of the user at seq when an
// update changed one of valueAttrs; other updates leave them alone.
func (s *Store) reindexValues(ctx context.Context, tx *tx, seq int64, before, after []byte) error {
	changed := changedKeys(before, after)
	touched := false
	for _, a := range valueAttrs {
		for _, k := range changed {
			touched = touched || k == a
		}
	}
	if !touched {
		return nil
	}
	if _, err := tx.exec(ctx, `DELETE FROM user_values WHERE user_seq = ?`, seq); err != nil {
		return err
	}
	_, err := tx.exec(ctx, valuesSelect(s.d, "r.seq = ?"), sliceOf(any(seq), len(valueAttrs))...)
	return err
}

// fillUserValues is migration 0021's Go step: the values of the users
// there are already, by the same statement the writes use.
func fillUserValues(ctx context.Context, tx *sql.Tx, d Dialect) error {
	_, err := tx.ExecContext(ctx, d.Rebind(valuesSelect(d, "1 = 1")))
	return err
}

func sliceOf[T any](v T, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// prefixRange returns the bounds of the strings that start with p in code
// point order: p itself and, unless p is empty or only U+10FFFF, the
// smallest string after every such string (p with its last code point
// incremented). Byte order of UTF-8 is code point order, so this is the
// range on SQLite's BINARY and PostgreSQL's "C" collation alike.
func prefixRange(p string) (lo, hi string, bounded bool) {
	rs := []rune(p)
	for len(rs) > 0 {
		last := rs[len(rs)-1]
		if last < utf8.MaxRune {
			next := last + 1
			if next >= 0xD800 && next <= 0xDFFF { // surrogates are not characters
				next = 0xE000
			}
			rs[len(rs)-1] = next
			return p, string(rs), true
		}
		rs = rs[:len(rs)-1]
	}
	return p, "", false
}

// ReverseRunes reverses s by code point, as the dialects' Reverse does
// (SQLite's reverse() is this function).
func ReverseRunes(s string) string {
	rs := []rune(s)
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return string(rs)
}

// valueCandidates is the candidate set of a value filter on one of
// valueAttrs (emails[type eq "work" and value ew "@x"]): the users one of
// whose values satisfies the filter's most selective conjunct on "value"
// that user_values answers, or "" when there is none. exact says that
// user_values answers the whole filter (conjuncts on value, and type eq,
// all on one row, which is one element): then the candidates are the
// matches, and the element's own check is not needed. Otherwise that check
// still runs on the candidates.
func (c *compiler) valueCandidates(h roster.Has) (sql string, exact bool) {
	if c.org == "" || !isValueAttr(h.Attr) {
		return "", false
	}
	conj, exact := valueConjuncts(h.Filter)
	if len(conj) == 0 {
		return "", false
	}
	// Placeholders bind in the order of the SQL text.
	cond := c.bind("v.org_id = ?", c.org) + " AND " + c.bind("v.attr = ?", h.Attr.Name)
	if !exact {
		conj = conj[:1]
	}
	for _, cmp := range conj {
		s := fold(cmp.Value.(string))
		if cmp.Attr.Sub == "type" {
			cond += c.bind(" AND v.type = ?", s)
			continue
		}
		switch cmp.Op {
		case roster.Eq:
			cond += c.bind(" AND v.value = ?", s)
		case roster.Gt:
			cond += c.bind(" AND v.value > ?", s)
		case roster.Ge:
			cond += c.bind(" AND v.value >= ?", s)
		case roster.Lt:
			cond += c.bind(" AND v.value < ?", s)
		case roster.Le:
			cond += c.bind(" AND v.value <= ?", s)
		case roster.Sw, roster.Ew:
			col := "v.value"
			if cmp.Op == roster.Ew {
				col, s = "v.value_rev", ReverseRunes(s)
			}
			lo, hi, bounded := prefixRange(s)
			cond += c.bind(" AND "+col+" >= ?", lo)
			if bounded {
				cond += c.bind(" AND "+col+" < ?", hi)
			}
		}
	}
	return "r.seq IN (SELECT v.user_seq FROM user_values v WHERE " + cond + ")", exact
}

// valueConjuncts lists the conjuncts of a value filter that user_values
// answers, the most selective comparison of "value" first (eq, then sw
// and ew, then ranges), and whether they are the whole filter: an AND of
// comparisons of value and of type eq, with one of value at least. A
// comparison of value by its range or prefix is exact on user_values:
// both compare by code point (Dialect.Binary), and the ranges are exactly
// the prefixes (prefixRange).
func valueConjuncts(f roster.Filter) ([]roster.Compare, bool) {
	var values, types []roster.Compare
	whole := true
	for _, f := range roster.Conjuncts(f) {
		c, ok := f.(roster.Compare)
		if _, text := c.Value.(string); ok && text && !c.Attr.CaseExact {
			switch {
			case c.Attr.Sub == "value" && slices.Contains([]roster.Op{roster.Eq, roster.Sw, roster.Ew, roster.Gt, roster.Ge, roster.Lt, roster.Le}, c.Op):
				values = append(values, c)
				continue
			case c.Attr.Sub == "type" && c.Op == roster.Eq:
				types = append(types, c)
				continue
			}
		}
		whole = false
	}
	if len(values) == 0 {
		return nil, false
	}
	rank := func(op roster.Op) int {
		switch op {
		case roster.Eq:
			return 0
		case roster.Sw, roster.Ew:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(values, func(a, b roster.Compare) int { return rank(a.Op) - rank(b.Op) })
	return append(values, types...), whole
}

// textCandidates is the candidate set of a co or ew comparison of the
// (folded) text s with column col of user_text, SQLite's trigram index: the
// users whose value holds s. "" where the dialect has no such index, or s
// is shorter than a trigram. The comparison's own LIKE still runs on them.
// On PostgreSQL the LIKE itself uses the pg_trgm indexes.
func (c *compiler) textCandidates(col, s string) string {
	if !c.d.TextMatch || utf8.RuneCountInString(s) < 3 {
		return ""
	}
	return c.bind("r.seq IN (SELECT rowid FROM user_text WHERE user_text MATCH ?)", "{"+col+`} : "`+strings.ReplaceAll(s, `"`, `""`)+`"`)
}

// valueText is textCandidates for a value filter on emails or
// phoneNumbers whose conjuncts include a co or ew of value.
func (c *compiler) valueText(h roster.Has) string {
	if !isValueAttr(h.Attr) {
		return ""
	}
	col := valueTextColumns[h.Attr.Name]
	for _, f := range roster.Conjuncts(h.Filter) {
		cmp, ok := f.(roster.Compare)
		if s, text := cmp.Value.(string); ok && text && s != "" && cmp.Attr.Sub == "value" && !cmp.Attr.CaseExact && (cmp.Op == roster.Co || cmp.Op == roster.Ew) {
			return c.textCandidates(col, fold(s))
		}
	}
	return ""
}

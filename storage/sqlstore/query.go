package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// column is a stored column that holds an attribute. fold, when set, is
// the column holding its case-folded form, indexed where lookups need it;
// key, when set, the column holding its roster.NameKey, which answers eq:
// a client that looks a user up by userName finds the user whose name is
// the same name, in whatever Unicode spelling.
type column struct {
	expr string
	fold string
	key  string
	time bool // microseconds; compared with time.Time values
	// binary: text comparisons go through Dialect.Binary, as the
	// attribute's index (migration 0021) compares.
	binary bool
	// text, when set, is the column of user_text (SQLite's trigram
	// index) that holds the attribute, for co and ew.
	text string
	// generated, when set, is the column that holds the compared value
	// of an indexed attribute (indexedAttr.generated): eq, the ranges
	// and sw read it and its index; co and ew keep the expression, on
	// which PostgreSQL's trigram indexes are.
	generated string
}

// rowsAttr is a multi-valued attribute kept as rows (memberships): from
// selects the rows of one resource, and fields maps each sub-attribute to
// an expression over them. Both write the rows' alias as {m}.
type rowsAttr struct {
	from   string
	fields map[string]column
}

// scope says how attributes of one kind of resource map to SQL.
type scope struct {
	doc     string            // the JSON column of the document
	columns map[string]column // attributes kept in columns, by path
	rows    map[string]rowsAttr
	// elem, when set, compiles bare sub-attribute references (the
	// filter of a member removal) against these fields.
	elem map[string]column
}

var metaColumns = map[string]column{
	"meta.created":      {expr: "r.created", time: true},
	"meta.lastModified": {expr: "r.modified", time: true},
	"meta.version":      {expr: `('W/"' || r.version || '"')`},
}

func withMeta(cols map[string]column) map[string]column {
	for k, v := range metaColumns {
		cols[k] = v
	}
	return cols
}

var userScope = &scope{
	doc: "r.attributes",
	columns: withMeta(map[string]column{
		"id":                {expr: "r.id"},
		"userName":          {expr: "r.user_name", fold: "r.user_name_fold", key: "r.user_name_key", binary: true}, // sw a range: users_user_name_prefix (0025)
		"externalId":        {expr: "r.external_id", binary: true},
		"active":            {expr: "r.active"},
		"meta.resourceType": {expr: "'User'"},
	}),
	rows: map[string]rowsAttr{
		"groups": {
			from: "group_members {m} WHERE {m}.member_id = r.id",
			fields: map[string]column{
				"value":   {expr: "{m}.group_id"},
				"display": {expr: "(SELECT g.display_name FROM groups g WHERE g.id = {m}.group_id)"},
				"type":    {expr: "'direct'"},
			},
		},
	},
}

var memberFields = map[string]column{
	"value": {expr: "{m}.member_id"},
	"type":  {expr: "{m}.member_type"},
	"display": {expr: `(CASE {m}.member_type
		WHEN 'User' THEN (SELECT COALESCE(u.display_name, u.user_name) FROM users u WHERE u.id = {m}.member_id)
		ELSE (SELECT g.display_name FROM groups g WHERE g.id = {m}.member_id) END)`},
}

var groupScope = &scope{
	doc: "r.attributes",
	columns: withMeta(map[string]column{
		"id":                {expr: "r.id"},
		"displayName":       {expr: "r.display_name", fold: "r.display_name_fold"},
		"externalId":        {expr: "r.external_id", binary: true},
		"meta.resourceType": {expr: "'Group'"},
	}),
	rows: map[string]rowsAttr{
		"members": {from: "group_members {m} WHERE {m}.group_id = r.id", fields: memberFields},
	},
}

// memberScope compiles the filter of a member removal
// (members[type eq "Group"]) against group_members rows aliased m.
var memberScope = &scope{elem: withAlias(memberFields, "m")}

// compiler turns a roster.Filter into a SQL condition with ? placeholders.
type compiler struct {
	d     Dialect
	sc    *scope
	args  []any
	elem  map[string]column // inside a rows Has: the element's fields
	json  string            // inside a JSON Has: the element alias
	inHas roster.Attr       // inside a JSON Has: its attribute
	alias int
	// org, when set, is the tenant's organization, which scopes the
	// candidate sets read from user_values (see indexed.go).
	org string
}

func (s *Store) compileFilter(f roster.Filter, sc *scope, org string) (string, []any, error) {
	c := &compiler{d: s.d, sc: sc, elem: sc.elem, org: org}
	where, err := c.compile(f)
	return where, c.args, err
}

func (c *compiler) compile(f roster.Filter) (string, error) {
	switch f := f.(type) {
	case roster.And:
		return c.binary(f.Left, f.Right, "AND")
	case roster.Or:
		return c.binary(f.Left, f.Right, "OR")
	case roster.Not:
		inner, err := c.compile(f.Filter)
		if err != nil {
			return "", err
		}
		return "NOT COALESCE(" + inner + ", FALSE)", nil
	case roster.Has:
		return c.has(f)
	case roster.Compare:
		return c.compare(f)
	}
	return "", fmt.Errorf("sqlstore: unknown filter node %T", f)
}

func (c *compiler) binary(l, r roster.Filter, op string) (string, error) {
	ls, err := c.compile(l)
	if err != nil {
		return "", err
	}
	rs, err := c.compile(r)
	if err != nil {
		return "", err
	}
	return "(" + ls + " " + op + " " + rs + ")", nil
}

func (c *compiler) has(h roster.Has) (string, error) {
	if c.elem != nil || c.json != "" {
		return "", roster.Invalidf(roster.ScimInvalidFilter, "value filters cannot be nested")
	}
	c.alias++
	if rows, ok := c.sc.rows[h.Attr.Name]; ok && !h.Attr.Extension {
		alias := "m" + strconv.Itoa(c.alias)
		c.elem = withAlias(rows.fields, alias)
		inner, err := c.compile(h.Filter)
		c.elem = nil
		if err != nil {
			return "", err
		}
		return "EXISTS (SELECT 1 FROM " + strings.ReplaceAll(rows.from, "{m}", alias) + " AND " + inner + ")", nil
	}
	// The candidates' placeholders come first, as their SQL does.
	candidates, exact := "", false
	if c.sc == userScope {
		candidates, exact = c.valueCandidates(h)
	}
	if exact {
		return candidates, nil
	}
	if candidates == "" && c.sc == userScope {
		candidates = c.valueText(h)
	}
	c.json, c.inHas = "e"+strconv.Itoa(c.alias), h.Attr
	from := c.d.JSONElements(c.sc.doc, docPath(h.Attr), c.json)
	inner, err := c.compile(h.Filter)
	c.json, c.inHas = "", roster.Attr{}
	if err != nil {
		return "", err
	}
	exists := "EXISTS (SELECT 1 FROM " + from + " WHERE " + inner + ")"
	if candidates != "" {
		return "(" + candidates + " AND " + exists + ")", nil
	}
	return exists, nil
}

// withAlias points the field expressions of a rows attribute at alias.
func withAlias(fields map[string]column, alias string) map[string]column {
	out := make(map[string]column, len(fields))
	for k, v := range fields {
		v.expr = strings.ReplaceAll(v.expr, "{m}", alias)
		out[k] = v
	}
	return out
}

// docPath is where an attribute lives in the JSON document.
func docPath(a roster.Attr) []string {
	p := []string{a.Name}
	if a.Extension {
		p = []string{a.Schema, a.Name}
	}
	if a.Sub != "" && !a.MultiValued {
		p = append(p, a.Sub)
	}
	return p
}

func (c *compiler) compare(cmp roster.Compare) (string, error) {
	col, err := c.column(cmp)
	if err != nil {
		return "", err
	}
	return c.predicate(col, cmp)
}

// column finds the SQL expression for the compared attribute.
func (c *compiler) column(cmp roster.Compare) (column, error) {
	a := cmp.Attr
	switch {
	case c.elem != nil:
		col, ok := c.elem[a.Sub]
		if !ok {
			return column{}, roster.Invalidf(roster.ScimInvalidFilter, "%s cannot be filtered", a.Path())
		}
		return col, nil
	case c.json != "":
		// user_values compares the value by code point: the element's
		// own check must agree with its candidates.
		binary := c.sc == userScope && isValueAttr(c.inHas) && a.Sub == "value"
		return column{expr: c.d.JSONElemValue(c.json, a.Sub, a.Type), binary: binary}, nil
	case a.MultiValued:
		// Only "emails pr" reaches here; comparisons come wrapped in Has.
		if rows, ok := c.sc.rows[a.Name]; ok {
			return column{expr: "EXISTS (SELECT 1 FROM " + strings.ReplaceAll(rows.from, "{m}", "p1") + ")"}, nil
		}
		return column{expr: c.d.JSONPresent(c.sc.doc, docPath(a), true)}, nil
	}
	if a.Path() == "meta.location" {
		return column{}, roster.Invalidf(roster.ScimInvalidFilter, "meta.location cannot be filtered; filter on id instead")
	}
	if col, ok := c.sc.columns[a.Path()]; ok && !a.Extension {
		return col, nil
	}
	if a.Type == roster.TypeComplex {
		return column{expr: c.d.JSONPresent(c.sc.doc, docPath(a), false)}, nil
	}
	ix, indexed := indexedAttrs[strings.Join(docPath(a), "/")]
	if c.sc != userScope {
		ix, indexed = indexedAttr{}, false
	}
	return column{expr: c.d.JSONValue(c.sc.doc, docPath(a), a.Type), binary: indexed, text: ix.text, generated: ix.generated}, nil
}

// predicate writes the comparison of col against the filter's value.
func (c *compiler) predicate(col column, cmp roster.Compare) (string, error) {
	a := cmp.Attr
	expr := col.expr
	if cmp.Op == roster.Pr {
		switch {
		case a.MultiValued && c.elem == nil && c.json == "":
			return expr, nil // EXISTS or JSONPresent
		case a.Type == roster.TypeComplex:
			return expr, nil
		case a.Type == roster.TypeString || a.Type == roster.TypeReference || a.Type == roster.TypeBinary:
			return "(" + expr + " IS NOT NULL AND " + expr + " <> '')", nil
		}
		return expr + " IS NOT NULL", nil
	}
	value := cmp.Value
	if s, ok := value.(string); ok && cmp.Op == roster.Eq && col.key != "" {
		key, err := roster.NameKey(s)
		if err != nil {
			return "1 = 0", nil // a name no user can have: nothing matches
		}
		return c.bind(col.key+" = ?", key), nil
	}
	if s, ok := value.(string); ok && !a.CaseExact {
		value = fold(s)
		if col.fold != "" {
			expr = col.fold
		} else {
			expr = c.d.Fold(expr)
		}
	}
	// plain is the expression in the database's collation, which
	// PostgreSQL's trigram indexes are on, for co and ew.
	plain := expr
	if _, ok := value.(string); ok && col.generated != "" {
		expr = col.generated // the same value, folded as value is
	}
	if _, ok := value.(string); ok && col.binary {
		expr = c.d.Binary(expr)
	}
	if t, ok := value.(time.Time); ok && col.time {
		value = micros(t)
	}
	switch cmp.Op {
	case roster.Eq:
		return c.bind(expr+" = ?", value), nil
	case roster.Ne:
		return c.bind("("+expr+" IS NULL OR "+expr+" <> ?)", value), nil
	case roster.Gt:
		return c.bind(expr+" > ?", value), nil
	case roster.Ge:
		return c.bind(expr+" >= ?", value), nil
	case roster.Lt:
		return c.bind(expr+" < ?", value), nil
	case roster.Le:
		return c.bind(expr+" <= ?", value), nil
	}
	s, ok := value.(string)
	if !ok {
		return "", roster.Invalidf(roster.ScimInvalidFilter, "%s applies only to text", cmp.Op)
	}
	pattern := escapeLike(s)
	switch cmp.Op {
	case roster.Co:
		pattern = "%" + pattern + "%"
	case roster.Sw:
		// A range any index on the expression serves, then the LIKE
		// that says what sw means. The range is by code point, so
		// that it holds every string with the prefix: where the
		// database's own order is not (PostgreSQL), only on the
		// expressions indexed by code point (binary); elsewhere a
		// range in "C" could use no index and only costs time.
		if !col.binary && !c.d.CodePointOrder {
			pattern += "%"
			break
		}
		lo, hi, bounded := prefixRange(s)
		cond := c.bind(expr+" >= ?", lo)
		if bounded {
			cond += c.bind(" AND "+expr+" < ?", hi)
		}
		return "(" + cond + " AND " + c.bind(expr+` LIKE ? ESCAPE '\'`, pattern+"%") + ")", nil
	case roster.Ew:
		pattern = "%" + pattern
	}
	if cmp.Op == roster.Co || cmp.Op == roster.Ew {
		// Candidates first: their placeholder comes first.
		if col.text != "" {
			if cand := c.textCandidates(col.text, s); cand != "" {
				return "(" + cand + " AND " + c.bind(plain+` LIKE ? ESCAPE '\'`, pattern) + ")", nil
			}
		}
		return c.bind(plain+` LIKE ? ESCAPE '\'`, pattern), nil
	}
	return c.bind(expr+` LIKE ? ESCAPE '\'`, pattern), nil
}

func (c *compiler) bind(sql string, v any) string {
	c.args = append(c.args, v)
	return sql
}

// asValue compares a column as a value (col || ”), which no index is on.
// A statement that names a few rows by ID and also scopes them to an
// organization must read by the ID: SQLite's planner keeps no statistics
// and otherwise prefers the organization's index, reading every user of
// it for each call (a created user's default groups took 40 ms at 40,000
// users that way). PostgreSQL plans on statistics and reads by the ID
// either way.
func asValue(col string) string { return col + " || ''" }

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// orderBy writes the ORDER BY of a query: the sort attribute with missing
// values last, then creation order so that ties are stable.
func (s *Store) orderBy(sc *scope, q roster.Query) string {
	if q.SortBy == nil {
		if q.Descending {
			return "r.seq DESC"
		}
		return "r.seq"
	}
	a := *q.SortBy
	var expr string
	switch col, ok := sc.columns[a.Path()]; {
	case ok && !a.Extension && col.fold != "" && !a.CaseExact:
		expr = col.fold
	case ok && !a.Extension:
		expr = col.expr
	case a.MultiValued:
		// A multi-valued attribute sorts by its primary value.
		e := "s1"
		expr = "(SELECT " + s.d.JSONElemValue(e, a.Sub, a.Type) + " FROM " + s.d.JSONElements(sc.doc, docPath(a), e) +
			" ORDER BY COALESCE(" + s.d.JSONElemValue(e, "primary", roster.TypeBoolean) + ", FALSE) DESC LIMIT 1)"
	default:
		expr = s.d.JSONValue(sc.doc, docPath(a), a.Type)
	}
	if !a.CaseExact && (a.Type == roster.TypeString || a.Type == roster.TypeReference) && !strings.HasSuffix(expr, "_fold") {
		expr = s.d.Fold(expr)
	}
	dir := ""
	if q.Descending {
		dir = " DESC"
	}
	return "(" + expr + " IS NULL), " + expr + dir + ", r.seq" + dir
}

// list runs a query over table in the tenant: the page, and the total when
// the page alone does not tell it. They are two statements, not one
// transaction: a lookup by userName, the commonest request, needs only the
// first, and a total that counts a write made between the two is as right
// as one that does not. scan reads one row and returns its position.
func (s *Store) list(ctx context.Context, table, columns string, sc *scope, t roster.DirectoryScope, q roster.Query, scan func(rowScanner) (int64, error)) (pageInfo, error) {
	where := "r.org_id = ? AND r.directory_id = ?"
	args := []any{t.OrgID, t.DirectoryID}
	if q.Filter != nil {
		cond, fargs, err := s.compileFilter(q.Filter, sc, t.OrgID)
		if err != nil {
			return pageInfo{}, err
		}
		where += " AND " + cond
		args = append(args, fargs...)
	}
	if q.Cursor != nil {
		return s.cursorPage(ctx, table, columns, where, args, t, q, scan)
	}
	info := pageInfo{total: -1}
	// A filter's total is counted beside its page, on another connection,
	// unless the filter is a lookup, whose page (fewer items than asked)
	// nearly always tells the total; when it does not, the total is
	// counted after the page. Page and count were never one snapshot (each
	// statement reads its own), so counting at once changes only the wait:
	// at 1,000,000 users on PostgreSQL the count of department eq (20,000
	// matches) is half of the request.
	var counted chan countResult
	if q.Count > 0 && q.Filter != nil && !isLookup(q.Filter) {
		args = slices.Clip(args) // the page's appends must not share it
		counted = make(chan countResult, 1)
		go func() {
			n, err := s.total(ctx, table, where, args, false, t)
			counted <- countResult{n, err}
		}()
	}
	if q.Count > 0 {
		order := s.orderBy(sc, q)
		// The page's rows are found on the index alone, then read: a deep
		// page skips index entries, not rows.
		n, err := s.readRows(ctx, `SELECT `+columns+` FROM `+table+` r JOIN (SELECT r.seq FROM `+table+` r WHERE `+where+
			` ORDER BY `+order+` LIMIT ? OFFSET ?) p ON p.seq = r.seq ORDER BY `+order, append(args, q.Count, q.StartIndex-1), scan)
		if err != nil {
			return info, err
		}
		switch {
		case n > 0 && n < q.Count:
			info.total = q.StartIndex - 1 + n // the last page tells the total
		case n == 0 && q.StartIndex == 1:
			info.total = 0
		}
	}
	if counted != nil {
		// Awaited even when the page told the total: left running, it
		// would be cancelled with the request, which on PostgreSQL costs
		// the connection it runs on.
		c := <-counted
		if c.err != nil && info.total < 0 {
			return info, c.err
		}
		if info.total < 0 {
			info.total = c.n
		}
	}
	if info.total < 0 {
		total, err := s.total(ctx, table, where, args, q.Filter == nil, t)
		if err != nil {
			return info, err
		}
		info.total = total
	}
	return info, nil
}

type countResult struct {
	n   int
	err error
}

// isLookup says whether a filter is an eq on id, userName or externalId,
// the way clients look one resource up.
func isLookup(f roster.Filter) bool {
	c, ok := f.(roster.Compare)
	if !ok || c.Op != roster.Eq || c.Attr.Extension {
		return false
	}
	switch c.Attr.Path() {
	case "id", "userName", "externalId":
		return true
	}
	return false
}

// total counts a query's matches. Without a filter the directory's
// counters answer, in constant time, instead of a count of the directory.
func (s *Store) total(ctx context.Context, table, where string, args []any, unfiltered bool, t roster.DirectoryScope) (int, error) {
	var n int
	if unfiltered {
		kind := roster.MemberUser
		if table == "groups" {
			kind = roster.MemberGroup
		}
		err := s.readRow(ctx, `SELECT COALESCE(SUM(c.n), 0) FROM directory_counts c JOIN directories d ON d.id = c.directory_id
			WHERE c.directory_id = ? AND c.kind = ? AND d.org_id = ?`, t.DirectoryID, kind, t.OrgID).Scan(&n)
		return n, err
	}
	err := s.readRow(ctx, `SELECT COUNT(*) FROM `+table+` r WHERE `+where, args...).Scan(&n)
	return n, err
}

// pageInfo is what list learns besides the rows.
type pageInfo struct {
	total            int
	first, last      int64
	hasPrev, hasNext bool
}

// cursorPage reads a page by position (keyset pagination): it seeks on the
// creation sequence, so no page, however deep, reads the rows before it.
// It reads one row more than asked to learn whether another page follows.
func (s *Store) cursorPage(ctx context.Context, table, columns, where string, args []any, t roster.DirectoryScope, q roster.Query, scan func(rowScanner) (int64, error)) (pageInfo, error) {
	c := q.Cursor
	info := pageInfo{total: -1}
	if c.Total {
		total, err := s.total(ctx, table, where, args, q.Filter == nil, t)
		if err != nil {
			return info, err
		}
		info.total = total
	}
	if q.Count <= 0 {
		return info, nil
	}
	backwards := c.Before > 0
	query := `SELECT ` + columns + ` FROM ` + table + ` r WHERE ` + where + ` AND r.seq > ? ORDER BY r.seq LIMIT ?`
	from := c.After
	if backwards {
		query = `SELECT ` + columns + ` FROM ` + table + ` r WHERE ` + where + ` AND r.seq < ? ORDER BY r.seq DESC LIMIT ?`
		from = c.Before
	}
	var seqs []int64
	extra := false
	_, err := s.readRows(ctx, query, append(args, from, q.Count+1), func(sc rowScanner) (int64, error) {
		if len(seqs) == q.Count {
			extra = true // the look-ahead row: not part of the page
			return 0, nil
		}
		seq, err := scan(sc)
		seqs = append(seqs, seq)
		return seq, err
	})
	if err != nil {
		return info, err
	}
	if len(seqs) > 0 {
		info.first, info.last = seqs[0], seqs[len(seqs)-1]
	}
	if backwards {
		info.first, info.last = info.last, info.first
		info.hasPrev, info.hasNext = extra, true
	} else {
		info.hasPrev, info.hasNext = c.After > 0, extra
	}
	return info, nil
}

// readRows runs a query on the reader pool through the statement cache and
// scans each row; it returns the number of rows.
func (s *Store) readRows(ctx context.Context, query string, args []any, scan func(rowScanner) (int64, error)) (int, error) {
	rows, err := s.poolQuery(ctx, s.read, query, args...)
	if err != nil {
		return 0, s.badValue(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if _, err := scan(rows); err != nil {
			return n, s.badValue(err)
		}
		n++
	}
	return n, s.badValue(rows.Err())
}

// scanAll reads every row of rows with scan and closes rows. A
// transaction runs its statements on one connection, and a result set
// left open would hold it (PostgreSQL refuses the next statement), so a
// transaction that reads rows and then writes reads them whole first.
func scanAll[T any](rows *sql.Rows, scan func(rowScanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanOne is scanAll's scan of a row of one column.
func scanOne[T any](sc rowScanner) (T, error) {
	var v T
	err := sc.Scan(&v)
	return v, err
}

// ListUsers implements roster.Store.
func (s *Store) ListUsers(ctx context.Context, t roster.DirectoryScope, q roster.Query) (*roster.Page[roster.User], error) {
	return listPage(ctx, s, "users", userColumns, userScope, t, q, func(sc rowScanner) (roster.User, int64, error) { return scanUser(sc) })
}

// ListGroups implements roster.Store.
func (s *Store) ListGroups(ctx context.Context, t roster.DirectoryScope, q roster.Query) (*roster.Page[roster.Group], error) {
	return listPage(ctx, s, "groups", groupColumns, groupScope, t, q, scanGroup)
}

// listPage is a page of users or groups by Store.list. Items of a
// backwards cursor page are read newest first and put back in order.
func listPage[T any](ctx context.Context, s *Store, table, columns string, sc *scope, t roster.DirectoryScope, q roster.Query,
	scan func(rowScanner) (T, int64, error)) (*roster.Page[T], error) {
	page := &roster.Page[T]{}
	info, err := s.list(ctx, table, columns, sc, t, q, func(rs rowScanner) (int64, error) {
		item, seq, err := scan(rs)
		page.Items = append(page.Items, item)
		return seq, err
	})
	if q.Cursor != nil && q.Cursor.Before > 0 {
		slices.Reverse(page.Items)
	}
	page.Total, page.First, page.Last, page.HasPrev, page.HasNext = info.total, info.first, info.last, info.hasPrev, info.hasNext
	return page, err
}

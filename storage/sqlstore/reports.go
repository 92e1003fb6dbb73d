package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"unicode/utf8"

	"github.com/rosterhq/roster"
)

// The organization-wide lists of the console and the admin API. They are
// offset-paged for people turning pages; identity providers page through
// SCIM with cursors.

// orgScope starts the conditions of an organization-wide list (on alias
// r): the organization's rows, only its local ones, or one directory's.
func orgScope(orgID string, local bool, dirID string) ([]string, []any) {
	switch {
	case local:
		return []string{"r.org_id = ?", "r.directory_id IS NULL"}, []any{orgID}
	case dirID != "":
		return []string{"r.org_id = ?", "r.directory_id = ?"}, []any{orgID, dirID}
	}
	return []string{"r.org_id = ?"}, []any{orgID}
}

// ListOrgUsers implements roster.Store.
func (s *Store) ListOrgUsers(ctx context.Context, orgID string, f roster.UserFilter, offset, limit int) (*roster.Page[roster.User], error) {
	where, args := orgScope(orgID, f.Local, f.DirectoryID)
	if f.Active != nil {
		where, args = append(where, "r.active = ?"), append(args, *f.Active)
	}
	if f.Managed != nil {
		cond := managedExpr
		if !*f.Managed {
			cond = "NOT " + cond
		}
		where = append(where, cond)
	}
	setSearch := false
	if q := strings.TrimSpace(f.Search); q != "" {
		set, err := s.searchSet(ctx, orgID, q, searchUserName, searchDisplayName, searchEmail)
		if err != nil {
			return nil, err
		}
		if set != nil {
			// Read by the set's IDs, not by the organization's index.
			where[0] = asValue("r.org_id") + " = ?"
			where, args = append(where, s.d.InJSON("r.id")), append(args, jsonList(set))
			setSearch = true
		}
		cond, condArgs := s.contains(q, "r.user_name_fold", "r.display_name", "r.email")
		where, args = append(where, cond), append(args, condArgs...)
	}
	cond := strings.Join(where, " AND ")
	page := &roster.Page[roster.User]{}
	// With a search set, the page is read from the set and sorted:
	// ordering by an expression (|| '') keeps the planners from reading
	// the organization's users in userName order to spare the sort.
	order := "r.user_name_fold, r.seq"
	if setSearch {
		order = "r.user_name_fold || '', r.seq"
	}
	n, err := s.readRows(ctx, `SELECT `+userColumns+` FROM users r WHERE `+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, limit, offset), func(sc rowScanner) (int64, error) {
			u, seq, err := scanUser(sc)
			page.Items = append(page.Items, u)
			return seq, err
		})
	if err != nil {
		return nil, err
	}
	if total, ok := pageTotal(offset, limit, n); ok {
		page.Total = total
		return page, nil
	}
	if f == (roster.UserFilter{DirectoryID: f.DirectoryID}) {
		return page, s.userTotal(ctx, orgID, f.DirectoryID).Scan(&page.Total)
	}
	return page, s.readRow(ctx, `SELECT COUNT(*) FROM users r WHERE `+cond, args...).Scan(&page.Total)
}

// pageTotal is the total a page of n rows tells by itself: a short page
// is the last one, and an empty first page means none. It spares a search
// for one user its second pass over the table.
func pageTotal(offset, limit, n int) (int, bool) {
	switch {
	case limit > 0 && n > 0 && n < limit:
		return offset + n, true
	case limit > 0 && n == 0 && offset == 0:
		return 0, true
	}
	return 0, false
}

// userTotal counts the organization's users, or one directory's (dirID),
// from the directories' counters instead of a count of every user: SCIM
// keeps the counters; local users are few, and indexed.
func (s *Store) userTotal(ctx context.Context, orgID, dirID string) rowScanner {
	return s.readRow(ctx, `SELECT COALESCE(SUM(c.n), 0) + (SELECT COUNT(*) FROM users WHERE org_id = ? AND directory_id IS NULL AND ? = '')
		FROM directory_counts c JOIN directories d ON d.id = c.directory_id
		WHERE d.org_id = ? AND c.kind = ? AND (? = '' OR d.id = ?)`, orgID, dirID, orgID, roster.MemberUser, dirID, dirID)
}

// GetUserCounts implements roster.Store. No count reads the users' rows:
// the total comes from the directories' counters, the deactivated from a
// partial index, the managed from the email-domain index, per verified
// domain.
func (s *Store) GetUserCounts(ctx context.Context, orgID string) (*roster.UserCounts, error) {
	var c roster.UserCounts
	if err := s.userTotal(ctx, orgID, "").Scan(&c.Total); err != nil {
		return nil, err
	}
	var inactive int
	err := s.readRow(ctx, `SELECT (SELECT COUNT(*) FROM users WHERE org_id = ? AND NOT active),
		(SELECT COUNT(*) FROM domains d JOIN users u ON u.org_id = d.org_id AND u.email_domain = d.name WHERE d.org_id = ? AND d.status <> 'pending')`,
		orgID, orgID).Scan(&inactive, &c.Managed)
	c.Active = c.Total - inactive
	return &c, err
}

// contains is a condition true when any of the expressions contains q,
// case-insensitively, with its arguments. The first expression is a
// folded column, compared as it is; the others are folded. What people
// type in a search box is nearly always ASCII, and then SQL's lower()
// folds enough: what it leaves alone is not ASCII and cannot match (but
// for the two letters that Go folds into ASCII, the Kelvin sign and the
// dotted capital I). That spares SQLite a call into Go per row, half of a
// search's cost; other searches fold fully.
func (s *Store) contains(q, folded string, exprs ...string) (string, []any) {
	q = fold(q)
	lower := s.d.Fold
	if isASCII(q) {
		lower = func(e string) string { return "lower(" + e + ")" }
	}
	p := "%" + escapeLike(q) + "%"
	conds, args := []string{folded + ` LIKE ? ESCAPE '\'`}, []any{p}
	for _, e := range exprs {
		conds, args = append(conds, lower(e)+` LIKE ? ESCAPE '\'`), append(args, p)
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// The columns an admins' search compares, as the search index names
// them (migration 0024).
const (
	searchUserName    = "user_name"
	searchDisplayName = "display_name"
	searchEmail       = "email"
)

// searchSetMax is the most users a search reads as candidates from the
// search index. A text more users hold is left to the ordered read of the
// organization's users, which finds a page of such a common text after a
// few rows, where the candidates would all have to be read and sorted.
const searchSetMax = 5000

// searchSet names the users of the organization that may hold q in one of
// cols, read from the substring index (migration 0024): SQLite's FTS5
// table user_search, PostgreSQL's trigram indexes on the same columns.
// Every user whose column contains q, as contains compares, is among them;
// the caller still checks contains on them. It returns nil when the index
// cannot narrow the search: q is shorter than a trigram, or more than
// searchSetMax users hold it.
func (s *Store) searchSet(ctx context.Context, orgID, q string, cols ...string) ([]string, error) {
	q = fold(q)
	if utf8.RuneCountInString(q) < 3 {
		return nil, nil
	}
	var query string
	var args []any
	if s.d.TextMatch {
		query = `SELECT id FROM users WHERE seq IN (SELECT rowid FROM user_search WHERE user_search MATCH ?) AND org_id = ? LIMIT ?`
		args = []any{"{" + strings.Join(cols, " ") + `} : "` + strings.ReplaceAll(q, `"`, `""`) + `"`, orgID, searchSetMax + 1}
	} else {
		exprs := map[string]string{searchUserName: "user_name_fold", searchDisplayName: "lower(display_name)", searchEmail: "lower(email)"}
		var conds []string
		p := "%" + escapeLike(q) + "%"
		args = []any{orgID}
		for _, c := range cols {
			conds, args = append(conds, exprs[c]+` LIKE ? ESCAPE '\'`), append(args, p)
		}
		query = `SELECT id FROM users WHERE org_id = ? AND (` + strings.Join(conds, " OR ") + `) LIMIT ?`
		args = append(args, searchSetMax+1)
	}
	set, err := s.readColumn(ctx, query, args...)
	if err != nil || len(set) > searchSetMax {
		return nil, err
	}
	return append([]string{}, set...), nil
}

// readColumn reads a one-column result into a list, as listColumn does
// inside a transaction.
func (s *Store) readColumn(ctx context.Context, query string, args ...any) ([]string, error) {
	var out []string
	_, err := s.readRows(ctx, query, args, func(sc rowScanner) (int64, error) {
		var v string
		err := sc.Scan(&v)
		out = append(out, v)
		return 0, err
	})
	return out, err
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// ListOrgUserGroups implements roster.Store.
func (s *Store) ListOrgUserGroups(ctx context.Context, orgID, userID string) ([]roster.GroupRef, error) {
	var out []roster.GroupRef
	_, err := s.readRows(ctx, `WITH RECURSIVE ms(group_id, direct) AS (
			SELECT group_id, 1 FROM group_members WHERE member_id = ?
			UNION
			SELECT m.group_id, 0 FROM ms JOIN group_members m ON m.member_id = ms.group_id
		)
		SELECT g.id, g.display_name, MAX(ms.direct) FROM ms CROSS JOIN groups g
		WHERE g.id = ms.group_id AND g.org_id = ?
		GROUP BY g.id, g.display_name ORDER BY g.display_name, g.id`, []any{userID, orgID}, func(sc rowScanner) (int64, error) {
		var g roster.GroupRef
		var direct int
		err := sc.Scan(&g.ID, &g.Display, &direct)
		g.Direct = direct == 1
		out = append(out, g)
		return 0, err
	})
	return out, err
}

// ListOrgGroups implements roster.Store.
func (s *Store) ListOrgGroups(ctx context.Context, orgID string, f roster.GroupFilter, offset, limit int) (*roster.Page[roster.OrgGroup], error) {
	where, args := orgScope(orgID, f.Local, f.DirectoryID)
	if f.Conflicts {
		where = append(where, "r.conflict_with IS NOT NULL")
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		where, args = append(where, `r.display_name_fold LIKE ? ESCAPE '\'`), append(args, "%"+escapeLike(fold(q))+"%")
	}
	cond := strings.Join(where, " AND ")
	page := &roster.Page[roster.OrgGroup]{}
	n, err := s.readRows(ctx, `SELECT `+orgGroupColumns+` FROM groups r WHERE `+cond+`
		ORDER BY r.display_name_fold, r.seq LIMIT ? OFFSET ?`, append(args, limit, offset), func(sc rowScanner) (int64, error) {
		g, err := scanOrgGroup(sc)
		page.Items = append(page.Items, g)
		return 0, err
	})
	if err != nil {
		return nil, err
	}
	if total, ok := pageTotal(offset, limit, n); ok {
		page.Total = total
		return page, nil
	}
	return page, s.readRow(ctx, `SELECT COUNT(*) FROM groups r WHERE `+cond, args...).Scan(&page.Total)
}

// orgGroupColumns are a group's columns as an admin sees it (roster.OrgGroup).
const orgGroupColumns = groupColumns + `, r.directory_id, r.conflict_with, r.member_count`

func scanOrgGroup(sc rowScanner) (roster.OrgGroup, error) {
	var g roster.OrgGroup
	var seq, created, modified int64
	var ext, dir, conflict sql.NullString
	var attrs []byte
	err := sc.Scan(&seq, &g.ID, &g.DisplayName, &ext, &attrs, &g.Version, &created, &modified, &dir, &conflict, &g.Members)
	g.ExternalID, g.Attributes, g.DirectoryID, g.ConflictWith = ext.String, attrs, dir.String, conflict.String
	g.Created, g.LastModified = fromMicros(created), fromMicros(modified)
	return g, err
}

// ListMembersPage implements roster.Store.
func (s *Store) ListMembersPage(ctx context.Context, orgID, groupID string, q roster.MemberQuery) ([]roster.Member, error) {
	after, search, limit := q.After, q.Search, q.Limit
	var n int
	if err := s.readRow(ctx, `SELECT COUNT(*) FROM groups WHERE org_id = ? AND id = ?`, orgID, groupID).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, roster.NotFoundf("the organization has no group %q", groupID)
	}
	query := `SELECT m.member_id, m.member_type, COALESCE(u.display_name, u.user_name, g.display_name, '') AS name
		FROM group_members m
		LEFT JOIN users u ON m.member_type = 'User' AND u.id = m.member_id
		LEFT JOIN groups g ON m.member_type = 'Group' AND g.id = m.member_id
		WHERE m.group_id = ? AND m.member_id > ?`
	args := []any{groupID, after}
	if q := strings.TrimSpace(search); q != "" {
		set, err := s.searchSet(ctx, orgID, q, searchUserName, searchDisplayName)
		if err != nil {
			return nil, err
		}
		if set != nil {
			// The members that may match: the users the index names and the
			// groups whose folded name holds the text (which every group
			// the condition below matches does; an organization's groups
			// are few). The group's members are then read by key.
			groups, err := s.readColumn(ctx, `SELECT id FROM groups WHERE org_id = ? AND display_name_fold LIKE ? ESCAPE '\'`,
				orgID, "%"+escapeLike(fold(q))+"%")
			if err != nil {
				return nil, err
			}
			set = append(set, groups...)
			query += " AND " + s.d.InJSON("m.member_id")
			args = append(args, jsonList(set))
		}
		cond, condArgs := s.contains(q, "u.user_name_fold", "COALESCE(u.display_name, g.display_name)")
		query += " AND " + cond
		args = append(args, condArgs...)
	}
	var out []roster.Member
	_, err := s.readRows(ctx, query+` ORDER BY m.member_id LIMIT ?`, append(args, limit), func(sc rowScanner) (int64, error) {
		var m roster.Member
		err := sc.Scan(&m.ID, &m.Type, &m.Display)
		out = append(out, m)
		return 0, err
	})
	return out, err
}

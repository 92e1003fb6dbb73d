package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

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
	if q := strings.TrimSpace(f.Search); q != "" {
		cond, condArgs := s.contains(q, "r.user_name_fold", "r.display_name", "r.email")
		where, args = append(where, cond), append(args, condArgs...)
	}
	cond := strings.Join(where, " AND ")
	page := &roster.Page[roster.User]{}
	n, err := s.readRows(ctx, `SELECT `+userColumns+` FROM users r WHERE `+cond+` ORDER BY r.user_name_fold, r.seq LIMIT ? OFFSET ?`,
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

// DeleteDirectory implements roster.Store. The directory's users and
// groups go with it; local groups that had them as members are recounted.
func (s *Store) DeleteDirectory(ctx context.Context, orgID, dirID string) (int, int, error) {
	var users, groups int
	err := s.inTx(ctx, func(t *tx) error {
		// The directory's row first, FOR UPDATE: provisioning writes lock
		// it (FOR KEY SHARE) before anything else, so the deletion waits
		// for those under way, and later ones find no directory; locks
		// are taken in one order, so the two cannot deadlock (see
		// checkDirectory). One transaction rather than batches: an
		// acknowledged deletion must leave nothing of the directory.
		var one int
		err := t.queryRow(ctx, `SELECT 1 FROM directories WHERE org_id = ? AND id = ?`+s.d.ForUpdate, orgID, dirID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return roster.NotFoundf("no directory %q in organization %q", dirID, orgID)
		}
		if err != nil {
			return err
		}
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE org_id = ? AND directory_id = ?`, orgID, dirID).Scan(&users); err != nil {
			return err
		}
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM groups WHERE org_id = ? AND directory_id = ?`, orgID, dirID).Scan(&groups); err != nil {
			return err
		}
		// Local groups lose the directory's members: bump their version so
		// cached ETags go stale, then drop the rows.
		members := `SELECT id FROM users WHERE org_id = ? AND directory_id = ? UNION ALL SELECT id FROM groups WHERE org_id = ? AND directory_id = ?`
		if _, err := t.exec(ctx, `UPDATE groups SET version = version + 1, modified = ? WHERE org_id = ? AND directory_id IS NULL AND id IN
			(SELECT m.group_id FROM group_members m WHERE m.member_id IN (`+members+`))`,
			micros(s.clock()), orgID, orgID, dirID, orgID, dirID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM group_members WHERE member_id IN (`+members+`)`, orgID, dirID, orgID, dirID); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM group_members WHERE group_id IN (SELECT id FROM groups WHERE org_id = ? AND directory_id = ?)`,
			`DELETE FROM grants WHERE group_id IN (SELECT id FROM groups WHERE org_id = ? AND directory_id = ?)`,
			`DELETE FROM default_groups WHERE group_id IN (SELECT id FROM groups WHERE org_id = ? AND directory_id = ?)`,
			`DELETE FROM users WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM groups WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM tokens WHERE org_id = ? AND directory_id = ?`,
			`UPDATE domains SET directory_id = NULL WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM directory_counts WHERE directory_id IN (SELECT id FROM directories WHERE org_id = ? AND id = ?)`,
			`DELETE FROM request_log WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM request_counts WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM deleted_resources WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM deletion_policies WHERE org_id = ? AND directory_id = ?`,
			`DELETE FROM directories WHERE org_id = ? AND id = ?`,
		} {
			if _, err := t.exec(ctx, q, orgID, dirID); err != nil {
				return err
			}
		}
		if _, err := t.exec(ctx, `UPDATE groups SET member_count = (SELECT COUNT(*) FROM group_members m WHERE m.group_id = groups.id)
			WHERE org_id = ? AND directory_id IS NULL`, orgID); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, DirectoryID: dirID, Action: "directory.deleted", ResourceType: "Directory", ResourceID: dirID,
			Detail: detail("users", users, "groups", groups)})
	})
	return users, groups, err
}

// SearchEvents implements roster.Store.
func (s *Store) SearchEvents(ctx context.Context, orgID string, f roster.EventFilter, limit int) ([]roster.Event, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if f.DirectoryID != "" {
		where, args = append(where, "directory_id = ?"), append(args, f.DirectoryID)
	}
	if f.ResourceID != "" {
		where, args = append(where, "resource_id = ?"), append(args, f.ResourceID)
	}
	if f.Action != "" {
		where, args = append(where, `action LIKE ? ESCAPE '\'`), append(args, escapeLike(f.Action)+"%")
	}
	if f.Actor != "" {
		where, args = append(where, `actor LIKE ? ESCAPE '\'`), append(args, escapeLike(f.Actor)+"%")
	}
	if f.Before > 0 {
		where, args = append(where, "seq < ?"), append(args, f.Before)
	}
	var out []roster.Event
	_, err := s.readRows(ctx, `SELECT seq, org_id, directory_id, time, actor, action, resource_type, resource_id, detail FROM events
		WHERE `+strings.Join(where, " AND ")+` ORDER BY seq DESC LIMIT ?`, append(args, limit), func(sc rowScanner) (int64, error) {
		var e roster.Event
		var at int64
		err := sc.Scan(&e.Seq, &e.OrgID, &e.DirectoryID, &at, &e.Actor, &e.Action, &e.ResourceType, &e.ResourceID, &e.Detail)
		e.Time = fromMicros(at)
		out = append(out, e)
		return e.Seq, err
	})
	return out, err
}

// AppendRequests implements roster.Store. The request log is written in
// batches, off the request's path (see http/server), so it costs identity
// providers nothing.
func (s *Store) AppendRequests(ctx context.Context, reqs []roster.Request) error {
	if len(reqs) == 0 {
		return nil
	}
	type key struct {
		dir  string
		hour int64
	}
	counts := map[key]*roster.RequestCount{}
	orgs := map[string]string{}
	var keys []key
	for _, r := range reqs {
		k := key{r.DirectoryID, hourOf(r.Time)}
		c, ok := counts[k]
		if !ok {
			c = &roster.RequestCount{}
			counts[k], orgs[r.DirectoryID] = c, r.OrgID
			keys = append(keys, k)
		}
		c.Requests++
		if r.Status >= 400 {
			c.Errors++
		}
	}
	return s.inTx(ctx, func(t *tx) error {
		for _, r := range reqs {
			if _, err := t.exec(ctx, `INSERT INTO request_log (org_id, directory_id, time, method, path, status, duration_us, user_agent, error, reason, warning)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.OrgID, r.DirectoryID, micros(r.Time), r.Method, r.Path, r.Status,
				r.Duration.Microseconds(), r.UserAgent, r.Error, r.Reason, r.Warning); err != nil {
				return err
			}
		}
		for _, k := range keys {
			c := counts[k]
			if _, err := t.exec(ctx, `INSERT INTO request_counts (directory_id, org_id, hour, requests, errors) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (directory_id, hour) DO UPDATE SET requests = request_counts.requests + excluded.requests,
					errors = request_counts.errors + excluded.errors`, k.dir, orgs[k.dir], k.hour, c.Requests, c.Errors); err != nil {
				return err
			}
		}
		return nil
	})
}

// CountRejected implements roster.Store. The organization comes from the
// directory's row in the same statement, so that a made-up directory ID
// costs one indexed read and writes nothing.
func (s *Store) CountRejected(ctx context.Context, dirID string, at time.Time, n int) error {
	if n <= 0 {
		return nil
	}
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `INSERT INTO request_counts (directory_id, org_id, hour, requests, errors, rejected)
			SELECT id, org_id, ?, 0, 0, ? FROM directories WHERE id = ?
			ON CONFLICT (directory_id, hour) DO UPDATE SET rejected = request_counts.rejected + excluded.rejected`, hourOf(at), n, dirID)
		return err
	})
}

const microsPerHour = int64(time.Hour / time.Microsecond)

// hourOf is the hour a time falls in, counted from the Unix epoch.
func hourOf(t time.Time) int64 {
	m := micros(t)
	if m < 0 {
		return (m - microsPerHour + 1) / microsPerHour
	}
	return m / microsPerHour
}

// PruneRequests implements roster.Store.
func (s *Store) PruneRequests(ctx context.Context, before time.Time, keep int) error {
	var dirs []string
	_, err := s.readRows(ctx, `SELECT DISTINCT directory_id FROM request_counts`, nil, func(sc rowScanner) (int64, error) {
		var d string
		err := sc.Scan(&d)
		dirs = append(dirs, d)
		return 0, err
	})
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `DELETE FROM request_log WHERE time < ?`, micros(before)); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM request_counts WHERE hour < ?`, hourOf(before)); err != nil {
			return err
		}
		// Beyond the latest keep of each kind, a directory's requests go.
		for _, d := range dirs {
			for _, kind := range []string{"status < 400", "status >= 400"} {
				if _, err := t.exec(ctx, `DELETE FROM request_log WHERE directory_id = ? AND `+kind+` AND seq <=
					(SELECT seq FROM request_log WHERE directory_id = ? AND `+kind+` ORDER BY seq DESC LIMIT 1 OFFSET ?)`, d, d, keep); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

const requestColumns = `seq, org_id, directory_id, time, method, path, status, duration_us, user_agent, error, reason, warning`

func scanRequest(sc rowScanner) (roster.Request, error) {
	var r roster.Request
	var at, dur int64
	err := sc.Scan(&r.Seq, &r.OrgID, &r.DirectoryID, &at, &r.Method, &r.Path, &r.Status, &dur, &r.UserAgent, &r.Error, &r.Reason, &r.Warning)
	r.Time, r.Duration = fromMicros(at), time.Duration(dur)*time.Microsecond
	return r, err
}

// ListRequests implements roster.Store.
func (s *Store) ListRequests(ctx context.Context, orgID, dirID string, failedOnly bool, limit int) ([]roster.Request, error) {
	failed := ""
	if failedOnly {
		failed = " AND status >= 400"
	}
	var out []roster.Request
	_, err := s.readRows(ctx, `SELECT `+requestColumns+` FROM request_log WHERE directory_id = ? AND org_id = ?`+failed+` ORDER BY seq DESC LIMIT ?`,
		[]any{dirID, orgID, limit}, func(sc rowScanner) (int64, error) {
			r, err := scanRequest(sc)
			out = append(out, r)
			return r.Seq, err
		})
	return out, err
}

// GetRequestStats implements roster.Store.
func (s *Store) GetRequestStats(ctx context.Context, orgID, dirID string, since time.Time) (*roster.RequestStats, error) {
	st := &roster.RequestStats{}
	err := s.readRow(ctx, `SELECT COALESCE(SUM(requests), 0), COALESCE(SUM(errors), 0), COALESCE(SUM(rejected), 0) FROM request_counts
		WHERE directory_id = ? AND org_id = ? AND hour >= ?`, dirID, orgID, hourOf(since)).Scan(&st.Total, &st.Errors, &st.Rejected)
	if err != nil {
		return nil, err
	}
	last, err := s.ListRequests(ctx, orgID, dirID, false, 1)
	if err != nil {
		return nil, err
	}
	if len(last) == 1 {
		st.Last = &last[0]
	}
	return st, nil
}

// ListRequestCounts implements roster.Store.
func (s *Store) ListRequestCounts(ctx context.Context, orgID, dirID string, since time.Time) ([]roster.RequestCount, error) {
	var out []roster.RequestCount
	_, err := s.readRows(ctx, `SELECT hour, requests, errors, rejected FROM request_counts WHERE directory_id = ? AND org_id = ? AND hour >= ? ORDER BY hour`,
		[]any{dirID, orgID, hourOf(since)}, func(sc rowScanner) (int64, error) {
			var c roster.RequestCount
			var hour int64
			err := sc.Scan(&hour, &c.Requests, &c.Errors, &c.Rejected)
			c.Hour = fromMicros(hour * microsPerHour)
			out = append(out, c)
			return 0, err
		})
	return out, err
}

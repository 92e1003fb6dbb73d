package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/rosterhq/roster"
)

// Effective access: who may use which product, and the events that tell
// applications when that changes.
//
// The rule lives in accessRule alone: a product's grants give their
// groups' members access, through any depth of nested groups, with the
// role of the grant (admin wins over user), to active users only.
// CheckAccess reads its paths; every transaction that can change what it
// answers opens an accessChange, names the users it touched (or the groups
// whose members it touched, found set-based in SQL), and finishes it
// before committing: finish recomputes those users' effective access with
// the same rule, diffs it against access_state, writes the difference back
// and appends one access.granted or access.revoked event per user and
// product, all in INSERT … SELECT statements whatever the number of users.
// GetProductCounts and ListProductUsers read access_state.
//
// Locking, on databases with concurrent writers: every provisioning write
// takes the organization's row FOR KEY SHARE before anything else
// (checkDirectory), and changes that touch single users lock those users;
// changes that can move many users' access (grants, nesting, group and
// directory deletion, links) take it FOR UPDATE (lockAccess), before any
// group's row: a member add locks its group's row last (UpdateGroup),
// holding the organization shared meanwhile. So a change
// of the structure waits for the membership changes under way and they
// wait for it, and whichever finishes its diff second sees what the first
// committed: access_state stays equal to the rule.

// accessRule is the rule as SQL: the CTEs reach (the granted groups walked
// down their nested groups: product, the granted group via, a group under
// it, the grant's role) and paths (the organization's users that are
// direct members of such a group: product, user, via, role, active). The
// placeholders are the organization, then product's arguments, the
// organization again, then users's arguments; product and users are
// conditions on gr.product and m.member_id ("" for none).
func accessRule(product, users string) string {
	if product != "" {
		product = " AND " + product
	}
	if users != "" {
		users = " AND " + users
	}
	return `WITH RECURSIVE reach(product, via, group_id, role) AS (
		SELECT gr.product, gr.group_id, gr.group_id, gr.role FROM grants gr WHERE gr.org_id = ?` + product + `
		UNION
		SELECT r.product, r.via, m.member_id, r.role FROM reach r JOIN group_members m ON m.group_id = r.group_id AND m.member_type = 'Group'
	),
	paths(product, user_id, via, role, active) AS (
		SELECT DISTINCT r.product, m.member_id, r.via, r.role, u.active
		FROM reach r JOIN group_members m ON m.group_id = r.group_id AND m.member_type = 'User' JOIN users u ON u.id = m.member_id
		WHERE u.org_id = ?` + users + `
	)`
}

// effectiveAccess follows accessRule with the CTE effective: each active
// user's role per product and the granting groups (via, a JSON array of
// {id, displayName}).
func effectiveAccess(d Dialect, product, users string) string {
	via := d.JSONObject("id", "p.via", "displayName", "vg.display_name")
	return accessRule(product, users) + `,
	effective(product, user_id, role, via) AS (
		SELECT p.product, p.user_id,
			CASE WHEN MAX(CASE WHEN p.role = '` + roster.RoleAdmin + `' THEN 1 ELSE 0 END) = 1 THEN '` + roster.RoleAdmin + `' ELSE '` + roster.RoleUser + `' END,
			` + d.JSONArrayAgg(via, "vg.display_name, p.via") + `
		FROM paths p JOIN groups vg ON vg.id = p.via WHERE p.active
		GROUP BY p.product, p.user_id
	)`
}

// lockAccess takes the organization's row for a change of effective
// access: exclusive for changes that may move many users' access, shared
// (FOR KEY SHARE, which only an exclusive lock waits for) for changes of
// single users. SQLite serializes writers anyway.
func (s *Store) lockAccess(ctx context.Context, t *tx, orgID string, exclusive bool) error {
	lock := s.d.ForKeyShare
	if exclusive {
		lock = s.d.ForUpdate
	}
	if lock == "" {
		return nil
	}
	var one int
	err := t.queryRow(ctx, `SELECT 1 FROM orgs WHERE id = ?`+lock, orgID).Scan(&one)
	return notFound(err, "no organization %q", orgID)
}

// grantedAbove reports whether a grant reaches groupID: one on it or on a
// group it is nested in. When none does, a change of its members changes
// nobody's access, and the diff is skipped: the commonest membership
// change costs this one indexed query.
func (s *Store) grantedAbove(ctx context.Context, t *tx, orgID, groupID string) (bool, error) {
	var n int
	err := t.queryRow(ctx, `WITH RECURSIVE up(id) AS (
			SELECT CAST(? AS TEXT)
			UNION
			SELECT m.group_id FROM up JOIN group_members m ON m.member_id = up.id
		)
		SELECT COUNT(*) FROM (SELECT 1 FROM up JOIN grants g ON g.group_id = up.id WHERE g.org_id = ? LIMIT 1) AS x`, groupID, orgID).Scan(&n)
	return n > 0, err
}

// accessChange collects, inside one transaction, the users whose effective
// access it may have changed, in access_scope under its own key; finish
// turns them into access_state changes and events.
type accessChange struct {
	id      string
	orgID   string
	cause   string
	product string // only this product's access can have changed; "" any
	n       int64  // users added to the scope so far (with repeats)
}

func newAccessChange(orgID, cause string) *accessChange {
	return &accessChange{id: newID(), orgID: orgID, cause: cause}
}

// addUsers puts the organization's users among ids in the scope, locking
// them where the database has row locks: two changes of one user's groups
// then diff one after the other.
func (a *accessChange) addUsers(ctx context.Context, t *tx, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	list, _ := json.Marshal(ids)
	if lock := t.s.d.ForUpdate; lock != "" {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT id FROM users WHERE org_id = ? AND `+t.s.d.InJSON("id")+lock+`) AS x`,
			a.orgID, string(list)).Scan(&n); err != nil {
			return err
		}
	}
	// By ID alone: every index of users that starts with org_id would
	// tempt SQLite's planner, without statistics, into scanning the
	// organization. The scope only narrows what finish computes, which
	// keeps to the organization's users anyway.
	return a.insert(ctx, t, `INSERT INTO access_scope (change_id, user_id)
		SELECT ?, id FROM users WHERE `+t.s.d.InJSON("id")+` ON CONFLICT DO NOTHING`, a.id, string(list))
}

// addUnder puts in the scope the users under the organization's groups
// that seed selects (its one column, the group IDs, with seedArgs):
// their members, and the members of the groups nested in them, at any
// depth.
func (a *accessChange) addUnder(ctx context.Context, t *tx, seed string, seedArgs ...any) error {
	return a.insert(ctx, t, `WITH RECURSIVE under(id) AS (
			`+seed+`
			UNION
			SELECT m.member_id FROM under JOIN group_members m ON m.group_id = under.id AND m.member_type = 'Group'
		)
		INSERT INTO access_scope (change_id, user_id)
		SELECT DISTINCT CAST(? AS TEXT), m.member_id FROM under JOIN group_members m ON m.group_id = under.id AND m.member_type = 'User' WHERE TRUE
		ON CONFLICT DO NOTHING`, append(seedArgs, a.id)...)
}

// addUnderGroups is addUnder for a list of groups of the organization,
// found by ID alone, as addUsers finds users.
func (a *accessChange) addUnderGroups(ctx context.Context, t *tx, groupIDs ...string) error {
	if len(groupIDs) == 0 {
		return nil
	}
	list, _ := json.Marshal(groupIDs)
	return a.addUnder(ctx, t, `SELECT id FROM groups WHERE `+t.s.d.InJSON("id"), string(list))
}

func (a *accessChange) insert(ctx context.Context, t *tx, query string, args ...any) error {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	a.n += n
	return nil
}

// finish recomputes the scope's effective access, writes what changed to
// access_state and appends one event per change. Nothing in the scope,
// nothing to do.
func (a *accessChange) finish(ctx context.Context, t *tx) error {
	if a.n == 0 {
		return nil
	}
	s := t.s
	inScope := `IN (SELECT user_id FROM access_scope WHERE change_id = ?)`
	product, stateProduct := "", ""
	ruleArgs := []any{a.orgID}
	if a.product != "" {
		product, stateProduct = "gr.product = ?", " AND s.product = ?"
		ruleArgs = append(ruleArgs, a.product)
	}
	ruleArgs = append(ruleArgs, a.orgID, a.id)
	// The revocations start from the scope (CROSS JOIN): SQLite's
	// planner, without statistics, would rather walk the organization's
	// access_state by its primary key.
	revokedArgs := []any{a.id, a.orgID, a.id, a.orgID}
	if a.product != "" {
		revokedArgs = append(revokedArgs, a.product)
	}
	res, err := t.exec(ctx, effectiveAccess(s.d, product, "m.member_id "+inScope)+`
		INSERT INTO access_changes (change_id, org_id, product, user_id, role, previous_role, via)
		SELECT CAST(? AS TEXT), CAST(? AS TEXT), e.product, e.user_id, e.role, COALESCE(s.role, ''), e.via
		FROM effective e LEFT JOIN access_state s ON s.org_id = ? AND s.product = e.product AND s.user_id = e.user_id
		WHERE s.role IS NULL OR s.role <> e.role
		UNION ALL
		SELECT CAST(? AS TEXT), CAST(? AS TEXT), s.product, s.user_id, '', s.role, '[]'
		FROM access_scope sc CROSS JOIN access_state s
		WHERE sc.change_id = ? AND s.user_id = sc.user_id AND s.org_id = ?`+stateProduct+`
		AND NOT EXISTS (SELECT 1 FROM effective e WHERE e.product = s.product AND e.user_id = s.user_id)`,
		append(append(ruleArgs, a.id, a.orgID, a.orgID), revokedArgs...)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if err := a.apply(ctx, t); err != nil {
			return err
		}
	}
	if _, err := t.exec(ctx, `DELETE FROM access_scope WHERE change_id = ?`, a.id); err != nil {
		return err
	}
	return nil
}

// accessUserJSON is the user object of access events and of access
// snapshot items, over the users row aliased r; id is the user ID's
// expression (the row may be gone: a deleted user's revocation).
func accessUserJSON(d Dialect, id string) string {
	return d.JSONObject("id", id, "userName", "r.user_name", "displayName", "r.display_name", "email", "r.email",
		"externalId", "r.external_id", "directoryId", "r.directory_id", "managed", d.JSONBool(managedExpr))
}

// apply appends the events of the changes in access_changes and writes
// them to access_state.
func (a *accessChange) apply(ctx context.Context, t *tx) error {
	d := t.s.d
	payload := d.JSONObject("user", accessUserJSON(d, "c.user_id"), "product", d.JSONObject("key", "c.product", "name", "p.name"),
		"role", "NULLIF(c.role, '')", "previousRole", "NULLIF(c.previous_role, '')", "via", d.JSONStored("c.via"), "cause", "CAST(? AS TEXT)")
	if _, err := t.exec(ctx, `INSERT INTO events (org_id, directory_id, time, actor, action, resource_type, resource_id, detail)
		SELECT c.org_id, COALESCE(r.directory_id, ''), CAST(? AS BIGINT), CAST(? AS TEXT),
			CASE WHEN c.role = '' THEN '`+roster.EventAccessRevoked+`' ELSE '`+roster.EventAccessGranted+`' END, 'User', c.user_id, `+payload+`
		FROM access_changes c LEFT JOIN users r ON r.id = c.user_id LEFT JOIN products p ON p.org_id = c.org_id AND p.key = c.product
		WHERE c.change_id = ? ORDER BY c.user_id, c.product`,
		micros(t.s.clock()), roster.ActorFrom(ctx), a.cause, a.id); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM access_state WHERE org_id = ? AND (product, user_id) IN
			(SELECT product, user_id FROM access_changes WHERE change_id = ? AND role = '')`,
		`INSERT INTO access_state (org_id, product, user_id, role)
			SELECT CAST(? AS TEXT), product, user_id, role FROM access_changes WHERE change_id = ? AND role <> ''
			ON CONFLICT (org_id, product, user_id) DO UPDATE SET role = excluded.role`,
	} {
		if _, err := t.exec(ctx, q, a.orgID, a.id); err != nil {
			return err
		}
	}
	_, err := t.exec(ctx, `DELETE FROM access_changes WHERE change_id = ?`, a.id)
	return err
}

// syncUsers is the change of single users' access: those of ids, after
// their groups or their status changed.
func (s *Store) syncUsers(ctx context.Context, t *tx, orgID, cause string, ids ...string) error {
	a := newAccessChange(orgID, cause)
	if err := a.addUsers(ctx, t, ids); err != nil {
		return err
	}
	return a.finish(ctx, t)
}

// syncMembers is the change of the access of the members a group gained
// or lost (rows), after the change: users directly, and the users under
// the groups among them. Nothing is computed unless a grant reaches the
// group. A change of nested groups locks the organization exclusively
// (lockAccess).
func (s *Store) syncMembers(ctx context.Context, t *tx, orgID, groupID string, rows []memberRow) error {
	if len(rows) == 0 {
		return nil
	}
	var users, groups []string
	for _, r := range rows {
		if r.kind == roster.MemberGroup {
			groups = append(groups, r.id)
		} else {
			users = append(users, r.id)
		}
	}
	cause := roster.AccessCauseMembership
	if len(groups) > 0 {
		cause = roster.AccessCauseNesting
		if err := s.lockAccess(ctx, t, orgID, true); err != nil {
			return err
		}
	}
	if granted, err := s.grantedAbove(ctx, t, orgID, groupID); err != nil || !granted {
		return err
	}
	a := newAccessChange(orgID, cause)
	if err := a.addUsers(ctx, t, users); err != nil {
		return err
	}
	if err := a.addUnderGroups(ctx, t, groups...); err != nil {
		return err
	}
	return a.finish(ctx, t)
}

// ListAccessState implements roster.Store.
func (s *Store) ListAccessState(ctx context.Context, orgID string, after roster.AccessKey, limit int) ([]roster.AccessState, error) {
	out := []roster.AccessState{}
	_, err := s.readRows(ctx, `SELECT product, user_id, role FROM access_state
		WHERE org_id = ? AND (product > ? OR (product = ? AND user_id > ?)) ORDER BY product, user_id LIMIT ?`,
		[]any{orgID, after.Product, after.Product, after.UserID, limit}, func(sc rowScanner) (int64, error) {
			a := roster.AccessState{OrgID: orgID}
			err := sc.Scan(&a.Product, &a.UserID, &a.Role)
			out = append(out, a)
			return 0, err
		})
	return out, err
}

// fillAccessState is migration 0016's step: access_state for the data
// already there, from the rule itself, one statement per organization,
// without events (nothing changed).
func fillAccessState(ctx context.Context, tx *sql.Tx, d Dialect) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM orgs ORDER BY id`)
	if err != nil {
		return err
	}
	orgs, err := scanAll(rows, scanOne[string])
	if err != nil {
		return err
	}
	q := d.Rebind(effectiveAccess(d, "", "") + `
		INSERT INTO access_state (org_id, product, user_id, role) SELECT CAST(? AS TEXT), product, user_id, role FROM effective`)
	for _, org := range orgs {
		if _, err := tx.ExecContext(ctx, q, org, org, org); err != nil {
			return err
		}
	}
	return nil
}

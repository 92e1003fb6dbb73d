package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/rosterhq/roster"
)

const groupColumns = `r.seq, r.id, r.display_name, r.external_id, r.attributes, r.version, r.created, r.modified`

func scanGroup(sc rowScanner) (roster.Group, int64, error) {
	var g roster.Group
	var seq, created, modified int64
	var externalID sql.NullString
	var attrs []byte
	err := sc.Scan(&seq, &g.ID, &g.DisplayName, &externalID, &attrs, &g.Version, &created, &modified)
	g.ExternalID = externalID.String
	g.Attributes = attrs
	g.Created, g.LastModified = fromMicros(created), fromMicros(modified)
	return g, seq, err
}

// CreateGroup implements roster.Store.
func (s *Store) CreateGroup(ctx context.Context, t roster.DirectoryScope, g *roster.Group, memberIDs []string) error {
	now := s.clock()
	g.ID, g.Version, g.Created, g.LastModified = newID(), 1, now, now
	return s.inTx(ctx, func(tx *tx) error {
		if err := s.checkDirectory(ctx, tx, t.OrgID, t.DirectoryID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO groups (id, org_id, directory_id, display_name, display_name_fold, external_id, attributes, version, created, modified)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			g.ID, t.OrgID, t.DirectoryID, g.DisplayName, fold(g.DisplayName), nullable(g.ExternalID), string(g.Attributes), g.Version, micros(now), micros(now))
		if err != nil {
			return err
		}
		if err := s.count(ctx, tx, t.DirectoryID, roster.MemberGroup, 1); err != nil {
			return err
		}
		if err := s.markConflict(ctx, tx, t.OrgID, g.ID, g.DisplayName); err != nil {
			return err
		}
		var ch memberChange
		if len(memberIDs) > 0 {
			if err := s.applyMemberOp(ctx, tx, t, g.ID, roster.MemberOp{Kind: roster.AddMembers, IDs: memberIDs}, &ch); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `UPDATE groups SET member_count = ? WHERE id = ?`, ch.added, g.ID); err != nil {
				return err
			}
		}
		if err := s.appendEvent(ctx, tx, roster.Event{OrgID: t.OrgID, DirectoryID: t.DirectoryID, Action: roster.EventGroupCreated,
			ResourceType: "Group", ResourceID: g.ID, Detail: detail("displayName", g.DisplayName, "members", ch.added),
			Data: roster.MarshalData(roster.NewGroupData(g, t.DirectoryID))}); err != nil {
			return err
		}
		return ch.appendEvents(ctx, s, tx, t.OrgID, t.DirectoryID, g)
	})
}

// GetGroup implements roster.Store.
func (s *Store) GetGroup(ctx context.Context, t roster.DirectoryScope, id string) (*roster.Group, error) {
	g, _, err := scanGroup(s.readRow(ctx, `SELECT `+groupColumns+` FROM groups r WHERE r.id = ? AND r.directory_id = ? AND r.org_id = ?`, id, t.DirectoryID, t.OrgID))
	if err != nil {
		return nil, notFound(err, "no group %q in this directory", id)
	}
	return &g, nil
}

// UpdateGroup implements roster.Store. Membership changes write only the
// rows they add or remove: the cost of adding one member does not depend
// on the size of the group.
//
// On databases with row locks (PostgreSQL) the group's row is read
// without a lock and locked only once the members are written
// (lockLate), so that member adds to one large group, which an identity
// provider sends many at a time, hold it for the last statements and the
// commit instead of the whole transaction: held from the start, adds to
// one group ran one at a time at about 1.7 ms each (579/s with 16
// clients). Member operations commute, so what the late lock must check
// is that the update still holds for the row as it is then: update runs
// again on that row, and if it now fails (an If-Match that no longer
// matches) the transaction fails with it; if it now asks for other
// member operations, the whole update is done again with the row locked
// from the start.
//
// A change of nested groups (a group added or removed as a member) locks
// the organization exclusively (syncMembers). Taken after a group's row,
// that lock waits for a late-locked member add that holds the
// organization shared and waits for the same group's row: a deadlock,
// which Conformance/AccessOnTwoNodes met about once in four runs. So the
// organization is locked before any group row, and an update found to
// change nesting is done again with the exclusive lock taken first
// (groupLockExclusive).
func (s *Store) UpdateGroup(ctx context.Context, t roster.DirectoryScope, id string, update func(*roster.Group) ([]roster.MemberOp, error)) (*roster.Group, error) {
	mode := groupLockFirst
	if s.d.ForUpdate != "" {
		mode = groupLockLate
	}
	for {
		g, err := s.updateGroup(ctx, t, id, update, mode)
		switch {
		case errors.Is(err, errGroupMoved) && mode == groupLockLate:
			mode = groupLockFirst
		case errors.Is(err, errNesting) && mode != groupLockExclusive:
			mode = groupLockExclusive
		default:
			return g, err
		}
	}
}

// groupLock is how updateGroup locks: the group's row late, or first
// (after the organization's shared lock), or first after the
// organization's exclusive lock, for changes of nesting.
type groupLock int

const (
	groupLockLate groupLock = iota
	groupLockFirst
	groupLockExclusive
)

// errGroupMoved says that a group changed between its unlocked read and
// its late lock in a way its update depends on.
var errGroupMoved = errors.New("sqlstore: the group changed under a late-locked update")

// errNesting says that an update not locked for it changes nesting.
var errNesting = errors.New("sqlstore: the update changes nested groups")

func (s *Store) updateGroup(ctx context.Context, t roster.DirectoryScope, id string, update func(*roster.Group) ([]roster.MemberOp, error), mode groupLock) (*roster.Group, error) {
	var out roster.Group
	lockLate := mode == groupLockLate
	lock := s.d.ForUpdate
	if lockLate {
		lock = ""
	}
	err := s.inTx(ctx, func(tx *tx) error {
		// Before any group's row (see UpdateGroup).
		if err := s.lockScope(ctx, tx, t, mode == groupLockExclusive); err != nil {
			return err
		}
		g, seq, err := scanGroup(tx.queryRow(ctx, `SELECT `+groupColumns+` FROM groups r WHERE r.id = ? AND r.directory_id = ? AND r.org_id = ?`+lock,
			id, t.DirectoryID, t.OrgID))
		if err != nil {
			return notFound(err, "no group %q in this directory", id)
		}
		before := g
		ops, err := update(&g)
		if err != nil {
			return err
		}
		if mode != groupLockExclusive && s.d.ForUpdate != "" {
			if nests, err := s.changesNesting(ctx, tx, t, g.ID, ops); err != nil || nests {
				return cmp.Or(err, errNesting)
			}
		}
		g.ID, g.Created = before.ID, before.Created
		if lockLate && !commute(ops) {
			// A replacement of the members, or a removal by filter, is a
			// change of the whole set: made under the lock, as on SQLite.
			if before, err = s.relockGroup(ctx, tx, t, seq, before, &g, ops, update); err != nil {
				return err
			}
			lockLate = false
		}
		var ch memberChange
		for _, op := range ops {
			if err := s.applyMemberOp(ctx, tx, t, g.ID, op, &ch); err != nil {
				return err
			}
		}
		if lockLate && (ch.added > 0 || ch.removed > 0) && sameJSON(g.Attributes, before.Attributes) {
			if err := s.commitMembers(ctx, tx, t, seq, before, &g, ops, update, &ch); err != nil {
				return err
			}
			out = g
			return nil
		}
		if lockLate {
			if before, err = s.relockGroup(ctx, tx, t, seq, before, &g, ops, update); err != nil {
				return err
			}
		}
		docChanged := !sameJSON(g.Attributes, before.Attributes)
		if !docChanged && ch.added == 0 && ch.removed == 0 {
			out = before
			return nil
		}
		g.Version, g.LastModified = before.Version+1, s.clock()
		if _, err := tx.exec(ctx, `UPDATE groups SET display_name = ?, display_name_fold = ?, external_id = ?, attributes = ?, version = ?, modified = ?,
			member_count = member_count + ? WHERE seq = ?`,
			g.DisplayName, fold(g.DisplayName), nullable(g.ExternalID), string(g.Attributes), g.Version, micros(g.LastModified),
			ch.added-ch.removed, seq); err != nil {
			return err
		}
		out = g
		if g.DisplayName != before.DisplayName {
			if err := s.markConflict(ctx, tx, t.OrgID, g.ID, g.DisplayName); err != nil {
				return err
			}
		}
		if err := s.syncMembers(ctx, tx, t.OrgID, g.ID, ch.rows); err != nil {
			return err
		}
		if docChanged {
			now := roster.NewGroupData(&g, t.DirectoryID)
			if err := s.appendEvent(ctx, tx, roster.Event{OrgID: t.OrgID, DirectoryID: t.DirectoryID, Action: roster.EventGroupUpdated,
				ResourceType: "Group", ResourceID: g.ID, Detail: detail("changed", changedKeys(before.Attributes, g.Attributes)),
				Data: roster.MarshalData(roster.ChangeData[roster.GroupData]{Resource: now, Previous: roster.Previous(roster.NewGroupData(&before, t.DirectoryID), now)})}); err != nil {
				return err
			}
		}
		return ch.appendEvents(ctx, s, tx, t.OrgID, t.DirectoryID, &g)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// commute reports whether ops are only adds and removals of named
// members: each of those locks its members' rows (addMembers,
// applyMemberOp), so two changes of one membership run one after the
// other whatever the group's lock, and such changes to one group may be
// made side by side.
func commute(ops []roster.MemberOp) bool {
	for _, op := range ops {
		if op.Kind != roster.AddMembers && op.Kind != roster.RemoveMembers {
			return false
		}
	}
	return true
}

// relockGroup takes the late lock of a group's row (seq) read unlocked as
// read, whose update gave g and ops. It returns the row as locked, with g
// updated from it when another change committed in between (see
// sinceRead).
func (s *Store) relockGroup(ctx context.Context, tx *tx, t roster.DirectoryScope, seq int64, read roster.Group, g *roster.Group,
	ops []roster.MemberOp, update func(*roster.Group) ([]roster.MemberOp, error)) (roster.Group, error) {
	cur, _, err := scanGroup(tx.queryRow(ctx, `SELECT `+groupColumns+` FROM groups r WHERE r.seq = ?`+s.d.ForUpdate, seq))
	if err != nil {
		return cur, notFound(err, "no group %q in this directory", read.ID)
	}
	return cur, sinceRead(cur, read, g, ops, update)
}

// sinceRead brings g, the result of update on the row read unlocked as
// read, to cur, the row as its late lock found it: when another change
// committed in between, update runs again on cur, its error is the
// transaction's, and other member operations than ops are errGroupMoved.
func sinceRead(cur, read roster.Group, g *roster.Group, ops []roster.MemberOp, update func(*roster.Group) ([]roster.MemberOp, error)) error {
	if cur.Version == read.Version {
		return nil
	}
	again := cur
	ops2, err := update(&again)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(ops, ops2) {
		return errGroupMoved
	}
	again.ID, again.Created = cur.ID, cur.Created
	*g = again
	return nil
}

// commitMembers ends a late-locked change of a group's members alone (ch,
// made by ops; g is update's result on the row read unlocked as read):
// the access diff and the member events first, then the group's row
// locked by the statement that counts the change in its version, its
// lastModified and its member count. Concurrent adds to one group queue
// on that row until each commits, so every statement taken out of the
// locked part is a round trip less that each add in the queue waits for:
// the lock is held for one statement and the commit. The events name the
// group as read; when its document changed in between (a rename), the
// change is made again with the lock first (errGroupMoved).
func (s *Store) commitMembers(ctx context.Context, tx *tx, t roster.DirectoryScope, seq int64, read roster.Group, g *roster.Group,
	ops []roster.MemberOp, update func(*roster.Group) ([]roster.MemberOp, error), ch *memberChange) error {
	if err := s.syncMembers(ctx, tx, t.OrgID, g.ID, ch.rows); err != nil {
		return err
	}
	if err := ch.appendEvents(ctx, s, tx, t.OrgID, t.DirectoryID, g); err != nil {
		return err
	}
	now := s.clock()
	bumped, _, err := scanGroup(tx.queryRow(ctx, `UPDATE groups AS r SET version = r.version + 1, modified = ?, member_count = r.member_count + ?
		WHERE r.seq = ? RETURNING `+groupColumns, micros(now), ch.added-ch.removed, seq))
	if err != nil {
		return notFound(err, "no group %q in this directory", read.ID)
	}
	// The row as the lock found it: this statement changed only its
	// version and times, and update reads neither time.
	cur := bumped
	cur.Version, cur.LastModified = bumped.Version-1, read.LastModified
	named := g.DisplayName
	if err := sinceRead(cur, read, g, ops, update); err != nil {
		return err
	}
	if g.DisplayName != named || !sameJSON(g.Attributes, cur.Attributes) {
		return errGroupMoved
	}
	g.Version, g.LastModified = bumped.Version, bumped.LastModified
	return nil
}

// memberChange collects what a group update did to its membership, in
// the order its operations did it: a PATCH that removes a member and adds
// it back must leave consumers with the member.
type memberChange struct {
	added, removed int
	log            []membership
	rows           []memberRow       // every member added or removed, for the access diff
	names          map[string]string // the users' names, which touchUsers read: the events need them
}

func (c *memberChange) record(action, groupID string, rows []memberRow) {
	if action == roster.EventMemberAdded {
		c.added += len(rows)
	} else {
		c.removed += len(rows)
	}
	c.log = append(c.log, memberships(action, rows, groupID, false, "")...)
}

// appendEvents appends the change's member events for group g.
func (c *memberChange) appendEvents(ctx context.Context, s *Store, t *tx, orgID, dirID string, g *roster.Group) error {
	known := map[string]string{g.ID: g.DisplayName}
	for id, name := range c.names {
		known[id] = name
	}
	return s.appendMemberEvents(ctx, t, orgID, dirID, known, c.log)
}

// maxListedMembers bounds the IDs an audit event lists; counts are exact.
const maxListedMembers = 100

func head(list []string, n int) []string {
	if list == nil {
		return []string{}
	}
	return list[:min(n, len(list))]
}

// applyMemberOp performs one membership change inside tx.
func (s *Store) applyMemberOp(ctx context.Context, tx *tx, t roster.DirectoryScope, groupID string, op roster.MemberOp, ch *memberChange) error {
	var rows []memberRow
	var err error
	switch op.Kind {
	case roster.AddMembers:
		rows, err = s.addMembers(ctx, tx, t, groupID, op.IDs)
	case roster.RemoveMembers:
		ids, _ := json.Marshal(op.IDs)
		if err := s.lockMembers(ctx, tx, t, string(ids)); err != nil {
			return err
		}
		rows, err = returning(ctx, tx, `DELETE FROM group_members WHERE group_id = ? AND `+s.d.InJSON("member_id")+` RETURNING member_id, member_type`, groupID, string(ids))
	case roster.RemoveMembersWhere:
		var where string
		var args []any
		where, args, err = s.compileFilter(op.Filter, memberScope, "")
		if err == nil {
			rows, err = returning(ctx, tx, `DELETE FROM group_members AS m WHERE m.group_id = ? AND `+where+` RETURNING member_id, member_type`,
				append([]any{groupID}, args...)...)
		}
	case roster.RemoveAllMembers:
		rows, err = returning(ctx, tx, `DELETE FROM group_members WHERE group_id = ? RETURNING member_id, member_type`, groupID)
	}
	if err != nil {
		return err
	}
	if op.Kind == roster.AddMembers {
		ch.record(roster.EventMemberAdded, groupID, rows)
	} else {
		ch.record(roster.EventMemberRemoved, groupID, rows)
	}
	ch.rows = append(ch.rows, rows...)
	if ch.names == nil {
		ch.names = map[string]string{}
	}
	return s.touchUsers(ctx, tx, t, rows, ch.names)
}

type memberRow struct{ id, kind string }

func returning(ctx context.Context, tx *tx, query string, args ...any) ([]memberRow, error) {
	rs, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rs, func(sc rowScanner) (memberRow, error) {
		var r memberRow
		return r, sc.Scan(&r.id, &r.kind)
	})
}

// addMembers inserts the memberships of ids that do not exist yet and
// returns those. Every ID must be a user or a group of the directory. The
// commonest case, users not yet members, costs one statement: users are
// inserted first, then groups among the rest, and only IDs left after both
// are looked up, to tell members already there from IDs that exist
// nowhere.
func (s *Store) addMembers(ctx context.Context, tx *tx, t roster.DirectoryScope, groupID string, ids []string) ([]memberRow, error) {
	ids = dedupe(ids)
	for _, id := range ids {
		if id == groupID {
			return nil, roster.Invalidf(roster.ScimInvalidValue, "a group cannot be a member of itself")
		}
	}
	var added []memberRow
	rest := ids
	for _, kind := range []string{roster.MemberUser, roster.MemberGroup} {
		table := "users"
		if kind == roster.MemberGroup {
			table = "groups"
		}
		list, _ := json.Marshal(rest)
		// The members' rows are locked (FOR UPDATE, which touchUsers
		// needs anyway) before the memberships are written: a concurrent
		// DeleteUser or DeleteGroup holds the same lock, so either the
		// deletion waits and then removes the new membership with the
		// member, or the add waits, finds the member gone and says so;
		// never a membership of a member that no longer exists.
		rows, err := returning(ctx, tx, `INSERT INTO group_members (group_id, member_id, member_type)
			SELECT CAST(? AS TEXT), x.id, '`+kind+`' FROM (SELECT id FROM `+table+` WHERE directory_id = ? AND `+s.d.InJSON("id")+s.d.ForUpdate+`) AS x WHERE TRUE
			ON CONFLICT DO NOTHING RETURNING member_id, member_type`, groupID, t.DirectoryID, string(list))
		if err != nil {
			return nil, err
		}
		added = append(added, rows...)
		if rest = without(rest, rows); len(rest) == 0 {
			return added, nil
		}
	}
	// Left: IDs already members, and IDs of nothing in this directory.
	list, _ := json.Marshal(rest)
	present, err := returning(ctx, tx, `SELECT member_id, member_type FROM group_members WHERE group_id = ? AND `+s.d.InJSON("member_id"),
		groupID, string(list))
	if err != nil {
		return nil, err
	}
	return added, checkMembers(without(rest, present))
}

// changesNesting says whether ops add or remove a group as a member of
// groupID: an ID among the adds or removals that names a group of the
// directory, or a removal of all members or by filter from a group that
// has group members.
func (s *Store) changesNesting(ctx context.Context, tx *tx, t roster.DirectoryScope, groupID string, ops []roster.MemberOp) (bool, error) {
	var ids []string
	whole := false
	for _, op := range ops {
		switch op.Kind {
		case roster.AddMembers, roster.RemoveMembers:
			ids = append(ids, op.IDs...)
		default:
			whole = true
		}
	}
	var n int
	if len(ids) > 0 {
		b, _ := json.Marshal(ids)
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM groups WHERE directory_id = ? AND `+s.d.InJSON("id"), t.DirectoryID, string(b)).Scan(&n); err != nil || n > 0 {
			return n > 0, err
		}
	}
	if whole {
		err := tx.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM group_members WHERE group_id = ? AND member_type = 'Group' LIMIT 1) AS x`, groupID).Scan(&n)
		return n > 0, err
	}
	return false, nil
}

// lockMembers locks the rows of the users and groups of the directory
// that the JSON array ids names, where the database has row locks, as
// addMembers does before it adds them: a removal of a member then waits
// for an add of the same member under way in another transaction, and
// sees it once that commits, whether or not the group's row is locked.
func (s *Store) lockMembers(ctx context.Context, tx *tx, t roster.DirectoryScope, ids string) error {
	if s.d.ForUpdate == "" {
		return nil
	}
	var n int
	return tx.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM (SELECT id FROM users WHERE directory_id = ? AND `+s.d.InJSON("id")+s.d.ForUpdate+`) AS x)
		+ (SELECT COUNT(*) FROM (SELECT id FROM groups WHERE directory_id = ? AND `+s.d.InJSON("id")+s.d.ForUpdate+`) AS y)`,
		t.DirectoryID, ids, t.DirectoryID, ids).Scan(&n)
}

// without returns the IDs of ids that are not among rows.
func without(ids []string, rows []memberRow) []string {
	if len(rows) == 0 {
		return ids
	}
	in := make(map[string]bool, len(rows))
	for _, r := range rows {
		in[r.id] = true
	}
	var out []string
	for _, id := range ids {
		if !in[id] {
			out = append(out, id)
		}
	}
	return out
}

// checkMembers reports the IDs that name no user or group of the
// directory.
func checkMembers(missing []string) error {
	switch {
	case len(missing) == 1:
		return roster.E(roster.ReasonUnknownMember, "member %q is not a user or group of this directory; create it first", missing[0])
	case len(missing) > 1:
		shown := head(missing, 5)
		more := ""
		if len(missing) > len(shown) {
			more = ", …"
		}
		return roster.E(roster.ReasonUnknownMember, "%d members are not users or groups of this directory (%s%s); create them first",
			len(missing), strings.Join(shown, ", "), more)
	}
	return nil
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// touchUsers gives the users among rows a new version: their groups
// attribute changed. It puts their names (display name, else userName)
// into names, from the rows it updates: the membership events need them,
// and reading them here saves a query per change.
func (s *Store) touchUsers(ctx context.Context, tx *tx, t roster.DirectoryScope, rows []memberRow, names map[string]string) error {
	var users []string
	for _, r := range rows {
		if r.kind == roster.MemberUser {
			users = append(users, r.id)
		}
	}
	if len(users) == 0 {
		return nil
	}
	list, _ := json.Marshal(users)
	rs, err := tx.query(ctx, `UPDATE users SET version = version + 1, modified = ? WHERE directory_id = ? AND `+s.d.InJSON("id")+`
		RETURNING id, COALESCE(display_name, user_name)`, micros(s.clock()), t.DirectoryID, string(list))
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var id, name string
		if err := rs.Scan(&id, &name); err != nil {
			return err
		}
		names[id] = name
	}
	return rs.Err()
}

// DeleteGroup implements roster.Store.
func (s *Store) DeleteGroup(ctx context.Context, t roster.DirectoryScope, id string, ifVersion int64) error {
	return s.inTx(ctx, func(tx *tx) error {
		// The organization before the group's row (see UpdateGroup).
		if err := s.lockScope(ctx, tx, t, true); err != nil {
			return err
		}
		g, seq, err := scanGroup(tx.queryRow(ctx, `SELECT `+groupColumns+` FROM groups r WHERE r.id = ? AND r.directory_id = ? AND r.org_id = ?`+s.d.ForUpdate,
			id, t.DirectoryID, t.OrgID))
		if err != nil {
			return notFound(err, "no group %q in this directory", id)
		}
		if ifVersion > 0 && g.Version != ifVersion {
			return roster.E(roster.ReasonVersionMismatch, "group %s is at version %d, not %d; read it again", id, g.Version, ifVersion)
		}
		until, err := s.keepGroup(ctx, tx, t, g) // restorable until then (see deleted.go)
		if err != nil {
			return err
		}
		// The users under the group lose what reached them through it:
		// found before its memberships go.
		access := newAccessChange(t.OrgID, roster.AccessCauseGroupDeletion)
		if granted, err := s.grantedAbove(ctx, tx, t.OrgID, id); err != nil {
			return err
		} else if granted {
			if err := access.addUnderGroups(ctx, tx, id); err != nil {
				return err
			}
		}
		var ch memberChange
		if err := s.applyMemberOp(ctx, tx, t, id, roster.MemberOp{Kind: roster.RemoveAllMembers}, &ch); err != nil {
			return err
		}
		if err := ch.appendEvents(ctx, s, tx, t.OrgID, t.DirectoryID, &g); err != nil {
			return err
		}
		if err := s.leaveAllGroups(ctx, tx, t, roster.MemberGroup, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM grants WHERE org_id = ? AND group_id = ?`, t.OrgID, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM default_groups WHERE org_id = ? AND group_id = ?`, t.OrgID, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM groups WHERE seq = ?`, seq); err != nil {
			return err
		}
		if err := access.finish(ctx, tx); err != nil {
			return err
		}
		if err := s.count(ctx, tx, t.DirectoryID, roster.MemberGroup, -1); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, roster.Event{OrgID: t.OrgID, DirectoryID: t.DirectoryID, Action: roster.EventGroupDeleted,
			ResourceType: "Group", ResourceID: id, Detail: detail("displayName", g.DisplayName, "members", ch.removed, "restorableUntil", timeOrNever(until)),
			Data: roster.MarshalData(roster.NewGroupData(&g, t.DirectoryID))})
	})
}

// memberBatch is how many members ListMembers reads per query. Large
// enough that a query's fixed cost vanishes (100,000 members are 50
// queries), small enough that a batch is a few hundred kilobytes.
const memberBatch = 2000

// ListMembers implements roster.Store. Members come in keyset batches in
// member ID order, the primary key's order (no sort), each with its display
// name from the same query. A batch is read whole and its statement done
// before fn sees its members: a client reading a million-member group
// slowly holds one connection but no snapshot (which on SQLite would keep
// the write-ahead log from being checkpointed) while it reads.
func (s *Store) ListMembers(ctx context.Context, t roster.DirectoryScope, groupID string, fn func(roster.Member) error) error {
	var n int
	if err := s.readRow(ctx, `SELECT COUNT(*) FROM groups WHERE id = ? AND directory_id = ? AND org_id = ?`, groupID, t.DirectoryID, t.OrgID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return roster.NotFoundf("no group %q in this directory", groupID)
	}
	// All batches on one connection, each its own statement (no
	// transaction): batches spread over the pool would each meet a
	// connection whose page cache holds other pages (on SQLite a cache per
	// connection), which made a full GET of 100,000 members take twice
	// the CPU once the pool had several connections open.
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	query := s.rebind(`SELECT m.member_id, m.member_type, COALESCE(u.display_name, u.user_name, g.display_name, '')
			FROM group_members m
			LEFT JOIN users u ON m.member_type = 'User' AND u.id = m.member_id
			LEFT JOIN groups g ON m.member_type = 'Group' AND g.id = m.member_id
			WHERE m.group_id = ? AND m.member_id > ? ORDER BY m.member_id LIMIT ?`)
	batch := make([]roster.Member, 0, memberBatch)
	after := ""
	for {
		batch = batch[:0]
		if err := readBatch(ctx, conn, query, []any{groupID, after, memberBatch}, &batch); err != nil {
			return s.badValue(err)
		}
		for _, m := range batch {
			if err := fn(m); err != nil {
				return err
			}
		}
		if len(batch) < memberBatch {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}

// readBatch appends the members query returns on conn to batch.
func readBatch(ctx context.Context, conn *sql.Conn, query string, args []any, batch *[]roster.Member) error {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m roster.Member
		if err := rows.Scan(&m.ID, &m.Type, &m.Display); err != nil {
			return err
		}
		*batch = append(*batch, m)
	}
	return rows.Err()
}

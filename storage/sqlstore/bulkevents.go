package sqlstore

import (
	"context"
	"slices"

	"github.com/rosterhq/roster"
)

// The events of changes that touch many resources at once: deleting a
// directory, linking a local group into a synced one, unlinking, and a
// domain whose verification turns its accounts managed or external. Each
// writes the same per-resource events a change of one resource writes
// (group.member_removed, user.deleted, group.deleted, user.updated,
// user.became_managed, …) in its own transaction, so that an application
// following the feed or a webhook never has to take a snapshot to learn
// what such a change did.
//
// They page through the rows, bulkPage at a time, writing each page's
// events before reading the next: deleting a directory of a million
// users holds one page in memory, not the directory.

// bulkPage is the number of resources read, and their events written,
// at a time.
const bulkPage = 500

// pageUsers calls fn with the users that where (a condition over users r,
// with args) selects, a page at a time in seq order.
func (s *Store) pageUsers(ctx context.Context, t *tx, where string, args []any, fn func([]roster.User) error) error {
	return pageRows(ctx, t, `SELECT `+userColumns+` FROM users r WHERE `+where, args, func(sc rowScanner) (roster.User, int64, error) {
		return scanUser(sc)
	}, fn)
}

// pageGroups is pageUsers for groups r.
func (s *Store) pageGroups(ctx context.Context, t *tx, where string, args []any, fn func([]roster.Group) error) error {
	return pageRows(ctx, t, `SELECT `+groupColumns+` FROM groups r WHERE `+where, args, scanGroup, fn)
}

// pageRows runs query (over rows r, ending in its WHERE condition) a page
// at a time, keyset on r.seq, and calls fn with each page that scan reads.
func pageRows[T any](ctx context.Context, t *tx, query string, args []any, scan func(rowScanner) (T, int64, error), fn func([]T) error) error {
	var after int64
	for {
		rows, err := t.query(ctx, query+` AND r.seq > ? ORDER BY r.seq LIMIT ?`, slices.Concat(args, []any{after, bulkPage})...)
		if err != nil {
			return err
		}
		var page []T
		for rows.Next() {
			v, seq, err := scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page, after = append(page, v), seq
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		if len(page) < bulkPage {
			return nil
		}
	}
}

// endMembersOf appends a group.member_removed event for every member of
// g, paged by member ID on the memberships' primary key: a group of
// 100,000 members is read 500 at a time. The rows themselves are left to
// the caller, which deletes them set-based.
func (s *Store) endMembersOf(ctx context.Context, t *tx, orgID, dirID string, g *roster.Group) error {
	after := ""
	for {
		rows, err := returning(ctx, t, `SELECT member_id, member_type FROM group_members WHERE group_id = ? AND member_id > ?
			ORDER BY member_id LIMIT ?`, g.ID, after, bulkPage)
		if err != nil || len(rows) == 0 {
			return err
		}
		if err := s.appendMemberEvents(ctx, t, orgID, dirID, map[string]string{g.ID: g.DisplayName},
			memberships(roster.EventMemberRemoved, rows, g.ID, false, "")); err != nil {
			return err
		}
		if len(rows) < bulkPage {
			return nil
		}
		after = rows[len(rows)-1].id
	}
}

// endMembershipsIn appends a group.member_removed event for every
// membership of the members ids (of kind memberType) in a group that
// outside (a condition over groups g, with args; "" for every group)
// selects: the groups the caller's own pass over groups does not reach.
func (s *Store) endMembershipsIn(ctx context.Context, t *tx, orgID, dirID, memberType string, ids []string, outside string, args ...any) error {
	if outside != "" {
		outside = " AND " + outside
	}
	rows, err := t.query(ctx, `SELECT m.group_id, m.member_id FROM group_members m JOIN groups g ON g.id = m.group_id
		WHERE `+s.d.InJSON("m.member_id")+` AND g.org_id = ?`+outside+` ORDER BY m.member_id, m.group_id`,
		slices.Concat([]any{jsonList(ids), orgID}, args)...)
	if err != nil {
		return err
	}
	ms, err := scanAll(rows, func(sc rowScanner) (membership, error) {
		m := membership{action: roster.EventMemberRemoved, memberType: memberType}
		return m, sc.Scan(&m.groupID, &m.memberID)
	})
	if err != nil {
		return err
	}
	return s.appendMemberEvents(ctx, t, orgID, dirID, nil, ms)
}

// directoryDeletionEvents appends, before the rows of directory dirID
// go, the events of its memberships ending: every member of its groups,
// and every membership of its users and groups in the organization's
// other (local) groups. deletedDirectoryEvents, after the access diff,
// appends its users' and groups' deletions.
func (s *Store) directoryDeletionEvents(ctx context.Context, t *tx, orgID, dirID string) error {
	inDir := `r.org_id = ? AND r.directory_id = ?`
	other := `(g.directory_id IS NULL OR g.directory_id <> ?)`
	if err := s.pageGroups(ctx, t, inDir, []any{orgID, dirID}, func(gs []roster.Group) error {
		ids := make([]string, len(gs))
		for i := range gs {
			if err := s.endMembersOf(ctx, t, orgID, dirID, &gs[i]); err != nil {
				return err
			}
			ids[i] = gs[i].ID
		}
		return s.endMembershipsIn(ctx, t, orgID, dirID, roster.MemberGroup, ids, other, dirID)
	}); err != nil {
		return err
	}
	return s.pageUsers(ctx, t, inDir, []any{orgID, dirID}, func(us []roster.User) error {
		ids := make([]string, len(us))
		for i := range us {
			ids[i] = us[i].ID
		}
		return s.endMembershipsIn(ctx, t, orgID, dirID, roster.MemberUser, ids, other, dirID)
	})
}

// deletedDirectoryEvents appends a user.deleted event for each of
// directory dirID's users and a group.deleted for each of its groups, as
// they were: a directory's deletion is final (nothing of it is kept to
// restore), which the events' detail says.
func (s *Store) deletedDirectoryEvents(ctx context.Context, t *tx, orgID, dirID string) error {
	inDir := `r.org_id = ? AND r.directory_id = ?`
	if err := s.pageUsers(ctx, t, inDir, []any{orgID, dirID}, func(us []roster.User) error {
		events := make([]roster.Event, len(us))
		for i := range us {
			events[i] = roster.Event{OrgID: orgID, DirectoryID: dirID, Action: roster.EventUserDeleted, ResourceType: "User", ResourceID: us[i].ID,
				Detail: detail("userName", us[i].UserName, "restorableUntil", "never", "cause", roster.EventDirectoryDeleted),
				Data:   roster.MarshalData(roster.NewUserData(&us[i]))}
		}
		return s.appendEvents(ctx, t, events)
	}); err != nil {
		return err
	}
	return s.pageGroups(ctx, t, inDir, []any{orgID, dirID}, func(gs []roster.Group) error {
		events := make([]roster.Event, len(gs))
		for i := range gs {
			events[i] = roster.Event{OrgID: orgID, DirectoryID: dirID, Action: roster.EventGroupDeleted, ResourceType: "Group", ResourceID: gs[i].ID,
				Detail: detail("displayName", gs[i].DisplayName, "restorableUntil", "never", "cause", roster.EventDirectoryDeleted),
				Data:   roster.MarshalData(roster.NewGroupData(&gs[i], dirID))}
		}
		return s.appendEvents(ctx, t, events)
	})
}

// domainManagedEvents appends user.became_managed (managed true) or
// user.left_managed_domains for every account of the organization on
// domain, whose verification status has just changed whether the
// organization manages it, with the user as it now is; accounts that
// became managed join the default groups, as one whose address moves onto
// a verified domain does.
func (s *Store) domainManagedEvents(ctx context.Context, t *tx, orgID, domain string, managed bool) error {
	action, explanation := roster.EventUserLeftManaged,
		domain+" is no longer a verified domain of the organization, so the account is now external. Verify the domain again to manage it."
	if managed {
		action, explanation = roster.EventUserBecameManaged, domain+" was verified: the organization now manages the account."
	}
	return s.pageUsers(ctx, t, `r.org_id = ? AND r.email_domain = ?`, []any{orgID, domain}, func(us []roster.User) error {
		events := make([]roster.Event, len(us))
		ids := make([]string, len(us))
		for i := range us {
			ids[i] = us[i].ID
			events[i] = roster.Event{OrgID: orgID, DirectoryID: us[i].DirectoryID, Action: action, ResourceType: "User", ResourceID: us[i].ID,
				Detail: detail("domain", domain, "explanation", explanation), Data: roster.MarshalData(roster.NewUserData(&us[i]))}
		}
		if err := s.appendEvents(ctx, t, events); err != nil {
			return err
		}
		if !managed {
			return nil
		}
		return s.joinDefaultGroups(ctx, t, orgID, ids...)
	})
}

package sqlstore

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
)

// Snapshots page through an organization's users, groups and memberships
// by keyset (users and groups by seq, on the (org_id, seq) indexes of
// migration 0015; memberships by their group's seq and member ID),
// so that a page costs the same however far in it is and nothing holds
// the directory in memory. Each page is its own read: package feed pairs
// the pages with the feed position taken before the first, and the feed's
// full-state events correct whatever changed while paging.

// extraScanner scans the columns a scan function knows, then extra ones.
type extraScanner struct {
	rowScanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.rowScanner.Scan(append(dest, e.extra...)...) }

// ListSnapshot implements roster.Store.
func (s *Store) ListSnapshot(ctx context.Context, orgID string, resource roster.SnapshotResource, after string, limit int) (*roster.SnapshotPage, error) {
	page := &roster.SnapshotPage{Items: []json.RawMessage{}}
	add := func(v any, last string) {
		page.Items = append(page.Items, roster.MarshalData(v))
		page.Last = last
	}
	switch resource {
	case roster.SnapshotUsers, roster.SnapshotGroups:
		var afterSeq int64
		if after != "" {
			n, err := strconv.ParseInt(after, 10, 64)
			if err != nil {
				return nil, roster.E(roster.ReasonInvalidCursor, "%q is no snapshot position", after)
			}
			afterSeq = n
		}
		if resource == roster.SnapshotUsers {
			_, err := s.readRows(ctx, `SELECT `+userColumns+` FROM users r WHERE r.org_id = ? AND r.seq > ? ORDER BY r.seq LIMIT ?`,
				[]any{orgID, afterSeq, limit}, func(sc rowScanner) (int64, error) {
					u, seq, err := scanUser(sc)
					if err == nil {
						add(roster.NewUserData(&u), strconv.FormatInt(seq, 10))
					}
					return seq, err
				})
			return page, err
		}
		_, err := s.readRows(ctx, `SELECT `+groupColumns+`, r.directory_id FROM groups r WHERE r.org_id = ? AND r.seq > ? ORDER BY r.seq LIMIT ?`,
			[]any{orgID, afterSeq, limit}, func(sc rowScanner) (int64, error) {
				var dir *string
				g, seq, err := scanGroup(extraScanner{sc, []any{&dir}})
				if err == nil {
					dirID := ""
					if dir != nil {
						dirID = *dir
					}
					add(roster.NewGroupData(&g, dirID), strconv.FormatInt(seq, 10))
				}
				return seq, err
			})
		return page, err
	case roster.SnapshotMemberships:
		// By group (in seq order, on groups_org_seq) and within a group by
		// member (the primary key's order): the nested loops give the
		// order, so no page sorts the organization's memberships.
		// CROSS JOIN fixes that join order on SQLite; PostgreSQL takes it
		// as the inner join it is.
		var afterSeq int64
		afterMember := ""
		if after != "" {
			seq, member, ok := strings.Cut(after, "/")
			n, err := strconv.ParseInt(seq, 10, 64)
			if !ok || err != nil {
				return nil, roster.E(roster.ReasonInvalidCursor, "%q is no snapshot position", after)
			}
			afterSeq, afterMember = n, member
		}
		_, err := s.readRows(ctx, `SELECT g.seq, g.id, g.display_name, m.member_type, m.member_id, COALESCE(u.display_name, u.user_name, mg.display_name, '')
			FROM groups g CROSS JOIN group_members m
			LEFT JOIN users u ON m.member_type = 'User' AND u.id = m.member_id
			LEFT JOIN groups mg ON m.member_type = 'Group' AND mg.id = m.member_id
			WHERE g.org_id = ? AND m.group_id = g.id AND (g.seq > ? OR (g.seq = ? AND m.member_id > ?))
			ORDER BY g.seq, m.member_id LIMIT ?`,
			[]any{orgID, afterSeq, afterSeq, afterMember, limit}, func(sc rowScanner) (int64, error) {
				var d roster.MembershipData
				var seq int64
				err := sc.Scan(&seq, &d.Group.ID, &d.Group.DisplayName, &d.Member.Type, &d.Member.ID, &d.Member.Display)
				if err == nil {
					add(d, strconv.FormatInt(seq, 10)+"/"+d.Member.ID)
				}
				return 0, err
			})
		return page, err
	case roster.SnapshotAccess:
		// In access_state's primary-key order, (product, user): the
		// position is "product/user" (user IDs hold no slash).
		var key roster.AccessKey
		if after != "" {
			i := strings.LastIndexByte(after, '/')
			if i < 0 {
				return nil, roster.E(roster.ReasonInvalidCursor, "%q is no snapshot position", after)
			}
			key = roster.AccessKey{Product: after[:i], UserID: after[i+1:]}
		}
		d := s.d
		item := d.JSONObject("user", accessUserJSON(d, "s.user_id"), "product", d.JSONObject("key", "s.product", "name", "p.name"), "role", "s.role")
		_, err := s.readRows(ctx, `SELECT s.product, s.user_id, `+item+`
			FROM access_state s LEFT JOIN users r ON r.id = s.user_id LEFT JOIN products p ON p.org_id = s.org_id AND p.key = s.product
			WHERE s.org_id = ? AND (s.product > ? OR (s.product = ? AND s.user_id > ?))
			ORDER BY s.product, s.user_id LIMIT ?`,
			[]any{orgID, key.Product, key.Product, key.UserID, limit}, func(sc rowScanner) (int64, error) {
				var product, user string
				var doc []byte
				err := sc.Scan(&product, &user, &doc)
				if err == nil {
					page.Items = append(page.Items, json.RawMessage(doc))
					page.Last = product + "/" + user
				}
				return 0, err
			})
		return page, err
	}
	return nil, roster.E(roster.ReasonInvalidValue, "a snapshot is of users, groups, memberships or access, not %q", resource)
}

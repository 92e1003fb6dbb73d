package sqlstore

import (
	"context"
	"database/sql"

	"github.com/rosterhq/roster"
)

// markConflict records whether a synced group's name is that of a local
// group of the organization: instead of failing the identity provider's
// request (the reference product's 409), the group is created or renamed
// and the clash is left for an admin to review and link.
func (s *Store) markConflict(ctx context.Context, t *tx, orgID, groupID, name string) error {
	var local sql.NullString
	err := t.queryRow(ctx, `SELECT id FROM groups WHERE org_id = ? AND directory_id IS NULL AND display_name_fold = ? ORDER BY seq LIMIT 1`,
		orgID, fold(name)).Scan(&local)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	var before sql.NullString
	if err := t.queryRow(ctx, `SELECT conflict_with FROM groups WHERE id = ?`, groupID).Scan(&before); err != nil {
		return err
	}
	if before == local {
		return nil
	}
	if _, err := t.exec(ctx, `UPDATE groups SET conflict_with = ? WHERE id = ?`, local, groupID); err != nil {
		return err
	}
	if !local.Valid {
		return nil
	}
	return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "group.conflict", ResourceType: "Group", ResourceID: groupID,
		Detail: detail("local", local.String, "displayName", name,
			"explanation", "The identity provider pushed a group named like a local group. Both exist; review the conflict and link them to let the synced group take over the local group's access.")})
}

const conflictColumns = `r.id, r.display_name, r.external_id, r.attributes, r.version, r.created, r.modified, r.directory_id,
	l.id, l.display_name, l.attributes, l.version, l.created, l.modified`

func scanConflict(sc rowScanner) (roster.Conflict, error) {
	var c roster.Conflict
	var ext sql.NullString
	var sc1, sm1, sc2, sm2 int64
	err := sc.Scan(&c.Synced.ID, &c.Synced.DisplayName, &ext, &c.Synced.Attributes, &c.Synced.Version, &sc1, &sm1, &c.DirectoryID,
		&c.Local.ID, &c.Local.DisplayName, &c.Local.Attributes, &c.Local.Version, &sc2, &sm2)
	c.Synced.ExternalID = ext.String
	c.Synced.Created, c.Synced.LastModified = fromMicros(sc1), fromMicros(sm1)
	c.Local.Created, c.Local.LastModified = fromMicros(sc2), fromMicros(sm2)
	return c, err
}

// ListConflicts implements roster.Store.
func (s *Store) ListConflicts(ctx context.Context, orgID string) ([]roster.Conflict, error) {
	var out []roster.Conflict
	_, err := s.readRows(ctx, `SELECT `+conflictColumns+` FROM groups r JOIN groups l ON l.id = r.conflict_with AND l.org_id = r.org_id
		WHERE r.org_id = ? ORDER BY r.display_name, r.id`, []any{orgID}, func(sc rowScanner) (int64, error) {
		c, err := scanConflict(sc)
		out = append(out, c)
		return 0, err
	})
	return out, err
}

func (s *Store) conflict(ctx context.Context, q func(context.Context, string, ...any) rowScanner, orgID, groupID string) (roster.Conflict, error) {
	c, err := scanConflict(q(ctx, `SELECT `+conflictColumns+` FROM groups r JOIN groups l ON l.id = r.conflict_with AND l.org_id = r.org_id
		WHERE r.org_id = ? AND r.id = ?`, orgID, groupID))
	if err != nil {
		return c, notFound(err, "group %q of the organization is in conflict with no local group", groupID)
	}
	return c, nil
}

// PreviewLink implements roster.Store. It compares effective access, by
// the rule of CheckAccess (nested groups at any depth, active users only),
// as it is and as it would be once the synced group took over the local
// group's grants and the local group were gone (its place in other groups
// too): the users a product's grants would reach only afterwards gain
// access, those they would reach only before lose it.
func (s *Store) PreviewLink(ctx context.Context, orgID, syncedGroupID string) (*roster.LinkPreview, error) {
	c, err := s.conflict(ctx, s.readRow, orgID, syncedGroupID)
	if err != nil {
		return nil, err
	}
	p := &roster.LinkPreview{Conflict: c}
	keys := func(q string, dest *[]string) error {
		_, err := s.readRows(ctx, q, []any{orgID, c.Local.ID}, func(sc rowScanner) (int64, error) {
			var key string
			err := sc.Scan(&key)
			*dest = append(*dest, key)
			return 0, err
		})
		return err
	}
	if err := keys(`SELECT product FROM grants WHERE org_id = ? AND group_id = ? ORDER BY product`, &p.Products); err != nil {
		return nil, err
	}
	if err := keys(`SELECT product FROM default_groups WHERE org_id = ? AND group_id = ? ORDER BY product`, &p.Defaults); err != nil {
		return nil, err
	}
	walks := []any{orgID, orgID, c.Local.ID, c.Synced.ID, orgID, c.Local.ID, c.Local.ID, orgID, orgID}
	const changes = `,
	changes(user_id, gain) AS (
		SELECT a.user_id, 1 FROM after_users a
			WHERE NOT EXISTS (SELECT 1 FROM before_users b WHERE b.product = a.product AND b.user_id = a.user_id)
		UNION
		SELECT b.user_id, 0 FROM before_users b
			WHERE NOT EXISTS (SELECT 1 FROM after_users a WHERE a.product = b.product AND a.user_id = b.user_id)
	)`
	_, err = s.readRows(ctx, accessWalks+changes+` SELECT gain, COUNT(*) FROM changes GROUP BY gain`, walks, func(sc rowScanner) (int64, error) {
		var gain, n int
		err := sc.Scan(&gain, &n)
		if gain == 1 {
			p.Gained = n
		} else {
			p.Lost = n
		}
		return 0, err
	})
	if err != nil {
		return nil, err
	}
	for gain, list := range map[int]*[]roster.User{1: &p.Gain, 0: &p.Lose} {
		_, err := s.readRows(ctx, accessWalks+changes+` SELECT `+userColumns+` FROM changes c JOIN users r ON r.id = c.user_id
			WHERE c.gain = ? ORDER BY r.user_name_fold, r.seq LIMIT ?`, append(walks, gain, roster.PreviewUsers), func(sc rowScanner) (int64, error) {
			u, seq, err := scanUser(sc)
			*list = append(*list, u)
			return seq, err
		})
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// LinkGroup implements roster.Store.
func (s *Store) LinkGroup(ctx context.Context, orgID, syncedGroupID string) error {
	preview, err := s.PreviewLink(ctx, orgID, syncedGroupID)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(t *tx) error {
		if err := s.lockAccess(ctx, t, orgID, true); err != nil {
			return err
		}
		c, err := s.conflict(ctx, t.queryRow, orgID, syncedGroupID) // still in conflict, inside the transaction
		if err != nil {
			return err
		}
		// Everyone under either group may gain or lose: found before the
		// local group goes.
		access := newAccessChange(orgID, roster.AccessCauseLink)
		if err := access.addUnderGroups(ctx, t, c.Local.ID, c.Synced.ID); err != nil {
			return err
		}
		// The synced group takes over the local group's grants, keeping
		// the higher role where it had one of its own.
		if _, err := t.exec(ctx, `INSERT INTO grants (org_id, product, group_id, role, created)
			SELECT org_id, product, ?, role, created FROM grants WHERE org_id = ? AND group_id = ?
			ON CONFLICT (org_id, product, group_id) DO UPDATE SET role = CASE WHEN excluded.role = 'admin' THEN 'admin' ELSE grants.role END`,
			c.Synced.ID, orgID, c.Local.ID); err != nil {
			return err
		}
		var defaults int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM default_groups WHERE org_id = ? AND group_id = ?`, orgID, c.Local.ID).Scan(&defaults); err != nil {
			return err
		}
		// The local group goes as a deleted group does: each of its
		// memberships ends with its event, then its group.deleted.
		local, _, err := scanGroup(t.queryRow(ctx, `SELECT `+groupColumns+` FROM groups r WHERE r.org_id = ? AND r.id = ?`, orgID, c.Local.ID))
		if err != nil {
			return err
		}
		if err := s.endMembersOf(ctx, t, orgID, "", &local); err != nil {
			return err
		}
		if err := s.endMembershipsIn(ctx, t, orgID, "", roster.MemberGroup, []string{local.ID}, ""); err != nil {
			return err
		}
		if err := s.deleteLocalGroup(ctx, t, orgID, c.Local.ID); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: roster.EventGroupDeleted, ResourceType: "Group", ResourceID: local.ID,
			Detail: detail("displayName", local.DisplayName, "restorableUntil", "never", "cause", "group.linked", "linkedTo", c.Synced.ID),
			Data:   roster.MarshalData(roster.NewGroupData(&local, ""))}); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE groups SET conflict_with = NULL, version = version + 1, modified = ? WHERE id = ?`, micros(s.clock()), c.Synced.ID); err != nil {
			return err
		}
		if err := access.finish(ctx, t); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, DirectoryID: c.DirectoryID, Action: "group.linked", ResourceType: "Group", ResourceID: c.Synced.ID,
			Detail: detail("local", c.Local.ID, "displayName", c.Local.DisplayName, "products", preview.Products,
				"gained", preview.Gained, "lost", preview.Lost, "defaultGroupRolesDropped", defaults)})
	})
}

// deleteLocalGroup removes a local group with its grants, default-group
// roles and memberships.
func (s *Store) deleteLocalGroup(ctx context.Context, t *tx, orgID, groupID string) error {
	for _, q := range []string{
		`UPDATE groups SET member_count = member_count - 1 WHERE id IN
			(SELECT m.group_id FROM group_members m WHERE m.member_id IN (SELECT id FROM groups WHERE org_id = ? AND id = ?))`,
		`DELETE FROM grants WHERE org_id = ? AND group_id = ?`,
		`DELETE FROM default_groups WHERE org_id = ? AND group_id = ?`,
		`DELETE FROM group_members WHERE group_id IN (SELECT id FROM groups WHERE org_id = ? AND id = ?)`,
		`DELETE FROM group_members WHERE member_id IN (SELECT id FROM groups WHERE org_id = ? AND id = ?)`,
		`DELETE FROM groups WHERE org_id = ? AND id = ? AND directory_id IS NULL`,
	} {
		if _, err := t.exec(ctx, q, orgID, groupID); err != nil {
			return err
		}
	}
	return nil
}

// UnlinkUser implements roster.Store.
func (s *Store) UnlinkUser(ctx context.Context, orgID, userID string) error {
	return s.unlink(ctx, "users", roster.MemberUser, orgID, userID)
}

// UnlinkGroup implements roster.Store.
func (s *Store) UnlinkGroup(ctx context.Context, orgID, groupID string) error {
	return s.unlink(ctx, "groups", roster.MemberGroup, orgID, groupID)
}

func (s *Store) unlink(ctx context.Context, table, kind, orgID, id string) error {
	return s.inTx(ctx, func(t *tx) error {
		var dir sql.NullString
		if err := t.queryRow(ctx, `SELECT directory_id FROM `+table+` WHERE org_id = ? AND id = ?`+s.d.ForUpdate, orgID, id).Scan(&dir); err != nil {
			return notFound(err, "the organization has no %s %q", kind, id)
		}
		if !dir.Valid {
			return roster.Errorf(roster.EConflict, "", "%s %q is local already", kind, id)
		}
		set, args := `directory_id = NULL`, []any{}
		if table == "groups" {
			// A local group's name is unique among the organization's
			// local groups.
			var name string
			if err := t.queryRow(ctx, `SELECT display_name FROM groups WHERE org_id = ? AND id = ?`, orgID, id).Scan(&name); err != nil {
				return err
			}
			key := roster.StoredNameKey(name) // a synced name may hold what NameKey refuses
			err := s.checkNameKey(ctx, t, groupNames, orgID, id, key)
			if roster.ReasonOf(err) == roster.ReasonNameTaken {
				return roster.E(roster.ReasonNameTaken, "a local group is called %s already: link the two instead (roster group link), or rename the local group first", name)
			}
			if err != nil {
				return err
			}
			set, args = set+`, conflict_with = NULL, local_name_key = ?`, append(args, key)
		}
		if _, err := t.exec(ctx, `UPDATE `+table+` SET `+set+`, version = version + 1, modified = ? WHERE org_id = ? AND id = ?`,
			append(args, micros(s.clock()), orgID, id)...); err != nil {
			return err
		}
		if err := s.count(ctx, t, dir.String, kind, -1); err != nil {
			return err
		}
		update, err := s.unlinkedUpdate(ctx, t, kind, orgID, id, dir.String)
		if err != nil {
			return err
		}
		if err := s.appendEvent(ctx, t, update); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, DirectoryID: dir.String, Action: table[:len(table)-1] + ".unlinked", ResourceType: kind, ResourceID: id,
			Detail: detail("directory", dir.String,
				"explanation", "An admin made it local: its identity provider no longer sees or changes it, and its access stays as it is.")})
	})
}

// unlinkedUpdate is the user.updated or group.updated event of an unlink:
// the resource as it now is, local (directoryId ""), with the directory it
// left in previous.directoryId, so that an application following the feed
// sees the change without a snapshot.
func (s *Store) unlinkedUpdate(ctx context.Context, t *tx, kind, orgID, id, dirID string) (roster.Event, error) {
	e := roster.Event{OrgID: orgID, DirectoryID: dirID, ResourceType: kind, ResourceID: id, Detail: detail("changed", []string{"directoryId"})}
	previous := map[string]any{"directoryId": dirID}
	if kind == roster.MemberUser {
		u, _, err := scanUser(t.queryRow(ctx, `SELECT `+userColumns+` FROM users r WHERE r.org_id = ? AND r.id = ?`, orgID, id))
		e.Action = roster.EventUserUpdated
		e.Data = roster.MarshalData(roster.ChangeData[roster.UserData]{Resource: roster.NewUserData(&u), Previous: previous})
		return e, err
	}
	g, _, err := scanGroup(t.queryRow(ctx, `SELECT `+groupColumns+` FROM groups r WHERE r.org_id = ? AND r.id = ?`, orgID, id))
	e.Action = roster.EventGroupUpdated
	e.Data = roster.MarshalData(roster.ChangeData[roster.GroupData]{Resource: roster.NewGroupData(&g, ""), Previous: previous})
	return e, err
}

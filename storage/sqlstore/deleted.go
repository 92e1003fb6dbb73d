package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// Deletion you can undo. DeleteUser and DeleteGroup remove the resource
// from users and groups as always, and in the same transaction call
// keepUser or keepGroup, which copy what a restore needs into
// deleted_resources (or, with a retention of 0, only record the purge).
// Live queries never see deleted rows: they are in another table.

// policy reads the directory's deletion policy inside t.
func (s *Store) policy(ctx context.Context, t *tx, scope roster.DirectoryScope) (roster.DeletionPolicy, error) {
	p := roster.DefaultDeletionPolicy(scope)
	var secs, pct, minimum int64
	err := t.queryRow(ctx, `SELECT retention_seconds, mass_percent, mass_minimum FROM deletion_policies WHERE directory_id = ? AND org_id = ?`,
		scope.DirectoryID, scope.OrgID).Scan(&secs, &pct, &minimum)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	p.Retention, p.MassPercent, p.MassMinimum = time.Duration(secs)*time.Second, int(pct), int(minimum)
	return p, nil
}

// GetDeletionPolicy implements roster.Store.
func (s *Store) GetDeletionPolicy(ctx context.Context, scope roster.DirectoryScope) (*roster.DeletionPolicy, error) {
	var p roster.DeletionPolicy
	err := s.inRead(ctx, func(t *tx) error {
		var one int
		if err := t.queryRow(ctx, `SELECT 1 FROM directories WHERE org_id = ? AND id = ?`, scope.OrgID, scope.DirectoryID).Scan(&one); err != nil {
			return notFound(err, "no directory %q in organization %q", scope.DirectoryID, scope.OrgID)
		}
		var err error
		p, err = s.policy(ctx, t, scope)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdateDeletionPolicy implements roster.Store.
func (s *Store) UpdateDeletionPolicy(ctx context.Context, p *roster.DeletionPolicy) error {
	scope := roster.DirectoryScope{OrgID: p.OrgID, DirectoryID: p.DirectoryID}
	return s.inTx(ctx, func(t *tx) error {
		if err := s.checkDirectory(ctx, t, p.OrgID, p.DirectoryID); err != nil {
			return err
		}
		before, err := s.policy(ctx, t, scope)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO deletion_policies (directory_id, org_id, retention_seconds, mass_percent, mass_minimum) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (directory_id) DO UPDATE SET retention_seconds = excluded.retention_seconds, mass_percent = excluded.mass_percent, mass_minimum = excluded.mass_minimum`,
			p.DirectoryID, p.OrgID, int64(p.Retention/time.Second), p.MassPercent, p.MassMinimum); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: p.OrgID, DirectoryID: p.DirectoryID, Action: "directory.deletion_policy_changed",
			ResourceType: "Directory", ResourceID: p.DirectoryID,
			Detail: detail("retentionSeconds", int64(p.Retention/time.Second), "massPercent", p.MassPercent, "massMinimum", p.MassMinimum,
				"before", map[string]any{"retentionSeconds": int64(before.Retention / time.Second), "massPercent": before.MassPercent, "massMinimum": before.MassMinimum})})
	})
}

// deletedRow is what deleted_resources keeps of one resource.
type deletedRow struct {
	roster.DeletedResource
	email string
}

func jsonList(list []string) string {
	if list == nil {
		list = []string{}
	}
	b, _ := json.Marshal(list)
	return string(b)
}

// listColumn reads a one-column result into a list.
func listColumn(ctx context.Context, t *tx, query string, args ...any) ([]string, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanOne[string])
}

// keepUser records a user being deleted, before its memberships go.
func (s *Store) keepUser(ctx context.Context, t *tx, scope roster.DirectoryScope, u roster.User) (time.Time, error) {
	memberOf, err := listColumn(ctx, t, `SELECT group_id FROM group_members WHERE member_id = ? ORDER BY group_id`, u.ID)
	if err != nil {
		return time.Time{}, err
	}
	return s.keep(ctx, t, scope, deletedRow{DeletedResource: roster.DeletedResource{ID: u.ID, Type: roster.MemberUser, Name: u.UserName,
		ExternalID: u.ExternalID, DisplayName: u.DisplayName, Active: u.Active, Attributes: u.Attributes, MemberOf: memberOf,
		Version: u.Version, Created: u.Created}, email: u.Email})
}

// keepGroup records a group being deleted, before its memberships and
// grants go.
func (s *Store) keepGroup(ctx context.Context, t *tx, scope roster.DirectoryScope, g roster.Group) (time.Time, error) {
	memberOf, err := listColumn(ctx, t, `SELECT group_id FROM group_members WHERE member_id = ? ORDER BY group_id`, g.ID)
	if err != nil {
		return time.Time{}, err
	}
	members, err := listColumn(ctx, t, `SELECT member_id FROM group_members WHERE group_id = ? ORDER BY member_id`, g.ID)
	if err != nil {
		return time.Time{}, err
	}
	grants, err := listColumn(ctx, t, `SELECT product || ':' || role FROM grants WHERE org_id = ? AND group_id = ? ORDER BY product`, scope.OrgID, g.ID)
	if err != nil {
		return time.Time{}, err
	}
	return s.keep(ctx, t, scope, deletedRow{DeletedResource: roster.DeletedResource{ID: g.ID, Type: roster.MemberGroup, Name: g.DisplayName,
		ExternalID: g.ExternalID, DisplayName: g.DisplayName, Attributes: g.Attributes, MemberOf: memberOf, Members: members, Grants: grants,
		Version: g.Version, Created: g.Created}})
}

// keep writes r to deleted_resources under the directory's policy and
// returns until when it is restorable; with a retention of 0 it writes
// only the purge event and returns the zero time.
func (s *Store) keep(ctx context.Context, t *tx, scope roster.DirectoryScope, r deletedRow) (time.Time, error) {
	p, err := s.policy(ctx, t, scope)
	if err != nil {
		return time.Time{}, err
	}
	if p.Retention <= 0 {
		return time.Time{}, s.appendEvent(ctx, t, roster.Event{OrgID: scope.OrgID, DirectoryID: scope.DirectoryID, Action: purgedAction(r.Type),
			ResourceType: r.Type, ResourceID: r.ID, Detail: detail("name", r.Name, "explanation", "The directory's retention is 0: a deleted resource is purged at once.")})
	}
	now := s.clock()
	until := now.Add(p.Retention)
	// A restored resource deleted again replaces its older record.
	if _, err := t.exec(ctx, `DELETE FROM deleted_resources WHERE id = ?`, r.ID); err != nil {
		return time.Time{}, err
	}
	_, err = t.exec(ctx, `INSERT INTO deleted_resources (id, org_id, directory_id, resource_type, name, external_id, display_name, email, active,
		attributes, member_of, members, grants, version, created, deleted, purge_after, deleted_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, scope.OrgID, scope.DirectoryID, r.Type, r.Name, nullable(r.ExternalID), nullable(r.DisplayName), nullable(r.email), r.Active,
		string(r.Attributes), jsonList(r.MemberOf), jsonList(r.Members), jsonList(r.Grants), r.Version, micros(r.Created), micros(now), micros(until),
		roster.ActorFrom(ctx))
	return until, err
}

func purgedAction(typ string) string { return strings.ToLower(typ) + ".purged" }

const deletedColumns = `id, org_id, directory_id, resource_type, name, external_id, display_name, email, active,
	attributes, member_of, members, grants, version, created, deleted, purge_after, deleted_by`

func scanDeleted(sc rowScanner) (deletedRow, error) {
	var r deletedRow
	var externalID, displayName, email sql.NullString
	var attrs, memberOf, members, grants []byte
	var created, deleted, purge int64
	err := sc.Scan(&r.ID, &r.OrgID, &r.DirectoryID, &r.Type, &r.Name, &externalID, &displayName, &email, &r.Active,
		&attrs, &memberOf, &members, &grants, &r.Version, &created, &deleted, &purge, &r.DeletedBy)
	if err != nil {
		return r, err
	}
	r.ExternalID, r.DisplayName, r.email = externalID.String, displayName.String, email.String
	r.Attributes = attrs
	for _, l := range []struct {
		b   []byte
		dst *[]string
	}{{memberOf, &r.MemberOf}, {members, &r.Members}, {grants, &r.Grants}} {
		if err := json.Unmarshal(l.b, l.dst); err != nil {
			return r, err
		}
	}
	r.Created, r.Deleted, r.PurgeAfter = fromMicros(created), fromMicros(deleted), fromMicros(purge)
	return r, nil
}

func deletedWhere(scope roster.DirectoryScope, f roster.DeletedFilter, now time.Time) (string, []any) {
	where := `org_id = ? AND directory_id = ? AND purge_after > ?`
	args := []any{scope.OrgID, scope.DirectoryID, micros(now)}
	if f.Type != "" {
		where, args = where+` AND resource_type = ?`, append(args, f.Type)
	}
	if !f.Since.IsZero() {
		where, args = where+` AND deleted >= ?`, append(args, micros(f.Since))
	}
	return where, args
}

// ListDeletedResources implements roster.Store.
func (s *Store) ListDeletedResources(ctx context.Context, scope roster.DirectoryScope, f roster.DeletedFilter, limit int) ([]roster.DeletedResource, error) {
	where, args := deletedWhere(scope, f, s.clock())
	out := []roster.DeletedResource{}
	_, err := s.readRows(ctx, `SELECT `+deletedColumns+` FROM deleted_resources WHERE `+where+` ORDER BY deleted DESC, seq DESC LIMIT ?`,
		append(args, limit), func(sc rowScanner) (int64, error) {
			r, err := scanDeleted(sc)
			out = append(out, r.DeletedResource)
			return 0, err
		})
	return out, err
}

// CountDeletedResources implements roster.Store.
func (s *Store) CountDeletedResources(ctx context.Context, scope roster.DirectoryScope, f roster.DeletedFilter) (int, error) {
	where, args := deletedWhere(scope, f, s.clock())
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM deleted_resources WHERE `+where, args...).Scan(&n)
	return n, err
}

// RestoreDeletedResource implements roster.Store.
func (s *Store) RestoreDeletedResource(ctx context.Context, scope roster.DirectoryScope, id string) (*roster.DeletedResource, error) {
	var out roster.DeletedResource
	err := s.inTx(ctx, func(t *tx) error {
		// Exclusive: a restored group gives access back to everyone under it.
		if err := s.lockScope(ctx, t, scope, true); err != nil {
			return err
		}
		r, err := scanDeleted(t.queryRow(ctx, `SELECT `+deletedColumns+` FROM deleted_resources WHERE id = ? AND org_id = ? AND directory_id = ? AND purge_after > ?`+s.d.ForUpdate,
			id, scope.OrgID, scope.DirectoryID, micros(s.clock())))
		if err != nil {
			return notFound(err, "no deleted user or group %q in this directory that can still be restored", id)
		}
		if r.Type == roster.MemberUser {
			err = s.restoreUser(ctx, t, scope, r)
		} else {
			err = s.restoreGroup(ctx, t, scope, r)
		}
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM deleted_resources WHERE id = ?`, id); err != nil {
			return err
		}
		out = r.DeletedResource
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Store) restoreUser(ctx context.Context, t *tx, scope roster.DirectoryScope, r deletedRow) error {
	key, err := roster.NameKey(r.Name)
	if err != nil {
		return err
	}
	var other string
	err = t.queryRow(ctx, `SELECT id FROM users WHERE org_id = ? AND user_name_key = ?`, scope.OrgID, key).Scan(&other)
	if err == nil {
		return roster.E(roster.ReasonRestoreClash, "user %q cannot be restored: the userName is now used by user %s, which the identity provider created after the deletion; delete or rename that user first", r.Name, other)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	domain := roster.EmailDomain(r.email)
	gate, err := s.gate(ctx, t, scope.OrgID, scope.DirectoryID, domain)
	if err != nil {
		return err
	}
	if gate.linkedTo != "" {
		return gate.refuse(domain)
	}
	now := s.clock()
	_, err = t.exec(ctx, `INSERT INTO users (id, org_id, directory_id, user_name, user_name_fold, user_name_key, external_id, display_name, email, email_domain, active, attributes, version, created, modified)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, scope.OrgID, scope.DirectoryID, r.Name, fold(r.Name), key, nullable(r.ExternalID), nullable(r.DisplayName),
		nullable(r.email), nullable(domain), r.Active, string(r.Attributes), r.Version+1, micros(r.Created), micros(now))
	if s.d.IsUniqueViolation(err) {
		// Created concurrently, after the check above.
		return roster.E(roster.ReasonRestoreClash, "user %q cannot be restored: the identity provider has just created a user with that userName", r.Name)
	}
	if err != nil {
		return err
	}
	if err := s.indexValues(ctx, t, r.ID); err != nil {
		return err
	}
	if err := s.count(ctx, t, scope.DirectoryID, roster.MemberUser, 1); err != nil {
		return err
	}
	joined, err := s.rejoin(ctx, t, scope, r.ID, roster.MemberUser, r.MemberOf)
	if err != nil {
		return err
	}
	if err := s.syncUsers(ctx, t, scope.OrgID, roster.AccessCauseRestore, r.ID); err != nil {
		return err
	}
	u := roster.User{ID: r.ID, DirectoryID: scope.DirectoryID, UserName: r.Name, ExternalID: r.ExternalID, DisplayName: r.DisplayName, Email: r.email,
		Active: r.Active, Managed: gate.managed, Attributes: r.Attributes, Version: r.Version + 1, Created: r.Created, LastModified: now}
	return s.appendEvent(ctx, t, roster.Event{OrgID: scope.OrgID, DirectoryID: scope.DirectoryID, Action: roster.EventUserRestored,
		ResourceType: "User", ResourceID: r.ID, Detail: detail("userName", r.Name, "groups", joined, "deletedAt", r.Deleted.Format(time.RFC3339)),
		Data: roster.MarshalData(roster.NewUserData(&u))})
}

func (s *Store) restoreGroup(ctx context.Context, t *tx, scope roster.DirectoryScope, r deletedRow) error {
	var other string
	err := t.queryRow(ctx, `SELECT id FROM groups WHERE org_id = ? AND directory_id = ? AND display_name_fold = ? LIMIT 1`,
		scope.OrgID, scope.DirectoryID, fold(r.Name)).Scan(&other)
	if err == nil {
		return roster.E(roster.ReasonRestoreClash, "group %q cannot be restored: the identity provider has since created group %s with that name", r.Name, other)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	now := s.clock()
	if _, err := t.exec(ctx, `INSERT INTO groups (id, org_id, directory_id, display_name, display_name_fold, external_id, attributes, version, created, modified)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, scope.OrgID, scope.DirectoryID, r.Name, fold(r.Name), nullable(r.ExternalID), string(r.Attributes), r.Version+1, micros(r.Created), micros(now)); err != nil {
		return err
	}
	if err := s.count(ctx, t, scope.DirectoryID, roster.MemberGroup, 1); err != nil {
		return err
	}
	if err := s.markConflict(ctx, t, scope.OrgID, r.ID, r.Name); err != nil {
		return err
	}
	// Its members, those that still exist, locked as addMembers locks them.
	var added []memberRow
	list := jsonList(r.Members)
	for _, kind := range []string{roster.MemberUser, roster.MemberGroup} {
		table := "users"
		if kind == roster.MemberGroup {
			table = "groups"
		}
		rows, err := returning(ctx, t, `INSERT INTO group_members (group_id, member_id, member_type)
			SELECT CAST(? AS TEXT), x.id, '`+kind+`' FROM (SELECT id FROM `+table+` WHERE directory_id = ? AND id <> ? AND `+s.d.InJSON("id")+s.d.ForUpdate+`) AS x WHERE TRUE
			ON CONFLICT DO NOTHING RETURNING member_id, member_type`, r.ID, scope.DirectoryID, r.ID, list)
		if err != nil {
			return err
		}
		added = append(added, rows...)
	}
	if _, err := t.exec(ctx, `UPDATE groups SET member_count = ? WHERE id = ?`, len(added), r.ID); err != nil {
		return err
	}
	names := map[string]string{r.ID: r.Name}
	if err := s.touchUsers(ctx, t, scope, added, names); err != nil {
		return err
	}
	if err := s.appendMemberEvents(ctx, t, scope.OrgID, scope.DirectoryID, names,
		memberships(roster.EventMemberAdded, added, r.ID, false, "")); err != nil {
		return err
	}
	joined, err := s.rejoin(ctx, t, scope, r.ID, roster.MemberGroup, r.MemberOf)
	if err != nil {
		return err
	}
	// Its grants, of products that still exist.
	var granted []string
	for _, g := range r.Grants {
		product, role, _ := strings.Cut(g, ":")
		res, err := t.exec(ctx, `INSERT INTO grants (org_id, product, group_id, role, created)
			SELECT p.org_id, p.key, ?, ?, ? FROM products p WHERE p.org_id = ? AND p.key = ? ON CONFLICT DO NOTHING`,
			r.ID, role, micros(now), scope.OrgID, product)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			granted = append(granted, g)
		}
	}
	access := newAccessChange(scope.OrgID, roster.AccessCauseGroupRestore)
	if err := access.addUnderGroups(ctx, t, r.ID); err != nil {
		return err
	}
	if err := access.finish(ctx, t); err != nil {
		return err
	}
	g := roster.Group{ID: r.ID, ExternalID: r.ExternalID, DisplayName: r.Name, Attributes: r.Attributes, Version: r.Version + 1, Created: r.Created, LastModified: now}
	return s.appendEvent(ctx, t, roster.Event{OrgID: scope.OrgID, DirectoryID: scope.DirectoryID, Action: roster.EventGroupRestored, Data: roster.MarshalData(roster.NewGroupData(&g, scope.DirectoryID)),
		ResourceType: "Group", ResourceID: r.ID, Detail: detail("displayName", r.Name, "members", len(added), "groups", joined,
			"grants", head(granted, maxListedMembers), "deletedAt", r.Deleted.Format(time.RFC3339))})
}

// rejoin makes memberID a member again of those of groupIDs that still
// exist (of the directory, or local groups of the organization), and
// returns how many.
func (s *Store) rejoin(ctx context.Context, t *tx, scope roster.DirectoryScope, memberID, kind string, groupIDs []string) (int, error) {
	if len(groupIDs) == 0 {
		return 0, nil
	}
	rows, err := returning(ctx, t, `INSERT INTO group_members (group_id, member_id, member_type)
		SELECT x.id, CAST(? AS TEXT), '`+kind+`' FROM (SELECT id FROM groups WHERE org_id = ? AND (directory_id = ? OR directory_id IS NULL) AND id <> ? AND `+
		s.d.InJSON("id")+s.d.ForUpdate+`) AS x WHERE TRUE
		ON CONFLICT DO NOTHING RETURNING group_id, member_type`, memberID, scope.OrgID, scope.DirectoryID, memberID, jsonList(groupIDs))
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	_, err = t.exec(ctx, `UPDATE groups SET version = version + 1, modified = ?, member_count = member_count + 1 WHERE `+s.d.InJSON("id"),
		micros(s.clock()), jsonList(ids))
	if err != nil {
		return 0, err
	}
	return len(rows), s.appendMemberEvents(ctx, t, scope.OrgID, scope.DirectoryID, nil, memberships(roster.EventMemberAdded, rows, memberID, true, kind))
}

// PurgeDeletedResources implements roster.Store. Each batch is one
// transaction that deletes the rows it picked and appends their events;
// on PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED, so nodes
// purging at once take disjoint rows and none waits for another. SQLite
// has one writer: batches simply run one after the other.
func (s *Store) PurgeDeletedResources(ctx context.Context, now time.Time, limit int) (int, error) {
	lock := ""
	if s.d.ForUpdate != "" {
		lock = s.d.ForUpdate + " SKIP LOCKED"
	}
	var n int
	err := s.inTx(ctx, func(t *tx) error {
		n = 0
		rs, err := t.query(ctx, `DELETE FROM deleted_resources WHERE seq IN
			(SELECT seq FROM deleted_resources WHERE purge_after <= ? ORDER BY purge_after LIMIT ?`+lock+`)
			RETURNING id, org_id, directory_id, resource_type, name, deleted`, micros(now), limit)
		if err != nil {
			return err
		}
		purged, err := scanAll(rs, func(sc rowScanner) (roster.Event, error) {
			var e roster.Event
			var name string
			var deleted int64
			err := sc.Scan(&e.ResourceID, &e.OrgID, &e.DirectoryID, &e.ResourceType, &name, &deleted)
			e.Action = purgedAction(e.ResourceType)
			e.Detail = detail("name", name, "deletedAt", fromMicros(deleted).Format(time.RFC3339))
			return e, err
		})
		if err != nil {
			return err
		}
		for _, e := range purged {
			if err := s.appendEvent(ctx, t, e); err != nil {
				return err
			}
		}
		n = len(purged)
		return nil
	})
	return n, err
}

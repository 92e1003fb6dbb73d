package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"

	"github.com/rosterhq/roster"
)

// fold is the case-insensitive form of a string, kept in the *_fold
// columns. SQLite's own lower() folds ASCII only, so the sqlite package
// registers a fold() function that calls this one.
func fold(s string) string { return strings.ToLower(s) }

// Fold is exported for the dialect packages.
func Fold(s string) string { return fold(s) }

// managedExpr says whether the user row r is a managed account: its email
// is on one of its organization's verified domains.
const managedExpr = `EXISTS (SELECT 1 FROM domains d WHERE d.org_id = r.org_id AND d.name = r.email_domain AND d.status <> 'pending')`

// userColumns are a user's columns, with whether the account is managed.
const userColumns = `r.seq, r.id, r.directory_id, r.user_name, r.external_id, r.display_name, r.email,
	` + managedExpr + `,
	r.active, r.attributes, r.version, r.created, r.modified`

// scanUser reads the userColumns of a row, then any extra columns the
// query selected after them into extra.
func scanUser(sc rowScanner, extra ...any) (roster.User, int64, error) {
	var u roster.User
	var seq, created, modified int64
	var dirID, externalID, displayName, email sql.NullString
	var attrs []byte
	err := sc.Scan(append([]any{&seq, &u.ID, &dirID, &u.UserName, &externalID, &displayName, &email, &u.Managed, &u.Active, &attrs, &u.Version, &created, &modified}, extra...)...)
	u.DirectoryID, u.ExternalID, u.DisplayName, u.Email = dirID.String, externalID.String, displayName.String, email.String
	u.Attributes = attrs
	u.Created, u.LastModified = fromMicros(created), fromMicros(modified)
	return u, seq, err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// errUserNameTaken carries a userName clash out of the failed transaction:
// on Postgres nothing more can be asked inside it.
type errUserNameTaken struct{ userName string }

func (e errUserNameTaken) Error() string { return "userName taken: " + e.userName }

// CreateUser implements roster.Store.
func (s *Store) CreateUser(ctx context.Context, t roster.DirectoryScope, u *roster.User) error {
	key, err := roster.NameKey(u.UserName)
	if err != nil {
		return err
	}
	now := s.clock()
	u.ID, u.Version, u.Created, u.LastModified = newID(), 1, now, now
	err = s.inTx(ctx, func(tx *tx) error {
		if err := s.lockScope(ctx, tx, t, false); err != nil {
			return err
		}
		domain := roster.EmailDomain(u.Email)
		gate, err := s.gate(ctx, tx, t.OrgID, t.DirectoryID, domain)
		if err != nil {
			return err
		}
		if gate.linkedTo != "" {
			return gate.refuse(domain)
		}
		u.Managed, u.DirectoryID = gate.managed, t.DirectoryID
		_, err = tx.exec(ctx, `INSERT INTO users (id, org_id, directory_id, user_name, user_name_fold, user_name_key, external_id, display_name, email, email_domain, active, attributes, version, created, modified)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, t.OrgID, t.DirectoryID, u.UserName, fold(u.UserName), key, nullable(u.ExternalID), nullable(u.DisplayName),
			nullable(u.Email), nullable(roster.EmailDomain(u.Email)), u.Active,
			string(u.Attributes), u.Version, micros(now), micros(now))
		if s.d.IsUniqueViolation(err) {
			return errUserNameTaken{u.UserName}
		}
		if err != nil {
			return err
		}
		if err := s.indexValues(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := s.count(ctx, tx, t.DirectoryID, roster.MemberUser, 1); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, roster.Event{OrgID: t.OrgID, DirectoryID: t.DirectoryID, Action: roster.EventUserCreated,
			ResourceType: "User", ResourceID: u.ID, Detail: detail("userName", u.UserName, "active", u.Active, "managed", u.Managed),
			Data: roster.MarshalData(roster.NewUserData(u))}); err != nil {
			return err
		}
		if u.Managed {
			return s.joinDefaultGroups(ctx, tx, t.OrgID, u.ID)
		}
		return nil
	})
	return s.explainClash(ctx, t, err)
}

// explainClash turns errUserNameTaken into the 409 a client can act on:
// it says which user has the name, and in which directory.
func (s *Store) explainClash(ctx context.Context, t roster.DirectoryScope, err error) error {
	var taken errUserNameTaken
	if !errors.As(err, &taken) {
		return err
	}
	var id string
	var dirID, dirName sql.NullString
	qerr := s.readRow(ctx, `SELECT u.id, u.directory_id, d.name FROM users u LEFT JOIN directories d ON d.id = u.directory_id
		WHERE u.org_id = ? AND u.user_name_key = ?`, t.OrgID, roster.StoredNameKey(taken.userName)).Scan(&id, &dirID, &dirName)
	switch {
	case qerr != nil:
		// The clashing user was deleted in the meantime; a retry will work.
		return roster.E(roster.ReasonUserNameTaken, "userName %q is taken in this organization", taken.userName)
	case dirID.String == t.DirectoryID:
		return roster.E(roster.ReasonUserNameTaken, "userName %q is already used by user %s in this directory", taken.userName, id)
	case !dirID.Valid:
		return roster.E(roster.ReasonUserNameTaken,
			"userName %q is already used in this organization by a local user (one an admin unlinked from its directory); the admin can delete it or change its userName", taken.userName)
	}
	return roster.E(roster.ReasonUserNameTaken,
		"userName %q is already used in this organization by a user of directory %q (%s); a user is provisioned by one directory only", taken.userName, dirName.String, dirID.String)
}

// FindUser implements roster.Store.
func (s *Store) FindUser(ctx context.Context, orgID, idOrUserName string) (*roster.User, error) {
	var key any // NULL, which no key equals, for a name no user can have
	if k, err := roster.NameKey(idOrUserName); err == nil {
		key = k
	}
	u, _, err := scanUser(s.readRow(ctx, `SELECT `+userColumns+` FROM users r WHERE r.org_id = ? AND (r.id = ? OR r.user_name_key = ?)`,
		orgID, idOrUserName, key))
	if err != nil {
		return nil, notFound(err, "no user %q in the organization", idOrUserName)
	}
	return &u, nil
}

// GetUser implements roster.Store.
func (s *Store) GetUser(ctx context.Context, t roster.DirectoryScope, id string) (*roster.User, error) {
	u, _, err := scanUser(s.readRow(ctx, `SELECT `+userColumns+` FROM users r WHERE r.id = ? AND r.directory_id = ? AND r.org_id = ?`, id, t.DirectoryID, t.OrgID))
	if err != nil {
		return nil, notFound(err, "no user %q in this directory", id)
	}
	return &u, nil
}

// UpdateUser implements roster.Store.
func (s *Store) UpdateUser(ctx context.Context, t roster.DirectoryScope, id string, update func(*roster.User) error) (*roster.User, error) {
	var out roster.User
	err := s.inTx(ctx, func(tx *tx) error {
		u, seq, err := s.userForWrite(ctx, tx, t, id)
		if err != nil {
			return err
		}
		before := u
		if err := update(&u); err != nil {
			return err
		}
		u.ID, u.Created = before.ID, before.Created
		if sameJSON(u.Attributes, before.Attributes) {
			out = before // nothing changed: no new version, no event
			return nil
		}
		u.Version, u.LastModified = before.Version+1, s.clock()
		domain := roster.EmailDomain(u.Email)
		gate, err := s.gate(ctx, tx, t.OrgID, t.DirectoryID, domain)
		if err != nil {
			return err
		}
		if gate.linkedTo != "" && domain != roster.EmailDomain(before.Email) {
			return gate.refuse(domain)
		}
		u.Managed, u.DirectoryID = gate.managed, before.DirectoryID
		// The key is computed only for a new name: a user that kept a
		// NULL key in migration 0008 (its name collides with an older
		// one's) keeps working until it is renamed.
		var key any
		if u.UserName != before.UserName {
			if key, err = roster.NameKey(u.UserName); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, `UPDATE users SET user_name = ?, user_name_fold = ?, user_name_key = CASE WHEN ? THEN ? ELSE user_name_key END,
			external_id = ?, display_name = ?, email = ?, email_domain = ?,
			active = ?, attributes = ?, version = ?, modified = ? WHERE seq = ?`,
			u.UserName, fold(u.UserName), key != nil, key, nullable(u.ExternalID), nullable(u.DisplayName), nullable(u.Email), nullable(roster.EmailDomain(u.Email)),
			u.Active, string(u.Attributes), u.Version, micros(u.LastModified), seq)
		if s.d.IsUniqueViolation(err) {
			return errUserNameTaken{u.UserName}
		}
		if err != nil {
			return err
		}
		if err := s.reindexValues(ctx, tx, seq, before.Attributes, u.Attributes); err != nil {
			return err
		}
		out = u
		now := roster.NewUserData(&u)
		if err := s.appendEvent(ctx, tx, roster.Event{OrgID: t.OrgID, DirectoryID: t.DirectoryID, Action: userAction(before, u),
			ResourceType: "User", ResourceID: u.ID, Detail: detail("changed", changedKeys(before.Attributes, u.Attributes)),
			Data: roster.MarshalData(roster.ChangeData[roster.UserData]{Resource: now, Previous: roster.Previous(roster.NewUserData(&before), now)})}); err != nil {
			return err
		}
		if before.Active != u.Active {
			cause := roster.AccessCauseDeactivation
			if u.Active {
				cause = roster.AccessCauseReactivation
			}
			if err := s.syncUsers(ctx, tx, t.OrgID, cause, u.ID); err != nil {
				return err
			}
		}
		if e, ok := managedChange(t, before, u); ok {
			e.Data = roster.MarshalData(now)
			if err := s.appendEvent(ctx, tx, e); err != nil {
				return err
			}
			if u.Managed {
				return s.joinDefaultGroups(ctx, tx, t.OrgID, u.ID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.explainClash(ctx, t, err)
	}
	return &out, nil
}

// managedChange is the event of an account leaving or joining the
// organization's managed accounts because its address changed: never a
// silent loss the admin cannot trace.
func managedChange(t roster.DirectoryScope, before, after roster.User) (roster.Event, bool) {
	if before.Managed == after.Managed {
		return roster.Event{}, false
	}
	e := roster.Event{OrgID: t.OrgID, DirectoryID: t.DirectoryID, ResourceType: "User", ResourceID: after.ID}
	if after.Managed {
		e.Action = "user.became_managed"
		e.Detail = detail("from", before.Email, "to", after.Email,
			"explanation", "The account's address moved to "+roster.EmailDomain(after.Email)+", a verified domain: the organization now manages it.")
		return e, true
	}
	e.Action = "user.left_managed_domains"
	to := roster.EmailDomain(after.Email)
	if to == "" {
		to = "no address"
	}
	e.Detail = detail("from", before.Email, "to", after.Email,
		"explanation", "The identity provider changed the account's address from "+before.Email+" to "+after.Email+
			"; "+to+" is not a verified domain of the organization, so the account is now external. Verify the domain, or correct the address in the identity provider.")
	return e, true
}

func userAction(before, after roster.User) string {
	switch {
	case before.Active && !after.Active:
		return roster.EventUserDeactivated
	case !before.Active && after.Active:
		return roster.EventUserReactivated
	}
	return roster.EventUserUpdated
}

// sameJSON reports whether two JSON documents are equal as values. The
// bytes may differ when the database reformats what it stores (Postgres's
// jsonb does).
func sameJSON(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// changedKeys lists the top-level attributes that differ between two
// documents, for the audit trail.
func changedKeys(before, after []byte) []string {
	var a, b map[string]json.RawMessage
	json.Unmarshal(before, &a)
	json.Unmarshal(after, &b)
	var keys []string
	for k, v := range b {
		if !sameJSON(a[k], v) && k != "schemas" {
			keys = append(keys, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok && k != "schemas" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// userForWrite reads, and locks, a user that the transaction will change
// or delete, after the locks every such write takes first and in this
// order (see checkDirectory and lockAccess): the directory's row, shared,
// then the organization's for a change of one user's access.
func (s *Store) userForWrite(ctx context.Context, tx *tx, t roster.DirectoryScope, id string) (roster.User, int64, error) {
	if err := s.lockScope(ctx, tx, t, false); err != nil {
		return roster.User{}, 0, err
	}
	u, seq, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM users r WHERE r.id = ? AND r.directory_id = ? AND r.org_id = ?`+s.d.ForUpdate,
		id, t.DirectoryID, t.OrgID))
	if err != nil {
		return roster.User{}, 0, notFound(err, "no user %q in this directory", id)
	}
	return u, seq, nil
}

// DeleteUser implements roster.Store.
func (s *Store) DeleteUser(ctx context.Context, t roster.DirectoryScope, id string, ifVersion int64) error {
	return s.inTx(ctx, func(tx *tx) error {
		u, seq, err := s.userForWrite(ctx, tx, t, id)
		if err != nil {
			return err
		}
		if ifVersion > 0 && u.Version != ifVersion {
			return roster.E(roster.ReasonVersionMismatch, "user %s is at version %d, not %d; read it again", id, u.Version, ifVersion)
		}
		until, err := s.keepUser(ctx, tx, t, u) // restorable until then (see deleted.go)
		if err != nil {
			return err
		}
		if err := s.leaveAllGroups(ctx, tx, t, roster.MemberUser, id); err != nil {
			return err
		}
		// Before the row goes: the revocations' payloads read it.
		if err := s.syncUsers(ctx, tx, t.OrgID, roster.AccessCauseDeletion, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM users WHERE seq = ?`, seq); err != nil {
			return err
		}
		if err := s.count(ctx, tx, t.DirectoryID, roster.MemberUser, -1); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, roster.Event{OrgID: t.OrgID, DirectoryID: t.DirectoryID, Action: roster.EventUserDeleted,
			ResourceType: "User", ResourceID: id, Detail: detail("userName", u.UserName, "restorableUntil", timeOrNever(until)),
			Data: roster.MarshalData(roster.NewUserData(&u))})
	})
}

// leaveAllGroups removes a user or group (of kind memberType) from every
// group it is a member of, giving those groups a new version, with a
// group.member_removed event for each. It runs before the member's own row
// goes, whose name the events carry.
func (s *Store) leaveAllGroups(ctx context.Context, tx *tx, t roster.DirectoryScope, memberType, memberID string) error {
	_, err := tx.exec(ctx, `UPDATE groups SET version = version + 1, modified = ?, member_count = member_count - 1
		WHERE id IN (SELECT group_id FROM group_members WHERE member_id = ?)`, micros(s.clock()), memberID)
	if err != nil {
		return err
	}
	rows, err := returning(ctx, tx, `DELETE FROM group_members WHERE member_id = ? RETURNING group_id, member_type`, memberID)
	if err != nil {
		return err
	}
	return s.appendMemberEvents(ctx, tx, t.OrgID, t.DirectoryID, nil, memberships(roster.EventMemberRemoved, rows, memberID, true, memberType))
}

// ListUserGroups implements roster.Store. Direct memberships come from one
// indexed query. Only when one of those groups is itself a member of a
// group does a recursive query follow the nesting (UNION, not UNION ALL,
// makes it stop on cycles): most directories have no nested groups, and
// every lookup of a user pays for this.
func (s *Store) ListUserGroups(ctx context.Context, t roster.DirectoryScope, userIDs []string) (map[string][]roster.GroupRef, error) {
	out := map[string][]roster.GroupRef{}
	if len(userIDs) == 0 {
		return out, nil
	}
	ids, _ := json.Marshal(userIDs)
	nested := false
	// CROSS JOIN keeps SQLite's planner from starting at the directory's
	// groups; Postgres treats it as the inner join it is. The EXISTS says
	// whether a group is itself a member somewhere.
	_, err := s.readRows(ctx, `SELECT m.member_id, g.id, g.display_name,
			CASE WHEN EXISTS (SELECT 1 FROM group_members p WHERE p.member_id = g.id) THEN 1 ELSE 0 END
		FROM group_members m CROSS JOIN groups g
		WHERE g.id = m.group_id AND `+s.d.InJSON("m.member_id")+` AND g.directory_id = ? AND g.org_id = ?
		ORDER BY m.member_id, g.display_name, g.id`,
		[]any{string(ids), t.DirectoryID, t.OrgID}, func(sc rowScanner) (int64, error) {
			var userID string
			var inGroup int
			g := roster.GroupRef{Direct: true}
			err := sc.Scan(&userID, &g.ID, &g.Display, &inGroup)
			out[userID] = append(out[userID], g)
			nested = nested || inGroup == 1
			return 0, err
		})
	if err != nil || !nested {
		return out, err
	}
	return s.nestedUserGroups(ctx, t, string(ids))
}

// ListUsersWithGroups implements roster.Store. Each user's direct groups
// come as a JSON array in a column of the page's statement (directGroups);
// when one of them is itself a member of a group, the page's groups are
// read again by nestedUserGroups, as ListUserGroups does.
func (s *Store) ListUsersWithGroups(ctx context.Context, t roster.DirectoryScope, q roster.Query) (*roster.Page[roster.User], map[string][]roster.GroupRef, error) {
	groups := map[string][]roster.GroupRef{}
	nested := false
	page, err := listPage(ctx, s, "users", userColumns+", "+directGroupsColumn(s.d), userScope, t, q, func(sc rowScanner) (roster.User, int64, error) {
		var refs []byte
		u, seq, err := scanUser(sc, &refs)
		if err != nil || len(refs) == 0 {
			return u, seq, err // NULL: no group (PostgreSQL's aggregate of no rows)
		}
		var gs []struct {
			ID      string `json:"id"`
			Display string `json:"display"`
			Nested  bool   `json:"nested"`
		}
		if err := json.Unmarshal(refs, &gs); err != nil {
			return u, seq, err
		}
		for _, g := range gs {
			groups[u.ID] = append(groups[u.ID], roster.GroupRef{ID: g.ID, Display: g.Display, Direct: true})
			nested = nested || g.Nested
		}
		return u, seq, nil
	})
	if err != nil || !nested {
		return page, groups, err
	}
	ids := make([]string, len(page.Items))
	for i, u := range page.Items {
		ids[i] = u.ID
	}
	b, _ := json.Marshal(ids)
	groups, err = s.nestedUserGroups(ctx, t, string(b))
	return page, groups, err
}

// directGroupsColumn is the column ListUsersWithGroups adds to a user
// page: the user's direct groups of its directory, ordered as
// ListUserGroups orders them, and whether each is itself a member
// somewhere. Correlated on r, so it needs no arguments of its own.
func directGroupsColumn(d Dialect) string {
	return `(SELECT ` + d.JSONArrayAgg(d.JSONObject("id", "g.id", "display", "g.display_name",
		"nested", d.JSONBool("EXISTS (SELECT 1 FROM group_members p WHERE p.member_id = g.id)")), "g.display_name, g.id") + `
		FROM group_members m CROSS JOIN groups g
		WHERE m.member_id = r.id AND g.id = m.group_id AND g.directory_id = r.directory_id AND g.org_id = r.org_id)`
}

// nestedUserGroups follows nested groups with a recursive query.
func (s *Store) nestedUserGroups(ctx context.Context, t roster.DirectoryScope, ids string) (map[string][]roster.GroupRef, error) {
	out := map[string][]roster.GroupRef{}
	_, err := s.readRows(ctx, `WITH RECURSIVE ms(member_id, group_id, direct) AS (
			SELECT m.member_id, m.group_id, 1 FROM group_members m WHERE `+s.d.InJSON("m.member_id")+`
			UNION
			SELECT ms.member_id, m.group_id, 0 FROM ms JOIN group_members m ON m.member_id = ms.group_id
		)
		SELECT ms.member_id, g.id, g.display_name, MAX(ms.direct) FROM ms CROSS JOIN groups g
		WHERE g.id = ms.group_id AND g.directory_id = ? AND g.org_id = ?
		GROUP BY ms.member_id, g.id, g.display_name ORDER BY ms.member_id, g.display_name, g.id`,
		[]any{ids, t.DirectoryID, t.OrgID}, func(sc rowScanner) (int64, error) {
			var userID string
			var g roster.GroupRef
			var direct int
			err := sc.Scan(&userID, &g.ID, &g.Display, &direct)
			g.Direct = direct == 1
			out[userID] = append(out[userID], g)
			return 0, err
		})
	return out, err
}

package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/rosterhq/roster"
)

// CreateProduct implements roster.Store.
func (s *Store) CreateProduct(ctx context.Context, p *roster.Product) error {
	p.Created = s.clock()
	return s.inTx(ctx, func(t *tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE id = ?`, p.OrgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return roster.NotFoundf("no organization %q", p.OrgID)
		}
		_, err := t.exec(ctx, `INSERT INTO products (org_id, key, name, created) VALUES (?, ?, ?, ?)`, p.OrgID, p.Key, p.Name, micros(p.Created))
		if s.d.IsUniqueViolation(err) {
			return roster.E(roster.ReasonNameTaken, "the organization has a product %q already", p.Key)
		}
		if err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: p.OrgID, Action: "product.created", ResourceType: "Product", ResourceID: p.Key, Detail: detail("name", p.Name)})
	})
}

// GetProduct implements roster.Store.
func (s *Store) GetProduct(ctx context.Context, orgID, key string) (*roster.Product, error) {
	p := roster.Product{OrgID: orgID}
	var created int64
	err := s.readRow(ctx, `SELECT key, name, created FROM products WHERE org_id = ? AND key = ?`, orgID, key).Scan(&p.Key, &p.Name, &created)
	if err != nil {
		return nil, notFound(err, "the organization has no product %q", key)
	}
	p.Created = fromMicros(created)
	return &p, nil
}

// ListProducts implements roster.Store.
func (s *Store) ListProducts(ctx context.Context, orgID string) ([]roster.Product, error) {
	var out []roster.Product
	_, err := s.readRows(ctx, `SELECT key, name, created FROM products WHERE org_id = ? ORDER BY key`, []any{orgID}, func(sc rowScanner) (int64, error) {
		p := roster.Product{OrgID: orgID}
		var created int64
		err := sc.Scan(&p.Key, &p.Name, &created)
		p.Created = fromMicros(created)
		out = append(out, p)
		return 0, err
	})
	return out, err
}

// checkProductGroup checks, inside t, that the product and the group both
// belong to the organization, and returns the group's directory ("" for a
// local group).
func (s *Store) checkProductGroup(ctx context.Context, t *tx, orgID, product, groupID string) (string, error) {
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM products WHERE org_id = ? AND key = ?`, orgID, product).Scan(&n); err != nil {
		return "", err
	}
	if n == 0 {
		return "", roster.NotFoundf("the organization has no product %q", product)
	}
	var dir sql.NullString
	if err := t.queryRow(ctx, `SELECT directory_id FROM groups WHERE org_id = ? AND id = ?`, orgID, groupID).Scan(&dir); err != nil {
		return "", notFound(err, "the organization has no group %q", groupID)
	}
	return dir.String, nil
}

// GrantAccess implements roster.Store.
func (s *Store) GrantAccess(ctx context.Context, g *roster.Grant) error {
	if g.Role != roster.RoleUser && g.Role != roster.RoleAdmin {
		return roster.Errorf(roster.EInvalid, "", "role must be %s or %s, not %q", roster.RoleUser, roster.RoleAdmin, g.Role)
	}
	g.Created = s.clock()
	return s.inTx(ctx, func(t *tx) error {
		if err := s.lockAccess(ctx, t, g.OrgID, true); err != nil {
			return err
		}
		if _, err := s.checkProductGroup(ctx, t, g.OrgID, g.Product, g.GroupID); err != nil {
			return err
		}
		_, err := t.exec(ctx, `INSERT INTO grants (org_id, product, group_id, role, created) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (org_id, product, group_id) DO UPDATE SET role = excluded.role`,
			g.OrgID, g.Product, g.GroupID, g.Role, micros(g.Created))
		if err != nil {
			return err
		}
		if err := s.appendEvent(ctx, t, roster.Event{OrgID: g.OrgID, Action: "product.granted", ResourceType: "Product", ResourceID: g.Product,
			Detail: detail("group", g.GroupID, "role", g.Role)}); err != nil {
			return err
		}
		return s.syncGrant(ctx, t, g.OrgID, g.Product, g.GroupID)
	})
}

// syncGrant is the change of access of the users under a group whose
// grant of product was given, changed or revoked.
func (s *Store) syncGrant(ctx context.Context, t *tx, orgID, product, groupID string) error {
	a := newAccessChange(orgID, roster.AccessCauseGrant)
	a.product = product
	if err := a.addUnderGroups(ctx, t, groupID); err != nil {
		return err
	}
	return a.finish(ctx, t)
}

// RevokeAccess implements roster.Store.
func (s *Store) RevokeAccess(ctx context.Context, p roster.ProductScope, groupID string) error {
	orgID, product := p.OrgID, p.Product
	return s.inTx(ctx, func(t *tx) error {
		if err := s.lockAccess(ctx, t, orgID, true); err != nil {
			return err
		}
		res, err := t.exec(ctx, `DELETE FROM grants WHERE org_id = ? AND product = ? AND group_id = ?`, orgID, product, groupID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return roster.NotFoundf("group %q has no access to product %q", groupID, product)
		}
		if err := s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "product.revoked", ResourceType: "Product", ResourceID: product,
			Detail: detail("group", groupID)}); err != nil {
			return err
		}
		return s.syncGrant(ctx, t, orgID, product, groupID)
	})
}

// ListGrants implements roster.Store.
func (s *Store) ListGrants(ctx context.Context, orgID, product string) ([]roster.Grant, error) {
	if _, err := s.GetProduct(ctx, orgID, product); err != nil {
		return nil, err
	}
	var out []roster.Grant
	_, err := s.readRows(ctx, `SELECT gr.group_id, g.display_name, gr.role, gr.created FROM grants gr JOIN groups g ON g.id = gr.group_id AND g.org_id = gr.org_id
		WHERE gr.org_id = ? AND gr.product = ? ORDER BY g.display_name, gr.group_id`, []any{orgID, product}, func(sc rowScanner) (int64, error) {
		g := roster.Grant{OrgID: orgID, Product: product}
		var created int64
		err := sc.Scan(&g.GroupID, &g.GroupName, &g.Role, &created)
		g.Created = fromMicros(created)
		out = append(out, g)
		return 0, err
	})
	return out, err
}

// SetDefaultGroup implements roster.Store. Default groups are local: the
// members of a directory's group are its identity provider's to decide,
// and it would take away members Roster added.
func (s *Store) SetDefaultGroup(ctx context.Context, p roster.ProductScope, groupID string, on bool) error {
	orgID, product := p.OrgID, p.Product
	return s.inTx(ctx, func(t *tx) error {
		dir, err := s.checkProductGroup(ctx, t, orgID, product, groupID)
		if err != nil {
			return err
		}
		if !on {
			_, err = t.exec(ctx, `DELETE FROM default_groups WHERE org_id = ? AND product = ? AND group_id = ?`, orgID, product, groupID)
		} else if dir != "" {
			return roster.Errorf(roster.EInvalid, "", "group %q is provisioned by a directory, whose identity provider decides its members; make a local group the default (roster group create)", groupID)
		} else {
			_, err = t.exec(ctx, `INSERT INTO default_groups (org_id, product, group_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, orgID, product, groupID)
		}
		if err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "product.default_group", ResourceType: "Product", ResourceID: product,
			Detail: detail("group", groupID, "default", on)})
	})
}

// ListDefaultGroups implements roster.Store.
func (s *Store) ListDefaultGroups(ctx context.Context, orgID, product string) ([]roster.Group, error) {
	var out []roster.Group
	_, err := s.readRows(ctx, `SELECT `+groupColumns+` FROM default_groups dg JOIN groups r ON r.id = dg.group_id AND r.org_id = dg.org_id
		WHERE dg.org_id = ? AND dg.product = ? ORDER BY r.display_name`, []any{orgID, product}, func(sc rowScanner) (int64, error) {
		g, seq, err := scanGroup(sc)
		out = append(out, g)
		return seq, err
	})
	return out, err
}

// joinDefaultGroups adds a new managed account to the default groups of
// every product of its organization, inside the transaction that made it.
func (s *Store) joinDefaultGroups(ctx context.Context, t *tx, orgID, userID string) error {
	rows, err := returning(ctx, t, `INSERT INTO group_members (group_id, member_id, member_type)
		SELECT DISTINCT dg.group_id, CAST(? AS TEXT), 'User' FROM default_groups dg WHERE dg.org_id = ?
		ON CONFLICT DO NOTHING RETURNING group_id, member_type`, userID, orgID)
	if err != nil || len(rows) == 0 {
		return err
	}
	groups := make([]string, len(rows))
	for i, r := range rows {
		groups[i] = r.id
	}
	list, _ := json.Marshal(groups)
	if _, err := t.exec(ctx, `UPDATE groups SET version = version + 1, modified = ?, member_count = member_count + 1 WHERE org_id = ? AND `+s.d.InJSON("id"),
		micros(s.clock()), orgID, string(list)); err != nil {
		return err
	}
	if err := s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "user.joined_default_groups", ResourceType: "User", ResourceID: userID,
		Detail: detail("groups", groups)}); err != nil {
		return err
	}
	return s.syncUsers(ctx, t, orgID, roster.AccessCauseMembership, userID)
}

// CheckAccess implements roster.Store, with the paths of accessRule: the
// granted groups the user is in, at any depth.
func (s *Store) CheckAccess(ctx context.Context, p roster.ProductScope, userRef string) (*roster.AccessDecision, error) {
	orgID, product := p.OrgID, p.Product
	if _, err := s.GetProduct(ctx, orgID, product); err != nil {
		return nil, err
	}
	u, err := s.FindUser(ctx, orgID, userRef)
	if roster.ErrorCodeOf(err) == roster.ENotFound {
		return &roster.AccessDecision{Reason: fmt.Sprintf("no user %q in the organization", userRef)}, nil
	}
	if err != nil {
		return nil, err
	}
	a := &roster.AccessDecision{}
	_, err = s.readRows(ctx, accessRule("gr.product = ?", "m.member_id = ?")+`
		SELECT g.id, g.display_name, p.role FROM paths p JOIN groups g ON g.id = p.via
		ORDER BY g.display_name, g.id`, []any{orgID, product, orgID, u.ID}, func(sc rowScanner) (int64, error) {
		var ref roster.GroupRef
		var role string
		err := sc.Scan(&ref.ID, &ref.Display, &role)
		a.Via = append(a.Via, ref)
		if role == roster.RoleAdmin || a.Role == "" {
			a.Role = role
		}
		return 0, err
	})
	if err != nil {
		return nil, err
	}
	switch {
	case !u.Active:
		a.Role, a.Reason = "", "the user is deactivated"
	case len(a.Via) == 0:
		a.Reason = "none of the user's groups has access to the product"
	default:
		a.Allowed = true
	}
	return a, nil
}

// GetProductCounts implements roster.Store: the active users reached by the
// product's grants through any depth of nested groups, each counted once,
// as access_state holds them.
func (s *Store) GetProductCounts(ctx context.Context, orgID, product string) (*roster.ProductCounts, error) {
	if _, err := s.GetProduct(ctx, orgID, product); err != nil {
		return nil, err
	}
	var c roster.ProductCounts
	err := s.readRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN `+managedExpr+` THEN 1 ELSE 0 END), 0)`+productUsersFrom,
		orgID, product).Scan(&c.Users, &c.Managed)
	c.External = c.Users - c.Managed
	return &c, err
}

// productUsersFrom is the users (aliased r) with access to a product, from
// access_state (x); its parameters are the organization and the product.
const productUsersFrom = ` FROM access_state x JOIN users r ON r.id = x.user_id WHERE x.org_id = ? AND x.product = ?`

// ListProductUsers implements roster.Store.
func (s *Store) ListProductUsers(ctx context.Context, orgID, product string, offset, limit int) (*roster.Page[roster.ProductUser], error) {
	if _, err := s.GetProduct(ctx, orgID, product); err != nil {
		return nil, err
	}
	page := &roster.Page[roster.ProductUser]{}
	if err := s.readRow(ctx, `SELECT COUNT(*)`+productUsersFrom, orgID, product).Scan(&page.Total); err != nil {
		return nil, err
	}
	_, err := s.readRows(ctx, `SELECT `+userColumns+`, x.role`+productUsersFrom+` ORDER BY r.user_name_fold, r.seq LIMIT ? OFFSET ?`,
		[]any{orgID, product, limit, offset}, func(sc rowScanner) (int64, error) {
			var role string
			u, seq, err := scanUser(sc, &role)
			page.Items = append(page.Items, roster.ProductUser{User: u, Role: role})
			return seq, err
		})
	return page, err
}

// CreateLocalGroup implements roster.Store.
func (s *Store) CreateLocalGroup(ctx context.Context, orgID string, g *roster.Group) error {
	now := s.clock()
	g.ID, g.Version, g.Created, g.LastModified = newID(), 1, now, now
	return s.inTx(ctx, func(t *tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE id = ?`, orgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return roster.NotFoundf("no organization %q", orgID)
		}
		if _, err := t.exec(ctx, `INSERT INTO groups (id, org_id, directory_id, display_name, display_name_fold, external_id, attributes, version, created, modified)
			VALUES (?, ?, NULL, ?, ?, NULL, ?, 1, ?, ?)`, g.ID, orgID, g.DisplayName, fold(g.DisplayName), string(g.Attributes), micros(now), micros(now)); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "group.created", ResourceType: "Group", ResourceID: g.ID,
			Detail: detail("displayName", g.DisplayName, "local", true)})
	})
}

// AddLocalMembers implements roster.Store.
func (s *Store) AddLocalMembers(ctx context.Context, orgID, groupID string, userIDs []string) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := s.lockLocalGroup(ctx, t, orgID, groupID); err != nil {
			return err
		}
		if err := s.lockAccess(ctx, t, orgID, false); err != nil {
			return err
		}
		ids := dedupe(userIDs)
		list, _ := json.Marshal(ids)
		rows, err := returning(ctx, t, `INSERT INTO group_members (group_id, member_id, member_type)
			SELECT CAST(? AS TEXT), id, 'User' FROM users WHERE org_id = ? AND `+s.d.InJSON("id")+` ON CONFLICT DO NOTHING RETURNING member_id, member_type`,
			groupID, orgID, string(list))
		if err != nil {
			return err
		}
		if rest := without(ids, rows); len(rest) > 0 {
			list, _ := json.Marshal(rest)
			present, err := returning(ctx, t, `SELECT member_id, member_type FROM group_members WHERE group_id = ? AND `+s.d.InJSON("member_id"), groupID, string(list))
			if err != nil {
				return err
			}
			if missing := without(rest, present); len(missing) > 0 {
				return roster.Errorf(roster.EInvalid, "", "%d of the users are not users of the organization (%s)", len(missing), missing[0])
			}
		}
		if len(rows) == 0 {
			return nil
		}
		if _, err := t.exec(ctx, `UPDATE groups SET version = version + 1, modified = ?, member_count = member_count + ? WHERE id = ?`,
			micros(s.clock()), len(rows), groupID); err != nil {
			return err
		}
		ch := memberChange{}
		for _, r := range rows {
			ch.added = append(ch.added, r.id)
		}
		if err := s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "group.members_changed", ResourceType: "Group", ResourceID: groupID, Detail: ch.detail(nil)}); err != nil {
			return err
		}
		return s.syncMembers(ctx, t, orgID, groupID, rows)
	})
}

// RemoveLocalMembers implements roster.Store.
func (s *Store) RemoveLocalMembers(ctx context.Context, orgID, groupID string, memberIDs []string) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := s.lockLocalGroup(ctx, t, orgID, groupID); err != nil {
			return err
		}
		if err := s.lockAccess(ctx, t, orgID, false); err != nil {
			return err
		}
		list, _ := json.Marshal(dedupe(memberIDs))
		rows, err := returning(ctx, t, `DELETE FROM group_members WHERE group_id = ? AND `+s.d.InJSON("member_id")+` RETURNING member_id, member_type`,
			groupID, string(list))
		if err != nil || len(rows) == 0 {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE groups SET version = version + 1, modified = ?, member_count = member_count - ? WHERE id = ?`,
			micros(s.clock()), len(rows), groupID); err != nil {
			return err
		}
		ch := memberChange{}
		for _, r := range rows {
			ch.removed = append(ch.removed, r.id)
		}
		if err := s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "group.members_changed", ResourceType: "Group", ResourceID: groupID, Detail: ch.detail(nil)}); err != nil {
			return err
		}
		return s.syncMembers(ctx, t, orgID, groupID, rows)
	})
}

// lockLocalGroup locks a local group of the organization for a change of
// its members; a synced group's members are its identity provider's.
func (s *Store) lockLocalGroup(ctx context.Context, t *tx, orgID, groupID string) error {
	var dir sql.NullString
	if err := t.queryRow(ctx, `SELECT directory_id FROM groups WHERE org_id = ? AND id = ?`+s.d.ForUpdate, orgID, groupID).Scan(&dir); err != nil {
		return notFound(err, "the organization has no group %q", groupID)
	}
	if dir.Valid {
		return roster.Errorf(roster.EInvalid, "", "group %q is provisioned by directory %s; its identity provider decides its members", groupID, dir.String)
	}
	return nil
}

// GetOrgGroup implements roster.Store.
func (s *Store) GetOrgGroup(ctx context.Context, orgID, groupID string) (*roster.OrgGroup, error) {
	g, err := scanOrgGroup(s.readRow(ctx, `SELECT `+orgGroupColumns+` FROM groups r WHERE r.org_id = ? AND r.id = ?`, orgID, groupID))
	if err != nil {
		return nil, notFound(err, "the organization has no group %q", groupID)
	}
	return &g, nil
}

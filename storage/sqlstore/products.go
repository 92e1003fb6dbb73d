package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

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
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM products WHERE org_id = ? AND key = ?`, p.OrgID, p.Key).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return roster.E(roster.ReasonNameTaken, "the organization has a product %q already", p.Key)
		}
		key, err := s.checkName(ctx, t, productNames, p.OrgID, p.Key, p.Name)
		if err != nil {
			return err
		}
		_, err = t.exec(ctx, `INSERT INTO products (org_id, key, name, name_key, created) VALUES (?, ?, ?, ?, ?)`, p.OrgID, p.Key, p.Name, key, micros(p.Created))
		if s.d.IsUniqueViolation(err) {
			return roster.E(roster.ReasonNameTaken, "the organization has a product %q or one called %s already", p.Key, p.Name)
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

// UpdateProduct implements roster.Store.
func (s *Store) UpdateProduct(ctx context.Context, ps roster.ProductScope, update func(*roster.Product) error) (*roster.Product, error) {
	var out *roster.Product
	err := s.inTx(ctx, func(t *tx) error {
		p := roster.Product{OrgID: ps.OrgID}
		var created int64
		if err := t.queryRow(ctx, `SELECT key, name, created FROM products WHERE org_id = ? AND key = ?`+s.d.ForUpdate, ps.OrgID, ps.Product).
			Scan(&p.Key, &p.Name, &created); err != nil {
			return notFound(err, "the organization has no product %q", ps.Product)
		}
		p.Created = fromMicros(created)
		was := p
		if err := update(&p); err != nil {
			return err
		}
		if p.Key != was.Key || p.OrgID != was.OrgID {
			return roster.Invalidf("", "a product's key cannot change: applications ask by it")
		}
		out = &p
		if p.Name == was.Name {
			return nil
		}
		key, err := s.checkName(ctx, t, productNames, p.OrgID, p.Key, p.Name)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE products SET name = ?, name_key = ? WHERE org_id = ? AND key = ?`, p.Name, key, p.OrgID, p.Key); err != nil {
			return s.nameTaken(err, productNames, p.Name)
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: p.OrgID, Action: "product.renamed", ResourceType: "Product", ResourceID: p.Key,
			Detail: detail("from", was.Name, "to", p.Name)})
	})
	return out, err
}

// DeleteProduct implements roster.Store.
func (s *Store) DeleteProduct(ctx context.Context, ps roster.ProductScope) error {
	return s.inTx(ctx, func(t *tx) error {
		var name string
		if err := t.queryRow(ctx, `SELECT name FROM products WHERE org_id = ? AND key = ?`+s.d.ForUpdate, ps.OrgID, ps.Product).Scan(&name); err != nil {
			return notFound(err, "the organization has no product %q", ps.Product)
		}
		if err := s.lockAccess(ctx, t, ps.OrgID, true); err != nil {
			return err
		}
		// Everyone who has the product loses it: the scope is its
		// access_state, diffed once the grants are gone and while the
		// product's row still names it in the events.
		access := newAccessChange(ps.OrgID, roster.AccessCauseProductDeletion)
		access.product = ps.Product
		if err := access.insert(ctx, t, `INSERT INTO access_scope (change_id, user_id)
			SELECT CAST(? AS TEXT), user_id FROM access_state WHERE org_id = ? AND product = ? ON CONFLICT DO NOTHING`, access.id, ps.OrgID, ps.Product); err != nil {
			return err
		}
		var grants, defaults int64
		for _, q := range []struct {
			sql  string
			n    *int64
			then func() error
		}{
			{`DELETE FROM grants WHERE org_id = ? AND product = ?`, &grants, nil},
			{`DELETE FROM default_groups WHERE org_id = ? AND product = ?`, &defaults, func() error { return access.finish(ctx, t) }},
			{`DELETE FROM products WHERE org_id = ? AND key = ?`, nil, nil},
		} {
			res, err := t.exec(ctx, q.sql, ps.OrgID, ps.Product)
			if err != nil {
				return err
			}
			if q.n != nil {
				*q.n, _ = res.RowsAffected()
			}
			if q.then != nil {
				if err := q.then(); err != nil {
					return err
				}
			}
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: ps.OrgID, Action: "product.deleted", ResourceType: "Product", ResourceID: ps.Product,
			Detail: detail("name", name, "grants", grants, "defaultGroups", defaults)})
	})
}

// ListAccessThrough implements roster.Store. Two walks down the grants
// of every product of the organization: one as things are, one without
// the group (its grants, and its place in other groups, gone); the users
// the first reaches and the second does not are those who would lose
// the product. Active users only, nested groups at any depth: the rule
// of CheckAccess.
func (s *Store) ListAccessThrough(ctx context.Context, orgID, groupID string) ([]roster.AccessThrough, error) {
	var out []roster.AccessThrough
	_, err := s.readRows(ctx, accessWalks+`,
	through(product) AS (SELECT product FROM before_ WHERE group_id = ? UNION SELECT product FROM default_groups WHERE org_id = ? AND group_id = ?)
	SELECT p.key, p.name, p.created,
		(SELECT COUNT(*) FROM grants g WHERE g.org_id = p.org_id AND g.product = p.key AND g.group_id = ?),
		(SELECT COUNT(*) FROM default_groups dg WHERE dg.org_id = p.org_id AND dg.product = p.key AND dg.group_id = ?),
		(SELECT COUNT(DISTINCT bu.user_id) FROM before_users bu WHERE bu.product = p.key
			AND NOT EXISTS (SELECT 1 FROM after_users au WHERE au.product = bu.product AND au.user_id = bu.user_id))
	FROM through t JOIN products p ON p.org_id = ? AND p.key = t.product ORDER BY p.key`,
		[]any{orgID, orgID, groupID, "", orgID, groupID, groupID, orgID, orgID, groupID, orgID, groupID, groupID, groupID, orgID},
		func(sc rowScanner) (int64, error) {
			a := roster.AccessThrough{Product: roster.Product{OrgID: orgID}}
			var created int64
			var direct, isDefault int
			err := sc.Scan(&a.Product.Key, &a.Product.Name, &created, &direct, &isDefault, &a.Lose)
			a.Product.Created, a.Direct, a.Default = fromMicros(created), direct > 0, isDefault > 0
			out = append(out, a)
			return 0, err
		})
	return out, err
}

// accessWalks are the recursive walks ListAccessThrough and PreviewLink
// compare: before_(product, group_id) reaches every group the grants of
// the organization's products reach, through nested groups; after_ does
// the same with one group gone (its grants dropped, its place in other
// groups skipped) and, optionally, another group granted what the gone
// one was granted (a link: the synced group takes over). before_users
// and after_users are the active users of the organization each reaches.
//
// Parameters, in order: the organization (before_), the organization and
// the gone group (after_'s grants), the group taking over ("" for none),
// the organization and the gone group (its grants, taken over), the gone
// group (the recursion), the organization (before_users), the
// organization (after_users).
const accessWalks = `WITH RECURSIVE
	before_(product, group_id) AS (
		SELECT product, group_id FROM grants WHERE org_id = ?
		UNION
		SELECT b.product, m.member_id FROM before_ b JOIN group_members m ON m.group_id = b.group_id AND m.member_type = 'Group'
	),
	after_(product, group_id) AS (
		SELECT product, group_id FROM grants WHERE org_id = ? AND group_id <> ?
		UNION
		SELECT product, CAST(? AS TEXT) FROM grants WHERE org_id = ? AND group_id = ?
		UNION
		SELECT a.product, m.member_id FROM after_ a JOIN group_members m ON m.group_id = a.group_id AND m.member_type = 'Group' AND m.member_id <> ?
	),
	before_users(product, user_id) AS (
		SELECT DISTINCT b.product, u.id FROM before_ b JOIN group_members m ON m.group_id = b.group_id AND m.member_type = 'User'
		JOIN users u ON u.id = m.member_id AND u.org_id = ? AND u.active
	),
	after_users(product, user_id) AS (
		SELECT DISTINCT a.product, u.id FROM after_ a JOIN group_members m ON m.group_id = a.group_id AND m.member_type = 'User'
		JOIN users u ON u.id = m.member_id AND u.org_id = ? AND u.active
	)`

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

// joinDefaultGroups adds new managed accounts (one whose account was
// created or whose address moved onto a verified domain, or a page of those
// on a domain just verified) to the default groups of every product of
// their organization, inside the transaction that made them managed.
func (s *Store) joinDefaultGroups(ctx context.Context, t *tx, orgID string, userIDs ...string) error {
	// The users are read by ID (asValue): by the organization's index,
	// every managed user created read every user of the organization.
	rows, err := t.query(ctx, `INSERT INTO group_members (group_id, member_id, member_type)
		SELECT DISTINCT dg.group_id, u.id, 'User' FROM users u CROSS JOIN default_groups dg
		WHERE `+s.d.InJSON("u.id")+` AND `+asValue("u.org_id")+` = ? AND dg.org_id = ?
		ON CONFLICT DO NOTHING RETURNING group_id, member_id`, jsonList(userIDs), orgID, orgID)
	if err != nil {
		return err
	}
	joined := map[string]int{} // group ID → members it gained
	ms, err := scanAll(rows, func(sc rowScanner) (membership, error) {
		m := membership{action: roster.EventMemberAdded, memberType: roster.MemberUser}
		err := sc.Scan(&m.groupID, &m.memberID)
		joined[m.groupID]++
		return m, err
	})
	if err != nil || len(ms) == 0 {
		return err
	}
	// A statement per default group (an organization has a few), in ID
	// order so that concurrent joins lock the groups in one order.
	groups := slices.Sorted(maps.Keys(joined))
	for _, id := range groups {
		if _, err := t.exec(ctx, `UPDATE groups SET version = version + 1, modified = ?, member_count = member_count + ? WHERE org_id = ? AND id = ?`,
			micros(s.clock()), joined[id], orgID, id); err != nil {
			return err
		}
	}
	// The events name no directory: a default group may be a local one.
	if err := s.appendMemberEvents(ctx, t, orgID, "", nil, ms); err != nil {
		return err
	}
	return s.syncUsers(ctx, t, orgID, roster.AccessCauseMembership, userIDs...)
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
		key, err := s.checkName(ctx, t, groupNames, orgID, g.ID, g.DisplayName)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO groups (id, org_id, directory_id, display_name, display_name_fold, local_name_key, external_id, attributes, version, created, modified)
			VALUES (?, ?, NULL, ?, ?, ?, NULL, ?, 1, ?, ?)`, g.ID, orgID, g.DisplayName, fold(g.DisplayName), key, string(g.Attributes), micros(now), micros(now)); err != nil {
			return s.nameTaken(err, groupNames, g.DisplayName)
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: roster.EventGroupCreated, ResourceType: "Group", ResourceID: g.ID,
			Detail: detail("displayName", g.DisplayName, "local", true), Data: roster.MarshalData(roster.NewGroupData(g, ""))})
	})
}

// UpdateLocalGroup implements roster.Store.
func (s *Store) UpdateLocalGroup(ctx context.Context, orgID, groupID string, update func(*roster.Group) error) (*roster.Group, error) {
	var out *roster.Group
	err := s.inTx(ctx, func(t *tx) error {
		if err := s.lockLocalGroup(ctx, t, orgID, groupID); err != nil {
			return err
		}
		g, _, err := scanGroup(t.queryRow(ctx, `SELECT `+groupColumns+` FROM groups r WHERE r.org_id = ? AND r.id = ?`, orgID, groupID))
		if err != nil {
			return err
		}
		was := g.DisplayName
		if err := update(&g); err != nil {
			return err
		}
		if g.ID != groupID {
			return roster.Invalidf("", "a group's ID cannot change")
		}
		out = &g
		if g.DisplayName == was {
			return nil
		}
		key, err := s.checkName(ctx, t, groupNames, orgID, groupID, g.DisplayName)
		if err != nil {
			return err
		}
		before := g
		before.DisplayName = was
		g.Version, g.LastModified = g.Version+1, s.clock()
		if _, err := t.exec(ctx, `UPDATE groups SET display_name = ?, display_name_fold = ?, local_name_key = ?, version = ?, modified = ? WHERE org_id = ? AND id = ?`,
			g.DisplayName, fold(g.DisplayName), key, g.Version, micros(g.LastModified), orgID, groupID); err != nil {
			return s.nameTaken(err, groupNames, g.DisplayName)
		}
		now := roster.NewGroupData(&g, "")
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: roster.EventGroupUpdated, ResourceType: "Group", ResourceID: groupID,
			Detail: detail("from", was, "to", g.DisplayName, "local", true),
			Data:   roster.MarshalData(roster.ChangeData[roster.GroupData]{Resource: now, Previous: roster.Previous(roster.NewGroupData(&before, ""), now)})})
	})
	return out, err
}

// DeleteLocalGroup implements roster.Store.
func (s *Store) DeleteLocalGroup(ctx context.Context, orgID, groupID string) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := s.lockLocalGroup(ctx, t, orgID, groupID); err != nil {
			return err
		}
		var name string
		if err := t.queryRow(ctx, `SELECT display_name FROM groups WHERE org_id = ? AND id = ?`, orgID, groupID).Scan(&name); err != nil {
			return err
		}
		// Synced groups in conflict with it are in conflict no more.
		if _, err := t.exec(ctx, `UPDATE groups SET conflict_with = NULL WHERE org_id = ? AND conflict_with = ?`, orgID, groupID); err != nil {
			return err
		}
		// Its members, at any depth, may lose access: scoped before the
		// group goes, diffed after.
		if err := s.lockAccess(ctx, t, orgID, true); err != nil {
			return err
		}
		access := newAccessChange(orgID, roster.AccessCauseGroupDeletion)
		if err := access.addUnderGroups(ctx, t, groupID); err != nil {
			return err
		}
		if err := s.deleteLocalGroup(ctx, t, orgID, groupID); err != nil {
			return err
		}
		if err := access.finish(ctx, t); err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "group.deleted", ResourceType: "Group", ResourceID: groupID,
			Detail: detail("displayName", name, "local", true)})
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
			SELECT CAST(? AS TEXT), id, 'User' FROM users WHERE `+asValue("org_id")+` = ? AND `+s.d.InJSON("id")+` ON CONFLICT DO NOTHING RETURNING member_id, member_type`,
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
		if err := s.appendMemberEvents(ctx, t, orgID, "", nil, memberships(roster.EventMemberAdded, rows, groupID, false, "")); err != nil {
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
		if err := s.appendMemberEvents(ctx, t, orgID, "", nil, memberships(roster.EventMemberRemoved, rows, groupID, false, "")); err != nil {
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

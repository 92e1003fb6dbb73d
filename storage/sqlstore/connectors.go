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

const connectorColumns = `id, org_id, product, name, base_url, token, push_groups, on_revoke, paused, dry_run, rate_limit, check_gaps, created, modified,
	event_cursor, sync_requested, next_full, last_run, last_success, last_error, in_sync, out_of_sync, failures`

func scanConnector(sc rowScanner) (roster.Connector, error) {
	var c roster.Connector
	var onRevoke, gaps string
	var created, modified, nextFull, lastRun, lastSuccess int64
	err := sc.Scan(&c.ID, &c.OrgID, &c.Product, &c.Name, &c.BaseURL, &c.Token, &c.Groups, &onRevoke, &c.Paused, &c.DryRun, &c.RateLimit, &gaps, &created, &modified,
		&c.Cursor, &c.SyncRequested, &nextFull, &lastRun, &lastSuccess, &c.LastError, &c.InSync, &c.OutOfSync, &c.Failures)
	c.OnRevoke = roster.OnRevoke(onRevoke)
	if gaps != "" {
		json.Unmarshal([]byte(gaps), &c.CheckGaps)
	}
	c.Created, c.Modified, c.NextFull = fromMicros(created), fromMicros(modified), fromMicros(nextFull)
	c.LastRun, c.LastSuccess = fromMicros(lastRun), fromMicros(lastSuccess)
	return c, err
}

func gapsJSON(gaps []string) string {
	if len(gaps) == 0 {
		return ""
	}
	b, _ := json.Marshal(gaps)
	return string(b)
}

// connectorDetail is what the audit trail says about a connector: never
// its token.
func connectorDetail(c *roster.Connector) string {
	return detail("name", c.Name, "product", c.Product, "url", c.BaseURL, "onRevoke", c.OnRevoke, "paused", c.Paused, "dryRun", c.DryRun, "rateLimit", c.RateLimit,
		"checkGaps", c.CheckGaps)
}

// CreateConnector implements roster.Store. Its cursor starts at 0 and a
// full pass is requested: the first pass pushes every user with access.
func (s *Store) CreateConnector(ctx context.Context, c *roster.Connector) error {
	c.ID = newID()
	c.Created = s.clock()
	c.Modified, c.Cursor, c.SyncRequested = c.Created, 0, true
	if c.Token == nil {
		c.Token = []byte{}
	}
	return s.inTx(ctx, func(t *tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM products WHERE org_id = ? AND key = ?`, c.OrgID, c.Product).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return roster.NotFoundf("the organization has no product %q", c.Product)
		}
		_, err := t.exec(ctx, `INSERT INTO connectors (`+connectorColumns+`, lease_owner, lease_until)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '', 0, 0, 0, '', 0)`,
			c.ID, c.OrgID, c.Product, c.Name, c.BaseURL, c.Token, c.Groups, string(c.OnRevoke), c.Paused, c.DryRun, c.RateLimit, gapsJSON(c.CheckGaps),
			micros(c.Created), micros(c.Modified), c.Cursor, c.SyncRequested, micros(c.NextFull))
		if s.d.IsUniqueViolation(err) {
			return roster.E(roster.ReasonNameTaken, "the organization has a connector named %q already", c.Name)
		}
		if err != nil {
			return err
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: c.OrgID, Action: "connector.created", ResourceType: "Connector", ResourceID: c.ID, Detail: connectorDetail(c)})
	})
}

// GetConnector implements roster.Store.
func (s *Store) GetConnector(ctx context.Context, orgID, id string) (*roster.Connector, error) {
	c, err := scanConnector(s.readRow(ctx, `SELECT `+connectorColumns+` FROM connectors WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return nil, notFound(err, "the organization has no connector %q", id)
	}
	return &c, nil
}

// ListConnectors implements roster.Store.
func (s *Store) ListConnectors(ctx context.Context, orgID string) ([]roster.Connector, error) {
	var out []roster.Connector
	_, err := s.readRows(ctx, `SELECT `+connectorColumns+` FROM connectors WHERE org_id = ? ORDER BY name, id`, []any{orgID}, func(sc rowScanner) (int64, error) {
		c, err := scanConnector(sc)
		out = append(out, c)
		return 0, err
	})
	return out, err
}

// UpdateConnector implements roster.Store. fn may change the settings and
// request a sync; the identity, product, cursor and health stay.
func (s *Store) UpdateConnector(ctx context.Context, orgID, id string, fn func(*roster.Connector) error) (*roster.Connector, error) {
	var out roster.Connector
	err := s.inTx(ctx, func(t *tx) error {
		c, err := scanConnector(t.queryRow(ctx, `SELECT `+connectorColumns+` FROM connectors WHERE org_id = ? AND id = ?`+s.d.ForUpdate, orgID, id))
		if err != nil {
			return notFound(err, "the organization has no connector %q", id)
		}
		before := c
		if err := fn(&c); err != nil {
			return err
		}
		c.ID, c.OrgID, c.Product, c.Created, c.Cursor = before.ID, before.OrgID, before.Product, before.Created, before.Cursor
		c.LastRun, c.LastSuccess, c.LastError, c.InSync, c.OutOfSync, c.Failures = before.LastRun, before.LastSuccess, before.LastError, before.InSync, before.OutOfSync, before.Failures
		c.Modified = s.clock()
		_, err = t.exec(ctx, `UPDATE connectors SET name = ?, base_url = ?, token = ?, push_groups = ?, on_revoke = ?, paused = ?, dry_run = ?, rate_limit = ?, check_gaps = ?,
			modified = ?, sync_requested = ?, next_full = ? WHERE org_id = ? AND id = ?`,
			c.Name, c.BaseURL, c.Token, c.Groups, string(c.OnRevoke), c.Paused, c.DryRun, c.RateLimit, gapsJSON(c.CheckGaps), micros(c.Modified), c.SyncRequested, micros(c.NextFull),
			orgID, id)
		if s.d.IsUniqueViolation(err) {
			return roster.E(roster.ReasonNameTaken, "the organization has a connector named %q already", c.Name)
		}
		if err != nil {
			return err
		}
		out = c
		if string(c.Token) != string(before.Token) || c.Name != before.Name || c.BaseURL != before.BaseURL || c.OnRevoke != before.OnRevoke ||
			c.Paused != before.Paused || c.DryRun != before.DryRun || c.RateLimit != before.RateLimit || c.Groups != before.Groups || gapsJSON(c.CheckGaps) != gapsJSON(before.CheckGaps) {
			return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "connector.updated", ResourceType: "Connector", ResourceID: id, Detail: connectorDetail(&c)})
		}
		return nil // a sync request only: no change to audit
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteConnector implements roster.Store.
func (s *Store) DeleteConnector(ctx context.Context, orgID, id string) error {
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `DELETE FROM connectors WHERE org_id = ? AND id = ?`, orgID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return roster.NotFoundf("the organization has no connector %q", id)
		}
		for _, table := range []string{"connector_links", "connector_deliveries", "connector_groups", "connector_group_members"} {
			if _, err := t.exec(ctx, `DELETE FROM `+table+` WHERE org_id = ? AND connector_id = ?`, orgID, id); err != nil {
				return err
			}
		}
		return s.appendEvent(ctx, t, roster.Event{OrgID: orgID, Action: "connector.deleted", ResourceType: "Connector", ResourceID: id})
	})
}

// ListConnectorItems implements roster.Store: the union of the users with
// access (access_state, kept by the rule of CheckAccess in every change) and
// the linked users, after afterUserID in ID order; then their users in
// one more query.
func (s *Store) ListConnectorItems(ctx context.Context, orgID, connectorID, afterUserID string, limit int) ([]roster.ConnectorItem, error) {
	return s.connectorItems(ctx, orgID, connectorID, "user_id > ?", afterUserID, limit)
}

// ListConnectorItemsOf implements roster.Store: the items among userIDs,
// by the same query as ListConnectorItems with the users named instead of
// a keyset position, so that a pass of one user reads one user's rows.
func (s *Store) ListConnectorItemsOf(ctx context.Context, orgID, connectorID string, userIDs []string) ([]roster.ConnectorItem, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	list, _ := json.Marshal(userIDs)
	return s.connectorItems(ctx, orgID, connectorID, s.d.InJSON("user_id"), string(list), len(userIDs))
}

// connectorItems is the items whose user_id meets cond (with its one
// argument), in ID order, up to limit.
func (s *Store) connectorItems(ctx context.Context, orgID, connectorID, cond string, arg any, limit int) ([]roster.ConnectorItem, error) {
	c, err := s.GetConnector(ctx, orgID, connectorID)
	if err != nil {
		return nil, err
	}
	var items []roster.ConnectorItem
	byID := map[string]int{}
	// The union is grouped rather than joined back to the users with
	// access, which SQLite would do without an index, once per row.
	_, err = s.readRows(ctx, `WITH ids(user_id, access) AS (
			SELECT user_id, 1 FROM access_state WHERE org_id = ? AND product = ? AND `+cond+`
			UNION ALL
			SELECT user_id, 0 FROM connector_links WHERE connector_id = ? AND org_id = ? AND `+cond+`),
		page(user_id, access) AS (SELECT user_id, MAX(access) FROM ids GROUP BY user_id ORDER BY user_id LIMIT ?)
		SELECT p.user_id, p.access, l.target_id, l.pushed_hash, l.active, l.modified
		FROM page p LEFT JOIN connector_links l ON l.connector_id = ? AND l.user_id = p.user_id
		ORDER BY p.user_id`,
		[]any{orgID, c.Product, arg, connectorID, orgID, arg, limit, connectorID}, func(sc rowScanner) (int64, error) {
			var it roster.ConnectorItem
			var access int
			var target, hash sql.NullString
			var active sql.NullBool
			var modified sql.NullInt64
			if err := sc.Scan(&it.UserID, &access, &target, &hash, &active, &modified); err != nil {
				return 0, err
			}
			it.Access = access == 1
			if target.Valid {
				it.Link = &roster.ConnectorLink{ConnectorID: connectorID, UserID: it.UserID, TargetID: target.String, Hash: hash.String, Active: active.Bool,
					Modified: fromMicros(modified.Int64)}
			}
			byID[it.UserID] = len(items)
			items = append(items, it)
			return 0, nil
		})
	if err != nil || len(items) == 0 {
		return items, err
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.UserID
	}
	list, _ := json.Marshal(ids)
	_, err = s.readRows(ctx, `SELECT `+userColumns+` FROM users r WHERE `+asValue("r.org_id")+` = ? AND `+s.d.InJSON("r.id"), []any{orgID, string(list)}, func(sc rowScanner) (int64, error) {
		u, seq, err := scanUser(sc)
		if i, ok := byID[u.ID]; ok && err == nil {
			items[i].User = &u
		}
		return seq, err
	})
	return items, err
}

// SetConnectorLinks implements roster.Store, in one transaction.
func (s *Store) SetConnectorLinks(ctx context.Context, orgID, connectorID string, links []roster.ConnectorLink) error {
	if len(links) == 0 {
		return nil
	}
	now := s.clock()
	return s.inTx(ctx, func(t *tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM connectors WHERE org_id = ? AND id = ?`, orgID, connectorID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return roster.NotFoundf("the organization has no connector %q", connectorID)
		}
		for i := range links {
			l := &links[i]
			l.ConnectorID, l.Modified = connectorID, now
			if _, err := t.exec(ctx, `INSERT INTO connector_links (connector_id, user_id, org_id, target_id, pushed_hash, active, modified) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (connector_id, user_id) DO UPDATE SET target_id = excluded.target_id, pushed_hash = excluded.pushed_hash, active = excluded.active,
				modified = excluded.modified`, connectorID, l.UserID, orgID, l.TargetID, l.Hash, l.Active, micros(now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteConnectorLinks implements roster.Store; a link that is not there
// is no error (the pass that deletes it may be a retry).
func (s *Store) DeleteConnectorLinks(ctx context.Context, orgID, connectorID string, userIDs []string) error {
	return s.deleteConnectorRows(ctx, orgID, connectorID, "user_id", userIDs, "connector_links")
}

// deleteConnectorRows deletes, in one transaction, the connector's rows
// of tables whose column is among ids.
func (s *Store) deleteConnectorRows(ctx context.Context, orgID, connectorID, column string, ids []string, tables ...string) error {
	if len(ids) == 0 {
		return nil
	}
	list, _ := json.Marshal(ids)
	return s.inTx(ctx, func(t *tx) error {
		for _, table := range tables {
			if _, err := t.exec(ctx, `DELETE FROM `+table+` WHERE org_id = ? AND connector_id = ? AND `+s.d.InJSON(column), orgID, connectorID, string(list)); err != nil {
				return err
			}
		}
		return nil
	})
}

const connectorDeliveryColumns = `seq, connector_id, org_id, user_id, group_id, op, method, path, status, attempts, error, latency_us, response_excerpt, at`

// AddConnectorDeliveries implements roster.Store.
func (s *Store) AddConnectorDeliveries(ctx context.Context, orgID string, ds []roster.ConnectorDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	return s.inTx(ctx, func(t *tx) error {
		for i := range ds {
			d := &ds[i]
			if d.At.IsZero() {
				d.At = s.clock()
			}
			if _, err := t.exec(ctx, `INSERT INTO connector_deliveries (connector_id, org_id, user_id, group_id, op, method, path, status, attempts, error, latency_us, response_excerpt, at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ConnectorID, orgID, d.UserID, d.GroupID, d.Op, d.Method, d.Path, d.Status, d.Attempts, d.Error, d.Latency.Microseconds(),
				strings.ToValidUTF8(d.ResponseExcerpt, "?"), micros(d.At)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListConnectorDeliveries implements roster.Store.
func (s *Store) ListConnectorDeliveries(ctx context.Context, orgID, connectorID string, failedOnly bool, limit int) ([]roster.ConnectorDelivery, error) {
	if _, err := s.GetConnector(ctx, orgID, connectorID); err != nil {
		return nil, err
	}
	q := `SELECT ` + connectorDeliveryColumns + ` FROM connector_deliveries WHERE org_id = ? AND connector_id = ?`
	if failedOnly {
		q += ` AND error <> ''`
	}
	var out []roster.ConnectorDelivery
	_, err := s.readRows(ctx, q+` ORDER BY seq DESC LIMIT ?`, []any{orgID, connectorID, limit}, func(sc rowScanner) (int64, error) {
		var d roster.ConnectorDelivery
		var latency, at int64
		err := sc.Scan(&d.Seq, &d.ConnectorID, &d.OrgID, &d.UserID, &d.GroupID, &d.Op, &d.Method, &d.Path, &d.Status, &d.Attempts, &d.Error, &latency, &d.ResponseExcerpt, &at)
		d.Latency, d.At = time.Duration(latency)*time.Microsecond, fromMicros(at)
		out = append(out, d)
		return 0, err
	})
	return out, err
}

// orgHead is the organization's newest event sequence number.
const orgHead = `SELECT COALESCE(MAX(seq), 0) FROM events WHERE org_id = ?`

// ClaimConnector implements roster.Store. As in ClaimDeliveries, the
// conditional UPDATE is what keeps two nodes from leasing one connector:
// on PostgreSQL SKIP LOCKED passes over a row another node is claiming,
// and the UPDATE re-checks lease_until; SQLite has one writer anyway.
func (s *Store) ClaimConnector(ctx context.Context, owner string, now, leaseUntil time.Time) (*roster.Connector, int64, error) {
	var out *roster.Connector
	var head int64
	err := s.inTx(ctx, func(t *tx) error {
		out, head = nil, 0
		lock := ""
		if s.d.ForUpdate != "" {
			lock = s.d.ForUpdate + " SKIP LOCKED"
		}
		var id string
		err := t.queryRow(ctx, `SELECT c.id FROM connectors c WHERE c.paused = ? AND c.lease_until <= ?
			AND (c.sync_requested = ? OR c.next_full <= ? OR c.event_cursor < (SELECT COALESCE(MAX(e.seq), 0) FROM events e WHERE e.org_id = c.org_id))
			ORDER BY c.lease_until, c.id LIMIT 1`+lock, false, micros(now), true, micros(now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		c, h, ok, err := s.lease(ctx, t, owner, id, now, leaseUntil)
		if ok {
			out, head = c, h
		}
		return err
	})
	return out, head, err
}

// lease gives owner the lease of connector id if no one else holds it,
// inside t, and reads the organization's head.
func (s *Store) lease(ctx context.Context, t *tx, owner, id string, now, leaseUntil time.Time) (*roster.Connector, int64, bool, error) {
	res, err := t.exec(ctx, `UPDATE connectors SET lease_owner = ?, lease_until = ? WHERE id = ? AND (lease_until <= ? OR lease_owner = ?)`,
		owner, micros(leaseUntil), id, micros(now), owner)
	if err != nil {
		return nil, 0, false, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, 0, false, nil
	}
	c, err := scanConnector(t.queryRow(ctx, `SELECT `+connectorColumns+` FROM connectors WHERE id = ?`, id))
	if err != nil {
		return nil, 0, false, err
	}
	// The head a pass starts from is the organization's newest event,
	// but never past the feed's safe horizon: on PostgreSQL an event
	// numbered below the newest may still commit, after this pass has read
	// its user; the events after the head are read again by the next pass
	// (which changes nothing that is in sync), so none is skipped.
	var head int64
	if err := t.queryRow(ctx, orgHead, c.OrgID).Scan(&head); err != nil {
		return nil, 0, false, err
	}
	safe, err := s.feedHorizon(ctx, t)
	if err != nil {
		return nil, 0, false, err
	}
	return &c, min(head, safe), true, nil
}

// ClaimConnectorByID implements roster.Store.
func (s *Store) ClaimConnectorByID(ctx context.Context, owner, orgID, id string, now, leaseUntil time.Time) (*roster.Connector, int64, bool, error) {
	var out *roster.Connector
	var head int64
	var ok bool
	err := s.inTx(ctx, func(t *tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM connectors WHERE org_id = ? AND id = ?`, orgID, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return roster.NotFoundf("the organization has no connector %q", id)
		}
		var err error
		out, head, ok, err = s.lease(ctx, t, owner, id, now, leaseUntil)
		return err
	})
	return out, head, ok, err
}

// ExtendConnectorLease implements roster.Store.
func (s *Store) ExtendConnectorLease(ctx context.Context, owner, id string, leaseUntil time.Time) (bool, error) {
	ok := false
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE connectors SET lease_until = ? WHERE id = ? AND lease_owner = ?`, micros(leaseUntil), id, owner)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		return nil
	})
	return ok, err
}

// FinishConnectorRun implements roster.Store. The cursor only moves
// forward; a full pass answers a requested sync; a partial pass's counts
// are added to the ones there.
func (s *Store) FinishConnectorRun(ctx context.Context, owner, id string, r roster.ConnectorRun) (bool, error) {
	ok := false
	err := s.inTx(ctx, func(t *tx) error {
		ok = false
		c, err := scanConnector(t.queryRow(ctx, `SELECT `+connectorColumns+` FROM connectors WHERE id = ? AND lease_owner = ?`+s.d.ForUpdate, id, owner))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		c.Cursor = max(c.Cursor, r.Cursor)
		c.LastRun, c.LastError = r.At, r.Error
		if r.Partial {
			c.InSync, c.OutOfSync = max(0, c.InSync+r.InSync), max(0, c.OutOfSync+r.OutOfSync)
		} else {
			c.InSync, c.OutOfSync = r.InSync, r.OutOfSync
		}
		if r.Error == "" {
			c.LastSuccess, c.Failures = r.At, 0
		} else {
			c.Failures++
		}
		if r.Full {
			c.SyncRequested = false
		}
		if !r.NextFull.IsZero() {
			c.NextFull = r.NextFull
		}
		_, err = t.exec(ctx, `UPDATE connectors SET lease_owner = '', lease_until = 0, event_cursor = ?, sync_requested = ?, next_full = ?, last_run = ?,
			last_success = ?, last_error = ?, in_sync = ?, out_of_sync = ?, failures = ? WHERE id = ?`,
			c.Cursor, c.SyncRequested, micros(c.NextFull), micros(c.LastRun), micros(c.LastSuccess), c.LastError, c.InSync, c.OutOfSync, c.Failures, id)
		ok = err == nil
		return err
	})
	return ok, err
}

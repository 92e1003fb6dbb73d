package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
	"time"

	"github.com/rosterhq/roster"
)

// ListConnectorGroups implements roster.Store: the union of the groups
// granted the connector's product and the groups it links, after
// afterGroupID in ID order; then, in one query each for the whole page,
// the members each should hold (accessRule's paths through the group,
// active users, joined to the connector's active user links for their
// target IDs) and the members last pushed.
func (s *Store) ListConnectorGroups(ctx context.Context, orgID, connectorID, afterGroupID string, limit int) ([]roster.ConnectorGroupItem, error) {
	c, err := s.GetConnector(ctx, orgID, connectorID)
	if err != nil {
		return nil, err
	}
	var items []roster.ConnectorGroupItem
	byID := map[string]int{}
	_, err = s.readRows(ctx, `WITH ids(group_id, granted) AS (
			SELECT group_id, 1 FROM grants WHERE org_id = ? AND product = ? AND group_id > ?
			UNION ALL
			SELECT group_id, 0 FROM connector_groups WHERE connector_id = ? AND org_id = ? AND group_id > ?),
		page(group_id, granted) AS (SELECT group_id, MAX(granted) FROM ids GROUP BY group_id ORDER BY group_id LIMIT ?)
		SELECT p.group_id, p.granted, g.display_name, l.target_id, l.display_name, l.modified
		FROM page p LEFT JOIN groups g ON g.id = p.group_id AND g.org_id = ?
		LEFT JOIN connector_groups l ON l.connector_id = ? AND l.group_id = p.group_id
		ORDER BY p.group_id`,
		[]any{orgID, c.Product, afterGroupID, connectorID, orgID, afterGroupID, limit, orgID, connectorID}, func(sc rowScanner) (int64, error) {
			var it roster.ConnectorGroupItem
			var granted int
			var name, target, pushedName sql.NullString
			var modified sql.NullInt64
			if err := sc.Scan(&it.GroupID, &granted, &name, &target, &pushedName, &modified); err != nil {
				return 0, err
			}
			it.Granted, it.Exists, it.DisplayName = granted == 1, name.Valid, name.String
			if target.Valid {
				it.Link = &roster.ConnectorGroupLink{ConnectorID: connectorID, GroupID: it.GroupID, TargetID: target.String, DisplayName: pushedName.String,
					Modified: fromMicros(modified.Int64)}
			}
			byID[it.GroupID] = len(items)
			items = append(items, it)
			return 0, nil
		})
	if err != nil || len(items) == 0 {
		return items, err
	}
	var granted []string
	all := make([]string, len(items))
	for i, it := range items {
		all[i] = it.GroupID
		if it.Granted {
			granted = append(granted, it.GroupID)
		}
	}
	if len(granted) > 0 {
		list, _ := json.Marshal(granted)
		_, err = s.readRows(ctx, accessRule("gr.product = ? AND "+s.d.InJSON("gr.group_id"), "")+`
			SELECT DISTINCT p.via, p.user_id, l.target_id FROM paths p
			JOIN connector_links l ON l.connector_id = ? AND l.user_id = p.user_id AND l.active = ?
			WHERE p.active`,
			[]any{orgID, c.Product, string(list), orgID, connectorID, true}, func(sc rowScanner) (int64, error) {
				var group string
				var m roster.ConnectorMember
				if err := sc.Scan(&group, &m.UserID, &m.TargetID); err != nil {
					return 0, err
				}
				if i, ok := byID[group]; ok {
					items[i].Members = append(items[i].Members, m)
				}
				return 0, nil
			})
		if err != nil {
			return nil, err
		}
	}
	list, _ := json.Marshal(all)
	_, err = s.readRows(ctx, `SELECT group_id, user_id, target_id FROM connector_group_members WHERE connector_id = ? AND org_id = ? AND `+s.d.InJSON("group_id"),
		[]any{connectorID, orgID, string(list)}, func(sc rowScanner) (int64, error) {
			var group string
			var m roster.ConnectorMember
			if err := sc.Scan(&group, &m.UserID, &m.TargetID); err != nil {
				return 0, err
			}
			if i, ok := byID[group]; ok {
				items[i].Pushed = append(items[i].Pushed, m)
			}
			return 0, nil
		})
	for i := range items {
		byTarget := func(ms []roster.ConnectorMember) {
			sort.Slice(ms, func(a, b int) bool { return ms[a].TargetID < ms[b].TargetID })
		}
		byTarget(items[i].Members)
		byTarget(items[i].Pushed)
	}
	return items, err
}

// SaveConnectorGroup implements roster.Store, in one transaction.
func (s *Store) SaveConnectorGroup(ctx context.Context, orgID, connectorID string, link roster.ConnectorGroupLink, add []roster.ConnectorMember, remove []string) error {
	now := s.clock()
	return s.inTx(ctx, func(t *tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM connectors WHERE org_id = ? AND id = ?`, orgID, connectorID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return roster.NotFoundf("the organization has no connector %q", connectorID)
		}
		if _, err := t.exec(ctx, `INSERT INTO connector_groups (connector_id, group_id, org_id, target_id, display_name, modified) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (connector_id, group_id) DO UPDATE SET target_id = excluded.target_id, display_name = excluded.display_name, modified = excluded.modified`,
			connectorID, link.GroupID, orgID, link.TargetID, link.DisplayName, micros(now)); err != nil {
			return err
		}
		if len(remove) > 0 {
			list, _ := json.Marshal(remove)
			if _, err := t.exec(ctx, `DELETE FROM connector_group_members WHERE connector_id = ? AND group_id = ? AND `+s.d.InJSON("target_id"),
				connectorID, link.GroupID, string(list)); err != nil {
				return err
			}
		}
		for _, m := range add {
			if _, err := t.exec(ctx, `INSERT INTO connector_group_members (connector_id, group_id, target_id, org_id, user_id) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (connector_id, group_id, target_id) DO UPDATE SET user_id = excluded.user_id`,
				connectorID, link.GroupID, m.TargetID, orgID, m.UserID); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteConnectorGroups implements roster.Store; a group that is not
// linked is no error (the pass that deletes it may be a retry).
func (s *Store) DeleteConnectorGroups(ctx context.Context, orgID, connectorID string, groupIDs []string) error {
	return s.deleteConnectorRows(ctx, orgID, connectorID, "group_id", groupIDs, "connector_groups", "connector_group_members")
}

// DeleteConnectorDeliveries implements roster.Store: the oldest limit
// lines older than before (by the index on at), in one transaction. Nodes
// purging at once delete the same lines; the second finds fewer.
func (s *Store) DeleteConnectorDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `DELETE FROM connector_deliveries WHERE seq IN (SELECT seq FROM connector_deliveries WHERE at < ? ORDER BY at LIMIT ?)`, micros(before), limit)
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		n = int(m)
		return nil
	})
	return n, err
}

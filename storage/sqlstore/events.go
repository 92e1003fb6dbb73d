package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// The events: every change appends its own in its transaction
// (appendEvent, appendEvents, appendMemberEvents); the audit trail, the
// change feed and the webhook fan-out read them back.

const eventColumns = `seq, org_id, directory_id, time, actor, action, resource_type, resource_id, detail, data`

func scanEvent(sc rowScanner) (roster.Event, error) {
	var e roster.Event
	var at int64
	var data []byte
	err := sc.Scan(&e.Seq, &e.OrgID, &e.DirectoryID, &at, &e.Actor, &e.Action, &e.ResourceType, &e.ResourceID, &e.Detail, &data)
	e.Time = fromMicros(at)
	if len(data) > 0 {
		e.Data = data
	}
	return e, err
}

// appendEvent writes the event of a change inside its transaction.
func (s *Store) appendEvent(ctx context.Context, t *tx, e roster.Event) error {
	if e.Detail == "" {
		e.Detail = "{}"
	}
	_, err := t.exec(ctx, `INSERT INTO events (org_id, directory_id, time, actor, action, resource_type, resource_id, detail, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.OrgID, e.DirectoryID, micros(s.clock()), roster.ActorFrom(ctx), e.Action, e.ResourceType, e.ResourceID, e.Detail, nullJSON(e.Data))
	if err != nil {
		return fmt.Errorf("append event %s: %w", e.Action, err)
	}
	return nil
}

func nullJSON(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// eventsPerInsert bounds the rows of one multi-row INSERT of events: 9
// parameters a row stay far below both databases' limits on parameters.
const eventsPerInsert = 500

// appendEvents writes many events of one change inside its transaction,
// a few hundred rows per statement: a PATCH that adds 10,000 members
// writes its 10,000 events in 20 statements, not 10,000. The
// multi-row statements are not put in the statement cache: their text
// varies with the number of rows.
func (s *Store) appendEvents(ctx context.Context, t *tx, events []roster.Event) error {
	if len(events) == 1 {
		return s.appendEvent(ctx, t, events[0])
	}
	at, actor := micros(s.clock()), roster.ActorFrom(ctx)
	for len(events) > 0 {
		n := min(len(events), eventsPerInsert)
		var q strings.Builder
		q.WriteString(`INSERT INTO events (org_id, directory_id, time, actor, action, resource_type, resource_id, detail, data) VALUES `)
		args := make([]any, 0, n*9)
		for i, e := range events[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			if e.Detail == "" {
				e.Detail = "{}"
			}
			args = append(args, e.OrgID, e.DirectoryID, at, actor, e.Action, e.ResourceType, e.ResourceID, e.Detail, nullJSON(e.Data))
		}
		if _, err := t.sql.ExecContext(ctx, s.d.Rebind(q.String()), args...); err != nil {
			return fmt.Errorf("append %d events: %w", n, err)
		}
		events = events[n:]
	}
	return nil
}

// membership is one membership row a change added or removed; action is
// its event, roster.EventMemberAdded or roster.EventMemberRemoved.
type membership struct{ action, groupID, memberID, memberType string }

// memberships pairs one group with many members, or many groups with one
// member (groupOf true: the rows' IDs are groups that memberID belongs to).
func memberships(action string, rows []memberRow, id string, groupOf bool, memberType string) []membership {
	out := make([]membership, len(rows))
	for i, r := range rows {
		if groupOf {
			out[i] = membership{action: action, groupID: r.id, memberID: id, memberType: memberType}
		} else {
			out[i] = membership{action: action, groupID: id, memberID: r.id, memberType: r.kind}
		}
	}
	return out
}

// appendMemberEvents appends one group.member_added or
// group.member_removed event per membership, in their order, inside t, with the names of
// the groups and members as they are (which is why it runs before the rows
// of deleted users or groups go). groupNames may hold names the caller
// knows already; the rest are read with one query per kind, however many
// memberships there are.
func (s *Store) appendMemberEvents(ctx context.Context, t *tx, orgID, dirID string, groupNames map[string]string, ms []membership) error {
	if len(ms) == 0 {
		return nil
	}
	names := map[string]string{}
	for id, name := range groupNames {
		names[id] = name
	}
	var users, groups []string
	for _, m := range ms {
		if _, ok := names[m.groupID]; !ok {
			groups = append(groups, m.groupID)
			names[m.groupID] = ""
		}
		if _, ok := names[m.memberID]; !ok {
			if m.memberType == roster.MemberUser {
				users = append(users, m.memberID)
			} else {
				groups = append(groups, m.memberID)
			}
			names[m.memberID] = ""
		}
	}
	// By ID alone, the organization checked here: with org_id in the
	// WHERE clause SQLite's planner walks one of the organization's
	// indexes (every user of it) instead of looking up the few IDs, which
	// made one member add cost a scan of the directory.
	for _, q := range []struct {
		ids   []string
		query string
	}{
		{users, `SELECT id, org_id, COALESCE(display_name, user_name) FROM users WHERE ` + s.d.InJSON("id")},
		{groups, `SELECT id, org_id, display_name FROM groups WHERE ` + s.d.InJSON("id")},
	} {
		if len(q.ids) == 0 {
			continue
		}
		rows, err := t.query(ctx, q.query, jsonList(q.ids))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, org, name string
			if err := rows.Scan(&id, &org, &name); err != nil {
				rows.Close()
				return err
			}
			if org == orgID {
				names[id] = name
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	events := make([]roster.Event, len(ms))
	for i, m := range ms {
		data := roster.MembershipData{
			Group:  roster.MembershipGroup{ID: m.groupID, DisplayName: names[m.groupID]},
			Member: roster.MembershipMember{Type: m.memberType, ID: m.memberID, Display: names[m.memberID]},
		}
		events[i] = roster.Event{OrgID: orgID, DirectoryID: dirID, Action: m.action, ResourceType: "Group", ResourceID: m.groupID,
			Detail: detail("memberId", m.memberID, "memberType", m.memberType, "member", names[m.memberID]), Data: roster.MarshalData(data)}
	}
	return s.appendEvents(ctx, t, events)
}

// SearchEvents implements roster.Store.
func (s *Store) SearchEvents(ctx context.Context, orgID string, f roster.EventFilter, limit int) ([]roster.Event, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if f.DirectoryID != "" {
		where, args = append(where, "directory_id = ?"), append(args, f.DirectoryID)
	}
	if f.ResourceID != "" {
		where, args = append(where, "resource_id = ?"), append(args, f.ResourceID)
	}
	if f.Action != "" {
		where, args = append(where, `action LIKE ? ESCAPE '\'`), append(args, escapeLike(f.Action)+"%")
	}
	if f.Actor != "" {
		where, args = append(where, `actor LIKE ? ESCAPE '\'`), append(args, escapeLike(f.Actor)+"%")
	}
	if f.Before > 0 {
		where, args = append(where, "seq < ?"), append(args, f.Before)
	}
	if !f.Since.IsZero() || !f.Until.IsZero() {
		// A date range is read in two steps: the lowest and highest seq of
		// the events in it, from events_time (a read of the range only),
		// then the newest of those by seq from events_org, as every page
		// is. Reading events_time alone would sort the whole range to page
		// it; reading events_org alone would walk back from the newest
		// event to the range. The times are compared again (time + 0: a
		// value, so that the planner keeps to events_org), since clocks of
		// several nodes may put a later seq at an earlier time.
		window, wargs := []string{"org_id = ?"}, []any{orgID}
		var exact []string
		var eargs []any
		if !f.Since.IsZero() {
			window, wargs = append(window, "time >= ?"), append(wargs, micros(f.Since))
			exact, eargs = append(exact, "time + 0 >= ?"), append(eargs, micros(f.Since))
		}
		if !f.Until.IsZero() {
			window, wargs = append(window, "time < ?"), append(wargs, micros(f.Until))
			exact, eargs = append(exact, "time + 0 < ?"), append(eargs, micros(f.Until))
		}
		w := strings.Join(window, " AND ")
		where = append(where, "seq >= (SELECT COALESCE(MIN(seq), 0) FROM events WHERE "+w+")",
			"seq <= (SELECT COALESCE(MAX(seq), 0) FROM events WHERE "+w+")")
		args = append(append(args, wargs...), wargs...)
		where, args = append(where, exact...), append(args, eargs...)
	}
	if in := f.Involving; in != nil {
		// Someone with no IDs and no actors is involved in nothing. Two
		// indexed reads (events_resource, events_actor) rather than one OR,
		// which no index serves.
		where = append(where, `seq IN (SELECT seq FROM events WHERE org_id = ? AND `+s.d.InJSON("resource_id")+
			` UNION ALL SELECT seq FROM events WHERE org_id = ? AND `+s.d.InJSON("actor")+`)`)
		args = append(args, orgID, jsonList(in.ResourceIDs), orgID, jsonList(in.Actors))
	}
	var out []roster.Event
	_, err := s.readRows(ctx, `SELECT `+eventColumns+` FROM events
		WHERE `+strings.Join(where, " AND ")+` ORDER BY seq DESC LIMIT ?`, append(args, limit), func(sc rowScanner) (int64, error) {
		e, err := scanEvent(sc)
		out = append(out, e)
		return e.Seq, err
	})
	return out, err
}

// ListEvents implements roster.Store.
func (s *Store) ListEvents(ctx context.Context, orgID string, afterSeq int64, limit int) ([]roster.Event, error) {
	var out []roster.Event
	_, err := s.readRows(ctx, `SELECT `+eventColumns+` FROM events WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		[]any{orgID, afterSeq, limit}, func(sc rowScanner) (int64, error) {
			e, err := scanEvent(sc)
			out = append(out, e)
			return e.Seq, err
		})
	return out, err
}

// eventsBetween reads the organization's events with after < seq <= upTo
// inside t, at most limit of them.
func (s *Store) eventsBetween(ctx context.Context, t *tx, orgID string, after, upTo int64, limit int) ([]roster.Event, error) {
	rows, err := t.query(ctx, `SELECT `+eventColumns+` FROM events WHERE org_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
		orgID, after, upTo, limit)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanEvent)
}

// gapWait is how long an event's sequence number may stay missing before
// readers of the events (the webhook fan-out, the change feed) take it for
// a rolled-back transaction and move past it. On PostgreSQL sequence
// numbers are taken when a row is inserted but become visible at commit,
// so a later number can be seen before an earlier one of a transaction
// still running; passing over that number would lose its event. Roster's
// transactions append their events at their end and commit within
// milliseconds (a late-locked member change appends its events before it
// queues for its group's row: tens of milliseconds under load), so a
// minute is far more than one needs; a gap only delays the events
// after it, never loses them, for that long. (SQLite has one writer and
// hands out numbers in commit order: it never has such gaps.) Purged
// events are no gaps: they lie below the lowest event left.
const gapWait = time.Minute

// horizon is the rule that keeps every reader of the events from skipping
// one: the last sequence number after `after` (a position known to be
// safe) up to which no number can still appear, looking at up to window
// events. A number missing from the sequence stops it, unless the event
// after the gap is older than gapWait.
func (s *Store) horizon(ctx context.Context, t *tx, after int64, window int) (int64, error) {
	// Below the purge watermark nothing can appear any more: the walk
	// starts there at the latest, or the gap purging left would hold it.
	var purged int64
	if err := t.queryRow(ctx, `SELECT purged_through FROM event_retention WHERE id = 1`).Scan(&purged); err != nil {
		return 0, err
	}
	horizon := max(after, purged)
	rows, err := t.query(ctx, `SELECT seq, time FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, horizon, window)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	settled := micros(s.clock().Add(-gapWait))
	for rows.Next() {
		var seq, at int64
		if err := rows.Scan(&seq, &at); err != nil {
			return 0, err
		}
		if seq != horizon+1 && at > settled {
			break
		}
		horizon = seq
	}
	return horizon, rows.Err()
}

// feedWindow is how many events (of every organization) one call of the
// feed or of GetFeedHorizon looks at.
const feedWindow = 10000

// GetFeedHorizon implements roster.Store. It starts feedWindow events
// before the newest, a position older than any transaction still running
// (they commit within milliseconds; feedWindow events take longer to
// write), and walks forward with the horizon rule.
func (s *Store) GetFeedHorizon(ctx context.Context) (int64, error) {
	var h int64
	err := s.inRead(ctx, func(t *tx) error {
		var err error
		h, err = s.feedHorizon(ctx, t)
		return err
	})
	return h, err
}

// feedHorizon is the safe horizon of the whole feed, read inside t: the
// newest seq below which no event can still appear.
func (s *Store) feedHorizon(ctx context.Context, t *tx) (int64, error) {
	var start int64
	err := t.queryRow(ctx, `SELECT COALESCE(MIN(seq), 1) - 1 FROM (SELECT seq FROM events ORDER BY seq DESC LIMIT ?) x`, feedWindow).Scan(&start)
	if err != nil {
		return 0, err
	}
	return s.horizon(ctx, t, max(start, 0), feedWindow+1)
}

// ListFeedEvents implements roster.Store.
func (s *Store) ListFeedEvents(ctx context.Context, orgID string, afterSeq int64, match func(string) bool, limit int) (*roster.FeedPage, error) {
	page := &roster.FeedPage{Next: afterSeq}
	err := s.inRead(ctx, func(t *tx) error {
		page.Events, page.Next = page.Events[:0], afterSeq
		var purged int64
		if err := t.queryRow(ctx, `SELECT purged_through FROM event_retention WHERE id = 1`).Scan(&purged); err != nil {
			return err
		}
		if afterSeq < purged {
			return roster.E(roster.ReasonCursorExpired,
				"events up to %d are past their retention and gone, so the feed cannot continue from %d without a gap; take a snapshot (GET /api/v1/orgs/%s/snapshot) and follow the feed from its seq",
				purged, afterSeq, orgID)
		}
		horizon, err := s.horizon(ctx, t, afterSeq, feedWindow)
		if err != nil {
			return err
		}
		// Read the organization's events up to the horizon in batches,
		// keeping those that match, until the page is full.
		for page.Next < horizon {
			batch, err := s.eventsBetween(ctx, t, orgID, page.Next, horizon, max(limit, 100))
			if err != nil {
				return err
			}
			if len(batch) == 0 {
				page.Next = horizon
				break
			}
			for _, e := range batch {
				if len(page.Events) == limit {
					return nil
				}
				page.Next = e.Seq
				if match(e.Action) {
					page.Events = append(page.Events, e)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// DeleteEvents implements roster.Store. It looks at the oldest limit
// events (in the primary key's order: no index on time is needed, seq and
// time grow together) and deletes those up to the first that is not older
// than before, raising the watermark in the same transaction. The newest
// event always stays: SQLite numbers a new row one above the largest left,
// and an empty table would hand out numbers below the watermark again. On
// PostgreSQL nodes purging at once delete the same range; the second waits
// for the first's row locks and finds nothing left to delete, so nothing is
// done twice. SQLite has one writer.
func (s *Store) DeleteEvents(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int
	err := s.inTx(ctx, func(t *tx) error {
		n = 0
		var newest int64
		if err := t.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events`).Scan(&newest); err != nil {
			return err
		}
		rows, err := t.query(ctx, `SELECT seq, time FROM events ORDER BY seq LIMIT ?`, limit)
		if err != nil {
			return err
		}
		var through int64
		cutoff := micros(before)
		for rows.Next() {
			var seq, at int64
			if err := rows.Scan(&seq, &at); err != nil {
				rows.Close()
				return err
			}
			if at >= cutoff || seq >= newest {
				break
			}
			through = seq
		}
		rows.Close()
		if err := rows.Err(); err != nil || through == 0 {
			return err
		}
		res, err := t.exec(ctx, `DELETE FROM events WHERE seq <= ?`, through)
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		n = int(m)
		_, err = t.exec(ctx, `UPDATE event_retention SET purged_through = ? WHERE id = 1 AND purged_through < ?`, through, through)
		return err
	})
	return n, err
}

// GetEventHorizon implements roster.Store: the horizon rule (horizon) for
// readers outside a transaction, such as the event stream.
func (s *Store) GetEventHorizon(ctx context.Context, afterSeq int64, limit int) (int64, error) {
	var h int64
	err := s.inRead(ctx, func(t *tx) error {
		var err error
		h, err = s.horizon(ctx, t, afterSeq, limit)
		return err
	})
	return h, err
}
